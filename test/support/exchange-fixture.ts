/**
 * @module Test helper: a small graph built to be hard to export — injection strings, every kind of property value,
 * characters XML 1.0 forbids, newlines and quotes, a property named like a fixed column, citations of a real
 * passage — and a dataset filled through the mapping engine.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GraphService } from '../../src/graph/index.js';
import { ingestFiles, parseMapping } from '../../src/ingest/mapping/index.js';
import type { Store } from '../../src/store/index.js';

/** Names that try to break out of every format's quoting. */
export const hostileNames = {
  cypher: '"}) DETACH DELETE n //',
  cypherSingle: "x'}) MATCH (m) DETACH DELETE m //",
  xml: '</node><script>alert(1)</script>',
  csv: '=HYPERLINK("http://evil.example","click"), then "quotes"',
  lines: 'Line one\nLine two\r\n\ttabbed "quoted", with `backtick` and \\ backslash',
  forbidden: 'Bell\u0007 and \uFFFE end',
  unicode: '🚀 Zürich – 東京',
  triple: '"> <urn:x> "injected" .',
};

/** What {@link buildFixture} made. */
export interface Fixture {
  ids: Record<string, string>;
  sourceId: string;
  entities: number;
  relations: number;
}

/** Builds the fixture graph (and the `staff` dataset) in a tenant. */
export async function buildFixture(store: Store, graph: GraphService, tenantId: string): Promise<Fixture> {
  const source = await graph.createSource(tenantId, {
    uri: 'file:///letters/ada.txt',
    kind: 'text',
    title: 'Letters',
    chunks: [{ text: 'Ada Lovelace wrote the first program for the Analytical Engine.', page: 3 }],
  });
  const chunk = source.chunks[0]?.id as string;
  const names = [
    'Ada Lovelace',
    'Analytical Engine',
    hostileNames.cypher,
    hostileNames.cypherSingle,
    hostileNames.xml,
    hostileNames.csv,
    hostileNames.lines,
    hostileNames.forbidden,
    hostileNames.unicode,
    hostileNames.triple,
  ];
  const result = await graph.upsertEntities(tenantId, [
    {
      type: 'Person',
      name: 'Ada Lovelace',
      aliases: ['Ada', 'Countess of Lovelace', hostileNames.xml],
      properties: {
        born: 1815,
        score: 0.5,
        tags: ['math', 'poetry'],
        'home town': 'London',
        active: true,
        address: { city: 'London' },
        name: 'shadow',
        mixed: 1,
      },
      evidence: [{ sourceId: source.id, chunkId: chunk, start: 0, end: 12, extractor: 'test' }],
    },
    { type: 'Machine', name: 'Analytical Engine', properties: { mixed: 'text', born: 1837 }, confidence: 0.75 },
    ...names.slice(2).map((name, index) => ({ type: index % 2 === 0 ? 'Person' : 'Organization', name, properties: { rank: index } })),
  ]);
  const ids = Object.fromEntries(names.map((name, index) => [name, result.ids[index] as string]));
  const ada = ids['Ada Lovelace'] as string;
  const engine = ids['Analytical Engine'] as string;
  await graph.upsertRelations(tenantId, [
    {
      type: 'PROGRAMMED',
      from: ada,
      to: engine,
      properties: { year: 1843, weight: 2.5, 'role:title': 'author', notes: ['G'] },
      confidence: 0.9,
      validFrom: '1842-01-01T00:00:00Z',
      evidence: [{ sourceId: source.id, chunkId: chunk, start: 13, end: 36, extractor: 'test' }],
    },
    ...names.slice(2).map((name) => ({ type: 'KNOWS', from: ids[name] as string, to: ada, properties: { via: name } })),
    { type: 'MENTIONS', from: ids[hostileNames.xml] as string, to: ids[hostileNames.cypher] as string },
  ]);
  const folder = mkdtempSync(path.join(os.tmpdir(), 'trellis-exchange-dataset-'));
  try {
    writeFileSync(path.join(folder, 'staff.csv'), `id,name,age\nE-1,Alice Johnson,41\nE-2,"${hostileNames.csv.replaceAll('"', '""')}",38\nE-3,Bob,29\n`);
    const mapping = parseMapping(
      'files:\n  - pattern: staff.csv\n    dataset: staff\n    columns:\n      id: { type: string, required: true }\n      name: string\n      age: integer\n    key: id\n',
      'mapping.yaml',
    );
    await ingestFiles({ store, graph }, tenantId, { root: folder, config: mapping });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  return { ids, sourceId: source.id, entities: names.length, relations: names.length - 2 + 2 };
}
