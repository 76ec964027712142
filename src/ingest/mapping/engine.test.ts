import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTenant, createTestStore, dialects } from '../../../test/support/stores.js';
import { TrellisError } from '../../core/errors.js';
import { type GraphService, createGraphService } from '../../graph/index.js';
import type { SourceKind } from '../types.js';
import { type IngestRowsOptions, datasetRows, ingestRows, parseMapping, quarantineOf } from './index.js';

const config = parseMapping(
  `files:
  - pattern: employees*.csv
    dataset: employees
    columns: { id: { type: string, required: true }, name: { type: string, required: true }, manager: string }
    key: id
    entities: [{ type: Person, name: name }]
    relations: [{ type: REPORTS_TO, from: Person, to: { dataset: employees, key: manager } }]
  - pattern: "cells.{csv,jsonl}"
    dataset: cells
    columns: { id: { type: integer, required: true }, name: { type: string, required: true }, score: integer, born: date }
    key: id
`,
  'mapping.yaml',
);
const [employees, cells] = config.files as [(typeof config.files)[0], (typeof config.files)[0]];

// Rows 2–9; batches of two rows: [2,3] [4,5] [6,7] [8,9].
const employeesCsv = [
  'id,name,manager',
  'E1,Ann,E5', // row 2: manager in a later batch
  'E2,Bob,E1', // row 3: manager earlier in the batch
  'E3,Cy,E9', // row 4: no such manager
  'E4,Di,E3', // row 5: manager earlier in the batch
  'E5,Eve,', // row 6: no manager
  'E6,Fay,E7', // row 7: manager in the next batch
  'E7,Gus,E8', // row 8: manager in the same batch
  'E8,Hal,E1', // row 9: manager in an earlier batch
].join('\n');

const injection = `'); DROP TABLE dataset_rows; --`;
const huge = 'x'.repeat(2 * 1024 * 1024);
const cellsCsv = [
  'id,name,score,born',
  `1,"${injection}",10,2000-01-01`, // row 2: stored verbatim
  `2,"Robert""); DELETE FROM quarantine WHERE (""1""=""1",lots,2000-01-01`, // row 3: invalid integer
  '3,<script>alert(1)</script>,5,2000-13-01', // row 4: invalid date
  '4,"{""$gt"": """"}",7,', // row 5: stored, no date
  `5,${huge},1,2000-01-01`, // row 6: a 2 MiB cell, stored
  '6,ragged', // row 7: ragged
  `7,"=cmd|' /C calc'!A0",1,2000-02-29`, // row 8: stored verbatim
  '1,again,2,2000-01-01', // row 9: duplicate of row 2 (another batch)
  '8,first,1,2000-01-01', // row 10
  '8,second,1,2000-01-01', // row 11: duplicate in the same batch
].join('\n');

for (const dialect of dialects) {
  describe(`mapping engine (${dialect})`, () => {
    let test: TestStore;
    let graph: GraphService;
    let tenant: string;
    let root: string;
    before(async () => {
      test = await createTestStore(dialect);
      graph = createGraphService(test.store);
      tenant = await createTenant(test.store, 'acme');
      root = mkdtempSync(path.join(os.tmpdir(), 'trellis-engine-'));
    });
    after(async () => {
      rmSync(root, { recursive: true, force: true });
      await test.dispose();
    });

    /** Writes a file and ingests it as a new source through a mapping entry. */
    const ingest = async (name: string, text: string, mapping: (typeof config.files)[0], options: IngestRowsOptions) => {
      const file = path.join(root, name);
      writeFileSync(file, text);
      const source = await graph.createSource(tenant, { uri: `file://${file}#${Math.random()}`, kind: 'csv', title: name });
      const kind = path.extname(name).slice(1) as SourceKind;
      const summary = await ingestRows({ store: test.store, graph }, tenant, { id: source.id, file: name }, { file, kind }, mapping, options);
      return { summary, sourceId: source.id };
    };

    const reportsTo = async () => {
      const people = await graph.listEntities(tenant, { type: 'Person', limit: 100 });
      const names = new Map(people.items.map((entity) => [entity.id, entity.name]));
      const relations = await graph.listRelations(tenant, { type: 'REPORTS_TO', limit: 100 });
      return relations.items.map((relation) => `${names.get(relation.from)}→${names.get(relation.to)}`).sort();
    };

    it('resolves a reference to a row of a later batch of the same file at the end of the file (in the row worker)', async () => {
      const { summary, sourceId } = await ingest('employees.csv', employeesCsv, employees, { batchSize: 2, workerMinBytes: 0 });
      assert.deepEqual(await reportsTo(), ['Ann→Eve', 'Bob→Ann', 'Di→Cy', 'Fay→Gus', 'Gus→Hal', 'Hal→Ann']);
      assert.deepEqual(
        { stored: summary.stored, entities: summary.entities, relations: summary.relations, byReason: summary.byReason },
        { stored: 8, entities: 8, relations: 6, byReason: { 'unresolved reference': 1 } },
      );
      const entries = await quarantineOf(test.store, tenant, sourceId);
      assert.deepEqual(
        entries.map((entry) => [entry.row, entry.column, entry.reason]),
        [[4, 'manager', 'unresolved reference: dataset employees has no row with key E9']],
      );
      const ann = (await graph.listEntities(tenant, { type: 'Person', q: 'Ann', limit: 1 })).items[0] ?? assert.fail('no Ann');
      const relation = (await graph.listRelations(tenant, { type: 'REPORTS_TO', limit: 100 })).items.find((item) => item.from === ann.id);
      const cited = await graph.getRelation(tenant, relation?.id ?? assert.fail('no relation from Ann'));
      assert.deepEqual(
        cited.evidence.map((item) => item.quote),
        ['employees.csv row 2 (employees E1)'],
      );
      assert.equal((await graph.getEntity(tenant, ann.id)).evidence.length, 1, 'the second pass adds no citation to the row entity');
      await graph.deleteSource(tenant, sourceId);
    });

    it('with maxDeferred 0 a reference to a later batch is quarantined as unresolved, as before (inline)', async () => {
      const { summary, sourceId } = await ingest('employees-2.csv', employeesCsv, employees, { batchSize: 2, maxDeferred: 0 });
      assert.deepEqual(await reportsTo(), ['Bob→Ann', 'Di→Cy', 'Gus→Hal', 'Hal→Ann']);
      assert.deepEqual(summary.byReason, { 'unresolved reference': 3 });
      assert.deepEqual(
        (await quarantineOf(test.store, tenant, sourceId)).map((entry) => entry.row),
        [2, 4, 7],
      );
      await graph.deleteSource(tenant, sourceId);
    });

    for (const worker of [true, false]) {
      it(`stores injection strings and a 2 MiB cell verbatim, quarantines bad cells, ragged rows and duplicates (${worker ? 'row worker' : 'inline'})`, async () => {
        const { summary, sourceId } = await ingest(`cells.csv`, cellsCsv, cells, { batchSize: 3, workerMinBytes: worker ? 0 : Infinity });
        assert.deepEqual({ rows: summary.rows, stored: summary.stored, quarantined: summary.quarantined }, { rows: 10, stored: 5, quarantined: 5 });
        assert.deepEqual(summary.byReason, { 'invalid value': 2, 'ragged row': 1, 'duplicate key': 2 });
        const rows = await datasetRows(test.store, tenant, 'cells');
        const byKey = new Map(rows.map((row) => [row.key, row]));
        assert.deepEqual([...byKey.keys()].sort(), ['1', '4', '5', '7', '8']);
        assert.equal(byKey.get('1')?.values.name, injection);
        assert.equal(byKey.get('1')?.row, 2, 'the first row with a key wins');
        assert.equal(byKey.get('4')?.values.name, '{"$gt": ""}');
        assert.equal(byKey.get('4')?.values.born, null);
        assert.equal(byKey.get('5')?.values.name, huge);
        assert.equal(byKey.get('7')?.values.name, `=cmd|' /C calc'!A0`);
        assert.equal(byKey.get('8')?.values.name, 'first');
        const entries = await quarantineOf(test.store, tenant, sourceId);
        assert.deepEqual(
          entries.map((entry) => [entry.row, entry.column, entry.reason.split(':')[0]]),
          [
            [3, 'score', 'invalid value'],
            [4, 'born', 'invalid value'],
            [7, null, 'ragged row'],
            [9, 'id', 'duplicate key'],
            [11, 'id', 'duplicate key'],
          ],
        );
        assert.equal(entries[0]?.values.name, 'Robert"); DELETE FROM quarantine WHERE ("1"="1', 'raw values are kept as read');
        assert.match(entries[3]?.reason ?? '', /^duplicate key: 1 was first seen in row 2$/);
        assert.deepEqual(entries[3]?.values, { id: 1, name: 'again', score: 2, born: '2000-01-01' }, 'a duplicate keeps its values as validated');
        assert.match(entries[4]?.reason ?? '', /first seen in row 10$/);
        await graph.deleteSource(tenant, sourceId);
        assert.deepEqual(await datasetRows(test.store, tenant, 'cells'), []);
      });
    }

    it('quarantines text neither store can hold (U+0000, unpaired surrogates) and keeps the raw values storable', async () => {
      const jsonl = [
        JSON.stringify({ id: 1, name: 'nul\u0000byte', score: 1 }),
        JSON.stringify({ id: 2, name: 'lone \ud800 surrogate', score: 1 }),
        JSON.stringify({ id: 3, name: 'fine', score: 1, ['key\u0000']: 'x' }),
      ].join('\n');
      const { summary, sourceId } = await ingest('cells.jsonl', jsonl, cells, { batchSize: 10 });
      assert.deepEqual({ stored: summary.stored, byReason: summary.byReason }, { stored: 1, byReason: { 'invalid value': 2 } });
      const entries = await quarantineOf(test.store, tenant, sourceId);
      assert.deepEqual(
        entries.map((entry) => [entry.row, entry.column, entry.values.name]),
        [
          [1, 'name', 'nul\ufffdbyte'],
          [2, 'name', 'lone \ufffd surrogate'],
        ],
      );
      await graph.deleteSource(tenant, sourceId);
    });

    it('a malformed file read in the worker fails with the reader error naming file and line', async () => {
      await assert.rejects(
        ingest('employees-bad.csv', 'id,name,manager\nE1,"open,E2\n', employees, { workerMinBytes: 0 }),
        (error: unknown) => error instanceof TrellisError && error.code === 'ingest_parse_failed' && /employees-bad\.csv/.test(error.message),
      );
    });
  });
}
