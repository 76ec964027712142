/**
 * @module Every export format, on both drivers, read back with a real parser and compared with the graph: GraphML and
 * GEXF checked against their schemas' structure, CSV with csv-parse, N-Triples with N3.js, the Cypher script lexed and
 * its UNWIND lists evaluated. Hostile names must come back exactly (or, for characters XML 1.0 forbids, as U+FFFD).
 * Runs through the export worker (a snapshot of the store) and through the in-process reader.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Readable } from 'node:stream';
import { openExport } from '../src/exchange/export-stream.js';
import { type ExportFormat, type ExportRequest, defaultBase, parseSubject } from '../src/exchange/formats.js';
import { type Entity, type GraphService, type Relation, createGraphService } from '../src/graph/index.js';
import type { Dialect } from '../src/store/index.js';
import { type Fixture, buildFixture, hostileNames } from './support/exchange-fixture.js';
import { readCsv, readCypher, readGexf, readGraphml, readNTriples } from './support/exchange-parsers.js';
import { type TestStore, createTenant, createTestStore, dialects } from './support/stores.js';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** What XML can carry of a string: the characters XML 1.0 forbids become U+FFFD. */
const inXml = (value: string) => value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');

for (const dialect of dialects) {
  for (const mode of ['worker', 'inline'] as const) {
    describe(`exports (${dialect}, ${mode})`, () => {
      let test: TestStore;
      let graph: GraphService;
      let tenantId: string;
      let otherTenant: string;
      let fixture: Fixture;
      let entities: Entity[];
      let relations: Relation[];
      let services: Parameters<typeof openExport>[0];

      const run = async (format: ExportFormat, what: string, options: Partial<ExportRequest> = {}, tenant = tenantId) =>
        text(await openExport(services, tenant, { format, what: parseSubject(what), citations: 0, safeCsv: false, base: defaultBase, ...options }));
      const byName = (name: string) => entities.find((entity) => entity.name === name) as Entity;

      before(async () => {
        test = await createTestStore(dialect);
        graph = createGraphService(test.store);
        tenantId = await createTenant(test.store, 'acme');
        otherTenant = await createTenant(test.store, 'globex');
        await graph.upsertEntity(otherTenant, { type: 'Person', name: 'Globex Secret' });
        fixture = await buildFixture(test.store, graph, tenantId);
        entities = (await graph.listEntities(tenantId, { limit: 100 })).items;
        relations = (await graph.listRelations(tenantId, { limit: 100 })).items;
        const databaseUrl = mode === 'worker' && dialect === 'postgres' ? test.location : undefined;
        // In-process reads: a SQLite store that says it is in memory, or PostgreSQL without a URL for a worker.
        const store = mode === 'inline' && dialect === 'sqlite' ? { ...test.store, location: ':memory:' } : test.store;
        services = { store, config: { databaseUrl, databaseRole: 'trellis_app' } };
      });
      after(() => test.dispose());

      it('GraphML: valid structure, every node and edge with its type, name, key, aliases, confidence and typed properties', async () => {
        const parsed = readGraphml(await run('graphml', 'graph'));
        assert.equal(parsed.nodes.size, fixture.entities);
        assert.equal(parsed.edges.length, fixture.relations);
        for (const entity of entities) {
          const node = parsed.nodes.get(entity.id);
          assert.ok(node, entity.name);
          assert.equal(node.label, inXml(entity.name));
          assert.equal(node.type, entity.type);
          assert.equal(node.confidence, entity.confidence);
          if (entity.aliases.length > 0) assert.deepEqual(JSON.parse(node.aliases as string), entity.aliases.map(inXml));
        }
        const ada = parsed.nodes.get(byName('Ada Lovelace').id) as Record<string, unknown>;
        assert.equal(ada.born, 1815);
        assert.equal(ada.score, 0.5);
        assert.equal(ada.active, true);
        assert.equal(ada['property.name'], 'shadow');
        assert.equal(ada.home_town, 'London');
        assert.deepEqual(parsed.declared.get('node:home_town'), { type: 'string', desc: 'trellis:property home town' });
        assert.deepEqual(JSON.parse(ada.tags as string), ['math', 'poetry']);
        assert.deepEqual(parsed.declared.get('node:born'), { type: 'long' });
        assert.deepEqual(parsed.declared.get('node:score'), { type: 'double' });
        assert.equal(parsed.declared.get('node:mixed')?.type, 'string');
        const programmed = parsed.edges.find((edge) => edge.attributes.label === 'PROGRAMMED');
        assert.equal(programmed?.source, byName('Ada Lovelace').id);
        assert.equal(programmed?.target, byName('Analytical Engine').id);
        assert.equal(programmed?.attributes.year, 1843);
        assert.equal(programmed?.attributes['role:title'], 'author');
        assert.equal(programmed?.attributes.valid_from, '1842-01-01T00:00:00.000Z');
        for (const relation of relations)
          assert.ok(parsed.edges.some((edge) => edge.id === relation.id && edge.source === relation.from && edge.target === relation.to));
      });

      it("GraphML with citations carries each fact's source URI, chunk, span and passage; entities-only has no edges", async () => {
        const parsed = readGraphml(await run('graphml', 'graph', { citations: 5 }));
        const ada = parsed.nodes.get(byName('Ada Lovelace').id) as Record<string, unknown>;
        const [citation] = JSON.parse(ada.citations as string) as Record<string, unknown>[];
        assert.equal(citation?.uri, 'file:///letters/ada.txt');
        assert.equal(citation?.quote, 'Ada Lovelace');
        assert.equal(citation?.start, 0);
        assert.equal(citation?.end, 12);
        assert.equal(citation?.page, 3);
        const edge = parsed.edges.find((item) => item.attributes.label === 'PROGRAMMED');
        assert.equal((JSON.parse(edge?.attributes.citations as string) as Record<string, unknown>[])[0]?.quote, 'wrote the first program');
        const nodesOnly = readGraphml(await run('graphml', 'entities'));
        assert.equal(nodesOnly.nodes.size, fixture.entities);
        assert.equal(nodesOnly.edges.length, 0);
      });

      it('GEXF 1.3: valid structure, labels, kinds, weights and attributes', async () => {
        const parsed = readGexf(await run('gexf', 'graph', { citations: 1 }));
        assert.equal(parsed.nodes.size, fixture.entities);
        assert.equal(parsed.edges.length, fixture.relations);
        for (const entity of entities) assert.equal(parsed.nodes.get(entity.id)?.label, inXml(entity.name));
        assert.equal(parsed.nodes.get(byName('Ada Lovelace').id)?.born, 1815);
        assert.deepEqual(parsed.declared.get('node:home town'), { type: 'string' });
        const programmed = parsed.edges.find((edge) => edge.attributes.kind === 'PROGRAMMED');
        assert.equal(programmed?.attributes.label, 'PROGRAMMED');
        assert.equal(programmed?.attributes.confidence, 0.9);
        assert.equal(programmed?.attributes['role:title'], 'author');
        assert.match(String(parsed.nodes.get(byName('Ada Lovelace').id)?.citations), /Ada Lovelace/);
      });

      it('CSV: RFC 4180 entities and relations tables that csv-parse reads back exactly, properties as typed columns', async () => {
        const table = readCsv(await run('csv', 'entities'));
        assert.deepEqual(table.header.slice(0, 8), ['id', 'type', 'name', 'key', 'aliases', 'confidence', 'created_at', 'updated_at']);
        assert.ok(table.header.includes('property.name') && table.header.includes('home town'));
        assert.equal(table.records.length, fixture.entities);
        for (const entity of entities) {
          const record = table.records.find((item) => item.id === entity.id);
          assert.equal(record?.name, entity.name);
          assert.deepEqual(JSON.parse(record?.aliases ?? ''), entity.aliases);
        }
        const ada = table.records.find((item) => item.name === 'Ada Lovelace');
        assert.equal(ada?.born, '1815');
        assert.equal(ada?.tags, '["math","poetry"]');
        assert.equal(ada?.['property.name'], 'shadow');
        const edges = readCsv(await run('csv', 'relations', { citations: 2 }));
        assert.equal(edges.records.length, fixture.relations);
        const knows = edges.records.find((item) => item.from_name === hostileNames.lines);
        assert.equal(knows?.to_name, 'Ada Lovelace');
        assert.equal(knows?.via, hostileNames.lines);
        assert.equal(JSON.parse(edges.records.find((item) => item.type === 'PROGRAMMED')?.citations ?? '[]')[0]?.uri, 'file:///letters/ada.txt');
      });

      it('CSV with safeCsv neutralises formulas (a leading quote) and starts with a byte order mark; dataset rows export as a table', async () => {
        const raw = await run('csv', 'entities', { safeCsv: true });
        assert.ok(raw.startsWith('\uFEFF'));
        const table = readCsv(raw);
        assert.ok(table.records.some((record) => record.name === `'${hostileNames.csv}`));
        assert.ok(table.records.every((record) => !/^[=+\-@]/.test(record.name ?? '')));
        const rows = readCsv(await run('csv', 'dataset:staff', { citations: 1 }));
        assert.deepEqual(rows.header, ['id', 'age', 'name', '_source', '_row']);
        assert.deepEqual(
          rows.records.map((record) => [record.id, record.name, record.age, record._row]),
          [
            ['E-1', 'Alice Johnson', '41', '2'],
            ['E-2', hostileNames.csv, '38', '3'],
            ['E-3', 'Bob', '29', '4'],
          ],
        );
        assert.match(rows.records[0]?._source ?? '', /^file:\/\/.*staff\.csv$/);
      });

      it('JSONL: one object per line with kind, the graph exactly as the API shows it; dataset rows as objects', async () => {
        const lines = (await run('jsonl', 'graph'))
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        assert.equal(lines.length, fixture.entities + fixture.relations);
        for (const entity of entities) {
          const { kind, ...line } = lines.find((item) => item.id === entity.id) as Record<string, unknown>;
          assert.equal(kind, 'entity');
          assert.deepEqual(line, entity);
        }
        for (const relation of relations) {
          const { kind, ...line } = lines.find((item) => item.id === relation.id) as Record<string, unknown>;
          assert.equal(kind, 'relation');
          assert.deepEqual(line, relation);
        }
        const rows = (await run('jsonl', 'dataset:staff'))
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
        assert.deepEqual(rows[1], { id: 'E-2', name: hostileNames.csv, age: 38 });
      });

      it('Cypher: a constraint, then UNWIND lists whose literals decode to the exact names; no injected clause', async () => {
        const script = await run('cypher', 'graph', { citations: 1 });
        const statements = readCypher(script);
        assert.deepEqual(statements[0]?.words.slice(0, 3), ['CREATE', 'CONSTRAINT', 'trellis_entity_id']);
        const nodes = statements
          .filter((statement) => statement.words.includes('MERGE') && !statement.words.includes('MATCH'))
          .flatMap((statement) => statement.rows);
        assert.equal(nodes.length, fixture.entities);
        for (const entity of entities) {
          const row = nodes.find((item) => item.id === entity.id) as Record<string, unknown>;
          assert.equal(row.name, entity.name);
          assert.deepEqual(row.aliases, entity.aliases);
        }
        const ada = nodes.find((item) => item.name === 'Ada Lovelace') as { properties: Record<string, unknown> };
        assert.deepEqual(ada.properties.tags, ['math', 'poetry']);
        assert.equal(ada.properties['property.name'], 'shadow');
        assert.equal(ada.properties.address, '{"city":"London"}');
        const edges = statements.filter((statement) => statement.words.includes('MATCH')).flatMap((statement) => statement.rows);
        assert.equal(edges.length, fixture.relations);
        assert.ok(edges.some((row) => (row.properties as Record<string, unknown>).via === hostileNames.cypherSingle));
        const labels = statements.flatMap((statement) => statement.names);
        assert.ok(labels.includes('Person') && labels.includes('PROGRAMMED'));
        for (const statement of statements) assert.ok(!statement.words.includes('DELETE') && !statement.words.includes('DETACH'), statement.words.join(' '));
        assert.equal(statements.length, script.split('\n').filter((line) => line.endsWith(';')).length);
      });

      it('neo4j-admin CSV: node and relationship headers with types, labels and arrays split by U+001F', async () => {
        const nodes = readCsv(await run('neo4j-csv', 'entities'));
        assert.deepEqual(nodes.header.slice(0, 6), ['id:ID', ':LABEL', 'name', 'key', 'aliases:string[]', 'confidence:double']);
        assert.ok(nodes.header.includes('born:long') && nodes.header.includes('property.name:string'));
        for (const entity of entities) {
          const record = nodes.records.find((item) => item['id:ID'] === entity.id) as Record<string, string>;
          assert.deepEqual(record[':LABEL']?.split('\u001F'), ['Entity', entity.type]);
          assert.equal(record.name, entity.name);
          assert.deepEqual(record['aliases:string[]'] === '' ? [] : record['aliases:string[]']?.split('\u001F'), entity.aliases);
        }
        const edges = readCsv(await run('neo4j-csv', 'relations'));
        assert.deepEqual(edges.header.slice(0, 7), [':START_ID', ':END_ID', ':TYPE', 'id', 'confidence:double', 'valid_from:datetime', 'valid_to:datetime']);
        assert.ok(edges.header.includes('role_title:string'));
        assert.equal(edges.records.length, fixture.relations);
      });

      it('N-Triples: N3.js parses every line; labels, types, properties and reified relations under the base', async () => {
        const base = 'https://kg.example.org/acme/';
        const triples = readNTriples(await run('ntriples', 'graph', { base, citations: 1 }));
        const label = 'http://www.w3.org/2000/01/rdf-schema#label';
        for (const entity of entities) {
          const subject = `${base}entity/${entity.id}`;
          assert.ok(
            triples.some(
              (triple) => triple.subject === subject && triple.predicate === label && 'value' in triple.object && triple.object.value === entity.name,
            ),
            entity.name,
          );
          assert.ok(triples.some((triple) => triple.subject === subject && 'iri' in triple.object && triple.object.iri === `${base}type/${entity.type}`));
        }
        const ada = `${base}entity/${byName('Ada Lovelace').id}`;
        assert.ok(
          triples.some(
            (triple) =>
              triple.subject === ada && triple.predicate === `${base}property/home%20town` && 'value' in triple.object && triple.object.value === 'London',
          ),
        );
        assert.ok(
          triples.some(
            (triple) =>
              triple.subject === ada &&
              triple.predicate === `${base}property/born` &&
              'datatype' in triple.object &&
              triple.object.datatype.endsWith('#integer'),
          ),
        );
        for (const relation of relations) {
          assert.ok(
            triples.some((triple) => triple.subject === `${base}entity/${relation.from}` && triple.predicate === `${base}relation-type/${relation.type}`),
          );
        }
        assert.ok(
          triples.some((triple) => triple.predicate === `${base}vocab/source` && 'iri' in triple.object && triple.object.iri === 'file:///letters/ada.txt'),
        );
      });

      it("another tenant sees only its own graph, and none of this tenant's datasets", async () => {
        const lines = (await run('jsonl', 'graph', {}, otherTenant)).trimEnd().split('\n');
        assert.equal(lines.length, 1);
        assert.equal(JSON.parse(lines[0] as string).name, 'Globex Secret');
        await assert.rejects(run('csv', 'dataset:staff', {}, otherTenant), { code: 'not_found' });
        const own = await run('jsonl', 'graph');
        assert.ok(!own.includes('Globex Secret'));
      });

      it('refuses what a format cannot export, out-of-range options and unknown datasets, before any output', async () => {
        await assert.rejects(run('csv', 'graph'), { code: 'bad_request' });
        await assert.rejects(run('graphml', 'relations'), { code: 'bad_request' });
        await assert.rejects(run('neo4j-csv', 'graph'), { code: 'bad_request' });
        await assert.rejects(run('graphml', 'dataset:staff'), { code: 'bad_request' });
        await assert.rejects(run('ntriples', 'graph', { base: 'not an iri' }), { code: 'bad_request' });
        await assert.rejects(run('jsonl', 'graph', { citations: 1001 }), { code: 'bad_request' });
        await assert.rejects(run('jsonl', `dataset:${hostileNames.cypher}`), { code: 'not_found' });
        assert.throws(() => parseSubject('everything'), { code: 'bad_request' });
      });
    });
  }
}
