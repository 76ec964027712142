/** @module End-to-end tests of the graph's HTTP API through `app.inject`: flows and tenant isolation on both drivers, bad input on every route, auth, OpenAPI and health. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { type ErrorCode, errorCatalogue, problemType } from '../src/core/errors.js';
import type { BulkResult, Chunk, Edge, Entity, Evidence, NodeSummary, Page, Relation, Source } from '../src/graph/index.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

type EntityWithEvidence = Entity & { evidence: Evidence[] };
type RelationWithEvidence = Relation & { evidence: Evidence[] };
type SourceWithChunks = Source & { chunks: Chunk[] };
type Neighbours = { root: string; nodes: NodeSummary[]; edges: Edge[]; truncated: boolean };
type Path = { found: boolean; length: number | null; nodes: NodeSummary[]; edges: Edge[] };
interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance: string;
  errors?: { path: string; message: string }[];
}

const jsonHeaders = { 'content-type': 'application/json' };
const randomUuid = '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee';
const injection = "Robert'); DROP TABLE entities;--";

/** A caller of the app with one credential (read when called, since apps are built in `before`); a null key sends none. */
function client(use: () => { test: TestApp; key: string | null }) {
  return async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const { test, key } = use();
    const options: InjectOptions = { method, url, headers: { ...(key ? bearer(key) : {}), ...headers } };
    if (payload !== undefined) options.payload = payload as InjectOptions['payload'];
    return test.app.inject(options);
  };
}

/** Asserts a problem+json error of the catalogue: never a 500, every field present, `instance` the request ID. */
function assertProblem(response: LightMyRequestResponse, status: number, code: ErrorCode): Problem {
  assert.notEqual(response.statusCode, 500, `a 500 for a client error: ${response.body}`);
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const problem = response.json<Problem>();
  assert.equal(problem.type, problemType(code));
  assert.equal(problem.title, errorCatalogue[code].title);
  assert.equal(problem.status, status);
  assert.equal(problem.code, code);
  assert.equal(typeof problem.detail, 'string');
  assert.ok(problem.detail.length > 0, 'detail says what is wrong');
  assert.equal(typeof response.headers['x-request-id'], 'string');
  assert.equal(problem.instance, response.headers['x-request-id']);
  return problem;
}

/** What a tenant holds, as the API and the event outbox see it; equal snapshots mean nothing changed. */
async function snapshot(test: TestApp, key: string, tenantId: string) {
  const count = async (url: string) => {
    const response = await test.app.inject({ url: `${url}?limit=1000`, headers: bearer(key) });
    assert.equal(response.statusCode, 200, response.body);
    return response.json<Page<unknown>>().items.length;
  };
  const events = await test.services.store.read({ tenantId }, (tx) =>
    tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM events WHERE tenant_id = ?', [tenantId]),
  );
  return { entities: await count('/entities'), relations: await count('/relations'), sources: await count('/sources'), events: Number(events?.n) };
}

for (const dialect of dialects) {
  describe(`graph HTTP API flows (${dialect})`, () => {
    let test: TestApp;
    const call = client(() => ({ test, key: test.adminKey }));
    const entity = async (payload: Record<string, unknown>) => (await call('POST', '/entities', payload)).json<Entity>();
    before(async () => {
      test = await createTestApp(dialect);
    });
    after(() => test.dispose());

    it('cites source passages: source (201), entity and relation with evidence (201, then 200 on merge), read back with quote, uri, title and page', async () => {
      const first = 'Grace Hopper worked for the US Navy.';
      const second = ' She wrote COBOL at Remington Rand.';
      const created = await call('POST', '/sources', {
        uri: 'https://example.org/hopper.pdf',
        kind: 'pdf',
        title: 'Grace Hopper',
        chunks: [
          { text: first, page: 1 },
          { text: second, page: 2 },
        ],
      });
      assert.equal(created.statusCode, 201, created.body);
      const source = created.json<SourceWithChunks>();
      assert.equal(created.headers.location, `/sources/${source.id}`);
      assert.deepEqual(
        source.chunks.map((chunk) => [chunk.ordinal, chunk.start, chunk.end, chunk.page]),
        [
          [0, 0, first.length, 1],
          [1, first.length, first.length + second.length, 2],
        ],
      );
      const [chunk1, chunk2] = source.chunks as [Chunk, Chunk];
      assert.equal((await call('GET', `/sources/${source.id}`)).json<SourceWithChunks>().chunks.length, 2);

      const grace = await call('POST', '/entities', {
        type: 'Person',
        name: 'Grace Hopper',
        properties: { born: 1906 },
        evidence: [{ sourceId: source.id, chunkId: chunk1.id, start: 0, end: 12, extractor: 'ner', extractorVersion: '1.2', confidence: 0.9 }],
      });
      assert.equal(grace.statusCode, 201, grace.body);
      const graceId = grace.json<Entity>().id;
      assert.equal(grace.headers.location, `/entities/${graceId}`);
      const merged = await call('POST', '/entities', { type: 'Person', name: 'GRACE  hopper', aliases: ['Amazing Grace'], properties: { died: 1992 } });
      assert.equal(merged.statusCode, 200, merged.body);
      assert.equal(merged.headers.location, undefined, 'a merge creates nothing to locate');
      assert.equal(merged.json<Entity>().id, graceId);
      assert.deepEqual(merged.json<Entity>().aliases, ['Amazing Grace']);
      assert.deepEqual(merged.json<Entity>().properties, { born: 1906, died: 1992 });

      const cobolStart = first.length + second.indexOf('COBOL');
      const cobol = await entity({
        type: 'Language',
        name: 'COBOL',
        evidence: [{ sourceId: source.id, chunkId: chunk2.id, start: cobolStart, end: cobolStart + 5 }],
      });
      const read = await call('GET', `/entities/${graceId}`);
      assert.equal(read.statusCode, 200);
      const evidence = read.json<EntityWithEvidence>().evidence;
      assert.equal(evidence.length, 2, 'the source citation and the direct API assertion');
      const cited = evidence.find((item) => item.sourceId === source.id);
      assert.ok(cited);
      assert.deepEqual(
        {
          quote: cited.quote,
          source: cited.source,
          chunkId: cited.chunkId,
          start: cited.start,
          end: cited.end,
          extractor: cited.extractor,
          extractorVersion: cited.extractorVersion,
          confidence: cited.confidence,
        },
        {
          quote: 'Grace Hopper',
          source: { uri: 'https://example.org/hopper.pdf', title: 'Grace Hopper', page: 1 },
          chunkId: chunk1.id,
          start: 0,
          end: 12,
          extractor: 'ner',
          extractorVersion: '1.2',
          confidence: 0.9,
        },
      );
      const cobolEvidence = (await call('GET', `/entities/${cobol.id}`)).json<EntityWithEvidence>().evidence[0];
      assert.equal(cobolEvidence?.quote, 'COBOL', 'offsets are source offsets, resolved inside the second chunk');
      assert.equal(cobolEvidence?.source?.page, 2);

      const navyStart = first.indexOf('US Navy');
      const navy = await entity({
        type: 'Organization',
        name: 'US Navy',
        evidence: [{ sourceId: source.id, chunkId: chunk1.id, start: navyStart, end: navyStart + 7 }],
      });
      const relationInput = {
        type: 'WORKS_FOR',
        from: graceId,
        to: navy.id,
        validFrom: '1943-12-01T00:00:00Z',
        evidence: [{ sourceId: source.id, chunkId: chunk1.id, start: 0, end: first.length }],
      };
      const relation = await call('POST', '/relations', relationInput);
      assert.equal(relation.statusCode, 201, relation.body);
      const relationId = relation.json<Relation>().id;
      assert.equal(relation.headers.location, `/relations/${relationId}`);
      assert.equal(relation.json<Relation>().validFrom, '1943-12-01T00:00:00.000Z');
      const again = await call('POST', '/relations', { ...relationInput, properties: { rank: 'Rear Admiral' } });
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json<Relation>().id, relationId);
      const readRelation = await call('GET', `/relations/${relationId}`);
      assert.equal(readRelation.statusCode, 200);
      const body = readRelation.json<RelationWithEvidence>();
      assert.deepEqual([body.from, body.to, body.properties], [graceId, navy.id, { rank: 'Rear Admiral' }]);
      assert.equal(body.evidence.length, 1, 'the same citation asserted twice is stored once');
      assert.equal(body.evidence[0]?.quote, first);
      assert.deepEqual(body.evidence[0]?.source, { uri: 'https://example.org/hopper.pdf', title: 'Grace Hopper', page: 1 });
    });

    it('bulk-upserts entities and relations in input order, merging duplicates and counting created and updated', async () => {
      const first = await call('POST', '/entities/bulk', {
        entities: [
          { type: 'Mission', name: 'Apollo' },
          { type: 'Mission', name: 'Gemini' },
          { type: 'Mission', name: 'apollo', properties: { crewed: true } },
        ],
      });
      assert.equal(first.statusCode, 200, first.body);
      const result = first.json<BulkResult>();
      assert.equal(result.ids.length, 3);
      assert.equal(result.ids[0], result.ids[2]);
      assert.deepEqual([result.created, result.updated], [2, 0]);
      const second = (
        await call('POST', '/entities/bulk', {
          entities: [
            { type: 'Mission', name: 'Gemini' },
            { type: 'Mission', name: 'Mercury' },
          ],
        })
      ).json<BulkResult>();
      assert.deepEqual([second.created, second.updated, second.ids[0]], [1, 1, result.ids[1]]);
      const [apollo, gemini] = result.ids as [string, string];
      const relations = await call('POST', '/relations/bulk', {
        relations: [
          { type: 'FOLLOWS', from: gemini, to: apollo },
          { type: 'FOLLOWS', from: second.ids[1], to: gemini },
          { type: 'FOLLOWS', from: gemini, to: apollo, properties: { gapYears: 1 } },
        ],
      });
      assert.equal(relations.statusCode, 200, relations.body);
      const relationResult = relations.json<BulkResult>();
      assert.deepEqual([relationResult.created, relationResult.updated, relationResult.ids[0] === relationResult.ids[2]], [2, 0, true]);
      assert.deepEqual((await call('GET', `/relations/${relationResult.ids[0]}`)).json<Relation>().properties, { gapYears: 1 });
      assert.deepEqual((await call('GET', `/entities/${apollo}`)).json<Entity>().properties, { crewed: true });
    });

    it('lists entities filtered by type and by name substring, page by page with cursors', async () => {
      await call('POST', '/entities/bulk', { entities: ['Alnitak', 'Alnilam', 'Mintaka', 'Betelgeuse', 'Rigel'].map((name) => ({ type: 'Star', name })) });
      await entity({ type: 'Planet', name: 'Alnitak b' });
      const stars = (await call('GET', '/entities?type=Star')).json<Page<Entity>>();
      assert.deepEqual(
        stars.items.map((item) => item.name),
        ['Alnitak', 'Alnilam', 'Mintaka', 'Betelgeuse', 'Rigel'],
      );
      assert.equal(stars.nextCursor, null);
      const byName = (await call('GET', `/entities?q=${encodeURIComponent('ALNI')}`)).json<Page<Entity>>();
      assert.deepEqual(
        byName.items.map((item) => item.name),
        ['Alnitak', 'Alnilam', 'Alnitak b'],
        'q is a case-insensitive substring',
      );
      assert.deepEqual(
        (await call('GET', '/entities?type=Star&q=ka')).json<Page<Entity>>().items.map((item) => item.name),
        ['Mintaka'],
      );
      const seen: string[] = [];
      let cursor: string | null = '';
      let pages = 0;
      while (cursor !== null) {
        const response = await call('GET', `/entities?type=Star&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.equal(response.statusCode, 200, response.body);
        const page: Page<Entity> = response.json();
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((item) => item.name));
        cursor = page.nextCursor;
        pages++;
      }
      assert.deepEqual(
        seen,
        stars.items.map((item) => item.name),
        'pages neither skip nor repeat',
      );
      assert.equal(pages, 3);
    });

    it('returns the neighbourhood to depth k with direction and type filters, and a shortest path', async () => {
      const ids = (await call('POST', '/entities/bulk', { entities: ['N0', 'N1', 'N2', 'N3'].map((name) => ({ type: 'Node', name })) })).json<BulkResult>()
        .ids as [string, string, string, string];
      const lonely = await entity({ type: 'Node', name: 'Lonely' });
      await call('POST', '/relations/bulk', {
        relations: [
          { type: 'LINKS', from: ids[0], to: ids[1] },
          { type: 'LINKS', from: ids[1], to: ids[2] },
          { type: 'CITES', from: ids[2], to: ids[3] },
        ],
      });
      const depth = async (query: string) => {
        const response = await call('GET', `/graph/neighbors?entity=${ids[0]}&${query}`);
        assert.equal(response.statusCode, 200, response.body);
        return response.json<Neighbours>();
      };
      const one = await depth('depth=1');
      assert.equal(one.root, ids[0]);
      assert.deepEqual(
        one.nodes.map((node) => [node.name, node.depth]),
        [
          ['N0', 0],
          ['N1', 1],
        ],
      );
      assert.equal(one.edges.length, 1);
      const three = await depth('depth=3');
      assert.deepEqual(
        three.nodes.map((node) => [node.name, node.depth]),
        [
          ['N0', 0],
          ['N1', 1],
          ['N2', 2],
          ['N3', 3],
        ],
      );
      assert.equal(three.edges.length, 3);
      assert.equal(three.truncated, false);
      assert.deepEqual(
        (await depth('depth=3&relationTypes=LINKS')).nodes.map((node) => node.name),
        ['N0', 'N1', 'N2'],
      );
      assert.deepEqual(
        (await depth('depth=3&direction=in')).nodes.map((node) => node.name),
        ['N0'],
      );
      const limited = await depth('depth=3&limit=2');
      assert.equal(limited.nodes.length, 2);
      assert.equal(limited.truncated, true);

      const path = await call('GET', `/graph/path?from=${ids[0]}&to=${ids[3]}`);
      assert.equal(path.statusCode, 200, path.body);
      const found = path.json<Path>();
      assert.equal(found.found, true);
      assert.equal(found.length, 3);
      assert.deepEqual(
        found.nodes.map((node) => node.name),
        ['N0', 'N1', 'N2', 'N3'],
      );
      assert.deepEqual(
        found.edges.map((edge) => edge.type),
        ['LINKS', 'LINKS', 'CITES'],
      );
      assert.deepEqual((await call('GET', `/graph/path?from=${ids[3]}&to=${ids[0]}&direction=out`)).json<Path>().found, false);
      assert.deepEqual((await call('GET', `/graph/path?from=${ids[0]}&to=${ids[3]}&maxDepth=2`)).json<Path>(), {
        found: false,
        length: null,
        nodes: [],
        edges: [],
      });
      assert.equal((await call('GET', `/graph/path?from=${ids[0]}&to=${lonely.id}`)).json<Path>().found, false);
    });

    it('deleting a source retracts its evidence, removes the facts left without evidence and reports the counts', async () => {
      const text = 'Ada Lovelace corresponded with Charles Babbage.';
      const source = (await call('POST', '/sources', { uri: 'file:///letters.txt', kind: 'text', chunks: [{ text }] })).json<SourceWithChunks>();
      const cite = (start: number, end: number) => [{ sourceId: source.id, chunkId: source.chunks[0]?.id, start, end }];
      const ada = await entity({ type: 'Person', name: 'Ada Lovelace', evidence: cite(0, 12) });
      const babbage = await entity({ type: 'Person', name: 'Charles Babbage', evidence: [...cite(31, 46), { extractor: 'curator' }] });
      const relation = (await call('POST', '/relations', { type: 'WROTE_TO', from: ada.id, to: babbage.id, evidence: cite(0, 46) })).json<Relation>();
      const before = await snapshot(test, test.adminKey, test.tenantId);

      const deleted = await call('DELETE', `/sources/${source.id}`);
      assert.equal(deleted.statusCode, 200, deleted.body);
      assert.deepEqual(deleted.json(), { retractedEvidence: 3, deletedEntities: 1, deletedRelations: 1 });
      assertProblem(await call('GET', `/sources/${source.id}`), 404, 'not_found');
      assertProblem(await call('GET', `/entities/${ada.id}`), 404, 'not_found');
      assertProblem(await call('GET', `/relations/${relation.id}`), 404, 'not_found');
      const survivor = await call('GET', `/entities/${babbage.id}`);
      assert.equal(survivor.statusCode, 200);
      assert.deepEqual(
        survivor.json<EntityWithEvidence>().evidence.map((item) => [item.extractor, item.sourceId]),
        [['curator', null]],
      );
      const afterwards = await snapshot(test, test.adminKey, test.tenantId);
      assert.deepEqual([afterwards.entities, afterwards.relations, afterwards.sources], [before.entities - 1, before.relations - 1, before.sources - 1]);
      assertProblem(await call('DELETE', `/sources/${source.id}`), 404, 'not_found');
    });

    it('DELETE /entities/{id} removes the entity and the relations touching it; DELETE /relations/{id} removes one relation (204)', async () => {
      const [p, q, r] = (await call('POST', '/entities/bulk', { entities: ['P', 'Q', 'R'].map((name) => ({ type: 'Letter', name })) })).json<BulkResult>()
        .ids as [string, string, string];
      const [pq, qr] = (
        await call('POST', '/relations/bulk', {
          relations: [
            { type: 'NEXT', from: p, to: q },
            { type: 'NEXT', from: q, to: r },
          ],
        })
      ).json<BulkResult>().ids as [string, string];
      const removed = await call('DELETE', `/entities/${p}`);
      assert.equal(removed.statusCode, 204);
      assert.equal(removed.body, '');
      assertProblem(await call('GET', `/entities/${p}`), 404, 'not_found');
      assertProblem(await call('GET', `/relations/${pq}`), 404, 'not_found');
      assert.equal((await call('GET', `/relations/${qr}`)).statusCode, 200);
      assert.equal((await call('DELETE', `/relations/${qr}`)).statusCode, 204);
      assertProblem(await call('GET', `/relations/${qr}`), 404, 'not_found');
      assert.equal((await call('GET', `/entities/${q}`)).statusCode, 200, 'deleting a relation keeps its endpoints');
      assert.equal((await call('GET', `/entities/${r}`)).statusCode, 200);
      assertProblem(await call('DELETE', `/relations/${qr}`), 404, 'not_found');
      assertProblem(await call('DELETE', `/entities/${p}`), 404, 'not_found');
    });

    it('stores SQL-injection strings literally in names, properties, q and uri, and every table stays usable', async () => {
      const created = await entity({ type: 'Person', name: injection, aliases: ["' OR '1'='1"], properties: { note: "'; DELETE FROM relations; --" } });
      const read = (await call('GET', `/entities/${created.id}`)).json<Entity>();
      assert.deepEqual([read.name, read.aliases, read.properties], [injection, ["' OR '1'='1"], { note: "'; DELETE FROM relations; --" }]);
      const found = (await call('GET', `/entities?q=${encodeURIComponent("'); drop table")}`)).json<Page<Entity>>();
      assert.deepEqual(
        found.items.map((item) => item.id),
        [created.id],
      );
      for (const wildcard of ['%', '_', '\\']) {
        assert.deepEqual(
          (await call('GET', `/entities?q=${encodeURIComponent(wildcard)}`)).json<Page<Entity>>().items,
          [],
          `q=${wildcard} is matched literally`,
        );
      }
      const uri = "file:///x'; DROP TABLE sources;--";
      const source = (await call('POST', '/sources', { uri, kind: 'text', title: '"; DROP TABLE chunks; --' })).json<Source>();
      assert.equal((await call('GET', `/sources/${source.id}`)).json<Source>().uri, uri);
      assertProblem(await call('POST', '/entities', { type: "Person'; DROP TABLE entities;--", name: 'x' }), 400, 'validation_failed');
      assertProblem(await call('GET', `/entities?type=${encodeURIComponent("x' OR 1=1 --")}`), 400, 'validation_failed');
      const state = await snapshot(test, test.adminKey, test.tenantId);
      assert.ok(state.entities > 5 && state.relations > 0 && state.sources > 0, 'earlier data is still there');
    });

    it('puts x-request-id on every response, echoing a well-formed incoming one and replacing a malformed one', async () => {
      for (const response of [
        await call('GET', '/entities'),
        await call('POST', '/entities', { type: 'Tag', name: 'x' }),
        await call('GET', `/entities/${randomUuid}`),
        await test.app.inject({ url: '/health' }),
      ]) {
        assert.match(String(response.headers['x-request-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      }
      const echoed = await call('GET', `/entities/${randomUuid}`, undefined, { 'x-request-id': 'trace-42.a:b' });
      assert.equal(echoed.headers['x-request-id'], 'trace-42.a:b');
      assert.equal(assertProblem(echoed, 404, 'not_found').instance, 'trace-42.a:b');
      const replaced = await call('GET', '/entities', undefined, { 'x-request-id': 'bad id <script>' });
      assert.notEqual(replaced.headers['x-request-id'], 'bad id <script>');
      assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    });

    it('answers /health and /ready (with its checks)', async () => {
      const health = await test.app.inject({ url: '/health' });
      assert.equal(health.statusCode, 200);
      assert.equal(health.json<{ status: string }>().status, 'ok');
      const ready = await test.app.inject({ url: '/ready' });
      assert.equal(ready.statusCode, 200, ready.body);
      const body = ready.json<{ status: string; checks: { name: string; ok: boolean }[] }>();
      assert.equal(body.status, 'ready');
      assert.deepEqual(
        body.checks.map((check) => [check.name, check.ok]),
        [
          ['store', true],
          ['migrations', true],
        ],
      );
    });
  });

  describe(`graph HTTP API tenant isolation (${dialect})`, () => {
    let test: TestApp;
    let otherKey: string;
    let otherTenantId: string;
    const other = { entity: '', peer: '', relation: '', source: '', chunk: '' };
    let mine: Entity;
    let mySource: SourceWithChunks;
    const call = client(() => ({ test, key: test.adminKey }));
    const callOther = client(() => ({ test, key: otherKey }));
    const unchanged = async (work: () => Promise<void>) => {
      const mineBefore = await snapshot(test, test.adminKey, test.tenantId);
      const otherBefore = await snapshot(test, otherKey, otherTenantId);
      await work();
      assert.deepEqual(await snapshot(test, test.adminKey, test.tenantId), mineBefore);
      assert.deepEqual(await snapshot(test, otherKey, otherTenantId), otherBefore);
    };
    before(async () => {
      test = await createTestApp(dialect);
      const created = await call('POST', '/tenants', { slug: 'globex', name: 'Globex' });
      assert.equal(created.statusCode, 201, created.body);
      const body = created.json<{ tenant: { id: string }; apiKey: { key: string } }>();
      otherKey = body.apiKey.key;
      otherTenantId = body.tenant.id;
      const source = (
        await callOther('POST', '/sources', {
          uri: 'file:///globex/secret.txt',
          kind: 'text',
          title: 'Secret',
          chunks: [{ text: 'Hank Scorpio runs Globex.' }],
        })
      ).json<SourceWithChunks>();
      other.source = source.id;
      other.chunk = source.chunks[0]?.id ?? '';
      const cite = [{ sourceId: source.id, chunkId: other.chunk, start: 0, end: 12 }];
      other.entity = (await callOther('POST', '/entities', { type: 'Person', name: 'Hank Scorpio', evidence: cite })).json<Entity>().id;
      other.peer = (await callOther('POST', '/entities', { type: 'Company', name: 'Globex' })).json<Entity>().id;
      other.relation = (await callOther('POST', '/relations', { type: 'RUNS', from: other.entity, to: other.peer, evidence: cite })).json<Relation>().id;
      mine = (await call('POST', '/entities', { type: 'Person', name: 'Homer Simpson' })).json<Entity>();
      mySource = (
        await call('POST', '/sources', { uri: 'file:///mine.txt', kind: 'text', chunks: [{ text: 'Homer works at Globex.' }] })
      ).json<SourceWithChunks>();
    });
    after(() => test.dispose());

    it('answers 404 (never the data, never 500) to GET and DELETE of another tenant’s entity, relation and source, and deletes nothing', async () => {
      await unchanged(async () => {
        for (const url of [`/entities/${other.entity}`, `/relations/${other.relation}`, `/sources/${other.source}`]) {
          for (const method of ['GET', 'DELETE'] as const) {
            const response = await call(method, url);
            const problem = assertProblem(response, 404, 'not_found');
            assert.doesNotMatch(response.body, /Scorpio|Globex|secret/i, `${method} ${url} leaks nothing`);
            assert.ok(problem.detail.length > 0);
          }
        }
      });
      assert.equal((await callOther('GET', `/entities/${other.entity}`)).json<Entity>().name, 'Hank Scorpio', 'the owner still sees it');
      assert.equal((await callOther('GET', `/relations/${other.relation}`)).statusCode, 200);
      assert.equal((await callOther('GET', `/sources/${other.source}`)).statusCode, 200);
    });

    it('refuses evidence citing another tenant’s source, or its chunk under one’s own source (422), writing nothing', async () => {
      await unchanged(async () => {
        for (const evidence of [
          { sourceId: other.source },
          { sourceId: other.source, chunkId: other.chunk },
          { sourceId: mySource.id, chunkId: other.chunk },
        ]) {
          assertProblem(await call('POST', '/entities', { type: 'Person', name: 'Mallory', evidence: [evidence] }), 422, 'unprocessable');
          assertProblem(
            await call('POST', '/entities/bulk', {
              entities: [
                { type: 'Person', name: 'Mallory' },
                { type: 'Person', name: 'Eve', evidence: [evidence] },
              ],
            }),
            422,
            'unprocessable',
          );
          assertProblem(await call('POST', '/relations', { type: 'KNOWS', from: mine.id, to: mine.id, evidence: [evidence] }), 422, 'unprocessable');
        }
      });
    });

    it('refuses to link to or from another tenant’s entity (422) and to traverse from it (404)', async () => {
      await unchanged(async () => {
        assertProblem(await call('POST', '/relations', { type: 'KNOWS', from: mine.id, to: other.entity }), 422, 'unprocessable');
        assertProblem(await call('POST', '/relations', { type: 'KNOWS', from: other.entity, to: mine.id }), 422, 'unprocessable');
        assertProblem(
          await call('POST', '/relations/bulk', {
            relations: [
              { type: 'KNOWS', from: mine.id, to: mine.id },
              { type: 'KNOWS', from: mine.id, to: other.peer },
            ],
          }),
          422,
          'unprocessable',
        );
        assertProblem(await call('GET', `/graph/neighbors?entity=${other.entity}&depth=2`), 404, 'not_found');
        assertProblem(await call('GET', `/graph/path?from=${mine.id}&to=${other.entity}`), 404, 'not_found');
        assertProblem(await call('GET', `/graph/path?from=${other.entity}&to=${other.peer}`), 404, 'not_found');
      });
    });

    it('never lists another tenant’s entities, relations or sources, in either direction', async () => {
      const names = (await call('GET', '/entities?limit=1000')).json<Page<Entity>>().items.map((item) => item.name);
      assert.deepEqual(names, ['Homer Simpson']);
      assert.deepEqual((await call('GET', `/entities?q=scorpio`)).json<Page<Entity>>().items, []);
      assert.deepEqual((await call('GET', `/entities?type=Company`)).json<Page<Entity>>().items, []);
      assert.deepEqual((await call('GET', '/relations')).json<Page<Relation>>().items, []);
      assert.deepEqual((await call('GET', `/relations?from=${other.entity}`)).json<Page<Relation>>().items, []);
      assert.deepEqual(
        (await call('GET', '/sources')).json<Page<Source>>().items.map((item) => item.uri),
        ['file:///mine.txt'],
      );
      const neighbours = (await call('GET', `/graph/neighbors?entity=${mine.id}&depth=5`)).json<Neighbours>();
      assert.deepEqual(
        neighbours.nodes.map((node) => node.id),
        [mine.id],
      );
      assert.deepEqual(
        (await callOther('GET', '/entities')).json<Page<Entity>>().items.map((item) => item.name),
        ['Hank Scorpio', 'Globex'],
      );
      assert.deepEqual(
        (await callOther('GET', '/sources')).json<Page<Source>>().items.map((item) => item.uri),
        ['file:///globex/secret.txt'],
      );
    });
  });
}

describe('graph HTTP API rejects bad input on every route (sqlite)', () => {
  const bodyLimit = 4096;
  const bulkBodyLimit = 16_384;
  let test: TestApp;
  const fixture = { sourceA: '', chunkA: '', sourceB: '', chunkB: '', alpha: '', beta: '', relation: '' };
  const call = client(() => ({ test, key: test.adminKey }));
  before(async () => {
    test = await createTestApp('sqlite', { bodyLimit, bulkBodyLimit });
    const a = (await call('POST', '/sources', { uri: 'file:///a.txt', kind: 'text', chunks: [{ text: 'Alpha met Beta.' }] })).json<SourceWithChunks>();
    const b = (await call('POST', '/sources', { uri: 'file:///b.txt', kind: 'text', chunks: [{ text: 'Unrelated text.' }] })).json<SourceWithChunks>();
    Object.assign(fixture, { sourceA: a.id, chunkA: a.chunks[0]?.id, sourceB: b.id, chunkB: b.chunks[0]?.id });
    fixture.alpha = (
      await call('POST', '/entities', { type: 'Person', name: 'Alpha', evidence: [{ sourceId: a.id, chunkId: fixture.chunkA, start: 0, end: 5 }] })
    ).json<Entity>().id;
    fixture.beta = (await call('POST', '/entities', { type: 'Person', name: 'Beta' })).json<Entity>().id;
    fixture.relation = (await call('POST', '/relations', { type: 'MET', from: fixture.alpha, to: fixture.beta })).json<Relation>().id;
  });
  after(() => test.dispose());

  /** One bad request: what it is, how to build it from the fixture, the status and code it must get, and the field blamed. */
  type Case = [name: string, request: (f: typeof fixture) => InjectOptions, status: number, code: ErrorCode, field?: string];

  async function expectRejected([, request, status, code, field]: Case): Promise<void> {
    const before = await snapshot(test, test.adminKey, test.tenantId);
    const options = request(fixture);
    const response = await test.app.inject({ ...options, headers: { ...bearer(test.adminKey), ...(options.headers as Record<string, string>) } });
    const problem = assertProblem(response, status, code);
    if (field !== undefined) {
      assert.ok(
        problem.errors?.some((error) => error.path === field),
        `errors name ${field}: ${JSON.stringify(problem.errors)}`,
      );
    }
    assert.deepEqual(await snapshot(test, test.adminKey, test.tenantId), before, 'a rejected request changes nothing');
  }

  function table(route: string, cases: Case[]): void {
    describe(route, () => {
      for (const entry of cases) it(`${entry[0]} → ${entry[2]} ${entry[3]}`, () => expectRejected(entry));
    });
  }

  /** Cases every JSON-body route shares: malformed, empty, wrong media type, too large, not an object, unknown field. */
  function bodyCases(url: string, limit: number, valid: Record<string, unknown>): Case[] {
    const post = (payload: unknown, headers: Record<string, string> = jsonHeaders): InjectOptions => ({
      method: 'POST',
      url,
      payload: payload as string,
      headers,
    });
    return [
      ['malformed JSON', () => post('{"type": "Person", "name": '), 400, 'invalid_json'],
      ['an empty body declared as JSON', () => post(''), 400, 'invalid_json'],
      ['a form-encoded body', () => post('type=Person&name=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type'],
      ['an XML body', () => post('<entity/>', { 'content-type': 'application/xml' }), 415, 'unsupported_media_type'],
      // The limit is checked on Content-Length before parsing, so the cut-off JSON is never read.
      ['a body one byte over the limit', () => post(JSON.stringify({ ...valid, pad: 'x'.repeat(limit) }).slice(0, limit + 1)), 413, 'payload_too_large'],
      ['a JSON array instead of an object', () => post('[]'), 400, 'validation_failed', 'body'],
      ['JSON null', () => post('null'), 400, 'validation_failed', 'body'],
      ['a JSON string', () => post('"hello"'), 400, 'validation_failed', 'body'],
      ['an unknown top-level field', () => post(JSON.stringify({ ...valid, admin: true })), 400, 'validation_failed', 'body/admin'],
    ];
  }

  const post = (url: string, payload: unknown): InjectOptions => ({ method: 'POST', url, payload: payload as string });
  const get = (url: string): InjectOptions => ({ method: 'GET', url });
  const del = (url: string): InjectOptions => ({ method: 'DELETE', url });
  const person = { type: 'Person', name: 'Zed' };

  table('POST /entities', [
    ...bodyCases('/entities', bodyLimit, person),
    ['name as a number', () => post('/entities', { type: 'Person', name: 42 }), 400, 'validation_failed', 'body/name'],
    ['name null', () => post('/entities', { type: 'Person', name: null }), 400, 'validation_failed', 'body/name'],
    ['confidence as a string (never coerced)', () => post('/entities', { ...person, confidence: '0.5' }), 400, 'validation_failed', 'body/confidence'],
    ['confidence above 1', () => post('/entities', { ...person, confidence: 1.5 }), 400, 'validation_failed', 'body/confidence'],
    ['confidence below 0', () => post('/entities', { ...person, confidence: -0.1 }), 400, 'validation_failed', 'body/confidence'],
    ['missing type', () => post('/entities', { name: 'Zed' }), 400, 'validation_failed', 'body/type'],
    ['missing name', () => post('/entities', { type: 'Person' }), 400, 'validation_failed', 'body/name'],
    ['an empty name', () => post('/entities', { type: 'Person', name: '' }), 400, 'validation_failed', 'body/name'],
    ['a blank name', () => post('/entities', { type: 'Person', name: '   ' }), 422, 'unprocessable'],
    ['a name over 1000 characters', () => post('/entities', { type: 'Person', name: 'x'.repeat(1001) }), 400, 'validation_failed', 'body/name'],
    ['an SQL-injection type', () => post('/entities', { type: "Person'; DROP TABLE entities;--", name: 'x' }), 400, 'validation_failed', 'body/type'],
    ['a type starting with a digit', () => post('/entities', { type: '1Person', name: 'x' }), 400, 'validation_failed', 'body/type'],
    ['aliases as a string', () => post('/entities', { ...person, aliases: 'Z' }), 400, 'validation_failed', 'body/aliases'],
    ['properties as an array', () => post('/entities', { ...person, properties: [1] }), 400, 'validation_failed', 'body/properties'],
    ['evidence as an object', () => post('/entities', { ...person, evidence: {} }), 400, 'validation_failed', 'body/evidence'],
    ['an unknown evidence field', () => post('/entities', { ...person, evidence: [{ url: 'x' }] }), 400, 'validation_failed', 'body/evidence/0/url'],
    [
      'an evidence sourceId that is not an ID',
      () => post('/entities', { ...person, evidence: [{ sourceId: "1' OR '1'='1" }] }),
      400,
      'validation_failed',
      'body/evidence/0/sourceId',
    ],
    ['a negative evidence offset', () => post('/entities', { ...person, evidence: [{ start: -1 }] }), 400, 'validation_failed', 'body/evidence/0/start'],
    ['a fractional evidence offset', () => post('/entities', { ...person, evidence: [{ start: 1.5 }] }), 400, 'validation_failed', 'body/evidence/0/start'],
    ['an evidence offset as a string', () => post('/entities', { ...person, evidence: [{ start: '1' }] }), 400, 'validation_failed', 'body/evidence/0/start'],
    [
      'evidence confidence above 1',
      () => post('/entities', { ...person, evidence: [{ confidence: 2 }] }),
      400,
      'validation_failed',
      'body/evidence/0/confidence',
    ],
    ['evidence ending before it starts', (f) => post('/entities', { ...person, evidence: [{ sourceId: f.sourceA, start: 5, end: 2 }] }), 422, 'unprocessable'],
    [
      'evidence citing a chunk of another source',
      (f) => post('/entities', { ...person, evidence: [{ sourceId: f.sourceA, chunkId: f.chunkB }] }),
      422,
      'unprocessable',
    ],
    ['evidence citing a chunk without its source', (f) => post('/entities', { ...person, evidence: [{ chunkId: f.chunkA }] }), 422, 'unprocessable'],
    ['evidence citing a source that does not exist', () => post('/entities', { ...person, evidence: [{ sourceId: randomUuid }] }), 422, 'unprocessable'],
  ]);

  table('POST /entities/bulk', [
    ...bodyCases('/entities/bulk', bulkBodyLimit, { entities: [person] }),
    ['no entities field', () => post('/entities/bulk', {}), 400, 'validation_failed', 'body/entities'],
    ['an empty list', () => post('/entities/bulk', { entities: [] }), 400, 'validation_failed', 'body/entities'],
    ['entities as an object', () => post('/entities/bulk', { entities: person }), 400, 'validation_failed', 'body/entities'],
    [
      'one item with a numeric name',
      () => post('/entities/bulk', { entities: [person, { type: 'Person', name: 42 }] }),
      400,
      'validation_failed',
      'body/entities/1/name',
    ],
    [
      'one item with confidence as a string',
      () => post('/entities/bulk', { entities: [person, { ...person, name: 'Y', confidence: '1' }] }),
      400,
      'validation_failed',
      'body/entities/1/confidence',
    ],
    [
      'one item with an unknown field',
      () => post('/entities/bulk', { entities: [{ ...person, colour: 'red' }] }),
      400,
      'validation_failed',
      'body/entities/0/colour',
    ],
    [
      'one item with an SQL-injection type',
      () => post('/entities/bulk', { entities: [person, { type: "x'--", name: 'y' }] }),
      400,
      'validation_failed',
      'body/entities/1/type',
    ],
    [
      'one item citing a chunk of another source (the valid items are not written either)',
      (f) => post('/entities/bulk', { entities: [person, { type: 'Person', name: 'Y', evidence: [{ sourceId: f.sourceB, chunkId: f.chunkA }] }] }),
      422,
      'unprocessable',
    ],
    ['one blank name among valid items', () => post('/entities/bulk', { entities: [person, { type: 'Person', name: ' ' }] }), 422, 'unprocessable'],
  ]);

  const link = (f: typeof fixture, extra: Record<string, unknown> = {}) => ({ type: 'KNOWS', from: f.alpha, to: f.beta, ...extra });
  table('POST /relations', [
    ...bodyCases('/relations', bodyLimit, { type: 'KNOWS', from: randomUuid, to: randomUuid }),
    ['from that is not an ID', (f) => post('/relations', { ...link(f), from: 'alpha' }), 400, 'validation_failed', 'body/from'],
    ['to as a number', (f) => post('/relations', { ...link(f), to: 7 }), 400, 'validation_failed', 'body/to'],
    ['missing from', (f) => post('/relations', { type: 'KNOWS', to: f.beta }), 400, 'validation_failed', 'body/from'],
    ['missing type', (f) => post('/relations', { from: f.alpha, to: f.beta }), 400, 'validation_failed', 'body/type'],
    ['an SQL-injection type', (f) => post('/relations', link(f, { type: "KNOWS' OR 1=1--" })), 400, 'validation_failed', 'body/type'],
    ['confidence as a string (never coerced)', (f) => post('/relations', link(f, { confidence: '0.5' })), 400, 'validation_failed', 'body/confidence'],
    ['confidence above 1', (f) => post('/relations', link(f, { confidence: 1.01 })), 400, 'validation_failed', 'body/confidence'],
    ['validFrom that is not a date-time', (f) => post('/relations', link(f, { validFrom: 'yesterday' })), 400, 'validation_failed', 'body/validFrom'],
    [
      'validTo before validFrom',
      (f) => post('/relations', link(f, { validFrom: '2020-01-01T00:00:00Z', validTo: '2019-01-01T00:00:00Z' })),
      422,
      'unprocessable',
    ],
    ['properties as a string', (f) => post('/relations', link(f, { properties: 'x' })), 400, 'validation_failed', 'body/properties'],
    ['an endpoint that does not exist', (f) => post('/relations', link(f, { to: randomUuid })), 422, 'unprocessable'],
    ['a source ID as an endpoint', (f) => post('/relations', link(f, { to: f.sourceA })), 422, 'unprocessable'],
    [
      'evidence citing a chunk of another source',
      (f) => post('/relations', link(f, { evidence: [{ sourceId: f.sourceB, chunkId: f.chunkA }] })),
      422,
      'unprocessable',
    ],
  ]);

  table('POST /relations/bulk', [
    ...bodyCases('/relations/bulk', bulkBodyLimit, { relations: [{ type: 'KNOWS', from: randomUuid, to: randomUuid }] }),
    ['no relations field', () => post('/relations/bulk', {}), 400, 'validation_failed', 'body/relations'],
    ['an empty list', () => post('/relations/bulk', { relations: [] }), 400, 'validation_failed', 'body/relations'],
    [
      'one item with from that is not an ID',
      (f) => post('/relations/bulk', { relations: [link(f), link(f, { from: 'x' })] }),
      400,
      'validation_failed',
      'body/relations/1/from',
    ],
    [
      'one item with confidence as a string',
      (f) => post('/relations/bulk', { relations: [link(f, { confidence: '1' })] }),
      400,
      'validation_failed',
      'body/relations/0/confidence',
    ],
    [
      'one item whose endpoint does not exist (the valid items are not written either)',
      (f) => post('/relations/bulk', { relations: [link(f, { type: 'NEW' }), link(f, { from: randomUuid })] }),
      422,
      'unprocessable',
    ],
  ]);

  table('GET /entities', [
    ['limit=0', () => get('/entities?limit=0'), 400, 'validation_failed', 'querystring/limit'],
    ['limit=1001', () => get('/entities?limit=1001'), 400, 'validation_failed', 'querystring/limit'],
    ['limit=-1', () => get('/entities?limit=-1'), 400, 'validation_failed', 'querystring/limit'],
    ['limit=abc', () => get('/entities?limit=abc'), 400, 'validation_failed', 'querystring/limit'],
    ['limit=1.5', () => get('/entities?limit=1.5'), 400, 'validation_failed', 'querystring/limit'],
    ['an SQL-injection type', () => get(`/entities?type=${encodeURIComponent("Person' OR '1'='1")}`), 400, 'validation_failed', 'querystring/type'],
    ['a q over 200 characters', () => get(`/entities?q=${'x'.repeat(201)}`), 400, 'validation_failed', 'querystring/q'],
    ['an unknown parameter', () => get('/entities?sort=name'), 400, 'validation_failed', 'querystring/sort'],
    ['a forged cursor', () => get('/entities?cursor=forged'), 400, 'invalid_cursor'],
    [
      'a cursor hiding SQL',
      () => get(`/entities?cursor=${Buffer.from(JSON.stringify({ after: "' OR 1=1 --" })).toString('base64url')}`),
      400,
      'invalid_cursor',
    ],
    ['a cursor over 500 characters', () => get(`/entities?cursor=${'a'.repeat(501)}`), 400, 'validation_failed', 'querystring/cursor'],
  ]);

  const idCases = (kind: string): Case[] => [
    ['GET of an ID that is not a UUID', () => get(`/${kind}/not-an-id`), 400, 'validation_failed', 'params/id'],
    ['GET of an SQL-injection ID', () => get(`/${kind}/${encodeURIComponent("1' OR '1'='1")}`), 400, 'validation_failed', 'params/id'],
    ['GET of a UUID with a trailing character', () => get(`/${kind}/${randomUuid}0`), 400, 'validation_failed', 'params/id'],
    ['GET of an unknown ID', () => get(`/${kind}/${randomUuid}`), 404, 'not_found'],
    ['DELETE of an ID that is not a UUID', () => del(`/${kind}/not-an-id`), 400, 'validation_failed', 'params/id'],
    ['DELETE of an unknown ID', () => del(`/${kind}/${randomUuid}`), 404, 'not_found'],
  ];
  table('GET and DELETE /entities/{id}', [...idCases('entities'), ['DELETE of a relation ID', (f) => del(`/entities/${f.relation}`), 404, 'not_found']]);
  table('GET and DELETE /relations/{id}', [...idCases('relations'), ['GET of an entity ID', (f) => get(`/relations/${f.alpha}`), 404, 'not_found']]);
  table('GET and DELETE /sources/{id}', [...idCases('sources'), ['DELETE of an entity ID', (f) => del(`/sources/${f.alpha}`), 404, 'not_found']]);

  table('GET /relations', [
    ['from that is not an ID', () => get('/relations?from=alpha'), 400, 'validation_failed', 'querystring/from'],
    ['an empty to', () => get('/relations?to='), 400, 'validation_failed', 'querystring/to'],
    ['an SQL-injection type', () => get(`/relations?type=${encodeURIComponent("x' OR 1=1")}`), 400, 'validation_failed', 'querystring/type'],
    ['limit=0', () => get('/relations?limit=0'), 400, 'validation_failed', 'querystring/limit'],
    ['an unknown parameter', () => get('/relations?entity=x'), 400, 'validation_failed', 'querystring/entity'],
    ['a forged cursor', () => get('/relations?cursor=eyJhZnRlciI6MX0'), 400, 'invalid_cursor'],
  ]);

  const near = (f: typeof fixture, query: string) => get(`/graph/neighbors?entity=${f.alpha}&${query}`);
  table('GET /graph/neighbors', [
    ['no entity', () => get('/graph/neighbors?depth=1'), 400, 'validation_failed', 'querystring/entity'],
    ['an entity that is not an ID', () => get('/graph/neighbors?entity=alpha'), 400, 'validation_failed', 'querystring/entity'],
    ['depth=abc', (f) => near(f, 'depth=abc'), 400, 'validation_failed', 'querystring/depth'],
    ['depth=0', (f) => near(f, 'depth=0'), 400, 'validation_failed', 'querystring/depth'],
    ['depth=6', (f) => near(f, 'depth=6'), 400, 'validation_failed', 'querystring/depth'],
    ['depth=99', (f) => near(f, 'depth=99'), 400, 'validation_failed', 'querystring/depth'],
    ['depth=1.5', (f) => near(f, 'depth=1.5'), 400, 'validation_failed', 'querystring/depth'],
    ['direction=sideways', (f) => near(f, 'direction=sideways'), 400, 'validation_failed', 'querystring/direction'],
    ['limit=0', (f) => near(f, 'limit=0'), 400, 'validation_failed', 'querystring/limit'],
    ['limit=10001', (f) => near(f, 'limit=10001'), 400, 'validation_failed', 'querystring/limit'],
    ['SQL in relationTypes', (f) => near(f, `relationTypes=${encodeURIComponent("KNOWS') OR 1=1--")}`), 400, 'validation_failed', 'querystring/relationTypes'],
    ['an empty item in entityTypes', (f) => near(f, 'entityTypes=Person,,Place'), 400, 'validation_failed', 'querystring/entityTypes'],
    ['an unknown parameter', (f) => near(f, 'hops=2'), 400, 'validation_failed', 'querystring/hops'],
    ['an entity that does not exist', () => get(`/graph/neighbors?entity=${randomUuid}`), 404, 'not_found'],
    ['a relation ID as the entity', (f) => get(`/graph/neighbors?entity=${f.relation}`), 404, 'not_found'],
  ]);

  const between = (f: typeof fixture, query: string) => get(`/graph/path?from=${f.alpha}&to=${f.beta}&${query}`);
  table('GET /graph/path', [
    ['no from', (f) => get(`/graph/path?to=${f.beta}`), 400, 'validation_failed', 'querystring/from'],
    ['to that is not an ID', (f) => get(`/graph/path?from=${f.alpha}&to=beta`), 400, 'validation_failed', 'querystring/to'],
    ['maxDepth=0', (f) => between(f, 'maxDepth=0'), 400, 'validation_failed', 'querystring/maxDepth'],
    ['maxDepth=11', (f) => between(f, 'maxDepth=11'), 400, 'validation_failed', 'querystring/maxDepth'],
    ['maxDepth=abc', (f) => between(f, 'maxDepth=abc'), 400, 'validation_failed', 'querystring/maxDepth'],
    ['direction=up', (f) => between(f, 'direction=up'), 400, 'validation_failed', 'querystring/direction'],
    ['SQL in relationTypes', (f) => between(f, `relationTypes=${encodeURIComponent("' OR 1=1")}`), 400, 'validation_failed', 'querystring/relationTypes'],
    ['an unknown parameter', (f) => between(f, 'depth=2'), 400, 'validation_failed', 'querystring/depth'],
    ['a from that does not exist', (f) => get(`/graph/path?from=${randomUuid}&to=${f.beta}`), 404, 'not_found'],
    ['a to that does not exist', (f) => get(`/graph/path?from=${f.alpha}&to=${randomUuid}`), 404, 'not_found'],
  ]);

  const doc = { uri: 'file:///new.txt', kind: 'text' };
  table('POST /sources', [
    ...bodyCases('/sources', bulkBodyLimit, doc),
    ['missing uri', () => post('/sources', { kind: 'text' }), 400, 'validation_failed', 'body/uri'],
    ['missing kind', () => post('/sources', { uri: 'file:///x' }), 400, 'validation_failed', 'body/kind'],
    ['uri as a number', () => post('/sources', { ...doc, uri: 42 }), 400, 'validation_failed', 'body/uri'],
    ['an empty uri', () => post('/sources', { ...doc, uri: '' }), 400, 'validation_failed', 'body/uri'],
    ['a blank uri', () => post('/sources', { ...doc, uri: '   ' }), 422, 'unprocessable'],
    ['an SQL-injection kind', () => post('/sources', { ...doc, kind: "text'; DROP TABLE sources;--" }), 400, 'validation_failed', 'body/kind'],
    ['an upper-case kind', () => post('/sources', { ...doc, kind: 'PDF' }), 400, 'validation_failed', 'body/kind'],
    ['metadata as an array', () => post('/sources', { ...doc, metadata: [] }), 400, 'validation_failed', 'body/metadata'],
    ['chunks as an object', () => post('/sources', { ...doc, chunks: { text: 'x' } }), 400, 'validation_failed', 'body/chunks'],
    ['a chunk without text', () => post('/sources', { ...doc, chunks: [{ page: 1 }] }), 400, 'validation_failed', 'body/chunks/0/text'],
    ['a chunk with page 0', () => post('/sources', { ...doc, chunks: [{ text: 'x', page: 0 }] }), 400, 'validation_failed', 'body/chunks/0/page'],
    ['a chunk with a page as a string', () => post('/sources', { ...doc, chunks: [{ text: 'x', page: '1' }] }), 400, 'validation_failed', 'body/chunks/0/page'],
    ['a chunk with a negative start', () => post('/sources', { ...doc, chunks: [{ text: 'x', start: -1 }] }), 400, 'validation_failed', 'body/chunks/0/start'],
    ['a chunk with an unknown field', () => post('/sources', { ...doc, chunks: [{ text: 'x', lang: 'en' }] }), 400, 'validation_failed', 'body/chunks/0/lang'],
    ['a chunk ending before it starts', () => post('/sources', { ...doc, chunks: [{ text: 'x', start: 10, end: 5 }] }), 422, 'unprocessable'],
    ['a uri already registered', () => post('/sources', { uri: 'file:///a.txt', kind: 'text' }), 409, 'conflict'],
  ]);

  table('GET /sources', [
    ['limit=abc', () => get('/sources?limit=abc'), 400, 'validation_failed', 'querystring/limit'],
    ['a kind over 32 characters', () => get(`/sources?kind=${'k'.repeat(33)}`), 400, 'validation_failed', 'querystring/kind'],
    ['an unknown parameter', () => get('/sources?uri=x'), 400, 'validation_failed', 'querystring/uri'],
    ['a forged cursor', () => get('/sources?cursor=%7B%7D'), 400, 'invalid_cursor'],
  ]);

  it('accepts a bulk body larger than the ordinary limit but within the bulk limit', async () => {
    const entities = Array.from({ length: 100 }, (_, index) => ({ type: 'Filler', name: `filler ${index} ${'x'.repeat(40)}` }));
    const size = JSON.stringify({ entities }).length;
    assert.ok(size > bodyLimit && size < bulkBodyLimit, `body of ${size} bytes`);
    assertProblem(await call('POST', '/entities', { type: 'Filler', name: 'x', properties: { pad: 'x'.repeat(bodyLimit) } }), 413, 'payload_too_large');
    const response = await call('POST', '/entities/bulk', { entities });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json<BulkResult>().created, 100);
  });

  it('never stores a text/plain body as an entity (a 4xx problem, nothing written)', async () => {
    const before = await snapshot(test, test.adminKey, test.tenantId);
    const response = await call('POST', '/entities', JSON.stringify(person), { 'content-type': 'text/plain' });
    assert.ok(response.statusCode === 400 || response.statusCode === 415, response.body);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    assert.deepEqual(await snapshot(test, test.adminKey, test.tenantId), before);
  });

  const unroutable: [what: string, url: string][] = [
    ['a malformed percent-encoding in the path', '/entities/%E0%A4%A'],
    ['a path ID over the 200-character parameter limit', `/sources/${'0'.repeat(201)}`],
  ];
  for (const [what, url] of unroutable) {
    it(`regression: ${what} gets a problem+json 4xx with x-request-id, not Fastify’s default JSON body`, async () => {
      const response = await call('GET', url);
      assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${url}: ${response.statusCode}`);
      assert.match(
        String(response.headers['content-type']),
        /^application\/problem\+json/,
        `${url} answers ${response.headers['content-type']}: ${response.body}`,
      );
      assert.equal(response.json<Problem>().instance, response.headers['x-request-id']);
    });
  }

  describe('upper-case UUIDs, which every ID pattern of the schemas accepts', () => {
    const upper = (id: string) => id.toUpperCase();
    it('find an entity by ID', async () => {
      const response = await call('GET', `/entities/${upper(fixture.alpha)}`);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json<Entity>().id, fixture.alpha);
    });
    it('regression: work as relation endpoints (not 422 "from is not a valid entity ID")', async () => {
      const response = await call('POST', '/relations', { type: 'UPPER', from: upper(fixture.alpha), to: upper(fixture.beta) });
      assert.equal(response.statusCode, 201, response.body);
      assert.equal(response.json<Relation>().from, fixture.alpha);
    });
    it('regression: work as the source and chunk of evidence (not 422 "sourceId is not a valid ID")', async () => {
      const response = await call('POST', '/entities', {
        type: 'Person',
        name: 'Upper',
        evidence: [{ sourceId: upper(fixture.sourceA), chunkId: upper(fixture.chunkA) }],
      });
      assert.equal(response.statusCode, 201, response.body);
      assert.equal(response.json<Entity & { evidence?: unknown }>().name, 'Upper');
    });
    it('regression: filter GET /relations by from (not an empty page)', async () => {
      const listed = (await call('GET', `/relations?from=${upper(fixture.alpha)}`)).json<Page<Relation>>();
      assert.ok(
        listed.items.some((item) => item.id === fixture.relation),
        JSON.stringify(listed),
      );
    });
  });

  describe('authentication and scopes', () => {
    type Route = [method: 'GET' | 'POST' | 'DELETE', url: (f: typeof fixture) => string, payload?: (f: typeof fixture) => unknown];
    const routes: Route[] = [
      ['POST', () => '/entities', () => person],
      ['POST', () => '/entities/bulk', () => ({ entities: [person] })],
      ['GET', () => '/entities'],
      ['GET', (f) => `/entities/${f.alpha}`],
      ['DELETE', (f) => `/entities/${f.alpha}`],
      ['POST', () => '/relations', (f) => link(f)],
      ['POST', () => '/relations/bulk', (f) => ({ relations: [link(f)] })],
      ['GET', () => '/relations'],
      ['GET', (f) => `/relations/${f.relation}`],
      ['DELETE', (f) => `/relations/${f.relation}`],
      ['GET', (f) => `/graph/neighbors?entity=${f.alpha}`],
      ['GET', (f) => `/graph/path?from=${f.alpha}&to=${f.beta}`],
      ['POST', () => '/sources', () => doc],
      ['GET', () => '/sources'],
      ['GET', (f) => `/sources/${f.sourceA}`],
      ['DELETE', (f) => `/sources/${f.sourceA}`],
    ];
    const send = (caller: ReturnType<typeof client>, [method, url, payload]: Route) => caller(method, url(fixture), payload?.(fixture));

    it('answers 401 with WWW-Authenticate: Bearer on every graph route without credentials, before reading any body', async () => {
      const anonymous = client(() => ({ test, key: null }));
      const before = await snapshot(test, test.adminKey, test.tenantId);
      for (const route of routes) {
        const response = await send(anonymous, route);
        assertProblem(response, 401, 'unauthenticated');
        assert.match(String(response.headers['www-authenticate']), /^Bearer/, `${route[0]} ${route[1](fixture)}`);
      }
      assertProblem(await anonymous('POST', '/entities', '{"broken', jsonHeaders), 401, 'unauthenticated');
      assertProblem(await anonymous('POST', '/entities', JSON.stringify({ pad: 'x'.repeat(bodyLimit * 2) }), jsonHeaders), 401, 'unauthenticated');
      assertProblem(await client(() => ({ test, key: 'trl_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' }))('GET', '/entities'), 401, 'unauthenticated');
      assert.deepEqual(await snapshot(test, test.adminKey, test.tenantId), before);
    });

    it('lets a read-only key read (200) but refuses every write with 403 forbidden', async () => {
      const created = await call('POST', '/keys', { name: 'reader', scopes: ['read'] });
      assert.equal(created.statusCode, 201, created.body);
      const reader = client(() => ({ test, key: created.json<{ key: string }>().key }));
      const before = await snapshot(test, test.adminKey, test.tenantId);
      for (const route of routes) {
        const response = await send(reader, route);
        if (route[0] === 'GET') assert.equal(response.statusCode, 200, `GET ${route[1](fixture)}: ${response.body}`);
        else assertProblem(response, 403, 'forbidden');
      }
      assert.deepEqual(await snapshot(test, test.adminKey, test.tenantId), before);
    });

    it('refuses a revoked key with 401 at once', async () => {
      const created = (await call('POST', '/keys', { name: 'soon revoked', scopes: ['read', 'write'] })).json<{ id: string; key: string }>();
      const holder = client(() => ({ test, key: created.key }));
      assert.equal((await holder('GET', '/entities')).statusCode, 200);
      assert.equal((await call('DELETE', `/keys/${created.id}`)).statusCode, 204);
      for (const route of routes.slice(0, 3)) {
        const response = await send(holder, route);
        assertProblem(response, 401, 'unauthenticated');
        assert.match(String(response.headers['www-authenticate']), /^Bearer/);
      }
    });
  });

  it('publishes an OpenAPI 3.1 document with the graph routes and the bearer scheme, and serves the docs UI', async () => {
    const response = await test.app.inject({ url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const spec = response.json<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    }>();
    assert.equal(spec.openapi, '3.1.0');
    for (const path of [
      '/entities',
      '/entities/bulk',
      '/entities/{id}',
      '/relations',
      '/relations/{id}',
      '/graph/neighbors',
      '/graph/path',
      '/sources',
      '/sources/{id}',
    ]) {
      assert.ok(spec.paths[path], `paths has ${path}`);
    }
    assert.deepEqual(Object.keys(spec.paths['/entities/{id}'] ?? {}).sort(), ['delete', 'get']);
    assert.equal(spec.components.securitySchemes.bearer?.type, 'http');
    assert.equal(spec.components.securitySchemes.bearer?.scheme, 'bearer');
    for (const url of ['/docs', '/docs/']) {
      const docs = await test.app.inject({ url });
      assert.equal(docs.statusCode, 200, url);
      assert.match(String(docs.headers['content-type']), /^text\/html/);
      assert.match(docs.body, /<html/i);
    }
  });
});

for (const dialect of dialects) {
  describe(`graph HTTP API stores or cleanly refuses awkward values (${dialect})`, () => {
    let test: TestApp;
    let source: SourceWithChunks;
    const era = { before: '', after: '' };
    const call = client(() => ({ test, key: test.adminKey }));
    /** The request must not fail with a 500; when it succeeds, what was sent must read back unchanged. */
    const storesOrRefuses = async (what: string, method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const before = await snapshot(test, test.adminKey, test.tenantId);
      const response = await call(method, url, payload);
      assert.ok(response.statusCode < 500, `${what} answers ${response.statusCode} on ${dialect}: ${response.body}`);
      if (response.statusCode >= 400) {
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
        assert.deepEqual(await snapshot(test, test.adminKey, test.tenantId), before);
      }
      return response;
    };
    before(async () => {
      test = await createTestApp(dialect);
      source = (await call('POST', '/sources', { uri: 'file:///awkward.txt', kind: 'text', chunks: [{ text: 'awkward' }] })).json<SourceWithChunks>();
      const eras = (
        await call('POST', '/entities/bulk', {
          entities: [
            { type: 'Era', name: 'Before' },
            { type: 'Era', name: 'After' },
          ],
        })
      ).json<BulkResult>();
      [era.before, era.after] = eras.ids as [string, string];
    });
    after(() => test.dispose());

    const nul = 'a\u0000b';
    const big = 3_000_000_000;
    const awkward: [what: string, method: 'GET' | 'POST', url: string, payload?: () => unknown][] = [
      ['a NUL character in an entity name', 'POST', '/entities', () => ({ type: 'Person', name: nul })],
      ['a NUL character in a property value', 'POST', '/entities', () => ({ type: 'Person', name: 'props', properties: { note: nul } })],
      ['a NUL character in an evidence quote', 'POST', '/entities', () => ({ type: 'Person', name: 'quoted', evidence: [{ quote: nul }] })],
      ['a NUL character in q', 'GET', `/entities?q=${encodeURIComponent(nul)}`],
      ['a NUL character in a source uri', 'POST', '/sources', () => ({ uri: `file:///${nul}`, kind: 'text' })],
      ['a NUL character in chunk text', 'POST', '/sources', () => ({ uri: 'file:///nul-chunk.txt', kind: 'text', chunks: [{ text: nul }] })],
      ['a chunk page beyond 32 bits', 'POST', '/sources', () => ({ uri: 'file:///big-page.txt', kind: 'text', chunks: [{ text: 'x', page: big }] })],
      ['a chunk start beyond 32 bits', 'POST', '/sources', () => ({ uri: 'file:///big-start.txt', kind: 'text', chunks: [{ text: 'x', start: big }] })],
      [
        'an evidence offset beyond 32 bits',
        'POST',
        '/entities',
        () => ({ type: 'Person', name: 'Far', evidence: [{ sourceId: source.id, start: big, end: big + 1 }] }),
      ],
      ['a lone UTF-16 surrogate in an entity name', 'POST', '/entities', () => ({ type: 'Person', name: 'half \ud800 pair' })],
      ['a lone UTF-16 surrogate in a property value', 'POST', '/entities', () => ({ type: 'Person', name: 'half props', properties: { note: '\udc00' } })],
      ['a relation valid from year 0', 'POST', '/relations', () => ({ type: 'PRECEDES', from: era.before, to: era.after, validFrom: '0000-01-01T00:00:00Z' })],
    ];
    for (const [what, method, url, payload] of awkward) {
      it(`regression: ${what} is stored or refused with a 4xx, never a 500`, async () => {
        const response = await storesOrRefuses(what, method, url, payload?.());
        if (what === 'a NUL character in an entity name' && response.statusCode < 300) {
          assert.equal((await call('GET', `/entities/${response.json<Entity>().id}`)).json<Entity>().name, nul, 'what is stored reads back unchanged');
        }
      });
    }
  });
}
