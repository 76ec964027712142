/**
 * @module Memories in search, on both drivers: GET /search with kinds=memory (text and vector signals, filters,
 * tenants, archived memories), memory vectors in the vector index (recall through the index answers like the exact
 * scan), archived memories hidden from recall and find-error unless asked for, and the memory counts of
 * GET /embeddings/status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { TrellisError } from '../src/core/errors.js';
import { createMemoryVectorSignal } from '../src/memory/recall-vectors.js';
import { type VectorIndex, createVectorIndex } from '../src/search/vector/index.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

type Body = Record<string, unknown>;
interface MemoryBody {
  id: string;
  kind: string;
  status: string;
  archivedAt: string | null;
}
interface SearchBody {
  results: {
    kind: string;
    id: string;
    snippet: string;
    signals: { text?: { rank: number }; vector?: { rank: number; score: number }; graph?: { rank: number } };
    memory?: { id: string; kind: string; title: string | null; uri: string };
    citations: { sourceId: string; uri: string; snippet: string | null }[];
  }[];
  signals: Record<string, { used: boolean; hits: number }>;
}
interface Counts {
  total: number;
  embedded: number;
  missing: number;
}

const badRequest = (error: unknown) => error instanceof TrellisError && error.code === 'bad_request';

/** Same IDs in the same order, and the same scores to float32 precision (sqlite-vec computes in float32). */
function assertSameHits(actual: readonly { id: string; score: number }[], expected: readonly { id: string; score: number }[], message: string): void {
  assert.deepEqual(
    actual.map((hit) => hit.id),
    expected.map((hit) => hit.id),
    message,
  );
  for (let at = 0; at < expected.length; at++)
    assert.ok(Math.abs((actual[at] as { score: number }).score - (expected[at] as { score: number }).score) < 1e-5, message);
}

for (const dialect of dialects) {
  describe(`memories in search (${dialect})`, () => {
    let test: TestApp;
    let otherKey: string;
    let otherTenant: string;
    /** An index of its own over the test's store (the app's has no source on PostgreSQL: no database URL in its configuration). */
    let vectors: VectorIndex;
    const made: Record<string, MemoryBody> = {};

    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, key = test.adminKey) =>
      test.app.inject({ method, url, headers: bearer(key), ...(payload === undefined ? {} : { payload: payload as Body }) });
    const ok = (response: LightMyRequestResponse, status = 200) => {
      assert.equal(response.statusCode, status, response.body);
      return response.json() as Body;
    };
    const create = async (payload: Body, key?: string) => ok(await call('POST', '/memories', payload, key), 201) as unknown as MemoryBody;
    const search = async (query: string, key?: string) => ok(await call('GET', `/search?${query}`, undefined, key)) as unknown as SearchBody;
    const memoryHits = (body: SearchBody) => body.results.filter((result) => result.kind === 'memory').map((result) => result.id);
    const status = async () => ok(await call('GET', '/embeddings/status')) as unknown as { memories: Counts; embedded: number; missing: number };

    before(async () => {
      // Scopes of more than 4 vectors get an IVF index, so recall's vector signal goes through it here.
      test = await createTestApp(dialect, { vectorExactBelow: 4, vectorIndexWarm: 'off' });
      const other = await test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' });
      otherKey = other.key;
      otherTenant = other.tenant.id;
      made.cache = await create({
        kind: 'decision',
        title: 'Cache store for the API',
        chosen: 'Valkey',
        reasoning: 'We picked Valkey over Redis for the cache because of the licence change.',
        tags: ['infra'],
      });
      made.warmup = await create({ kind: 'note', text: 'The cache warms up in about ninety seconds after a deploy.', tags: ['infra'] });
      made.hangar = await create({ kind: 'note', text: 'Zeppelin hangar doors stick on cold Tuesdays.' });
      made.pool = await create({
        kind: 'mistake',
        errorType: 'PoolTimeout',
        message: 'connection pool exhausted: timeout acquiring a client after 30000 ms',
        solution: 'Release clients in finally blocks',
      });
      made.typeError = await create({
        kind: 'mistake',
        errorType: 'TypeError',
        message: "TypeError: Cannot read properties of undefined (reading 'map') in renderList",
        solution: 'Default the list to an empty array',
      });
      made.archivedNote = await create({ kind: 'note', text: 'Zeppelin hangar heating was replaced in the old building.' });
      made.archivedMistake = await create({
        kind: 'mistake',
        errorType: 'PoolTimeout',
        message: 'connection pool exhausted while draining the old queue',
        solution: 'Old fix that no longer applies',
      });
      for (const key of ['archivedNote', 'archivedMistake']) {
        const archived = ok(await call('PATCH', `/memories/${made[key]?.id}`, { status: 'archived' })) as unknown as MemoryBody;
        assert.equal(archived.status, 'archived');
      }
      made.theirs = await create({ kind: 'note', text: 'Valkey cache and zeppelin hangar secrets of another tenant.' }, otherKey);
      const source = dialect === 'sqlite' ? { dialect, file: test.location } : { dialect, url: test.location, role: 'trellis_app' };
      vectors = createVectorIndex({ store: test.services.store, source, exactBelow: 4 });
    });
    after(async () => {
      await vectors.close();
      await test.dispose();
    });

    it('counts memories in GET /embeddings/status, before and after they are embedded', async () => {
      const before = await status();
      assert.deepEqual(before.memories, { total: 7, embedded: 0, missing: 7 });
      assert.ok(before.missing >= 7);
      const summary = await test.services.embeddings.embedPending(test.tenantId, { kinds: ['memory'] });
      assert.equal(summary.memories, 7);
      const after = await status();
      assert.deepEqual(after.memories, { total: 7, embedded: 7, missing: 0 });
      assert.equal(after.embedded - before.embedded, 7);
      // The other tenant's memory is counted there, not here.
      await test.services.embeddings.embedPending(otherTenant, { kinds: ['memory'] });
      assert.deepEqual((await status()).memories, { total: 7, embedded: 7, missing: 0 });
    });

    it('finds memories by text with kinds=memory, as memory results citing memory://', async () => {
      const body = await search('q=valkey&kinds=memory&mode=text');
      assert.deepEqual(memoryHits(body), [made.cache?.id]);
      const hit = body.results[0];
      assert.equal(hit?.memory?.kind, 'decision');
      assert.equal(hit?.memory?.title, 'Cache store for the API');
      assert.equal(hit?.memory?.uri, `memory://${made.cache?.id}`);
      assert.equal(hit?.citations[0]?.uri, `memory://${made.cache?.id}`);
      assert.equal(hit?.citations[0]?.sourceId, made.cache?.id);
      assert.match(hit?.snippet ?? '', /Valkey/);
      assert.ok(hit?.signals.text);
    });

    it('finds memories by meaning (vector mode), and mixes them with passages and entities when asked', async () => {
      const body = await search(`q=${encodeURIComponent('zeppelin hangar doors tuesdays')}&kinds=memory&mode=vector`);
      assert.equal(body.results[0]?.id, made.hangar?.id);
      assert.ok((body.results[0]?.signals.vector?.score ?? 0) > 0.3);
      assert.equal(body.results[0]?.signals.text, undefined);
      assert.ok(body.signals.vector?.used);
      const mixed = await search(`q=${encodeURIComponent('zeppelin hangar')}&kinds=passage,entity,memory`);
      assert.equal(memoryHits(mixed)[0], made.hangar?.id);
    });

    it('leaves memories out unless kinds names them', async () => {
      const body = await search(`q=${encodeURIComponent('valkey cache zeppelin')}`);
      assert.deepEqual(memoryHits(body), []);
    });

    it('filters memories: sources name memories, since and until bound their creation', async () => {
      for (const mode of ['text', 'vector', 'hybrid']) {
        const only = await search(`q=${encodeURIComponent('cache valkey')}&kinds=memory&mode=${mode}&sources=${made.warmup?.id}`);
        assert.deepEqual(memoryHits(only), [made.warmup?.id], mode);
        assert.deepEqual(memoryHits(await search(`q=cache&kinds=memory&mode=${mode}&since=2100-01-01T00:00:00Z`)), [], mode);
        assert.deepEqual(memoryHits(await search(`q=cache&kinds=memory&mode=${mode}&until=2000-01-01T00:00:00Z`)), [], mode);
        const window = await search(`q=valkey&kinds=memory&mode=${mode}&since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z`);
        assert.equal(memoryHits(window)[0], made.cache?.id, mode);
      }
    });

    it('never shows another tenant’s memories, by text or by meaning', async () => {
      for (const mode of ['text', 'vector', 'hybrid']) {
        const mine = await search(`q=${encodeURIComponent('valkey cache zeppelin hangar secrets')}&kinds=memory&mode=${mode}`);
        assert.ok(!memoryHits(mine).includes(made.theirs?.id as string), mode);
        const theirs = await search(`q=${encodeURIComponent('valkey cache zeppelin hangar')}&kinds=memory&mode=${mode}`, otherKey);
        assert.deepEqual(memoryHits(theirs), [made.theirs?.id], mode);
      }
      // Naming another tenant's memory as a source finds nothing.
      assert.deepEqual(memoryHits(await search(`q=valkey&kinds=memory&sources=${made.theirs?.id}`)), []);
    });

    it('hides archived memories from search', async () => {
      for (const mode of ['text', 'vector', 'hybrid']) {
        const body = await search(`q=${encodeURIComponent('zeppelin hangar heating old building')}&kinds=memory&mode=${mode}`);
        assert.ok(!memoryHits(body).includes(made.archivedNote?.id as string), mode);
      }
    });

    it('refuses a bad kinds value with 400', async () => {
      for (const kinds of ['memories', 'memory,document', '', 'memory,', 'MEMORY', 'passage,entity,memory,passage'])
        assert.equal((await call('GET', `/search?q=cache&kinds=${encodeURIComponent(kinds)}`)).statusCode, 400, kinds);
    });

    it('recall hides archived memories unless includeArchived is true', async () => {
      const recall = async (payload: Body) =>
        (ok(await call('POST', '/recall', payload)) as { results: { memory: MemoryBody }[] }).results.map((r) => r.memory.id);
      const query = 'zeppelin hangar heating old building';
      assert.ok(!(await recall({ query })).includes(made.archivedNote?.id as string));
      assert.ok((await recall({ query, includeArchived: true })).includes(made.archivedNote?.id as string));
      assert.ok(!(await recall({ query, includeArchived: false })).includes(made.archivedNote?.id as string));
      assert.equal((await call('POST', '/recall', { query, includeArchived: 'yes' })).statusCode, 400);
    });

    it('find-error hides archived mistakes unless includeArchived is true', async () => {
      const find = async (payload: Body) =>
        (ok(await call('POST', '/memories/find-error', payload)) as { results: { mistake: MemoryBody }[] }).results.map((r) => r.mistake.id);
      const message = 'connection pool exhausted while draining the old queue';
      const hidden = await find({ message });
      assert.ok(!hidden.includes(made.archivedMistake?.id as string));
      assert.ok(hidden.includes(made.pool?.id as string));
      assert.equal((await find({ message, includeArchived: true }))[0], made.archivedMistake?.id);
      assert.equal((await call('POST', '/memories/find-error', { message, includeArchived: 1 })).statusCode, 400);
      await assert.rejects(test.services.memory.findError(test.tenantId, { message, includeArchived: 'yes' as never }), badRequest);
    });

    it('recall through the vector index answers like the exact scan', async () => {
      const { embeddings, store } = test.services;
      const info = await vectors.ready(test.tenantId, embeddings.embedderId(), 'memory');
      assert.equal(info?.kind, 'memory');
      assert.equal(info?.shape, 'ivf');
      assert.equal(info?.vectors, 7);
      const indexed = createMemoryVectorSignal({ store, embeddings, vectors });
      const exact = createMemoryVectorSignal({ store, embeddings });
      const before = vectors.stats().searches.ivf;
      for (const [query, filter] of [
        ['cache valkey redis', {}],
        ['zeppelin hangar', {}],
        ['connection pool timeout', { kinds: ['mistake'] }],
        ['zeppelin hangar heating', { includeArchived: true }],
        ['cache deploy', { tags: ['infra'] }],
        ['cache deploy', { kinds: ['note', 'decision'], tags: ['infra'] }],
      ] as const) {
        const a = await indexed.search(test.tenantId, query, { limit: 5, filter: filter as never });
        const b = await exact.search(test.tenantId, query, { limit: 5, filter: filter as never });
        assertSameHits(a, b, `${query} ${JSON.stringify(filter)}`);
        assert.ok(a.length > 0, query);
      }
      assert.ok(vectors.stats().searches.ivf > before, 'the index answered');
      // The kinds filter is applied by the index: only mistakes come back.
      const mistakes = await indexed.search(test.tenantId, 'connection pool zeppelin cache', { limit: 10, filter: { kinds: ['mistake'] } });
      assert.deepEqual(mistakes.map((hit) => hit.id).sort(), [made.pool?.id, made.typeError?.id].sort());
    });

    it('the vector index holds memories per tenant, filtered by kind of memory, and refuses bad input', async () => {
      const { embeddings } = test.services;
      const query = await embeddings.embedQuery('zeppelin hangar valkey cache');
      const mine = await vectors.search(test.tenantId, embeddings.embedderId(), query, { kind: 'memory', limit: 20 });
      assert.equal(mine.hits.length, 7);
      assert.ok(mine.hits.every((hit) => hit.kind === 'memory' && hit.id !== made.theirs?.id));
      const theirs = await vectors.search(otherTenant, embeddings.embedderId(), query, { kind: 'memory', limit: 20 });
      assert.deepEqual(
        theirs.hits.map((hit) => hit.id),
        [made.theirs?.id],
      );
      const notes = await vectors.search(test.tenantId, embeddings.embedderId(), query, { kind: 'memory', limit: 20, filter: { types: ['note'] } });
      assert.deepEqual(notes.hits.map((hit) => hit.id).sort(), [made.warmup?.id, made.hangar?.id, made.archivedNote?.id].sort());
      const exactNotes = await vectors.search(test.tenantId, embeddings.embedderId(), query, {
        kind: 'memory',
        limit: 20,
        filter: { types: ['note'] },
        exact: true,
      });
      assert.deepEqual(exactNotes.hits.map((hit) => hit.id).sort(), notes.hits.map((hit) => hit.id).sort());
      await assert.rejects(vectors.search(test.tenantId, embeddings.embedderId(), query, { kind: 'memories' as never, limit: 5 }), badRequest);
      await assert.rejects(vectors.search(test.tenantId, embeddings.embedderId(), new Float32Array(3).fill(1), { kind: 'memory', limit: 5 }), badRequest);
    });
  });
}
