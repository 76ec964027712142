import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTenant, createTestStore, dialects } from '../../../test/support/stores.js';
import { type GraphService, createGraphService } from '../../graph/index.js';
import { datasetRows, parseMapping, quarantineOf } from '../mapping/index.js';
import { type IngestOptions, ingestPaths } from './index.js';

const mapping = parseMapping(
  `files:
  - pattern: teams.csv
    dataset: teams
    columns: { id: { type: string, required: true }, name: { type: string, required: true } }
    key: id
    entities: [{ type: Team, name: name }]
  - pattern: people.csv
    dataset: people
    columns: { id: { type: integer, required: true }, name: { type: string, required: true }, team: string }
    key: id
    entities: [{ type: Person, name: name }]
    relations: [{ type: BELONGS_TO, from: Person, to: { dataset: teams, key: team } }]
`,
  'mapping.yaml',
);

const teams = 'id,name\nT1,Engines\nT2,Compilers\n';
const peopleV1 = 'id,name,team\n1,Ann,T1\n2,Bob,T2\nx,Bad id,T1\n3,Cy\n2,Bob again,T1\n';
const peopleV2 = 'id,name,team\n1,Ann,T2\n4,Di,T1\ny,Bad id,T1\n';

for (const dialect of dialects) {
  describe(`structured files through ingestPaths (${dialect})`, () => {
    let test: TestStore;
    let graph: GraphService;
    let tenant: string;
    let dir: string;
    const options: IngestOptions = { mapping, rows: { batchSize: 2, workerMinBytes: 0 } };
    before(async () => {
      test = await createTestStore(dialect);
      graph = createGraphService(test.store);
      tenant = await createTenant(test.store, 'acme');
      dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-structured-'));
      writeFileSync(path.join(dir, 'teams.csv'), teams);
      writeFileSync(path.join(dir, 'people.csv'), peopleV1);
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await test.dispose();
    });

    const quarantineRows = () =>
      test.store.read({ tenantId: tenant }, async (tx) =>
        Number((await tx.get<{ n: number }>('SELECT count(*) AS n FROM quarantine WHERE tenant_id = ?', [tenant]))?.n),
      );
    const belongsTo = async () => {
      const names = new Map((await graph.listEntities(tenant, { limit: 100 })).items.map((entity) => [entity.id, entity.name]));
      return (await graph.listRelations(tenant, { type: 'BELONGS_TO', limit: 100 })).items
        .map((item) => `${names.get(item.from)}→${names.get(item.to)}`)
        .sort();
    };

    it('ingests a file after the files of the datasets it refers to, whatever the names (people.csv refers to teams.csv)', async () => {
      const summary = await ingestPaths({ store: test.store, graph }, tenant, [dir], options);
      assert.deepEqual(
        summary.files.map((file) => [path.basename(file.file), file.status]),
        [
          ['teams.csv', 'ingested'],
          ['people.csv', 'ingested'],
        ],
      );
      assert.deepEqual(await belongsTo(), ['Ann→Engines', 'Bob→Compilers']);
      const people = summary.files[1]?.sourceId ?? assert.fail('no people source');
      assert.deepEqual(
        (await quarantineOf(test.store, tenant, people)).map((entry) => [entry.row, entry.reason.split(':')[0]]),
        [
          [4, 'invalid value'],
          [5, 'ragged row'],
          [6, 'duplicate key'],
        ],
      );
    });

    it('re-ingesting the unchanged mapped files writes nothing: same events, same quarantine', async () => {
      const version = await test.store.version(tenant);
      const quarantined = await quarantineRows();
      const again = await ingestPaths({ store: test.store, graph }, tenant, [dir], options);
      assert.equal(again.unchanged, 2);
      assert.equal(await test.store.version(tenant), version);
      assert.equal(await quarantineRows(), quarantined);
    });

    it('a changed mapped file replaces its rows, relations and quarantine entries, with no duplicates', async () => {
      writeFileSync(path.join(dir, 'people.csv'), peopleV2);
      const summary = await ingestPaths({ store: test.store, graph }, tenant, [dir], options);
      assert.deepEqual(
        summary.files.map((file) => [path.basename(file.file), file.status, file.replaced ?? false]),
        [
          ['teams.csv', 'unchanged', false],
          ['people.csv', 'ingested', true],
        ],
      );
      assert.deepEqual(
        (await datasetRows(test.store, tenant, 'people')).map((row) => [row.key, row.values.name, row.values.team]),
        [
          ['1', 'Ann', 'T2'],
          ['4', 'Di', 'T1'],
        ],
      );
      assert.deepEqual(await belongsTo(), ['Ann→Compilers', 'Di→Engines']);
      const people = summary.files[1]?.sourceId ?? assert.fail('no people source');
      assert.deepEqual(
        (await quarantineOf(test.store, tenant, people)).map((entry) => [entry.row, entry.values.id]),
        [[4, 'y']],
      );
      assert.equal(await quarantineRows(), 1, 'the old version’s entries went with its source');
      const redo = await ingestPaths({ store: test.store, graph }, tenant, [dir], options);
      assert.equal(redo.unchanged, 2);
      assert.equal(await quarantineRows(), 1);
    });
  });
}
