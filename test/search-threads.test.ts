/**
 * @module Search in worker threads on SQLite: the same answers as the search service on the event loop, every
 * committed write visible at once, errors that keep their code; the read-only store the threads use; and the vector
 * index warm-up the server runs at start.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TrellisError } from '../src/core/errors.js';
import { type SearchRequest, type SearchResponse, type SearchService, createSearchService } from '../src/search/index.js';
import { createTextSearch } from '../src/search/text/index.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { type TestApp, createTestApp } from './support/app.js';

const topics = ['glacier', 'harbour', 'orchard', 'quarry', 'lighthouse', 'vineyard'];
const words = ['north', 'river', 'stone', 'market', 'winter', 'copper', 'signal', 'timber', 'salt', 'bridge'];

/** Passage i: a topic word and five filler words, so every query matches several passages at different strengths. */
function passage(i: number): string {
  const pick = (k: number) => words[(i * 7 + k * 3) % words.length];
  return `The ${topics[i % topics.length]} report ${i} mentions ${pick(1)} ${pick(2)} and ${pick(3)} near the ${pick(4)} ${pick(5)}.`;
}

/** A response without its timings, which differ from run to run. */
function timeless(response: SearchResponse): unknown {
  return {
    ...response,
    milliseconds: 0,
    signals: Object.fromEntries(Object.entries(response.signals).map(([name, report]) => [name, { ...report, milliseconds: 0 }])),
  };
}

describe('search threads (sqlite)', () => {
  let test: TestApp;
  let inline: SearchService;
  const entities: string[] = [];

  before(async () => {
    test = await createTestApp('sqlite', { vectorExactBelow: 20, searchThreads: 2 });
    const { graph, embeddings, vectors } = test.services;
    for (let s = 0; s < 6; s++) {
      const source = await graph.createSource(test.tenantId, {
        uri: `file:///reports/${s}.txt`,
        kind: 'text',
        title: `Report ${s}`,
        chunks: Array.from({ length: 10 }, (_, c) => ({ text: passage(s * 10 + c) })),
      });
      const chunk = source.chunks.find((candidate) => candidate.text.includes(topics[s] as string));
      assert.ok(chunk);
      const name = `${topics[s]} office`;
      const at = chunk.text.indexOf(topics[s] as string);
      const created = await graph.upsertEntity(test.tenantId, {
        type: 'Place',
        name,
        evidence: [{ sourceId: source.id, chunkId: chunk.id, start: chunk.start + at, end: chunk.start + at + (topics[s] as string).length }],
      });
      entities.push(created.entity.id);
    }
    for (let e = 1; e < entities.length; e++)
      await graph.upsertRelation(test.tenantId, { type: 'NEAR', from: entities[e - 1] as string, to: entities[e] as string });
    await embeddings.embedPending(test.tenantId);
    // Both services must take the same vector path: exact search (float32 in sqlite-vec) while an index builds and the
    // index's float64 rescoring differ in the seventh digit.
    await vectors.ready(test.tenantId, embeddings.embedderId(), 'passage');
    await vectors.ready(test.tenantId, embeddings.embedderId(), 'entity');
    inline = createSearchService({
      graph,
      text: createTextSearch(test.services.store),
      vectors: {
        embedderId: () => embeddings.embedderId(),
        embedQuery: (text) => embeddings.embedQuery(text),
        search: async (tenantId, embedderId, vector, options) => (await vectors.search(tenantId, embedderId, vector, options)).hits,
      },
    });
  });
  after(async () => test?.dispose());

  it('runs on the SQLite file in threads', () => {
    assert.equal((test.services.search as { size?: number }).size, 2);
  });

  it('answers exactly as the service on the event loop, in every mode, with filters', async () => {
    const requests: SearchRequest[] = [
      { query: 'glacier river', mode: 'text', kinds: ['passage', 'entity'], limit: 10, filter: {} },
      { query: 'harbour copper signal', mode: 'vector', kinds: ['passage'], limit: 5, filter: {} },
      { query: 'orchard office timber', mode: 'hybrid', kinds: ['passage', 'entity'], limit: 10, filter: {} },
      { query: 'quarry', mode: 'hybrid', kinds: ['entity'], limit: 3, filter: { types: ['Place'] } },
    ];
    let compared = 0;
    for (const request of requests) {
      const [threaded, direct] = await Promise.all([test.services.search.search(test.tenantId, request), inline.search(test.tenantId, request)]);
      assert.ok(threaded.results.length > 0, `${request.mode} "${request.query}" finds something`);
      assert.deepEqual(timeless(threaded), timeless(direct));
      compared += threaded.results.length;
    }
    assert.ok(compared >= 10);
  });

  it('sees a write the moment it commits', async () => {
    const source = await test.services.graph.createSource(test.tenantId, {
      uri: 'file:///late.txt',
      kind: 'text',
      chunks: [{ text: 'A zeppelin moored above the quarry.' }],
    });
    const response = await test.services.search.search(test.tenantId, { query: 'zeppelin', mode: 'text', kinds: ['passage'], limit: 5, filter: {} });
    assert.deepEqual(
      response.results.map((result) => result.passage?.sourceId),
      [source.id],
    );
  });

  it('serves many requests at once over both threads', async () => {
    const queries = Array.from({ length: 40 }, (_, i) => `${topics[i % topics.length]} ${words[i % words.length]}`);
    const responses = await Promise.all(
      queries.map((query) => test.services.search.search(test.tenantId, { query, mode: 'hybrid', kinds: ['passage', 'entity'], limit: 5, filter: {} })),
    );
    for (const [i, response] of responses.entries()) {
      assert.equal(response.query, queries[i]);
      assert.ok(response.results.some((result) => result.snippet.toLowerCase().includes(topics[i % topics.length] as string)));
    }
  });

  it('brings errors back with their code', async () => {
    await assert.rejects(
      test.services.search.search(test.tenantId, { query: '   ', mode: 'text', kinds: ['passage'], limit: 5, filter: {} }),
      (error: unknown) => error instanceof TrellisError && error.code === 'bad_request' && /empty/.test(error.message),
    );
    await assert.rejects(
      test.services.search.search(test.tenantId, { query: 'glacier', mode: 'text', kinds: ['passage'], limit: 5, filter: { since: 'yesterday' } }),
      (error: unknown) => error instanceof TrellisError && error.code === 'bad_request',
    );
  });

  it('never answers for another tenant', async () => {
    const response = await test.services.search.search('01900000-0000-7000-8000-000000000000', {
      query: 'glacier river',
      mode: 'hybrid',
      kinds: ['passage', 'entity'],
      limit: 10,
      filter: {},
    });
    assert.deepEqual(response.results, []);
  });

  it('warms the vector indexes of every tenant with vectors', async () => {
    const built = await test.services.vectors.warm(test.services.embeddings.embedderId());
    const passages = built.find((info) => info.kind === 'passage');
    assert.equal(passages?.tenantId, test.tenantId);
    assert.ok((passages?.vectors ?? 0) >= 60);
    assert.ok(test.services.vectors.stats().indexes.some((info) => info.kind === 'passage' && info.tenantId === test.tenantId));
    assert.deepEqual(await test.services.vectors.warm('no-such-embedder/v1'), []);
  });
});

describe('read-only SQLite store', () => {
  let test: TestApp;
  before(async () => {
    test = await createTestApp('sqlite');
  });
  after(async () => test?.dispose());

  it('reads what the writer commits and refuses to write', async () => {
    const reader = openSqliteStore({ file: test.location, readOnly: true });
    try {
      const count = () => reader.read({ tenantId: test.tenantId }, async (tx) => (await tx.get<{ n: number }>('SELECT count(*) AS n FROM sources'))?.n);
      assert.equal(await count(), 0);
      await test.services.graph.createSource(test.tenantId, { uri: 'file:///a.txt', kind: 'text', chunks: [{ text: 'alpha' }] });
      assert.equal(await count(), 1);
      await assert.rejects(
        reader.transaction({ tenantId: test.tenantId }, async () => 1),
        (error: unknown) => error instanceof TrellisError && error.code === 'store_unavailable',
      );
      await assert.rejects(reader.migrate(), (error: unknown) => error instanceof TrellisError && error.code === 'store_unavailable');
      await assert.rejects(
        reader.read({ tenantId: test.tenantId }, (tx) => tx.run("DELETE FROM sources WHERE uri = 'file:///a.txt'")),
        /readonly|read-only/i,
      );
      assert.equal(await count(), 1);
    } finally {
      await reader.close();
    }
  });

  it('needs an existing file', () => {
    assert.throws(
      () => openSqliteStore({ file: ':memory:', readOnly: true }),
      (error: unknown) => error instanceof TrellisError && error.code === 'bad_request',
    );
    assert.throws(
      () => openSqliteStore({ file: `${test.location}.missing`, readOnly: true }),
      (error: unknown) => error instanceof TrellisError && error.code === 'store_unavailable',
    );
  });
});
