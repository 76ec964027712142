import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type GraphFingerprint, generateText, graphFingerprint } from '../../../test/support/ingest-corpus.js';
import { type TestStore, createTenant, createTestStore } from '../../../test/support/stores.js';
import { type GraphService, createGraphService } from '../../graph/index.js';
import { createBuiltinExtractor } from '../extract/builtin-extractor.js';
import { parseMapping } from '../mapping/index.js';
import { parseDocument } from '../parse/index.js';
import { defaultSchema } from '../schema.js';
import { type IngestOptions, ingestPaths } from './index.js';

const mapping = parseMapping(
  `files:
  - pattern: "**/people.csv"
    dataset: people
    columns:
      id: { type: string, required: true }
      name: { type: string, required: true }
    key: id
    entities:
      - { type: Person, name: name }
`,
  'mapping.yaml',
);

const extractor = createBuiltinExtractor(defaultSchema());
const options: IngestOptions = { extractor, mapping, chunk: { size: 400, overlap: 60 } };

function writeCorpus(dir: string): void {
  writeFileSync(path.join(dir, 'a.txt'), generateText(1, 3000));
  writeFileSync(path.join(dir, 'b.md'), `# Board minutes\n\n${generateText(2, 2000)}\n\n- Alice Johnson works for Acme Corporation in London.\n`);
  writeFileSync(
    path.join(dir, 'c.html'),
    `<html><head><title>News</title></head><body><p>${generateText(3, 1500)}</p><script>var x = "Globex Inc.";</script></body></html>`,
  );
  writeFileSync(path.join(dir, 'people.csv'), 'id,name\n1,Alice Johnson\n2,Nora Quill\n3,\n');
}

async function open(): Promise<{ handle: TestStore; graph: GraphService; tenantId: string }> {
  const handle = await createTestStore('sqlite');
  return { handle, graph: createGraphService(handle.store), tenantId: await createTenant(handle.store, 'acme') };
}

describe('ingestPaths', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-ingest-'));
    writeCorpus(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ingests a folder of md, txt, html and a mapped csv; every evidence quote is the source text at its offsets', async () => {
    const { handle, graph, tenantId } = await open();
    try {
      const summary = await ingestPaths({ store: handle.store, graph }, tenantId, [dir], options);
      assert.deepEqual(
        summary.files.map((file) => [path.basename(file.file), file.status]),
        [
          ['people.csv', 'ingested'],
          ['a.txt', 'ingested'],
          ['b.md', 'ingested'],
          ['c.html', 'ingested'],
        ],
        'structured files first, so their rows are known before the documents',
      );
      assert.equal(summary.quarantined, 1, 'the csv row without a name is quarantined');
      assert.ok(summary.entities > 10 && summary.relations > 0, JSON.stringify(summary));
      for (const outcome of summary.files.filter((file) => file.kind !== 'csv')) {
        const parsed = await parseDocument(outcome.file, outcome.kind!);
        let text = '';
        for await (const block of parsed.blocks) text += block.text;
        const source = await graph.getSource(tenantId, outcome.sourceId!);
        assert.equal(source.status, 'ingested');
        assert.equal(text.slice(source.chunks.at(-1)?.end).trim(), '', 'the chunks cover the text (up to trailing whitespace)');
        const entities = await graph.listEntities(tenantId, { limit: 1000 });
        let checked = 0;
        for (const entity of entities.items) {
          for (const evidence of (await graph.getEntity(tenantId, entity.id)).evidence) {
            if (evidence.sourceId !== source.id) continue;
            assert.equal(evidence.quote, text.slice(evidence.start!, evidence.end!));
            checked++;
          }
        }
        assert.ok(checked > 0, `evidence from ${outcome.file}`);
        if (outcome.kind === 'html') assert.ok(!text.includes('var x'), 'script text is not ingested');
      }
      const alice = (await graph.listEntities(tenantId, { type: 'Person', q: 'Alice Johnson', limit: 10 })).items;
      // The documents' mentions join the Person the csv row made (keyed by the mapping's row key) by its name: one
      // entity citing both the row and the passages.
      assert.deepEqual(
        alice.map((entity) => entity.key),
        ['1'],
      );
      const cited = new Set((await graph.getEntity(tenantId, alice[0]!.id)).evidence.map((evidence) => evidence.sourceId));
      const sourceOf = (name: string) => summary.files.find((file) => path.basename(file.file) === name)?.sourceId;
      for (const name of ['people.csv', 'b.md']) assert.ok(cited.has(sourceOf(name)!), `Alice Johnson cites ${name}`);
      // The join is explained on the document's source: name, the entity it joined, rule and score.
      const minutes = await graph.getSource(tenantId, sourceOf('b.md')!);
      const resolution = minutes.metadata.resolution as { merges: { name: string; joined: string; rule: string; score: number }[]; total: number };
      assert.ok(
        resolution.merges.some(
          (merge) => merge.name === 'Alice Johnson' && merge.rule === 'graph-alias' && merge.joined === 'Alice Johnson' && merge.score === 1,
        ),
        JSON.stringify(resolution),
      );
    } finally {
      await handle.dispose();
    }
  });

  it('re-ingesting an unchanged folder writes nothing (no new events)', async () => {
    const { handle, graph, tenantId } = await open();
    try {
      await ingestPaths({ store: handle.store, graph }, tenantId, [dir], options);
      const before = await handle.store.version(tenantId);
      const again = await ingestPaths({ store: handle.store, graph }, tenantId, [dir], options);
      assert.equal(again.unchanged, 4);
      assert.equal(again.ingested + again.failed, 0);
      assert.equal(await handle.store.version(tenantId), before);
    } finally {
      await handle.dispose();
    }
  });

  it('a changed file gives the same graph as a fresh ingest of the new content', async () => {
    const changed = mkdtempSync(path.join(os.tmpdir(), 'trellis-ingest-changed-'));
    writeCorpus(changed);
    const first = await open();
    const fresh = await open();
    try {
      await ingestPaths({ store: first.handle.store, graph: first.graph }, first.tenantId, [changed], options);
      writeFileSync(path.join(changed, 'a.txt'), generateText(99, 2500));
      writeFileSync(path.join(changed, 'people.csv'), 'id,name\n1,Alice Johnson\n2,Peter Pike\n');
      const second = await ingestPaths({ store: first.handle.store, graph: first.graph }, first.tenantId, [changed], options);
      assert.deepEqual(
        second.files.map((file) => file.status),
        ['ingested', 'ingested', 'unchanged', 'unchanged'],
      );
      assert.equal(second.files[0]?.replaced, true);
      await ingestPaths({ store: fresh.handle.store, graph: fresh.graph }, fresh.tenantId, [changed], options);
      const [after, expected]: GraphFingerprint[] = [
        await graphFingerprint(first.handle.store, first.tenantId),
        await graphFingerprint(fresh.handle.store, fresh.tenantId),
      ];
      assert.deepEqual(after, expected);
    } finally {
      await first.handle.dispose();
      await fresh.handle.dispose();
      rmSync(changed, { recursive: true, force: true });
    }
  });

  it('reports bad files with file and place, ingests the rest, and leaves stored sources intact', async () => {
    const bad = mkdtempSync(path.join(os.tmpdir(), 'trellis-ingest-bad-'));
    const { handle, graph, tenantId } = await open();
    try {
      writeFileSync(path.join(bad, 'good.txt'), generateText(5, 1500));
      await ingestPaths({ store: handle.store, graph }, tenantId, [bad], options);
      const stored = await graphFingerprint(handle.store, tenantId);
      writeFileSync(path.join(bad, 'binary.txt'), Buffer.from([0x48, 0x69, 0x00, 0x01, 0x02]));
      writeFileSync(path.join(bad, 'latin1.md'), Buffer.concat([Buffer.from('Caf'), Buffer.from([0xe9]), Buffer.from(' in Paris.')]));
      writeFileSync(path.join(bad, 'empty.txt'), '');
      writeFileSync(path.join(bad, 'broken.pdf'), '%PDF-1.4\nthis is not really a pdf');
      writeFileSync(path.join(bad, 'table.csv'), 'id,name\n1,Ann\n');
      writeFileSync(path.join(bad, 'other.txt'), generateText(6, 800));
      const summary = await ingestPaths({ store: handle.store, graph }, tenantId, [bad], { ...options, mapping: undefined });
      const byName = new Map(summary.files.map((file) => [path.basename(file.file), file]));
      assert.equal(byName.get('good.txt')?.status, 'unchanged');
      assert.equal(byName.get('other.txt')?.status, 'ingested');
      assert.match(byName.get('binary.txt')?.error?.message ?? '', /^binary\.txt: byte 2: binary file/);
      assert.match(byName.get('latin1.md')?.error?.message ?? '', /^latin1\.md: byte 3: invalid UTF-8/);
      assert.match(byName.get('empty.txt')?.error?.message ?? '', /^empty\.txt: .*empty file/);
      assert.match(byName.get('broken.pdf')?.error?.message ?? '', /^broken\.pdf: /);
      assert.match(byName.get('table.csv')?.error?.message ?? '', /^no mapping for table\.csv/);
      assert.equal(summary.failed, 5);
      const after = await graphFingerprint(handle.store, tenantId);
      assert.equal(after.sources, stored.sources + 1);
      assert.ok(after.entities >= stored.entities);
    } finally {
      await handle.dispose();
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('names in a mapped gazetteer column are found in documents (built-in extractor in its worker pool)', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'trellis-ingest-gazetteer-'));
    const { handle, graph, tenantId } = await open();
    try {
      writeFileSync(path.join(folder, 'products.csv'), 'sku,title\nW-1,zorblax nine\nW-2,Quibbleframe\n');
      writeFileSync(path.join(folder, 'notes.txt'), 'The team shipped zorblax nine to every customer. Quibbleframe waits for review.\n');
      const products = parseMapping(
        `files:
  - pattern: products.csv
    dataset: products
    columns: { sku: { type: string, required: true }, title: { type: string, required: true } }
    key: sku
    gazetteer: { column: title, type: Product }
`,
        'products.yaml',
      );
      const summary = await ingestPaths({ store: handle.store, graph }, tenantId, [folder], { mapping: products });
      assert.equal(summary.failed, 0, JSON.stringify(summary.files));
      const found = (await graph.listEntities(tenantId, { type: 'Product', limit: 10 })).items.map((entity) => entity.name).sort();
      assert.deepEqual(found, ['Quibbleframe', 'zorblax nine'], 'a lower-case product name is found only through the gazetteer');
    } finally {
      await handle.dispose();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
