import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTenant, createTestStore, dialects } from '../../../test/support/stores.js';
import { type GraphService, createGraphService } from '../../graph/index.js';
import { datasetRows, gazetteerEntries, getDataset, ingestFiles, listDatasets, parseMapping, quarantineOf } from './index.js';

const mappingYaml = `files:
  - pattern: managers.csv
    dataset: managers
    columns:
      id: { type: string, required: true }
      name: { type: string, required: true }
      email: string
    key: id
    entities:
      - { type: Person, name: name, properties: { email: email } }
    gazetteer: { column: name, type: Person }
  - pattern: teams.csv
    dataset: teams
    columns:
      id: { type: string, required: true }
      name: { type: string, required: true }
    key: id
    entities:
      - { type: Team, name: name }
  - pattern: projects.csv
    dataset: projects
    columns:
      id: { type: string, required: true }
      name: { type: string, required: true }
      budget: integer
      start: date
      manager: string
      team: string
    key: id
    entities:
      - { type: Project, name: name, properties: { budget: budget, start: start } }
    relations:
      - { type: MANAGES, from: { dataset: managers, key: manager }, to: Project }
      - { type: BELONGS_TO, from: Project, to: { dataset: teams, key: team } }
`;

const files = {
  'managers.csv': 'id,name,email\nM1,Ada Lovelace,ada@example.com\nM2,Grace Hopper,\n',
  'teams.csv': 'id,name\nT1,Engines\nT2,Compilers\n',
  'projects.csv': [
    'id,name,budget,start,manager,team',
    'P1,Analytical Engine,1000,2024-01-15,M1,T1', // row 2
    'P2,COBOL,2500,2024-02-01,M2,T2', // row 3
    'P3,Bad Budget,lots,2024-03-01,M1,T1', // row 4: invalid integer
    'P4,,10,2024-03-01,M1,T1', // row 5: missing required name
    'P1,Duplicate,1,2024-03-01,M1,T1', // row 6: duplicate key
    'P5,Ragged,1', // row 7: ragged
    'P6,Orphan,5,2024-04-01,M9,T2', // row 8: unknown manager → stored, MANAGES unresolved
    'P7,Bad Date,5,2024-02-30,M1,T1', // row 9: invalid date
  ].join('\n'),
};

for (const dialect of dialects) {
  describe(`structured data by mapping (${dialect})`, () => {
    let test: TestStore;
    let graph: GraphService;
    let tenant: string;
    let other: string;
    let root: string;
    let results: Awaited<ReturnType<typeof ingestFiles>>;
    const config = parseMapping(mappingYaml, 'mapping.yaml');
    before(async () => {
      test = await createTestStore(dialect);
      graph = createGraphService(test.store);
      tenant = await createTenant(test.store, 'acme');
      other = await createTenant(test.store, 'globex');
      root = mkdtempSync(path.join(os.tmpdir(), 'trellis-mapping-'));
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
      results = await ingestFiles({ store: test.store, graph }, tenant, { root, config }, { batchSize: 2 });
    });
    after(async () => {
      rmSync(root, { recursive: true, force: true });
      await test.dispose();
    });

    const byFile = (file: string) => results.find((result) => result.file === file) ?? assert.fail(`no result for ${file}`);

    it('maps managers, teams and projects to Person, Team and Project with MANAGES and BELONGS_TO, each citing its row', async () => {
      assert.deepEqual(
        results.map((result) => result.file),
        ['managers.csv', 'teams.csv', 'projects.csv'],
      );
      const projects = await graph.listEntities(tenant, { type: 'Project', limit: 10 });
      assert.deepEqual(projects.items.map((entity) => entity.name).sort(), ['Analytical Engine', 'COBOL', 'Orphan']);
      const engine = projects.items.find((entity) => entity.name === 'Analytical Engine') ?? assert.fail('no project');
      assert.deepEqual(engine.properties, { budget: 1000, start: '2024-01-15' });
      const detail = await graph.getEntity(tenant, engine.id);
      assert.equal(detail.evidence.length, 1);
      const citation = detail.evidence[0] ?? assert.fail('no evidence');
      assert.equal(citation.sourceId, byFile('projects.csv').sourceId);
      assert.equal(citation.start, 2);
      assert.equal(citation.end, 3);
      assert.equal(citation.quote, 'projects.csv row 2 (projects P1)');
      assert.equal(citation.source?.uri, `file://${path.join(root, 'projects.csv')}`);

      const ada = (await graph.listEntities(tenant, { type: 'Person', q: 'ada', limit: 1 })).items[0] ?? assert.fail('no Ada');
      assert.deepEqual(ada.properties, { email: 'ada@example.com' });
      const adaDetail = await graph.getEntity(tenant, ada.id);
      assert.deepEqual(
        adaDetail.evidence.map((item) => item.quote),
        ['managers.csv row 2 (managers M1)'],
        're-upserting a referenced entity adds no citation',
      );
      const manages = await graph.listRelations(tenant, { type: 'MANAGES', limit: 10 });
      assert.equal(manages.items.length, 2);
      const managesEngine = manages.items.find((relation) => relation.to === engine.id) ?? assert.fail('no MANAGES');
      assert.equal(managesEngine.from, ada.id);
      const relation = await graph.getRelation(tenant, managesEngine.id);
      assert.deepEqual(
        relation.evidence.map((item) => [item.sourceId, item.start]),
        [[byFile('projects.csv').sourceId, 2]],
      );
      const belongs = await graph.listRelations(tenant, { type: 'BELONGS_TO', limit: 10 });
      assert.equal(belongs.items.length, 3);
    });

    it('quarantines bad cells, missing required values, duplicate keys and ragged rows with file, row, column and reason', async () => {
      const summary = byFile('projects.csv').summary;
      assert.deepEqual(
        { rows: summary.rows, stored: summary.stored, quarantined: summary.quarantined, entities: summary.entities, relations: summary.relations },
        { rows: 8, stored: 3, quarantined: 5, entities: 3, relations: 5 },
      );
      assert.deepEqual(summary.byReason, { 'invalid value': 2, 'missing value': 1, 'duplicate key': 1, 'ragged row': 1, 'unresolved reference': 1 });
      const entries = await quarantineOf(test.store, tenant, byFile('projects.csv').sourceId);
      assert.deepEqual(
        entries.map((entry) => [entry.file, entry.row, entry.column, entry.reason.split(':')[0]]),
        [
          ['projects.csv', 4, 'budget', 'invalid value'],
          ['projects.csv', 5, 'name', 'missing value'],
          ['projects.csv', 6, 'id', 'duplicate key'],
          ['projects.csv', 7, null, 'ragged row'],
          ['projects.csv', 8, 'manager', 'unresolved reference'],
          ['projects.csv', 9, 'start', 'invalid value'],
        ],
      );
      assert.match(entries[0]?.reason ?? '', /"lots" is not an integer/);
      assert.equal(entries[0]?.values.budget, 'lots');
      assert.match(entries[2]?.reason ?? '', /first seen in row 2/);
    });

    it('stores the dataset with its definition, typed values and each row provenance', async () => {
      const dataset = (await getDataset(test.store, tenant, 'projects')) ?? assert.fail('no dataset');
      assert.equal(dataset.rowCount, 3);
      assert.deepEqual(dataset.definition.key, ['id']);
      assert.equal(dataset.definition.columns.budget?.type, 'integer');
      const rows = await datasetRows(test.store, tenant, 'projects');
      assert.deepEqual(rows[0], {
        key: 'P1',
        row: 2,
        sourceId: byFile('projects.csv').sourceId,
        values: { id: 'P1', name: 'Analytical Engine', budget: 1000, start: '2024-01-15', manager: 'M1', team: 'T1' },
      });
      assert.deepEqual(
        (await listDatasets(test.store, tenant)).map((item) => item.name),
        ['managers', 'projects', 'teams'],
      );
    });

    it('feeds gazetteers from mapped columns', async () => {
      assert.deepEqual(await gazetteerEntries(test.store, tenant), [
        { type: 'Person', name: 'Ada Lovelace', dataset: 'managers' },
        { type: 'Person', name: 'Grace Hopper', dataset: 'managers' },
      ]);
    });

    it('another tenant sees no dataset, row or quarantine entry', async () => {
      assert.deepEqual(await listDatasets(test.store, other), []);
      assert.equal(await getDataset(test.store, other, 'projects'), undefined);
      assert.deepEqual(await datasetRows(test.store, other, 'projects'), []);
      assert.deepEqual(await quarantineOf(test.store, other, byFile('projects.csv').sourceId), []);
      assert.deepEqual(await gazetteerEntries(test.store, other), []);
    });

    it('deleting a source removes its dataset rows, quarantine and the facts only it supported', async () => {
      const projects = byFile('projects.csv').sourceId;
      const removed = await graph.deleteSource(tenant, projects);
      assert.equal(removed.deletedEntities, 3);
      assert.equal(removed.deletedRelations, 5);
      assert.equal((await getDataset(test.store, tenant, 'projects'))?.rowCount, 0);
      assert.deepEqual(await quarantineOf(test.store, tenant, projects), []);
      assert.equal((await graph.listEntities(tenant, { type: 'Project', limit: 10 })).items.length, 0);
      // Managers and teams came from their own files: they stay.
      assert.equal((await graph.listEntities(tenant, { type: 'Person', limit: 10 })).items.length, 2);
      assert.equal((await getDataset(test.store, tenant, 'teams'))?.rowCount, 2);
    });
  });
}
