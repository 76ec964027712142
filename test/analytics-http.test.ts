/** @module Graph analytics over HTTP on both drivers: known answers, bad parameters, tenant isolation, the job path and write-back. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TrellisConfig, loadConfig } from '../src/core/config.js';
import { newId } from '../src/core/ids.js';
import { type App, buildApp } from '../src/server/app.js';
import { type Services, createServices, startBackground, stopBackground } from '../src/server/services.js';
import type { Dialect } from '../src/store/index.js';
import { bearer } from './support/app.js';
import { createTestStore, dialects } from './support/stores.js';

/** An app whose analytics workers can read the store: on PostgreSQL the config names the test database. */
interface AnalyticsApp {
  app: App;
  services: Services;
  adminKey: string;
  tenantId: string;
  dispose(): Promise<void>;
}

async function createAnalyticsApp(dialect: Dialect, overrides: Partial<TrellisConfig> = {}): Promise<AnalyticsApp> {
  const testStore = await createTestStore(dialect);
  const config = loadConfig({
    env: {},
    file: undefined,
    overrides: { logLevel: 'silent', rateLimit: 'off', ...(dialect === 'postgres' ? { databaseUrl: testStore.location } : {}), ...overrides },
  });
  const services = createServices(config, testStore.store);
  const boot = await services.platform.bootstrap();
  if (!boot.created) throw new Error('bootstrap did not run');
  const app = await buildApp(services, { logger: false });
  await app.ready();
  await startBackground(services);
  return {
    app,
    services,
    adminKey: boot.created.apiKey,
    tenantId: boot.created.tenantId,
    async dispose() {
      await app.close();
      await stopBackground(services);
      await testStore.dispose();
    },
  };
}

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: Record<string, unknown>;
}

async function call(app: App, method: 'GET' | 'POST', url: string, key: string, payload?: unknown): Promise<Answer> {
  const response = await app.inject({ method, url, headers: bearer(key), ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  return { status: response.statusCode, headers: response.headers, body: response.body ? (response.json() as Record<string, unknown>) : {} };
}

type Row = Record<string, string | number>;

/** A: A→B, A→C, B→C, C→A, D→C (the hand-solved PageRank graph); E alone; relation types `links` and `cites`. */
async function knownGraph(services: Services, tenantId: string): Promise<Record<string, string>> {
  const names = ['A', 'B', 'C', 'D', 'E'];
  const { ids } = await services.graph.upsertEntities(
    tenantId,
    names.map((name) => ({ type: name === 'E' ? 'Place' : 'Person', name })),
  );
  const id = Object.fromEntries(names.map((name, index) => [name, ids[index] as string]));
  const relation = (from: string, to: string, type = 'links') => ({ type, from: id[from] as string, to: id[to] as string });
  await services.graph.upsertRelations(tenantId, [relation('A', 'B'), relation('A', 'C'), relation('B', 'C'), relation('C', 'A'), relation('D', 'C', 'cites')]);
  return id;
}

/** The hand-solved PageRank of A…D (see src/graph/analytics/algorithms.test.ts), on the graph of those four alone. */
function handPageRank(): Record<string, number> {
  const a = (0.0375 + 0.85 * 0.10125) / (1 - 0.85 * 0.78625);
  return { A: a, B: 0.0375 + 0.425 * a, C: 0.10125 + 0.78625 * a, D: 0.0375 };
}

async function waitForResult(app: App, key: string, url: string): Promise<Answer> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await call(app, 'GET', url, key);
    if (answer.status !== 200 || !['queued', 'running'].includes(String(answer.body.status)) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const dialect of dialects) {
  describe(`graph analytics over HTTP (${dialect})`, () => {
    let test: AnalyticsApp;
    let ids: Record<string, string>;
    let otherKey: string;
    let otherTenant: string;
    let readKey: string;

    before(async () => {
      test = await createAnalyticsApp(dialect);
      ids = await knownGraph(test.services, test.tenantId);
      const other = await test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' });
      otherKey = other.key;
      otherTenant = other.tenant.id;
      // The other tenant's graph: a star that would dominate any ranking it leaked into.
      const { ids: star } = await test.services.graph.upsertEntities(
        otherTenant,
        Array.from({ length: 30 }, (_, index) => ({ type: 'Person', name: `Other ${index}` })),
      );
      await test.services.graph.upsertRelations(
        otherTenant,
        star.slice(1).map((leaf) => ({ type: 'links', from: leaf, to: star[0] as string })),
      );
      readKey = (await test.services.platform.apiKeys.create({ tenantId: test.tenantId, name: 'reader', scopes: ['read'] })).key;
    });
    after(() => test.dispose());

    it('answers PageRank inline, ranked, with the hand-solved scores, convergence and the parameters used', async () => {
      const answer = await call(test.app, 'POST', '/graph/analytics/pagerank', test.adminKey, { entityTypes: ['Person'], tolerance: 1e-12, iterations: 500 });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const body = answer.body as {
        rows: Row[];
        columns: { name: string }[];
        summary: Record<string, unknown>;
        params: Record<string, unknown>;
        total: number;
      };
      assert.deepEqual(
        body.columns.map((column) => column.name),
        ['rank', 'entityId', 'entityType', 'name', 'pagerank'],
      );
      assert.equal(body.total, 4);
      assert.deepEqual(
        body.rows.map((row) => row.name),
        ['C', 'A', 'B', 'D'],
      );
      const expected = handPageRank();
      for (const row of body.rows) {
        assert.equal(row.entityId, ids[String(row.name)]);
        assert.ok(Math.abs(Number(row.pagerank) - (expected[String(row.name)] as number)) < 1e-7, `${row.name}: ${row.pagerank}`);
      }
      assert.equal(body.summary.converged, true);
      assert.ok(Number(body.summary.iterations) > 10);
      assert.equal(body.params.damping, 0.85);
      assert.equal(body.params.direction, 'out');
    });

    it('pages with top and offset, and reports no convergence when iterations run out', async () => {
      const first = await call(test.app, 'POST', '/graph/analytics/pagerank?top=2', test.adminKey, { iterations: 2, tolerance: 1e-12 });
      assert.equal(first.status, 200);
      assert.equal((first.body.rows as Row[]).length, 2);
      assert.equal(first.body.nextOffset, 2);
      assert.equal(first.body.total, 5);
      assert.deepEqual(first.body.summary, { converged: false, iterations: 2, delta: (first.body.summary as { delta: number }).delta, threads: 1 });
      const second = await call(test.app, 'POST', '/graph/analytics/pagerank?top=2&offset=4', test.adminKey, { iterations: 2, tolerance: 1e-12 });
      assert.deepEqual(
        (second.body.rows as Row[]).map((row) => row.rank),
        [5],
      );
      assert.equal(second.body.nextOffset, null);
    });

    it('answers degree, betweenness, components and communities with exact values', async () => {
      const degree = await call(test.app, 'POST', '/graph/analytics/degree', test.adminKey, { mode: 'in' });
      assert.equal(degree.status, 200);
      const inDegree = Object.fromEntries((degree.body.rows as Row[]).map((row) => [row.name, [row.degree, row.inDegree, row.outDegree]]));
      assert.deepEqual(inDegree, { C: [3, 3, 1], A: [1, 1, 2], B: [1, 1, 1], D: [0, 0, 1], E: [0, 0, 0] });
      const onlyLinks = await call(test.app, 'POST', '/graph/analytics/degree', test.adminKey, { relationTypes: ['links'] });
      assert.equal((onlyLinks.body.rows as Row[]).find((row) => row.name === 'D')?.degree, 0, 'the cites relation is left out');
      assert.equal(onlyLinks.body.relations, 4);

      const betweenness = await call(test.app, 'POST', '/graph/analytics/betweenness', test.adminKey, { normalized: false });
      // Directed shortest paths through a middle node: B→C→A, D→C→A and D→C→A→B pass C; C→A→B and D→C→A→B pass A.
      const between = Object.fromEntries((betweenness.body.rows as Row[]).map((row) => [row.name, row.betweenness]));
      assert.deepEqual(between, { C: 3, A: 2, B: 0, D: 0, E: 0 });
      assert.deepEqual(betweenness.body.summary, { exact: true, sampledSources: 5, threads: 1 });

      const components = await call(test.app, 'POST', '/graph/analytics/components', test.adminKey, {});
      assert.deepEqual(
        (components.body.rows as Row[]).map((row) => [row.name, row.component, row.componentSize]),
        [
          ['A', 0, 4],
          ['B', 0, 4],
          ['C', 0, 4],
          ['D', 0, 4],
          ['E', 1, 1],
        ],
      );
      const strong = await call(test.app, 'POST', '/graph/analytics/components', test.adminKey, { mode: 'strong' });
      assert.deepEqual(strong.body.summary, { components: 3, largestComponent: 3 });

      const communities = await call(test.app, 'POST', '/graph/analytics/communities', test.adminKey, { seed: 3 });
      assert.equal(communities.status, 200);
      assert.equal(typeof (communities.body.summary as { modularity: number }).modularity, 'number');
      assert.equal((communities.body.rows as Row[]).find((row) => row.name === 'E')?.communitySize, 1);
    });

    it('refuses bad parameters with 400 problem+json and unknown algorithms with 404', async () => {
      const bad: [string, unknown, string?][] = [
        ['pagerank', { damping: 1 }],
        ['pagerank', { damping: 0 }],
        ['pagerank', { damping: '0.5' }],
        ['pagerank', { iterations: 0 }],
        ['pagerank', { iterations: 1001 }],
        ['pagerank', { iterations: 2.5 }],
        ['pagerank', { tolerance: 0 }],
        ['pagerank', { tolerance: -1 }],
        ['pagerank', { direction: 'sideways' }],
        ['pagerank', { dampening: 0.5 }],
        ['pagerank', [1, 2]],
        ['pagerank', { relationTypes: [] }],
        ['pagerank', { relationTypes: ["x' OR 1=1 --"] }],
        ['pagerank', { relationTypes: Array.from({ length: 101 }, (_, index) => `t${index}`) }],
        ['pagerank', { relationTypes: ['nope'] }, 'Unknown relation type'],
        ['degree', { entityTypes: ['Person', 'Planet'] }, 'Unknown entity type'],
        ['degree', { mode: 'sideways' }],
        ['betweenness', { samples: 0 }],
        ['communities', { resolution: 0 }],
        ['components', { mode: 'medium' }],
        ['pagerank', { writeBack: true, property: 'bad name' }],
        ['pagerank', { writeBack: 'yes' }],
      ];
      for (const [algorithm, payload, message] of bad) {
        const answer = await call(test.app, 'POST', `/graph/analytics/${algorithm}`, test.adminKey, payload);
        assert.equal(answer.status, 400, `${algorithm} ${JSON.stringify(payload)}: ${JSON.stringify(answer.body)}`);
        assert.match(String(answer.headers['content-type']), /application\/problem\+json/);
        if (message) assert.match(String(answer.body.detail), new RegExp(message));
      }
      for (const query of ['top=0', 'top=10001', 'offset=-1', 'top=abc']) {
        assert.equal((await call(test.app, 'POST', `/graph/analytics/pagerank?${query}`, test.adminKey, {})).status, 400, query);
      }
      const unknown = await call(test.app, 'POST', '/graph/analytics/closeness', test.adminKey, {});
      assert.equal(unknown.status, 404);
      assert.match(String(unknown.headers['content-type']), /application\/problem\+json/);
      const noBody = await test.app.inject({ method: 'POST', url: '/graph/analytics/degree', headers: bearer(test.adminKey) });
      assert.equal(noBody.statusCode, 200, 'no body means every default');
    });

    it("never includes another tenant's graph", async () => {
      const mine = await call(test.app, 'POST', '/graph/analytics/degree', test.adminKey, {});
      assert.equal(mine.body.total, 5);
      assert.ok((mine.body.rows as Row[]).every((row) => Object.values(ids).includes(String(row.entityId))));
      const theirs = await call(test.app, 'POST', '/graph/analytics/pagerank', otherKey, {});
      assert.equal(theirs.body.total, 30);
      assert.equal(theirs.body.relations, 29);
      assert.ok((theirs.body.rows as Row[]).every((row) => String(row.name).startsWith('Other ')));
    });

    it('writes scores back as entity properties, visible through GET /entities/{id}, and needs the write scope', async () => {
      const answer = await call(test.app, 'POST', '/graph/analytics/pagerank', test.adminKey, { writeBack: true, property: 'rank_score' });
      assert.equal(answer.status, 200);
      assert.deepEqual({ ...(answer.body.writtenBack as object), milliseconds: 0 }, { property: 'rank_score', updated: 5, missing: 0, milliseconds: 0 });
      for (const row of answer.body.rows as Row[]) {
        const entity = await call(test.app, 'GET', `/entities/${row.entityId}`, test.adminKey);
        assert.equal((entity.body.properties as Record<string, unknown>).rank_score, row.pagerank);
      }
      const other = await call(test.app, 'GET', '/entities?limit=100', otherKey);
      assert.ok((other.body.items as { properties: Record<string, unknown> }[]).every((entity) => !('rank_score' in entity.properties)));
      const refused = await call(test.app, 'POST', '/graph/analytics/pagerank', readKey, { writeBack: true });
      assert.equal(refused.status, 403);
      assert.equal((await call(test.app, 'POST', '/graph/analytics/pagerank', readKey, {})).status, 200, 'reading needs only the read scope');
    });
  });

  describe(`graph analytics as a job (${dialect})`, () => {
    let test: AnalyticsApp;
    let ids: Record<string, string>;
    let otherKey: string;

    before(async () => {
      // Above 3 relations a graph runs as a job (test-lowered; the default is 50,000).
      test = await createAnalyticsApp(dialect, { analyticsInlineMaxRelations: 3 });
      ids = await knownGraph(test.services, test.tenantId);
      otherKey = (await test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' })).key;
    });
    after(() => test.dispose());

    it('answers 202 with a job whose result pages through the kept rows and whose write-back lands', async () => {
      const accepted = await call(test.app, 'POST', '/graph/analytics/pagerank?top=3', test.adminKey, {
        writeBack: true,
        entityTypes: ['Person'],
        tolerance: 1e-12,
      });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      assert.equal(accepted.body.type, 'graph.analytics');
      const url = String(accepted.body.resultUrl);
      assert.equal(accepted.headers.location, url);
      const done = await waitForResult(test.app, test.adminKey, url);
      assert.equal(done.body.status, 'succeeded', JSON.stringify(done.body));
      const result = done.body.result as { rows: Row[]; total: number; nextOffset: number | null; writtenBack: { updated: number } };
      assert.equal(result.total, 4);
      assert.deepEqual(
        result.rows.map((row) => row.name),
        ['C', 'A', 'B'],
      );
      assert.equal(result.writtenBack.updated, 4);
      const expected = handPageRank();
      const entity = await call(test.app, 'GET', `/entities/${ids.D}`, test.adminKey);
      assert.ok(Math.abs(Number((entity.body.properties as Record<string, number>).pagerank) - (expected.D as number)) < 1e-7);
      const page = await call(test.app, 'GET', `${url}?offset=1&limit=1`, test.adminKey);
      assert.deepEqual(
        ((page.body.result as { rows: Row[] }).rows ?? []).map((row) => row.name),
        ['A'],
      );
      assert.equal((page.body.result as { nextOffset: number }).nextOffset, 2);
      const beyond = await call(test.app, 'GET', `${url}?offset=3`, test.adminKey);
      assert.deepEqual((beyond.body.result as { rows: Row[]; nextOffset: null }).rows, []);
      assert.equal((await call(test.app, 'GET', url, otherKey)).status, 404, "another tenant's job is not found");
    });

    it('records a refused job (unknown relation type) as dead with the reason, and 404s unknown and non-analytics IDs', async () => {
      const accepted = await call(test.app, 'POST', '/graph/analytics/degree', test.adminKey, { relationTypes: ['missing_type'] });
      assert.equal(accepted.status, 202);
      const done = await waitForResult(test.app, test.adminKey, String(accepted.body.resultUrl));
      assert.equal(done.body.status, 'dead');
      assert.match(String(done.body.error), /bad_request: Unknown relation type: missing_type/);
      assert.equal(done.body.result, null);
      assert.equal((await call(test.app, 'GET', `/graph/analytics/results/${newId()}`, test.adminKey)).status, 404);
      assert.equal((await call(test.app, 'GET', '/graph/analytics/results/not-a-uuid', test.adminKey)).status, 400);
      const other = await test.services.jobs.enqueueNow({ type: 'jobs.prune', tenantId: test.tenantId, payload: {} });
      assert.equal((await call(test.app, 'GET', `/graph/analytics/results/${other.id}`, test.adminKey)).status, 404);
    });
  });
}
