/**
 * @module Views over HTTP on both drivers: graph → table rows equal the graph, lineage is recorded and every row's
 * citations resolve to the original source and chunk, refresh follows graph and dataset changes, table → graph facts
 * cite their rows, a failing view leaves nothing behind, big views run as jobs, bad input and tenant isolation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Entity, Evidence, Page, Relation } from '../src/graph/index.js';
import { createAnalyticsService } from '../src/graph/analytics/index.js';
import { ingestFiles, parseMapping } from '../src/ingest/mapping/index.js';
import { analyticsMetrics, createViewService } from '../src/views/index.js';
import { type Job, createJobService } from '../src/platform/jobs/index.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

type Body = Record<string, unknown>;
interface ViewBody {
  name: string;
  kind: string;
  status: string;
  error: string | null;
  datasetId: string | null;
  lineage: {
    graphVersion: number;
    writtenSeq: number;
    inputs: { entityTypes?: Record<string, number>; relationTypes?: Record<string, number>; datasets?: { name: string; rowCount: number }[] };
    output: { rows?: number; entities?: number; relations?: number; skipped?: number; columns?: string[] };
  } | null;
}
interface RowItem {
  key: string;
  row: number;
  sourceId: string;
  values: Record<string, unknown>;
}
interface RowEvidence {
  row: { sourceId: string; uri: string; number: number };
  derivedFrom: { view: string; kind: string } | null;
  subjects: { kind: string; role: string; id: string; exists: boolean; evidence: Evidence[] }[];
}

const mappingYaml = `files:
  - pattern: "staff*.csv"
    dataset: staff
    columns:
      id: { type: string, required: true }
      name: { type: string, required: true }
      team: string
      manager: string
    key: id
`;
const staffCsv = ['id,name,team,manager', 'E1,Alice Johnson,core,', 'E2,Peter Pike,core,E1', 'E3,Nora Quill,web,E1', 'E4,Omar Haddad,web,E3'].join('\n');
const passage = 'Ada Lovelace worked with Charles Babbage on the Analytical Engine in London.';

function assertProblem(response: LightMyRequestResponse, status: number, code?: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  if (code) assert.equal(response.json<{ code: string }>().code, code, response.body);
}

/** The tenant's state as counts: nothing of a failed view may be left in any of them. */
async function footprint(test: TestApp, tenantId: string) {
  return test.services.store.read({ tenantId }, async (tx) => {
    const count = async (sql: string) => Number((await tx.get<{ n: number }>(sql, [tenantId]))?.n);
    return {
      views: await count('SELECT count(*) AS n FROM views WHERE tenant_id = ?'),
      datasets: await count('SELECT count(*) AS n FROM datasets WHERE tenant_id = ?'),
      rows: await count('SELECT count(*) AS n FROM dataset_rows WHERE tenant_id = ?'),
      sources: await count('SELECT count(*) AS n FROM sources WHERE tenant_id = ?'),
      entities: await count('SELECT count(*) AS n FROM entities WHERE tenant_id = ?'),
      relations: await count('SELECT count(*) AS n FROM relations WHERE tenant_id = ?'),
      evidence: await count('SELECT count(*) AS n FROM evidence WHERE tenant_id = ?'),
      events: await count('SELECT count(*) AS n FROM events WHERE tenant_id = ?'),
    };
  });
}

for (const dialect of dialects) {
  describe(`views (${dialect})`, () => {
    let test: TestApp;
    let root: string;
    let otherKey: string;
    let otherTenant: string;
    let sourceId: string;
    let chunkId: string;
    const ids: Record<string, string> = {};
    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, key?: string) =>
      test.app.inject({ method, url, headers: bearer(key ?? test.adminKey), ...(payload === undefined ? {} : { payload: payload as Body }) });
    const rowsOf = async (dataset: string, key?: string) => {
      const response = await call('GET', `/datasets/${dataset}/rows?limit=10000`, undefined, key);
      assert.equal(response.statusCode, 200, response.body);
      return response.json<{ items: RowItem[] }>().items;
    };
    const view = async (name: string) => (await call('GET', `/views/${name}`)).json<ViewBody>();
    const entitiesOf = async (type: string) => (await call('GET', `/entities?type=${type}&limit=1000`)).json<Page<Entity>>().items;
    const relationsOf = async (type: string) => (await call('GET', `/relations?type=${type}&limit=1000`)).json<Page<Relation>>().items;

    before(async () => {
      test = await createTestApp(dialect);
      const { graph, store } = test.services;
      const tenant = test.tenantId;
      const source = await graph.createSource(tenant, { uri: 'file:///report.txt', kind: 'text', title: 'Report', chunks: [{ text: passage, page: 2 }] });
      sourceId = source.id;
      chunkId = source.chunks[0]!.id;
      const cite = (text: string) => {
        const start = passage.indexOf(text);
        return [{ sourceId, chunkId, start, end: start + text.length, extractor: 'test' }];
      };
      for (const [key, type, name, properties] of [
        ['ada', 'Person', 'Ada Lovelace', { born: 1815, country: 'UK' }],
        ['charles', 'Person', 'Charles Babbage', { born: 1791, country: 'UK', title: 'Professor' }],
        ['engine', 'Project', 'Analytical Engine', { budget: 17000.5 }],
        ['london', 'Place', 'London', {}],
      ] as const) {
        ids[key] = (await graph.upsertEntity(tenant, { type, name, properties, evidence: cite(name) })).entity.id;
      }
      for (const [type, from, to, properties] of [
        ['worked_with', 'ada', 'charles', { since: 1833 }],
        ['works_on', 'ada', 'engine', {}],
        ['works_on', 'charles', 'engine', { role: 'designer' }],
        ['located_in', 'engine', 'london', {}],
      ] as const) {
        await graph.upsertRelation(tenant, { type, from: ids[from]!, to: ids[to]!, properties, evidence: cite(passage) });
      }
      root = mkdtempSync(path.join(os.tmpdir(), 'trellis-views-'));
      writeFileSync(path.join(root, 'staff.csv'), `${staffCsv}\n`);
      await ingestFiles({ store, graph }, tenant, { root, config: parseMapping(mappingYaml, 'mapping.yaml'), files: ['staff.csv'] });
      const other = await test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' });
      otherKey = other.key;
      otherTenant = other.tenant.id;
      await graph.upsertEntity(otherTenant, { type: 'Person', name: 'Globex Only', properties: { born: 1900 } });
    });
    after(async () => {
      // The vectors view started the embedder's worker pool; it would keep the process alive.
      await test.services.embeddings.close();
      await test.dispose();
      rmSync(root, { recursive: true, force: true });
    });

    it('graph → nodes table: one row per entity of the types, with its properties and degree, equal to the graph', async () => {
      const versionBefore = await test.services.store.version(test.tenantId);
      const created = await call('POST', '/views', {
        name: 'people',
        definition: { kind: 'nodes', entityTypes: ['Person'], properties: ['born', 'country', 'title'], metrics: ['degree', 'out_degree'] },
      });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.headers.location, '/views/people');
      const persons = await entitiesOf('Person');
      const relations = (await call('GET', '/relations?limit=1000')).json<Page<Relation>>().items;
      const rows = await rowsOf('people');
      assert.equal(rows.length, persons.length);
      for (const person of persons) {
        const row = rows.find((item) => item.key === person.id);
        assert.ok(row, `a row for ${person.name}`);
        assert.deepEqual(row.values, {
          id: person.id,
          type: 'Person',
          name: person.name,
          born: person.properties.born,
          country: person.properties.country,
          title: person.properties.title ?? null,
          degree: relations.filter((relation) => relation.from === person.id || relation.to === person.id).length,
          out_degree: relations.filter((relation) => relation.from === person.id).length,
        });
      }
      const stored = await view('people');
      assert.equal(stored.status, 'ready');
      assert.equal(stored.lineage?.graphVersion, versionBefore, 'the graph was read at the version before the view was written');
      assert.ok((stored.lineage?.writtenSeq ?? 0) > versionBefore);
      assert.deepEqual(stored.lineage?.inputs.entityTypes, { Person: 2 });
      assert.equal(stored.lineage?.output.rows, 2);
      const dataset = (await call('GET', '/datasets/people')).json<{ definition: { columns: Record<string, { type: string }>; view: { name: string } } }>();
      assert.equal(dataset.definition.view.name, 'people');
      assert.equal(dataset.definition.columns.born?.type, 'integer');
      assert.equal(dataset.definition.columns.title?.type, 'string');
    });

    it("nodes view with pagerank and community columns: the analytics service's values at the view's version, its parameters in the lineage", async () => {
      const { store, graph, events, config } = test.services;
      // A job service of their own (both register job types), and the URL the analytics workers read PostgreSQL by,
      // which the test app's configuration does not have.
      const jobs = createJobService(store, config);
      const analytics = createAnalyticsService({ store, graph, jobs, config: { ...config, databaseUrl: dialect === 'postgres' ? test.location : undefined } });
      try {
        const views = createViewService({ store, graph, events, jobs, config, metrics: analyticsMetrics(analytics) });
        const { view: created } = await views.create(test.tenantId, 'ranked', {
          kind: 'nodes',
          entityTypes: ['Person', 'Project', 'Place'],
          metrics: ['pagerank', 'community'],
          metricParams: { pagerank: { damping: 0.9, iterations: 50 } },
        });
        const pagerank = await analytics.run(test.tenantId, 'pagerank', { damping: 0.9, iterations: 50 });
        const communities = await analytics.run(test.tenantId, 'communities', {});
        const expected = new Map(pagerank.mainValues().ids.map((id, index) => [id, pagerank.mainValues().values[index]]));
        const community = new Map(communities.mainValues().ids.map((id, index) => [id, communities.mainValues().values[index]]));
        const rows = await rowsOf('ranked');
        assert.equal(rows.length, 4);
        for (const row of rows) {
          assert.equal(row.values.pagerank, expected.get(row.key), `pagerank of ${row.values.name}`);
          assert.equal(row.values.community, community.get(row.key));
        }
        const recorded = (created.lineage?.inputs.analytics ?? {}) as Record<string, { params: { damping: number }; version: number }>;
        assert.equal(recorded.pagerank?.params.damping, 0.9);
        assert.equal(recorded.pagerank?.version, created.lineage?.graphVersion, "the analytics read the graph at the view's version");
        assert.ok(recorded.community);
        await views.delete(test.tenantId, 'ranked');
      } finally {
        await analytics.close();
      }
    });

    it("every node row's citations resolve to the original source, chunk, span and page", async () => {
      const response = await call('GET', `/datasets/people/rows/${ids.ada}/evidence`);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json<RowEvidence>();
      assert.deepEqual(body.derivedFrom, { view: 'people', kind: 'nodes' });
      assert.equal(body.row.uri, 'view://people');
      assert.equal(body.subjects.length, 1);
      const [subject] = body.subjects;
      assert.equal(subject?.id, ids.ada);
      assert.equal(subject?.exists, true);
      const evidence = subject?.evidence.find((item) => item.extractor === 'test');
      assert.ok(evidence);
      assert.equal(evidence.sourceId, sourceId);
      assert.equal(evidence.chunkId, chunkId);
      assert.equal(evidence.quote, 'Ada Lovelace');
      assert.deepEqual(evidence.source, { uri: 'file:///report.txt', title: 'Report', page: 2 });
      assert.equal(passage.slice(evidence.start!, evidence.end!), 'Ada Lovelace');
    });

    it('graph → edges and joined edge tables: rows equal the relations, with both endpoints and their properties; their citations resolve', async () => {
      const edges = await call('POST', '/views', {
        name: 'work',
        definition: { kind: 'edges', relationTypes: ['works_on', 'worked_with'], properties: ['role', 'since'] },
      });
      assert.equal(edges.statusCode, 201, edges.body);
      const joined = await call('POST', '/views', {
        name: 'work_joined',
        definition: { kind: 'edge_join', relationTypes: ['works_on'], properties: ['role'], fromProperties: ['born'], toProperties: ['budget'] },
      });
      assert.equal(joined.statusCode, 201, joined.body);
      const names = new Map([...(await entitiesOf('Person')), ...(await entitiesOf('Project'))].map((entity) => [entity.id, entity] as const));
      const relations = [...(await relationsOf('works_on')), ...(await relationsOf('worked_with'))];
      const rows = await rowsOf('work');
      assert.equal(rows.length, relations.length);
      for (const relation of relations) {
        const row = rows.find((item) => item.key === relation.id);
        assert.deepEqual(row?.values, {
          id: relation.id,
          type: relation.type,
          from_id: relation.from,
          from_type: names.get(relation.from)?.type,
          from_name: names.get(relation.from)?.name,
          to_id: relation.to,
          to_type: names.get(relation.to)?.type,
          to_name: names.get(relation.to)?.name,
          role: relation.properties.role ?? null,
          since: relation.properties.since ?? null,
        });
      }
      const joinedRows = await rowsOf('work_joined');
      assert.equal(joinedRows.length, 2);
      for (const row of joinedRows) {
        assert.equal(row.values.from_born, names.get(row.values.from_id as string)?.properties.born);
        assert.equal(row.values.to_budget, 17000.5);
      }
      const relation = relations.find((item) => item.type === 'worked_with')!;
      const evidence = (await call('GET', `/datasets/work/rows/${relation.id}/evidence`)).json<RowEvidence>();
      assert.deepEqual(
        evidence.subjects.map((subject) => [subject.kind, subject.role, subject.id]),
        [
          ['relation', 'row', relation.id],
          ['entity', 'from', ids.ada],
          ['entity', 'to', ids.charles],
        ],
      );
      assert.equal(evidence.subjects[0]?.evidence[0]?.quote, passage);
      assert.equal(evidence.subjects[0]?.evidence[0]?.chunkId, chunkId);
    });

    it('refresh after graph changes: rows follow the graph, the recorded version moves, and it says whether inputs changed', async () => {
      const unchanged = await call('POST', '/views/people/refresh');
      assert.equal(unchanged.statusCode, 200, unchanged.body);
      const quiet = unchanged.json<{ inputsChanged: boolean; rows: Record<string, number> }>();
      assert.equal(quiet.inputsChanged, false, 'nothing in the graph changed since');
      assert.deepEqual(quiet.rows, { added: 0, removed: 0, changed: 0, unchanged: 2 });
      const before = await view('people');
      const { graph } = test.services;
      const grace = await graph.upsertEntity(test.tenantId, { type: 'Person', name: 'Grace Hopper', properties: { born: 1906, country: 'US' } });
      await graph.upsertEntity(test.tenantId, { type: 'Person', name: 'Ada Lovelace', properties: { title: 'Countess' } });
      const refreshed = await call('POST', '/views/people/refresh');
      const report = refreshed.json<{
        inputsChanged: boolean;
        changes: { graph: boolean };
        rows: Record<string, number>;
        previous: { graphVersion: number };
      }>();
      assert.equal(report.inputsChanged, true);
      assert.equal(report.changes.graph, true);
      assert.deepEqual(report.rows, { added: 1, removed: 0, changed: 1, unchanged: 1 });
      const after = await view('people');
      assert.ok((after.lineage?.graphVersion ?? 0) > (before.lineage?.graphVersion ?? 0), 'the lineage records the newer version');
      assert.equal(report.previous.graphVersion, before.lineage?.graphVersion);
      assert.deepEqual(after.lineage?.inputs.entityTypes, { Person: 3 });
      const rows = await rowsOf('people');
      assert.equal(rows.find((row) => row.key === grace.entity.id)?.values.born, 1906);
      assert.equal(rows.find((row) => row.key === ids.ada)?.values.title, 'Countess');
      await graph.deleteEntity(test.tenantId, grace.entity.id);
      const stale = (await call('GET', `/datasets/people/rows/${grace.entity.id}/evidence`)).json<RowEvidence>();
      assert.equal(stale.subjects[0]?.exists, false, 'a deleted entity shows as gone until the view is refreshed');
      const again = (await call('POST', '/views/people/refresh')).json<{ rows: Record<string, number> }>();
      assert.equal(again.rows.removed, 1);
      assertProblem(await call('GET', `/datasets/people/rows/${grace.entity.id}/evidence`), 404, 'not_found');
    });

    it('table → graph: a dataset and a mapping become entities and relations that cite their rows and, through them, the file', async () => {
      const created = await call('POST', '/views', {
        name: 'org',
        definition: {
          kind: 'graph',
          datasets: [
            {
              dataset: 'staff',
              entities: [{ type: 'Employee', name: 'name', properties: { team: 'team' } }],
              relations: [{ type: 'reports_to', from: 'Employee', to: { dataset: 'staff', key: 'manager' } }],
            },
          ],
        },
      });
      assert.equal(created.statusCode, 201, created.body);
      const stored = await view('org');
      assert.equal(stored.lineage?.output.entities, 4);
      assert.equal(stored.lineage?.output.relations, 3);
      assert.deepEqual(
        stored.lineage?.inputs.datasets?.map((input) => [input.name, input.rowCount]),
        [['staff', 4]],
      );
      const employees = await entitiesOf('Employee');
      assert.deepEqual(employees.map((employee) => employee.name).sort(), ['Alice Johnson', 'Nora Quill', 'Omar Haddad', 'Peter Pike']);
      const staffRows = await rowsOf('staff');
      const csvSource = staffRows[0]!.sourceId;
      for (const employee of employees) {
        const full = (await call('GET', `/entities/${employee.id}`)).json<Entity & { evidence: Evidence[] }>();
        const citation = full.evidence.find((item) => item.extractor === 'view:org');
        assert.ok(citation, `${employee.name} cites the view`);
        const row = staffRows.find((item) => item.values.name === employee.name)!;
        assert.equal(citation.sourceId, row.sourceId, 'the citation names the source file of the row');
        assert.equal(citation.start, row.row);
        assert.match(citation.quote ?? '', new RegExp(`staff\\.csv row ${row.row} \\(staff ${row.key}\\)`));
        assert.match(citation.source?.uri ?? '', /staff\.csv$/);
      }
      const reports = await relationsOf('reports_to');
      assert.equal(reports.length, 3);
      const omar = employees.find((employee) => employee.name === 'Omar Haddad')!;
      const nora = employees.find((employee) => employee.name === 'Nora Quill')!;
      assert.ok(reports.some((relation) => relation.from === omar.id && relation.to === nora.id));
      // Evidence of a mapped row: the file and row number.
      const rowEvidence = (await call('GET', `/datasets/staff/rows/E4/evidence`)).json<RowEvidence>();
      assert.equal(rowEvidence.derivedFrom, null);
      assert.equal(rowEvidence.row.sourceId, csvSource);
      assert.equal(rowEvidence.row.number, 5);
    });

    it('refresh of a table → graph view follows new rows, and deleting it retracts what only it asserted', async () => {
      const quiet = (await call('POST', '/views/org/refresh')).json<{ inputsChanged: boolean; facts: Record<string, number> }>();
      assert.equal(quiet.inputsChanged, false);
      assert.equal(quiet.facts.retractedCitations, 0);
      writeFileSync(path.join(root, 'staff2.csv'), 'id,name,team,manager\nE5,Zoe Park,web,E3\n');
      const { graph, store } = test.services;
      await ingestFiles({ store, graph }, test.tenantId, { root, config: parseMapping(mappingYaml, 'mapping.yaml'), files: ['staff2.csv'] });
      const report = (await call('POST', '/views/org/refresh')).json<{
        inputsChanged: boolean;
        changes: { datasets: { name: string; before: { rowCount: number }; now: { rowCount: number } }[] };
        facts: Record<string, number>;
      }>();
      assert.equal(report.inputsChanged, true);
      assert.deepEqual(
        report.changes.datasets.map((change) => [change.name, change.before.rowCount, change.now.rowCount]),
        [['staff', 4, 5]],
      );
      assert.equal(report.facts.entities, 5);
      assert.ok((await entitiesOf('Employee')).some((employee) => employee.name === 'Zoe Park'));
      const before = await footprint(test, test.tenantId);
      const deleted = await call('DELETE', '/views/org');
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.deepEqual(await entitiesOf('Employee'), [], 'entities only the view asserted are gone with it');
      assert.deepEqual(await relationsOf('reports_to'), []);
      assertProblem(await call('GET', '/views/org'), 404, 'not_found');
      const after = await footprint(test, test.tenantId);
      assert.equal(after.rows, before.rows, 'the input dataset is untouched');
      assert.equal(after.views, before.views - 1);
    });

    it("table → vectors: the chosen text columns of every row are embedded and stored as the rows' vectors, with the embedder in the lineage", async () => {
      const created = await call('POST', '/views', { name: 'staff_vectors', definition: { kind: 'vectors', dataset: 'staff', columns: ['name', 'team'] } });
      assert.equal(created.statusCode, 201, created.body);
      const stored = await view('staff_vectors');
      const rows = await rowsOf('staff');
      assert.equal((stored.lineage?.output as { vectors?: number }).vectors, rows.length);
      assert.equal((stored.lineage?.inputs as { embedder?: string }).embedder, test.services.embeddings.embedderId());
      const vectors = await test.services.store.read({ tenantId: test.tenantId }, (tx) =>
        tx.all<{ owner_id: string }>("SELECT owner_id FROM embeddings WHERE tenant_id = ? AND owner_kind = 'row' ORDER BY owner_id", [test.tenantId]),
      );
      const datasetId = (await call('GET', '/datasets/staff')).json<{ id: string }>().id;
      assert.deepEqual(
        vectors.map((row) => row.owner_id),
        rows.map((row) => `${datasetId}:${row.key}`).sort(),
      );
      assertProblem(
        await call('POST', '/views', { name: 'staff_vectors2', definition: { kind: 'vectors', dataset: 'staff', columns: ['name'] } }),
        409,
        'conflict',
      );
      const refreshed = (await call('POST', '/views/staff_vectors/refresh')).json<{ inputsChanged: boolean }>();
      assert.equal(refreshed.inputsChanged, false);
      assert.equal((await call('DELETE', '/views/staff_vectors')).statusCode, 204);
    });

    it('a failing view leaves nothing behind: no view, dataset, source, rows, facts or events', async () => {
      const before = await footprint(test, test.tenantId);
      const failures: [Body, number, string][] = [
        [{ name: 'bad1', definition: { kind: 'nodes', entityTypes: ['Person'], properties: ['born', 'agee'] } }, 400, 'bad_request'],
        [{ name: 'bad2', definition: { kind: 'nodes', entityTypes: ['Persn'] } }, 400, 'bad_request'],
        [{ name: 'bad3', definition: { kind: 'edges', relationTypes: ['works_on'], properties: ['nope'] } }, 400, 'bad_request'],
        [{ name: 'bad4', definition: { kind: 'graph', datasets: [{ dataset: 'missing', entities: [{ type: 'X', name: 'name' }] }] } }, 404, 'not_found'],
        [
          { name: 'bad5', definition: { kind: 'graph', datasets: [{ dataset: 'staff', entities: [{ type: 'X', name: 'no_such_column' }] }] } },
          422,
          'unprocessable',
        ],
        [
          { name: 'bad6', definition: { kind: 'nodes', entityTypes: ['Person'], metrics: ['pagerank'], metricParams: { pagerank: { damping: 2 } } } },
          400,
          'validation_failed',
        ],
        [{ name: 'bad7', definition: { kind: 'vectors', dataset: 'staff', columns: ['name', 'nickname'] } }, 400, 'bad_request'],
        [{ name: 'bad8', definition: { kind: 'vectors', dataset: 'nowhere', columns: ['name'] } }, 404, 'not_found'],
        // Written, then refused inside the transaction: a mapped dataset already has the name.
        [{ name: 'staff', definition: { kind: 'nodes', entityTypes: ['Person'] } }, 409, 'conflict'],
        [{ name: 'people', definition: { kind: 'nodes', entityTypes: ['Project'] } }, 409, 'conflict'],
      ];
      for (const [body, status, code] of failures) {
        assertProblem(await call('POST', '/views', body), status, code);
        if (body.name !== 'people') assertProblem(await call('GET', `/views/${body.name}`), 404, 'not_found');
      }
      assert.deepEqual(await footprint(test, test.tenantId), before);
      assert.equal((await rowsOf('staff')).length, 5, 'the mapped dataset of the same name is intact');
      assert.equal((await view('people')).kind, 'nodes');
    });

    it('refuses bad input with 4xx problem+json: names, kinds, sizes, filters and colliding columns', async () => {
      const before = await footprint(test, test.tenantId);
      const bodies: Body[] = [
        {},
        { name: 'x' },
        { name: "x'; DROP TABLE views;--", definition: { kind: 'nodes', entityTypes: ['Person'] } },
        { name: '../etc', definition: { kind: 'nodes', entityTypes: ['Person'] } },
        { name: '', definition: { kind: 'nodes', entityTypes: ['Person'] } },
        { name: 'x'.repeat(200), definition: { kind: 'nodes', entityTypes: ['Person'] } },
        { name: 'x', definition: { kind: 'pie' } },
        { name: 'x', definition: { kind: 'nodes', entityTypes: [] } },
        { name: 'x', definition: { kind: 'nodes', entityTypes: Array.from({ length: 51 }, (_, index) => `T${index}`) } },
        { name: 'x', definition: { kind: 'nodes', entityTypes: ['Person'], properties: Array.from({ length: 201 }, (_, index) => `p${index}`) } },
        { name: 'x', definition: { kind: 'nodes', entityTypes: ["Person' OR 1=1"] } },
        { name: 'x', definition: { kind: 'nodes', entityTypes: ['Person'], properties: ['id'] } },
        { name: 'x', definition: { kind: 'nodes', entityTypes: ['Person'], where: { born: { gt: 'x' } } } },
        { name: 'x', definition: { kind: 'edge_join', relationTypes: ['works_on'], fromProperties: ['id'] } },
        { name: 'x', definition: { kind: 'nodes', entityTypes: ['Person'], extra: true } },
        { name: 'x', definition: { kind: 'graph', datasets: [] } },
        { name: 'x', definition: { kind: 'graph', datasets: [{ dataset: "staff'--", entities: [] }] } },
      ];
      for (const body of bodies) {
        const response = await call('POST', '/views', body);
        assert.equal(response.statusCode, 400, `${JSON.stringify(body).slice(0, 120)} → ${response.body}`);
        assert.match(String(response.headers['content-type']), /problem\+json/);
      }
      const huge = {
        name: 'huge',
        definition: {
          kind: 'graph',
          datasets: Array.from({ length: 20 }, (_, index) => ({
            dataset: `d${index}`,
            entities: Array.from({ length: 20 }, () => ({ type: 'X', name: 'n'.repeat(200), note: 'x'.repeat(200) })),
          })),
        },
      };
      const tooBig = await call('POST', '/views', huge);
      assert.ok(tooBig.statusCode === 413 || tooBig.statusCode === 400, tooBig.body);
      assertProblem(await call('GET', '/views/no_such_view'), 404, 'not_found');
      assertProblem(await call('POST', '/views/no_such_view/refresh'), 404, 'not_found');
      assertProblem(await call('DELETE', '/views/no_such_view'), 404, 'not_found');
      assertProblem(await call('GET', "/views/x';--"), 400);
      assertProblem(await call('GET', '/datasets/people/rows/no-such-key/evidence'), 404, 'not_found');
      assertProblem(await call('GET', '/datasets/nope/rows/x/evidence'), 404, 'not_found');
      assert.deepEqual(await footprint(test, test.tenantId), before);
    });

    it("keeps tenants apart: another tenant sees none of the views, rows or citations, and cannot use this tenant's datasets", async () => {
      assert.deepEqual((await call('GET', '/views', undefined, otherKey)).json(), { items: [] });
      assertProblem(await call('GET', '/views/people', undefined, otherKey), 404, 'not_found');
      assertProblem(await call('POST', '/views/people/refresh', undefined, otherKey), 404, 'not_found');
      assertProblem(await call('DELETE', '/views/people', undefined, otherKey), 404, 'not_found');
      assertProblem(await call('GET', `/datasets/people/rows/${ids.ada}/evidence`, undefined, otherKey), 404, 'not_found');
      assertProblem(
        await call(
          'POST',
          '/views',
          { name: 'stolen', definition: { kind: 'graph', datasets: [{ dataset: 'staff', entities: [{ type: 'X', name: 'name' }] }] } },
          otherKey,
        ),
        404,
        'not_found',
      );
      const own = await call('POST', '/views', { name: 'people', definition: { kind: 'nodes', entityTypes: ['Person'], properties: ['born'] } }, otherKey);
      assert.equal(own.statusCode, 201, own.body);
      const rows = await rowsOf('people', otherKey);
      assert.deepEqual(
        rows.map((row) => row.values.name),
        ['Globex Only'],
      );
      assert.equal((await rowsOf('people')).length, 2, "this tenant's view of the same name is its own");
      if (dialect === 'postgres') {
        // Row-level security: a query without any tenant filter, in the other tenant's scope, sees only its own views.
        const seen = await test.services.store.read({ tenantId: otherTenant }, (tx) => tx.all<{ tenant_id: string }>('SELECT tenant_id FROM views'));
        assert.deepEqual(
          seen.map((row) => row.tenant_id),
          [otherTenant],
        );
      }
    });
  });

  describe(`views as jobs (${dialect})`, () => {
    let test: TestApp;
    const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
      test.app.inject({ method, url, headers: bearer(test.adminKey), ...(payload === undefined ? {} : { payload: payload as Body }) });
    const waitForJob = async (id: string): Promise<Job> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const job = (await call('GET', `/jobs/${id}`)).json<Job>();
        if (['succeeded', 'dead', 'cancelled'].includes(job.status)) return job;
        assert.ok(Date.now() < deadline, `job ${id} stayed ${job.status}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };

    before(async () => {
      test = await createTestApp(dialect, { viewInlineMaxRows: 3, jobsPollIntervalMs: 20 }, { background: true });
      await test.services.graph.upsertEntities(
        test.tenantId,
        Array.from({ length: 10 }, (_, index) => ({ type: 'Item', name: `Item ${index}`, properties: { rank: index } })),
      );
    });
    after(() => test.dispose());

    it('a view bigger than viewInlineMaxRows answers 202 with a job, and is ready with its rows when the job is done', async () => {
      const response = await call('POST', '/views', { name: 'items', definition: { kind: 'nodes', entityTypes: ['Item'], properties: ['rank'] } });
      assert.equal(response.statusCode, 202, response.body);
      const { job, view } = response.json<{ job: { id: string }; view: ViewBody }>();
      assert.equal(view.status, 'pending');
      assert.equal((await waitForJob(job.id)).status, 'succeeded');
      const ready = (await call('GET', '/views/items')).json<ViewBody>();
      assert.equal(ready.status, 'ready');
      assert.equal(ready.lineage?.output.rows, 10);
      const refresh = await call('POST', '/views/items/refresh');
      assert.equal(refresh.statusCode, 202, refresh.body);
      assert.equal((await waitForJob(refresh.json<{ job: { id: string } }>().job.id)).status, 'succeeded');
    });

    it('a job whose view fails marks it failed with the reason and writes no dataset', async () => {
      const response = await call('POST', '/views', { name: 'broken', definition: { kind: 'nodes', entityTypes: ['Item'], properties: ['no_such'] } });
      assert.equal(response.statusCode, 202, response.body);
      const job = await waitForJob(response.json<{ job: { id: string } }>().job.id);
      assert.equal(job.status, 'dead');
      const failed = (await call('GET', '/views/broken')).json<ViewBody>();
      assert.equal(failed.status, 'failed');
      assert.match(failed.error ?? '', /no_such/);
      assertProblem(await call('GET', '/datasets/broken'), 404, 'not_found');
    });
  });
}
