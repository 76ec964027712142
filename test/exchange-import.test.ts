/**
 * @module Imports on both drivers: JSONL and GraphML exports imported into an empty tenant give the same graph; GraphML
 * from other tools maps its keys; bad files (malformed lines, XML bombs, external entities, unclosed tags, unknown or
 * foreign endpoints) are refused whole with their lines and write nothing; a write that fails midway is undone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { openExport } from '../src/exchange/export-stream.js';
import { type ImportFormat, defaultBase, parseSubject } from '../src/exchange/formats.js';
import { checkImport, importFile, importUri, writeImport } from '../src/exchange/import-run.js';
import { canonicalKey, type Entity, type GraphService, type Relation, createGraphService } from '../src/graph/index.js';
import { buildFixture } from './support/exchange-fixture.js';
import { type TestStore, createTenant, createTestStore, dialects } from './support/stores.js';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const inXml = (value: string) => value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');

/** Every string inside a value mapped. */
function deep(value: unknown, map: (value: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => deep(item, map));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [map(key), deep(item, map)]));
  return value;
}

/** A graph as names, comparable across tenants (IDs differ); `map` applies to every string. */
async function snapshot(graph: GraphService, tenantId: string, map: (value: string) => string = (value) => value) {
  const entities: Entity[] = (await graph.listEntities(tenantId, { limit: 1000 })).items;
  const relations: Relation[] = (await graph.listRelations(tenantId, { limit: 1000 })).items;
  const nameOf = new Map(entities.map((entity) => [entity.id, entity.name]));
  return {
    entities: entities
      .map((entity) => ({
        type: entity.type,
        name: map(entity.name),
        key: canonicalKey(map(entity.key)),
        aliases: [...entity.aliases].map(map).sort(),
        properties: deep(entity.properties, map),
        confidence: entity.confidence,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    relations: relations
      .map((relation) => ({
        type: relation.type,
        from: map(nameOf.get(relation.from) as string),
        to: map(nameOf.get(relation.to) as string),
        properties: deep(relation.properties, map),
        confidence: relation.confidence,
        validFrom: relation.validFrom,
        validTo: relation.validTo,
      }))
      .sort((a, b) => (`${a.type}${a.from}${a.to}` < `${b.type}${b.from}${b.to}` ? -1 : 1)),
  };
}

for (const dialect of dialects) {
  describe(`imports (${dialect})`, () => {
    let test: TestStore;
    let graph: GraphService;
    let tenantId: string;
    let folder: string;
    let services: { store: TestStore['store']; graph: GraphService };
    const file = (name: string, content: string | Buffer) => {
      const at = path.join(folder, name);
      writeFileSync(at, content);
      return at;
    };
    const exported = async (format: 'jsonl' | 'graphml') =>
      text(
        await openExport({ store: test.store, config: { databaseUrl: undefined, databaseRole: '' } }, tenantId, {
          format,
          what: parseSubject('graph'),
          citations: 2,
          safeCsv: false,
          base: defaultBase,
        }),
      );
    const counts = async (tenant: string) => ({
      entities: (await graph.listEntities(tenant, { limit: 1000 })).items.length,
      relations: (await graph.listRelations(tenant, { limit: 1000 })).items.length,
      imports: (await graph.listSources(tenant, { kind: 'import', limit: 100 })).items.length,
    });
    const refused = async (tenant: string, name: string, content: string | Buffer, format: ImportFormat, pattern: RegExp) => {
      const before = await counts(tenant);
      const error = await importFile(services, tenant, { file: file(name, content), name, format }).then(
        () => assert.fail(`${name} was imported`),
        (caught: { code: string; message: string; details: { problems: { line: number; message: string }[] } }) => caught,
      );
      assert.equal(error.code, 'unprocessable');
      assert.match(error.message, pattern);
      assert.deepEqual(await counts(tenant), before, 'nothing was written');
      return error.details.problems;
    };

    before(async () => {
      test = await createTestStore(dialect);
      graph = createGraphService(test.store);
      services = { store: test.store, graph };
      tenantId = await createTenant(test.store, 'source');
      await buildFixture(test.store, graph, tenantId);
      folder = mkdtempSync(path.join(os.tmpdir(), 'trellis-exchange-import-'));
    });
    after(async () => {
      await test.dispose();
      rmSync(folder, { recursive: true, force: true });
    });

    it('JSONL round trip: export, import into an empty tenant, same entities and relations (names, types, keys, aliases, properties)', async () => {
      const target = await createTenant(test.store, 'jsonl-copy');
      const summary = await importFile(services, target, { file: file('graph.jsonl', await exported('jsonl')), name: 'graph.jsonl', format: 'jsonl' });
      assert.equal(summary.status, 'imported');
      assert.deepEqual(await snapshot(graph, target), await snapshot(graph, tenantId));
      assert.equal(summary.entities.created, 10);
      assert.equal(summary.relations.created, 10);
      const [entity] = (await graph.listEntities(target, { limit: 1 })).items;
      const cited = await graph.getEntity(target, entity?.id as string);
      assert.deepEqual(
        cited.evidence.map((item) => [item.source?.uri, item.extractor, item.end === null || item.start === null ? null : item.end - item.start]),
        [[importUri('graph.jsonl', (await graph.getSource(target, summary.sourceId)).contentHash?.slice(7) ?? ''), 'import:jsonl', 1]],
      );
      assert.equal((await graph.getSource(target, summary.sourceId)).status, 'imported');
      const again = await importFile(services, target, { file: file('graph.jsonl', await exported('jsonl')), name: 'graph.jsonl', format: 'jsonl' });
      assert.equal(again.status, 'unchanged');
      assert.equal((await counts(target)).imports, 1);
    });

    it('GraphML round trip: the same graph, with characters XML forbids as U+FFFD', async () => {
      const target = await createTenant(test.store, 'graphml-copy');
      await importFile(services, target, { file: file('graph.graphml', await exported('graphml')), name: 'graph.graphml', format: 'graphml' });
      assert.deepEqual(await snapshot(graph, target), await snapshot(graph, tenantId, inXml));
    });

    it('GraphML from other tools: label and type keys, typed data, defaults, yEd labels, sanitised types, undeclared types defaulted', async () => {
      const target = await createTenant(test.store, 'networkx');
      const networkx = `<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:y="http://www.yworks.com/xml/graphml">
  <key id="d0" for="node" attr.name="label" attr.type="string"/>
  <key id="d1" for="node" attr.name="type" attr.type="string"/>
  <key id="d2" for="node" attr.name="age" attr.type="int"><default>0</default></key>
  <key id="d3" for="edge" attr.name="weight" attr.type="double"/>
  <key id="d4" for="edge" attr.name="label" attr.type="string"/>
  <key id="d5" for="node" yfiles.type="nodegraphics"/>
  <key id="d6" for="node" attr.name="member" attr.type="boolean"/>
  <graph edgedefault="undirected">
    <node id="n0"><data key="d0">Alice</data><data key="d1">person</data><data key="d2">31</data><data key="d6">true</data></node>
    <node id="n1"><data key="d1">Modularity Class 3</data></node>
    <node id="n2"><data key="d5"><y:ShapeNode><y:NodeLabel>Bob from yEd</y:NodeLabel></y:ShapeNode></data></node>
    <edge source="n0" target="n1"><data key="d3">0.5</data><data key="d4">co-author of</data></edge>
    <edge source="n2" target="n0"/>
  </graph>
</graphml>`;
      const summary = await importFile(services, target, {
        file: file('nx.graphml', networkx),
        name: 'nx.graphml',
        format: 'graphml',
        options: { defaultEntityType: 'Thing' },
      });
      assert.deepEqual(summary.entities, { read: 3, created: 3, updated: 0 });
      const got = await snapshot(graph, target);
      assert.deepEqual(
        got.entities.map((entity) => [entity.type, entity.name, entity.properties]),
        [
          ['person', 'Alice', { age: 31, member: true }],
          ['Thing', 'Bob from yEd', { age: 0 }],
          ['Modularity_Class_3', 'n1', { age: 0 }],
        ],
      );
      assert.deepEqual(
        got.relations.map((relation) => [relation.type, relation.from, relation.to, relation.properties]),
        [
          ['RELATED_TO', 'Bob from yEd', 'Alice', {}],
          ['co-author_of', 'Alice', 'n1', { weight: 0.5 }],
        ],
      );
    });

    it("JSONL: relations may name entities the tenant holds by ID, not another tenant's", async () => {
      const target = await createTenant(test.store, 'existing');
      const { entity } = await graph.upsertEntity(target, { type: 'Company', name: 'Initech' });
      const foreign = (await graph.listEntities(tenantId, { limit: 1 })).items[0] as Entity;
      const good = `{"kind":"entity","id":"p","type":"Person","name":"Peter"}\n{"kind":"relation","from":"p","to":"${entity.id.toUpperCase()}","type":"WORKS_AT"}\n`;
      await importFile(services, target, { file: file('existing.jsonl', good), name: 'existing.jsonl', format: 'jsonl' });
      assert.deepEqual(
        (await snapshot(graph, target)).relations.map((relation) => [relation.from, relation.to]),
        [['Peter', 'Initech']],
      );
      const problems = await refused(
        target,
        'foreign.jsonl',
        `{"kind":"entity","id":"q","type":"Person","name":"Quentin"}\n{"kind":"relation","from":"q","to":"${foreign.id}","type":"KNOWS"}\n`,
        'jsonl',
        /line 2: .*no entity of the file or of this tenant/,
      );
      assert.deepEqual(
        problems.map((problem) => problem.line),
        [2],
      );
    });

    it('refuses malformed JSONL whole, naming every bad line', async () => {
      const lines = [
        '{"kind":"entity","id":"a","type":"Person","name":"Ann"}',
        '{"kind":"entity","id":"b","type":"Person","name":"Bo"',
        '["not", "an", "object"]',
        '{"kind":"entity","id":"a","type":"Person","name":"Ann again"}',
        '{"kind":"entity","type":"has space","name":"x"}',
        '{"kind":"entity","type":"Person","name":"","aliases":"not a list"}',
        '{"kind":"relation","from":"a","to":"nowhere","type":"KNOWS"}',
        '{"kind":"relation","from":"a","to":"a","type":"KNOWS","confidence":7}',
        '{"kind":"widget"}',
        '{"kind":"relation","from":"a","to":"a","type":"KNOWS","validFrom":"yesterday"}',
      ];
      const problems = await refused(tenantId, 'bad.jsonl', lines.join('\n'), 'jsonl', /^bad\.jsonl: line 2: not valid JSON/);
      assert.deepEqual(
        problems.map((problem) => problem.line),
        [2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.match(problems[2]?.message ?? '', /already given to the entity on line 1/);
      await refused(tenantId, 'latin1.jsonl', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]), 'jsonl', /not valid UTF-8/);
      await refused(tenantId, 'empty.jsonl', '\n\n', 'jsonl', /holds no entity and no relation/);
    });

    it('refuses hostile and malformed GraphML: entity bombs, external entities, unclosed tags, undeclared keys and nodes', async () => {
      const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<graphml><key id="d" for="node" attr.name="label"/><graph><node id="n"><data key="d">&lol2;</data></node></graph></graphml>`;
      await refused(tenantId, 'bomb.graphml', bomb, 'graphml', /DOCTYPE is not accepted/);
      const external = `<?xml version="1.0"?><!DOCTYPE g [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><graphml><graph><node id="&xxe;"/></graph></graphml>`;
      await refused(tenantId, 'xxe.graphml', external, 'graphml', /DOCTYPE is not accepted/);
      await refused(tenantId, 'unclosed.graphml', '<graphml><graph><node id="a"><data key="x">', 'graphml', /malformed XML|unclosed/);
      await refused(tenantId, 'mismatch.graphml', '<graphml><graph><node id="a"></edge></graph></graphml>', 'graphml', /malformed XML/);
      await refused(tenantId, 'undefined-entity.graphml', '<graphml><graph><node id="a&foo;"/></graph></graphml>', 'graphml', /malformed XML/);
      await refused(tenantId, 'root.graphml', '<gexf><graph/></gexf>', 'graphml', /root element is <gexf>/);
      await refused(tenantId, 'nokey.graphml', '<graphml><graph><node id="a"><data key="k">x</data></node></graph></graphml>', 'graphml', /no <key> declares/);
      const dangling = '<graphml><graph><node id="a"/><edge source="a" target="ghost"/></graph></graphml>';
      const problems = await refused(tenantId, 'dangling.graphml', dangling, 'graphml', /"ghost" is no <node> of the file/);
      assert.equal(problems[0]?.line, 1);
      await refused(tenantId, 'latin1.graphml', '<?xml version="1.0" encoding="ISO-8859-1"?><graphml/>', 'graphml', /only UTF-8/);
      await refused(
        tenantId,
        'typed.graphml',
        '<graphml><key id="k" for="node" attr.name="age" attr.type="int"/><graph><node id="a"><data key="k">old</data></node></graph></graphml>',
        'graphml',
        /attr.type int\) is not an integer/,
      );
      await refused(tenantId, 'hyper.graphml', '<graphml><graph><node id="a"/><hyperedge/></graph></graphml>', 'graphml', /hyperedges are not supported/);
    });

    it('a write that fails midway is undone: the import source and everything it wrote are gone', async () => {
      const target = await createTenant(test.store, 'undo');
      const { entity } = await graph.upsertEntity(target, { type: 'Company', name: 'Vanishing' });
      const lines = Array.from({ length: 6000 }, (_, index) => JSON.stringify({ kind: 'entity', id: `e${index}`, type: 'Part', name: `Part ${index}` }));
      lines.push(JSON.stringify({ kind: 'relation', from: 'e1', to: entity.id, type: 'MADE_BY' }));
      const input = { file: file('undo.jsonl', lines.join('\n')), name: 'undo.jsonl', format: 'jsonl' as const };
      const validation = await checkImport(services, target, input);
      // The entity the last line names disappears between the check and the write: the first batch is written, then the relation fails.
      await graph.deleteEntity(target, entity.id);
      await assert.rejects(writeImport(services, target, input, validation), { code: 'unprocessable' });
      assert.deepEqual(await counts(target), { entities: 0, relations: 0, imports: 0 });
    });

    it('an import interrupted before (its source left importing) is removed and done again', async () => {
      const target = await createTenant(test.store, 'resume');
      const content =
        '{"kind":"entity","id":"a","type":"Person","name":"Ann"}\n{"kind":"entity","id":"b","type":"Person","name":"Bea"}\n{"kind":"relation","from":"a","to":"b","type":"KNOWS"}\n';
      const input = { file: file('resume.jsonl', content), name: 'resume.jsonl', format: 'jsonl' as const };
      const validation = await checkImport(services, target, input);
      const stale = await graph.createSource(target, { uri: importUri('resume.jsonl', validation.sha256), kind: 'import', status: 'importing' });
      await graph.upsertEntity(target, { type: 'Person', name: 'Half Written', evidence: [{ sourceId: stale.id, start: 1, end: 2 }] });
      const summary = await writeImport(services, target, input, validation);
      assert.notEqual(summary.sourceId, stale.id);
      assert.deepEqual(
        (await snapshot(graph, target)).entities.map((entity) => entity.name),
        ['Ann', 'Bea'],
      );
      assert.deepEqual(await counts(target), { entities: 2, relations: 1, imports: 1 });
    });
  });
}
