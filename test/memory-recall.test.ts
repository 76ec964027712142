/**
 * @module Recall on both drivers: full-text over memories (snippets, highlights, filters inside the ranking, tenants),
 * POST /recall (text and graph signals fused, recency and importance factors, why), POST /memories/find-error
 * (similarity, error-type bonus, effectiveness from feedback), and bad input on every path.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { TrellisError } from '../src/core/errors.js';
import { recencyFactor } from '../src/memory/recall.js';
import { createMemoryVectorSignal } from '../src/memory/recall-vectors.js';
import { type TextSearch, createTextSearch } from '../src/search/text/index.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

type Body = Record<string, unknown>;
interface MemoryBody {
  id: string;
  kind: string;
  tags: string[];
  importance: string;
  createdAt: string;
  updatedAt: string;
}
interface RecallBody {
  query: string;
  results: {
    memory: MemoryBody;
    score: number;
    why: {
      text?: { rank: number; score: number };
      vector?: { rank: number; score: number };
      graph?: { rank: number; score: number };
      recency: number;
      importance: number;
    };
    citations: { sourceId: string; uri: string; snippet: string | null; entityId?: string; start: number | null }[];
  }[];
  milliseconds: number;
}
interface FindErrorBody {
  results: { mistake: MemoryBody; similarity: number; effectiveness: number; score: number; solution: string | null; solutionSteps: string[] }[];
  milliseconds: number;
}

function assertProblem(response: LightMyRequestResponse, status: number): Body {
  assert.equal(response.statusCode, status, response.body);
  return response.json() as Body;
}

const badRequest = (error: unknown) => error instanceof TrellisError && error.code === 'bad_request';

for (const dialect of dialects) {
  describe(`recall and find-error (${dialect})`, () => {
    let test: TestApp;
    let text: TextSearch;
    let otherKey: string;
    let otherTenant: string;
    let readKey: string;
    const made: Record<string, MemoryBody> = {};

    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, key = test.adminKey) =>
      test.app.inject({ method, url, headers: bearer(key), ...(payload === undefined ? {} : { payload: payload as Body }) });
    const create = async (payload: Body, key?: string): Promise<MemoryBody> => {
      const response = await call('POST', '/memories', payload, key);
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as MemoryBody;
    };
    const recall = async (payload: Body, key?: string): Promise<RecallBody> => {
      const response = await call('POST', '/recall', payload, key);
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as RecallBody;
    };
    const findError = async (payload: Body, key?: string): Promise<FindErrorBody> => {
      const response = await call('POST', '/memories/find-error', payload, key);
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as FindErrorBody;
    };
    const memoryIds = (body: RecallBody) => body.results.map((result) => result.memory.id);

    before(async () => {
      test = await createTestApp(dialect);
      text = createTextSearch(test.services.store);
      const other = await test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' });
      otherKey = other.key;
      otherTenant = other.tenant.id;
      readKey = (await test.services.platform.apiKeys.create({ tenantId: test.tenantId, name: 'reader', scopes: ['read'] })).key;
      made.session = await create({ kind: 'session', start: '2026-11-01T09:00:00Z', summary: 'Cache migration sprint' });
      made.cache = await create({
        kind: 'decision',
        title: 'Cache store for the API',
        chosen: 'Valkey',
        reasoning: 'We picked Valkey over Redis for the cache because of the licence change.',
        tags: ['infra', 'cache'],
        sessionId: made.session.id,
      });
      made.note = await create({ kind: 'note', text: 'The cache warms up in about ninety seconds after a deploy.', tags: ['infra'] });
      made.lowNote = await create({ kind: 'note', text: 'Zeppelin hangar lights flicker on Tuesdays.', importance: 'ephemeral' });
      made.highNote = await create({ kind: 'note', text: 'Zeppelin hangar doors stick on Tuesdays.', importance: 'critical' });
      made.nullMistake = await create({
        kind: 'mistake',
        errorType: 'TypeError',
        message: "TypeError: Cannot read properties of undefined (reading 'map') in renderList",
        context: 'React component rendering an empty API response',
        solution: 'Default the list to an empty array before mapping',
        solutionSteps: ['Add a default value', 'Add a test for the empty response'],
      });
      made.nullMistake2 = await create({
        kind: 'mistake',
        errorType: 'TypeError',
        message: "TypeError: Cannot read properties of undefined (reading 'length') in renderTable",
        solution: 'Guard with optional chaining',
      });
      made.pool = await create({
        kind: 'mistake',
        errorType: 'PoolTimeout',
        message: 'connection pool exhausted: timeout acquiring a client after 30000 ms',
        solution: 'Release clients in finally blocks',
      });
      made.otherTenants = await create({ kind: 'note', text: 'Valkey cache secrets of another tenant, zeppelin too.' }, otherKey);
      await create(
        {
          kind: 'mistake',
          errorType: 'TypeError',
          message: "TypeError: Cannot read properties of undefined (reading 'map') in renderList",
          solution: 'theirs',
        },
        otherKey,
      );
    });
    after(() => test.dispose());

    describe('full-text over memories', () => {
      it('finds a memory by its words, with a snippet of its search text and exact highlights', async () => {
        const hits = await text.memories(test.tenantId, 'valkey', { limit: 10 });
        assert.deepEqual(
          hits.map((hit) => hit.id),
          [made.cache?.id],
        );
        const hit = hits[0];
        assert.equal(hit?.kind, 'memory');
        assert.ok((hit?.score ?? 0) > 0);
        assert.ok(hit && hit.highlights.length > 0);
        for (const [start, end] of hit?.highlights ?? []) assert.equal(hit?.snippet.slice(start, end).toLowerCase(), 'valkey');
      });

      it('applies the filters inside the ranking: kinds, tags, session, since and until', async () => {
        const ids = async (filter: Body) => (await text.memories(test.tenantId, 'cache', { limit: 10, filter })).map((hit) => hit.id).sort();
        const both = [made.cache?.id, made.note?.id, made.session?.id].sort();
        assert.deepEqual(await ids({}), both);
        assert.deepEqual(await ids({ kinds: ['note'] }), [made.note?.id]);
        assert.deepEqual(await ids({ tags: ['infra', 'cache'] }), [made.cache?.id]);
        assert.deepEqual(await ids({ tags: ['nope'] }), []);
        assert.deepEqual(await ids({ sessionId: made.session?.id.toUpperCase() }), [made.cache?.id]);
        assert.deepEqual(await ids({ since: '2100-01-01T00:00:00Z' }), []);
        assert.deepEqual(await ids({ until: '2000-01-01T00:00:00Z' }), []);
        assert.deepEqual(await ids({ since: '2000-01-01T00:00:00Z', until: '2100-01-01T00:00:00Z' }), both);
      });

      it('honours exclusions and phrases, and never returns another tenant’s memories', async () => {
        assert.deepEqual(
          (await text.memories(test.tenantId, 'cache -valkey', { limit: 10 })).map((hit) => hit.id).sort(),
          [made.note?.id, made.session?.id].sort(),
        );
        assert.deepEqual(
          (await text.memories(test.tenantId, '"hangar doors"', { limit: 10 })).map((hit) => hit.id),
          [made.highNote?.id],
        );
        const theirs = await text.memories(otherTenant, 'valkey zeppelin', { limit: 10 });
        assert.deepEqual(
          theirs.map((hit) => hit.id),
          [made.otherTenants?.id],
        );
      });

      it('ranks common terms within the newest matches, rare terms over all of theirs, filters still inside (SQLite planner)', async () => {
        // With a threshold of 2 matches, "cache" (3 memories) is common and "valkey" (1) rare.
        const small = createTextSearch(test.services.store, { memoryCommonTerm: 2 });
        const ids = async (query: string, filter: Body = {}) => (await small.memories(test.tenantId, query, { limit: 10, filter })).map((hit) => hit.id).sort();
        assert.deepEqual(await ids('cache'), [made.cache?.id, made.note?.id, made.session?.id].sort());
        assert.deepEqual(await ids('cache', { kinds: ['note'] }), [made.note?.id]);
        assert.deepEqual(await ids('valkey cache'), [made.cache?.id, made.note?.id, made.session?.id].sort());
        assert.equal((await small.memories(test.tenantId, 'valkey cache', { limit: 10 }))[0]?.id, made.cache?.id);
        assert.deepEqual(await ids('cache -valkey'), [made.note?.id, made.session?.id].sort());
      });

      it('refuses bad options with bad_request and treats operators in the query as words', async () => {
        for (const options of [
          { limit: 0 },
          { limit: 1001 },
          { limit: 1.5 },
          { filter: { kinds: ['document'] } },
          { filter: { kinds: [] } },
          { filter: { kinds: 'note' } },
          { filter: { tags: [1] } },
          { filter: { sessionId: 'not-an-id' } },
          { filter: { since: 'yesterday' } },
          { filter: { since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' } },
        ])
          await assert.rejects(text.memories(test.tenantId, 'cache', options as never), badRequest, JSON.stringify(options));
        await assert.rejects(text.memories(test.tenantId, '', {}), badRequest);
        await assert.rejects(text.memories(test.tenantId, 'x'.repeat(1001), {}), badRequest);
        for (const query of ["'; DROP TABLE memories; --", 'cache OR NEAR(a b) ^ :', '"unclosed cache', '🙂']) await text.memories(test.tenantId, query, {});
        assert.equal(((await call('GET', `/memories/${made.cache?.id}`)).json() as MemoryBody).id, made.cache?.id);
      });
    });

    describe('POST /recall', () => {
      it('ranks the memories a question matches, each with why and a citation of its source', async () => {
        const body = await recall({ query: 'which cache store did we pick, valkey or redis?' });
        assert.equal(body.results[0]?.memory.id, made.cache?.id);
        const first = body.results[0];
        assert.equal(first?.why.text?.rank, 1);
        assert.ok(first && first.why.recency > 0.99 && first.why.recency <= 1);
        assert.equal(first?.why.importance, 1);
        assert.ok(first && Math.abs(first.score - (1 / 61) * first.why.recency * first.why.importance) < 1e-9);
        assert.equal(first?.citations[0]?.uri, `memory://${made.cache?.id}`);
        assert.match(first?.citations[0]?.snippet ?? '', /Valkey/);
        assert.ok(!memoryIds(body).includes(made.otherTenants?.id as string));
        assert.equal(typeof body.milliseconds, 'number');
      });

      it('multiplies by importance: a critical note outranks an ephemeral one that matches as well', async () => {
        const body = await recall({ query: 'zeppelin hangar tuesdays' });
        assert.deepEqual(memoryIds(body), [made.highNote?.id, made.lowNote?.id]);
        assert.deepEqual(
          body.results.map((result) => result.why.importance),
          [1.5, 0.6],
        );
      });

      it('filters by kinds, tags, session and time, and reads with the read scope', async () => {
        assert.deepEqual(memoryIds(await recall({ query: 'cache', kinds: ['note'] }, readKey)), [made.note?.id]);
        assert.deepEqual(memoryIds(await recall({ query: 'cache', tags: ['cache'] })), [made.cache?.id]);
        assert.deepEqual(memoryIds(await recall({ query: 'cache', sessionId: made.session?.id })), [made.cache?.id]);
        assert.deepEqual(memoryIds(await recall({ query: 'cache', since: '2100-01-01T00:00:00Z' })), []);
        assert.equal((await recall({ query: 'cache', limit: 1 })).results.length, 1);
      });

      it('reaches memories through the graph: an entity whose name matches cites the memory', async () => {
        const reasoning = 'Rollout of Quokkaflow went fine after the canary week.';
        const decision = await create({ kind: 'decision', title: 'Canary rollout', chosen: 'canary week', reasoning });
        const start = reasoning.indexOf('Quokkaflow');
        const entity = await call('POST', '/entities', {
          type: 'Project',
          name: 'Quokka Project',
          evidence: [{ sourceId: decision.id, start, end: start + 10, quote: 'Quokkaflow', extractor: 'test' }],
        });
        assert.equal(entity.statusCode, 201, entity.body);
        const entityId = (entity.json() as { id: string }).id;
        // "quokka" is not a word of the memory (it says Quokkaflow): only the graph signal finds it.
        const body = await recall({ query: 'quokka project' });
        const result = body.results.find((item) => item.memory.id === decision.id);
        assert.ok(result, JSON.stringify(body));
        assert.equal(result.why.text, undefined);
        assert.equal(result.why.graph?.rank, 1);
        assert.deepEqual(
          result.citations.filter((citation) => citation.entityId === entityId).map((citation) => [citation.snippet, citation.start]),
          [['Quokkaflow', start]],
        );
        // The graph signal respects the filters too.
        assert.deepEqual(memoryIds(await recall({ query: 'quokka project', kinds: ['note'] })), []);
        // Another tenant's recall never reaches it.
        assert.deepEqual(memoryIds(await recall({ query: 'quokka project' }, otherKey)), []);
      });

      it('accepts long natural-language questions and operator characters as plain words', async () => {
        // More words than a search takes: the first 64 distinct words are searched.
        const long = `valkey ${Array.from({ length: 80 }, (_, index) => `word${index}`).join(' ')}`;
        assert.ok(memoryIds(await recall({ query: long })).includes(made.cache?.id as string));
        for (const query of ["'; DROP TABLE memories; --", 'valkey OR NEAR( ^', '"unclosed', '-', '🙂', '%_\\'])
          assert.ok(Array.isArray((await recall({ query })).results));
      });

      it('refuses bad input with 400 and a problem document', async () => {
        for (const payload of [
          {},
          { query: '' },
          { query: 'x'.repeat(1001) },
          { query: 42 },
          { query: 'cache', limit: 0 },
          { query: 'cache', limit: 101 },
          { query: 'cache', limit: 'ten' },
          { query: 'cache', kinds: ['document'] },
          { query: 'cache', kinds: [] },
          { query: 'cache', tags: 'infra' },
          { query: 'cache', sessionId: "1' OR '1'='1" },
          { query: 'cache', since: 'last week' },
          { query: 'cache', since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' },
          { query: 'cache', tenantId: otherTenant },
        ])
          assertProblem(await call('POST', '/recall', payload), 400);
        assertProblem(await call('POST', '/recall', [{ query: 'cache' }]), 400);
        assertProblem(await test.app.inject({ method: 'POST', url: '/recall', payload: { query: 'cache' } }), 401);
      });

      it('computes the recency factor from updatedAt with a 30-day half-life', () => {
        const now = Date.parse('2026-11-26T00:00:00Z');
        assert.equal(recencyFactor('2026-11-26T00:00:00Z', now), 1);
        assert.equal(recencyFactor('2026-10-27T00:00:00Z', now), 0.75);
        assert.equal(recencyFactor('2026-09-27T00:00:00Z', now), 0.625);
        assert.equal(recencyFactor('2027-01-01T00:00:00Z', now), 1);
      });
    });

    describe('POST /memories/find-error', () => {
      it('returns the matching mistakes with their solutions, closest first, and no notes', async () => {
        const body = await findError({ message: "TypeError: Cannot read properties of undefined (reading 'map') at renderList (list.tsx:12)" });
        const ids = body.results.map((result) => result.mistake.id);
        assert.equal(ids[0], made.nullMistake?.id);
        assert.ok(ids.includes(made.nullMistake2?.id as string));
        assert.ok(body.results.every((result) => result.mistake.kind === 'mistake'));
        const first = body.results[0];
        assert.equal(first?.solution, 'Default the list to an empty array before mapping');
        assert.deepEqual(first?.solutionSteps, ['Add a default value', 'Add a test for the empty response']);
        assert.equal(first?.effectiveness, 0.5);
        assert.ok(first && first.similarity > 0.5 && first.similarity <= 1);
        assert.ok(first && Math.abs(first.score - first.similarity * (0.5 + first.effectiveness)) < 1e-3);
        assert.ok(body.results.every((result) => result.solution !== 'theirs'));
      });

      it('adds the error-type bonus and ranks by proven effectiveness', async () => {
        const message = 'Cannot read properties of undefined';
        const plain = await findError({ message });
        const typed = await findError({ message, errorType: 'typeerror' });
        const similarity = (body: FindErrorBody, id?: string) => body.results.find((result) => result.mistake.id === id)?.similarity ?? 0;
        assert.ok(similarity(typed, made.nullMistake2?.id) > similarity(plain, made.nullMistake2?.id));
        // Two reports that the second one's fix worked, one that the first one's did not: the proven fix comes first.
        for (const [id, worked] of [
          [made.nullMistake2?.id, true],
          [made.nullMistake2?.id, true],
          [made.nullMistake?.id, false],
        ] as const) {
          const response = await call('POST', `/memories/${id}/feedback`, { worked });
          assert.equal(response.statusCode, 200, response.body);
        }
        const ranked = await findError({ message, errorType: 'TypeError' });
        assert.equal(ranked.results[0]?.mistake.id, made.nullMistake2?.id);
        assert.equal(ranked.results[0]?.effectiveness, 0.75);
        assert.equal(ranked.results.find((result) => result.mistake.id === made.nullMistake?.id)?.effectiveness, 1 / 3);
      });

      it('finds nothing for an unrelated error, and only the caller’s tenant’s mistakes', async () => {
        assert.deepEqual((await findError({ message: 'quantum flux capacitor overheated' })).results, []);
        const theirs = await findError({ message: "TypeError: Cannot read properties of undefined (reading 'map') in renderList" }, otherKey);
        assert.deepEqual(
          theirs.results.map((result) => result.solution),
          ['theirs'],
        );
        assert.equal((await findError({ message: 'connection pool exhausted', limit: 1 }, readKey)).results[0]?.mistake.id, made.pool?.id);
      });

      it('refuses bad input with 400', async () => {
        for (const payload of [
          {},
          { message: '' },
          { message: 'x'.repeat(4001) },
          { message: 7 },
          { message: 'boom', limit: 0 },
          { message: 'boom', limit: 51 },
          { message: 'boom', errorType: '' },
          { message: 'boom', errorType: 'x'.repeat(201) },
          { message: 'boom', kind: 'note' },
        ])
          assertProblem(await call('POST', '/memories/find-error', payload), 400);
        for (const message of ["'; DROP TABLE memories; --", '"', '-- --flag', '🙂']) assert.ok(Array.isArray((await findError({ message })).results));
        assert.equal(((await call('GET', `/memories/${made.pool?.id}`)).json() as MemoryBody).id, made.pool?.id);
      });
    });

    describe('vectors of memories', () => {
      it('embeds the tenant’s memories once, again when their text changes, and recall uses the vector signal', async () => {
        const count = async (tenant: string) =>
          Number(
            (
              await test.services.store.read({ tenantId: tenant }, (tx) =>
                tx.get<{ n: number }>('SELECT count(*) AS n FROM memories WHERE tenant_id = ?', [tenant]),
              )
            )?.n,
          );
        const first = await test.services.embeddings.embedPending(test.tenantId, { kinds: ['memory'] });
        assert.equal(first.memories, await count(test.tenantId));
        assert.equal(first.passages + first.entities, 0);
        const again = await test.services.embeddings.embedPending(test.tenantId, { kinds: ['memory'] });
        assert.equal(again.memories, 0);
        assert.equal(again.unchanged, first.memories);
        const patched = await call('PATCH', `/memories/${made.note?.id}`, { text: 'The cache warms up in about two minutes after a deploy.' });
        assert.equal(patched.statusCode, 200, patched.body);
        assert.equal((await test.services.embeddings.embedPending(test.tenantId, { kinds: ['memory'] })).memories, 1);

        const body = await recall({ query: 'zeppelin hangar doors' });
        assert.equal(body.results[0]?.memory.id, made.highNote?.id);
        assert.equal(body.results[0]?.why.vector?.rank, 1);
        assert.ok((body.results[0]?.why.vector?.score ?? 0) > 0.3);
        // Another tenant's vectors are never candidates.
        await test.services.embeddings.embedPending(otherTenant, { kinds: ['memory'] });
        assert.ok(memoryIds(await recall({ query: 'zeppelin hangar doors' })).every((id) => id !== made.otherTenants?.id));
        const theirs = memoryIds(await recall({ query: 'zeppelin hangar' }, otherKey));
        assert.deepEqual(theirs, [made.otherTenants?.id]);
      });

      it('filters the vector signal too, and never returns a deleted memory', async () => {
        const onlyNotes = await recall({ query: 'zeppelin hangar doors', kinds: ['decision'] });
        assert.ok(onlyNotes.results.every((result) => result.memory.kind === 'decision'));
        const gone = await create({ kind: 'note', text: 'Walrus tusks polished every spring.' });
        await test.services.embeddings.embedPending(test.tenantId, { kinds: ['memory'] });
        assert.equal((await recall({ query: 'walrus tusks' })).results[0]?.memory.id, gone.id);
        assert.equal((await test.app.inject({ method: 'DELETE', url: `/memories/${gone.id}`, headers: bearer(test.adminKey) })).statusCode, 204);
        assert.ok(memoryIds(await recall({ query: 'walrus tusks polished spring' })).every((id) => id !== gone.id));
      });

      it('leaves recall to its other signals when the embedder fails, and skips embedding the query with no memory vector', async () => {
        let calls = 0;
        const failing = createMemoryVectorSignal({
          store: test.services.store,
          embeddings: {
            embedderId: () => test.services.embeddings.embedderId(),
            embedQuery: async () => {
              calls += 1;
              throw new Error('provider down');
            },
          },
        });
        assert.deepEqual(await failing.search(test.tenantId, 'zeppelin', { limit: 5, filter: {} }), []);
        assert.equal(calls, 1);
        const otherEmbedder = createMemoryVectorSignal({
          store: test.services.store,
          embeddings: { embedderId: () => 'no-such-embedder', embedQuery: async () => ((calls += 1), new Float32Array(4)) },
        });
        assert.deepEqual(await otherEmbedder.search(test.tenantId, 'zeppelin', { limit: 5, filter: {} }), []);
        assert.equal(calls, 1);
      });

      it('queues a search.embed job for memories, and refuses unknown kinds', async () => {
        const queued = await call('POST', '/embeddings/jobs', { kinds: ['memory'] });
        assert.equal(queued.statusCode, 202, queued.body);
        assertProblem(await call('POST', '/embeddings/jobs', { kinds: ['document'] }), 400);
      });
    });
  });
}
