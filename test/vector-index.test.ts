/**
 * @module The vector index answers like brute force (exact, flat) or close to it (IVF, recall@10 ≥ 0.95), finds
 * vectors right after their commit, never returns deleted owners, other tenants' or other embedders' vectors, applies
 * filters without losing what exact search finds, and refuses bad input with 400 — on both drivers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TrellisError } from '../src/core/errors.js';
import { type GraphService, createGraphService } from '../src/graph/index.js';
import { type VectorIndex, type VectorSource, createVectorIndex } from '../src/search/vector/index.js';
import type { Dialect, Store } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { type TestStore, createTenant, createTestStore, dialects } from './support/stores.js';
import { type StoredVector, clusteredVectors, deleteVectors, queriesNear, recall, reference, storeVectors } from './support/vectors.js';

const dimensions = 48;

function sourceOf(dialect: Dialect, test: TestStore): VectorSource {
  return dialect === 'sqlite' ? { dialect, file: test.location } : { dialect, url: test.location, role: 'trellis_app' };
}

function ownerIds(prefix: string, vectors: readonly Float32Array[]): StoredVector[] {
  return vectors.map((vector, index) => ({ ownerId: `${prefix}${String(index).padStart(5, '0')}`, vector }));
}

/** Same IDs in the same order, and the same scores to float32 precision (sqlite-vec computes in float32). */
function assertSameHits(actual: readonly { id: string; score: number }[], expected: readonly { id: string; score: number }[]): void {
  assert.deepEqual(
    actual.map((hit) => hit.id),
    expected.map((hit) => hit.id),
  );
  for (let at = 0; at < expected.length; at++) assert.ok(Math.abs((actual[at] as { score: number }).score - (expected[at] as { score: number }).score) < 1e-5);
}

const isBadRequest = (error: unknown) => error instanceof TrellisError && error.status === 400 && error.code === 'bad_request';

for (const dialect of dialects) {
  describe(`vector index (${dialect})`, () => {
    let test: TestStore;
    let store: Store;
    let graph: GraphService;
    let vectors: VectorIndex;
    let tenant: string;
    let other: string;
    const rows = ownerIds('r', clusteredVectors(3000, { dimensions, seed: 11 }));
    const queries = queriesNear(
      rows.map((row) => row.vector),
      40,
      0.5,
      12,
    );

    before(async () => {
      test = await createTestStore(dialect);
      store = test.store;
      graph = createGraphService(store);
      tenant = await createTenant(store, 'vectors');
      other = await createTenant(store, 'other');
      // IVF above 500 vectors, with few lists scanned, and scans split over both workers even when small.
      vectors = createVectorIndex({ store, source: sourceOf(dialect, test), exactBelow: 500, probes: 12, splitAbove: 0, filterExactBelow: 100 });
      await storeVectors(store, tenant, 'row', 'e1', rows);
    });

    after(async () => {
      await vectors.close();
      await test.dispose();
    });

    it('exact search returns the brute-force answer', async () => {
      for (const query of queries.slice(0, 10)) {
        const result = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 10, exact: true });
        assert.equal(result.path, 'exact');
        assertSameHits(result.hits, reference(rows, query, 10));
        assert.ok(result.hits.every((hit) => hit.kind === 'row'));
      }
    });

    it('the IVF index reaches recall@10 of at least 0.95 against exact search', async () => {
      const info = await vectors.ready(tenant, 'e1', 'row');
      assert.equal(info?.shape, 'ivf');
      assert.equal(info?.vectors, rows.length);
      let total = 0;
      for (const query of queries) {
        const result = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 10 });
        assert.equal(result.path, 'ivf');
        // Only a part of the vectors is scored: the index is doing its work, not a full scan.
        assert.ok(result.scanned < rows.length, `scanned ${result.scanned}`);
        const exact = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 10, exact: true });
        total += recall(result.hits, exact.hits);
        // Every hit carries its exact cosine similarity (rescored from the stored float32 vector).
        const scores = new Map(reference(rows, query, rows.length).map((truth) => [truth.id, truth.score]));
        for (const hit of result.hits) assert.ok(Math.abs((scores.get(hit.id) ?? Infinity) - hit.score) < 1e-5);
      }
      assert.ok(total / queries.length >= 0.95, `recall@10 ${total / queries.length}`);
    });

    it('a small scope is held flat and answers exactly', async () => {
      const few = ownerIds('f', clusteredVectors(300, { dimensions, seed: 21 }));
      await storeVectors(store, tenant, 'row', 'flat', few);
      assert.equal((await vectors.ready(tenant, 'flat', 'row'))?.shape, 'flat');
      for (const query of queriesNear(
        few.map((item) => item.vector),
        10,
        0.5,
        22,
      )) {
        const result = await vectors.search(tenant, 'flat', query, { kind: 'row', limit: 7 });
        assert.equal(result.path, 'flat');
        assertSameHits(result.hits, reference(few, query, 7));
      }
    });

    it('finds vectors right after they commit, without waiting for a rebuild', async () => {
      await vectors.ready(tenant, 'e1', 'row');
      const query = queries[0] as Float32Array;
      const added = [{ ownerId: 'new-1', vector: query }];
      await storeVectors(store, tenant, 'row', 'e1', added);
      const result = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 3 });
      assert.equal(result.path, 'ivf');
      assert.equal(result.hits[0]?.id, 'new-1');
      assert.ok(Math.abs((result.hits[0]?.score ?? 0) - 1) < 1e-5);
      assert.ok(((await vectors.ready(tenant, 'e1', 'row'))?.appended ?? 0) >= 1);
      rows.push(...added);
    });

    it('never returns deleted owners, and a re-embedded owner only with its new vector', async () => {
      await vectors.ready(tenant, 'e1', 'row');
      const query = queries[1] as Float32Array;
      const before = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 10 });
      const gone = before.hits.slice(0, 5).map((hit) => hit.id);
      await deleteVectors(store, tenant, 'row', gone);
      // The sixth hit is re-embedded far away: it keeps its owner ID under a new seq.
      const moved = before.hits[5]?.id as string;
      const far = Float32Array.from(query, (value) => -value);
      await storeVectors(store, tenant, 'row', 'e1', [{ ownerId: moved, vector: far }]);
      const remaining = rows.filter((row) => !gone.includes(row.ownerId)).map((row) => (row.ownerId === moved ? { ownerId: moved, vector: far } : row));
      const afterDelete = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 10 });
      assert.equal(afterDelete.path, 'ivf');
      assert.equal(afterDelete.hits.length, 10);
      for (const hit of afterDelete.hits) assert.ok(!gone.includes(hit.id) && hit.id !== moved, `${hit.id} should be gone`);
      const exact = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 10, exact: true });
      assertSameHits(exact.hits, reference(remaining, query, 10));
      assert.ok(recall(afterDelete.hits, exact.hits) >= 0.9);
      // Searching for the moved vector finds it under its new vector.
      const opposite = await vectors.search(tenant, 'e1', far, { kind: 'row', limit: 1 });
      assert.equal(opposite.hits[0]?.id, moved);
      rows.splice(0, rows.length, ...remaining);
    });

    it('keeps tenants apart and never mixes embedders', async () => {
      const query = queries[2] as Float32Array;
      // Another tenant stores the exact query vector under the same embedder ID; a second embedder of the same
      // dimension in our tenant does too.
      await storeVectors(store, other, 'row', 'e1', [{ ownerId: 'theirs', vector: query }]);
      await storeVectors(store, tenant, 'row', 'e2', [{ ownerId: 'other-embedder', vector: query }]);
      for (const exact of [false, true]) {
        const ours = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 20, exact });
        assert.ok(ours.hits.every((hit) => hit.id !== 'theirs' && hit.id !== 'other-embedder'));
        const theirs = await vectors.search(other, 'e1', query, { kind: 'row', limit: 20, exact });
        assert.deepEqual(
          theirs.hits.map((hit) => hit.id),
          ['theirs'],
        );
        const second = await vectors.search(tenant, 'e2', query, { kind: 'row', limit: 20, exact });
        assert.deepEqual(
          second.hits.map((hit) => hit.id),
          ['other-embedder'],
        );
      }
      // An embedder whose vectors have another dimension refuses a query of this one.
      await storeVectors(store, tenant, 'row', 'e3', [{ ownerId: 'short', vector: new Float32Array([0.6, 0.8]) }]);
      await assert.rejects(vectors.search(tenant, 'e3', query, { kind: 'row', limit: 5 }), isBadRequest);
      // Nothing embedded yet: no hits, not an error.
      const none = await vectors.search(tenant, 'never-used', query, { kind: 'row', limit: 5 });
      assert.deepEqual(none.hits, []);
    });

    it('refuses bad input with 400', async () => {
      const query = queries[3] as Float32Array;
      const bad: [string, () => Promise<unknown>][] = [
        ['wrong dimension', () => vectors.search(tenant, 'e1', query.subarray(0, dimensions - 1), { kind: 'row', limit: 5 })],
        [
          'NaN',
          () =>
            vectors.search(
              tenant,
              'e1',
              Float32Array.from(query, (value, at) => (at === 3 ? Number.NaN : value)),
              { kind: 'row', limit: 5 },
            ),
        ],
        [
          'Infinity',
          () =>
            vectors.search(
              tenant,
              'e1',
              Float32Array.from(query, (value, at) => (at === 0 ? Infinity : value)),
              { kind: 'row', limit: 5 },
            ),
        ],
        ['zero vector', () => vectors.search(tenant, 'e1', new Float32Array(dimensions), { kind: 'row', limit: 5 })],
        ['empty vector', () => vectors.search(tenant, 'e1', new Float32Array(0), { kind: 'row', limit: 5 })],
        ['huge vector', () => vectors.search(tenant, 'e1', new Float32Array(100_000).fill(1), { kind: 'row', limit: 5 })],
        ['not a Float32Array', () => vectors.search(tenant, 'e1', Array.from(query) as unknown as Float32Array, { kind: 'row', limit: 5 })],
        ['limit 0', () => vectors.search(tenant, 'e1', query, { kind: 'row', limit: 0 })],
        ['limit 10,001', () => vectors.search(tenant, 'e1', query, { kind: 'row', limit: 10_001 })],
        ['fractional limit', () => vectors.search(tenant, 'e1', query, { kind: 'row', limit: 2.5 })],
        ['unknown kind', () => vectors.search(tenant, 'e1', query, { kind: 'document' as 'row', limit: 5 })],
        ['empty embedder', () => vectors.search(tenant, '', query, { kind: 'row', limit: 5 })],
        ['source ID not a UUID', () => vectors.search(tenant, 'e1', query, { kind: 'passage', limit: 5, filter: { sourceIds: ["x' OR 1=1 --"] } })],
        ['bad time', () => vectors.search(tenant, 'e1', query, { kind: 'passage', limit: 5, filter: { since: 'yesterday' } })],
        ['unknown filter field', () => vectors.search(tenant, 'e1', query, { kind: 'passage', limit: 5, filter: { colour: 'red' } as never })],
        ['probes 0', () => vectors.search(tenant, 'e1', query, { kind: 'row', limit: 5, probes: 0 })],
        ['probes 70,000', () => vectors.search(tenant, 'e1', query, { kind: 'row', limit: 5, probes: 70_000 })],
        ['types not an array', () => vectors.search(tenant, 'e1', query, { kind: 'entity', limit: 5, filter: { types: 'Person' as never } })],
      ];
      for (const [name, attempt] of bad) await assert.rejects(attempt(), isBadRequest, name);
      // The largest limit is accepted.
      const all = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 10_000 });
      assert.equal(all.hits.length, rows.length);
    });

    it('filters passages by source and time during the scan, losing nothing exact search finds', async () => {
      const passages = clusteredVectors(1200, { dimensions, seed: 31 });
      const sources: { id: string; createdAt: string; chunkIds: string[] }[] = [];
      for (let number = 0; number < 12; number++) {
        const created = await graph.createSource(tenant, {
          uri: `test://vectors/${number}`,
          kind: 'text',
          chunks: Array.from({ length: 100 }, (_, ordinal) => ({ text: `passage ${number}.${ordinal}` })),
        });
        sources.push({ id: created.id, createdAt: created.createdAt, chunkIds: created.chunks.map((chunk) => chunk.id) });
      }
      const stored = sources.flatMap((source, number) =>
        source.chunkIds.map((ownerId, ordinal) => ({ ownerId, vector: passages[number * 100 + ordinal] as Float32Array })),
      );
      await storeVectors(store, tenant, 'passage', 'e1', stored);
      await vectors.ready(tenant, 'e1', 'passage');
      const sourceOfChunk = new Map(sources.flatMap((source) => source.chunkIds.map((chunkId) => [chunkId, source] as const)));
      const middle = sources[5] as { createdAt: string };
      const filters = [
        { filter: { sourceIds: sources.slice(0, 6).map((source) => source.id) }, path: 'ivf' },
        { filter: { since: middle.createdAt }, path: 'ivf' },
        { filter: { until: middle.createdAt, sourceIds: sources.filter((_, at) => at % 2 === 0).map((source) => source.id) }, path: 'ivf' },
        // One source (100 passages) is at the filterExactBelow threshold: exact search over that subset.
        { filter: { sourceIds: [sources[7]?.id as string] }, path: 'exact' },
      ];
      for (const { filter, path } of filters) {
        const keep = (item: StoredVector) => {
          const source = sourceOfChunk.get(item.ownerId);
          if (!source) return false;
          if ('sourceIds' in filter && filter.sourceIds && !filter.sourceIds.includes(source.id)) return false;
          if ('since' in filter && filter.since && source.createdAt < filter.since) return false;
          if ('until' in filter && filter.until && source.createdAt > filter.until) return false;
          return true;
        };
        let total = 0;
        for (const query of queriesNear(passages, 10, 0.5, 33)) {
          const exact = await vectors.search(tenant, 'e1', query, { kind: 'passage', limit: 10, filter, exact: true });
          assertSameHits(exact.hits, reference(stored, query, 10, keep));
          const result = await vectors.search(tenant, 'e1', query, { kind: 'passage', limit: 10, filter });
          assert.equal(result.path, path);
          assert.ok(result.hits.every((hit) => keep({ ownerId: hit.id, vector: query })));
          total += recall(result.hits, exact.hits);
        }
        assert.ok(total / 10 >= 0.95, `recall@10 ${total / 10} with ${JSON.stringify(filter)}`);
      }
      // Unknown sources and an empty time range select nothing.
      const query = passages[0] as Float32Array;
      assert.deepEqual(
        (await vectors.search(tenant, 'e1', query, { kind: 'passage', limit: 5, filter: { sourceIds: ['00000000-0000-7000-8000-000000000000'] } })).hits,
        [],
      );
      assert.deepEqual((await vectors.search(tenant, 'e1', query, { kind: 'passage', limit: 5, filter: { since: '2030-01-01' } })).hits, []);
      // Deleting a source removes its passages' vectors (trigger) and they stop appearing at once.
      const deleted = sources[0] as { id: string; chunkIds: string[] };
      await graph.deleteSource(tenant, deleted.id);
      const near = await vectors.search(tenant, 'e1', passages[0] as Float32Array, { kind: 'passage', limit: 50 });
      assert.equal(near.path, 'ivf');
      assert.ok(near.hits.every((hit) => !deleted.chunkIds.includes(hit.id)));
    });

    it('filters entities by type in the index, and by evidence source and update time in SQL', async () => {
      const types = ['Person', 'Company', 'Place'];
      const entityVectors = clusteredVectors(900, { dimensions, seed: 41 });
      const source = await graph.createSource(tenant, { uri: 'test://vectors/entities', kind: 'text', chunks: [{ text: 'evidence' }] });
      const { ids } = await graph.upsertEntities(
        tenant,
        entityVectors.map((_, at) => ({
          type: types[at % 3] as string,
          name: `Entity ${at}`,
          evidence: at % 5 === 0 ? [{ sourceId: source.id, extractor: 'test' }] : undefined,
        })),
      );
      const stored = ids.map((ownerId, at) => ({ ownerId, vector: entityVectors[at] as Float32Array }));
      await storeVectors(store, tenant, 'entity', 'e1', stored);
      await vectors.ready(tenant, 'e1', 'entity');
      const typeOf = new Map(ids.map((id, at) => [id, types[at % 3] as string]));
      for (const query of queriesNear(entityVectors, 10, 0.5, 43)) {
        const people = await vectors.search(tenant, 'e1', query, { kind: 'entity', limit: 10, filter: { types: ['Person'] } });
        assert.equal(people.path, 'ivf');
        const truth = reference(stored, query, 10, (item) => typeOf.get(item.ownerId) === 'Person');
        assert.ok(recall(people.hits, truth) >= 0.9);
        assert.ok(people.hits.every((hit) => typeOf.get(hit.id) === 'Person'));
        const cited = await vectors.search(tenant, 'e1', query, { kind: 'entity', limit: 10, filter: { sourceIds: [source.id] } });
        assert.equal(cited.path, 'exact');
        assertSameHits(
          cited.hits,
          reference(stored, query, 10, (item) => ids.indexOf(item.ownerId) % 5 === 0),
        );
      }
    });

    it('sees a write committed by another store on the same database', async () => {
      await vectors.ready(tenant, 'e1', 'row');
      const second =
        dialect === 'sqlite' ? openSqliteStore({ file: test.location }) : openPostgresStore({ url: test.location, role: 'trellis_app', poolSize: 2 });
      try {
        const query = queries[5] as Float32Array;
        await storeVectors(second, tenant, 'row', 'e1', [{ ownerId: 'from-elsewhere', vector: query }]);
        // PostgreSQL hears the other store's commit through NOTIFY, within milliseconds.
        let found = false;
        for (let attempt = 0; attempt < 50 && !found; attempt++) {
          const result = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 1 });
          found = result.hits[0]?.id === 'from-elsewhere';
          if (!found) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.ok(found);
        await deleteVectors(second, tenant, 'row', ['from-elsewhere']);
        let gone = false;
        for (let attempt = 0; attempt < 50 && !gone; attempt++) {
          const result = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 1 });
          gone = result.hits[0]?.id !== 'from-elsewhere';
          if (!gone) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.ok(gone);
      } finally {
        await second.close();
      }
    });

    it('rebuilds in the background once many vectors were appended, answering all along', async () => {
      const before = await vectors.ready(tenant, 'e1', 'row');
      assert.ok(before);
      // More than half the tail's room: the next searches start a rebuild and keep answering meanwhile.
      const extra = ownerIds('x', clusteredVectors(Math.ceil((before.vectors / 10) * 0.6) + 600, { dimensions, seed: 11, drawSeed: 99 }));
      await storeVectors(store, tenant, 'row', 'e1', extra);
      rows.push(...extra);
      const query = queries[6] as Float32Array;
      const during = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 10 });
      const exact = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 10, exact: true });
      assertSameHits(exact.hits, reference(rows, query, 10));
      assert.ok(recall(during.hits, exact.hits) >= 0.9);
      let info = await vectors.ready(tenant, 'e1', 'row');
      for (let attempt = 0; attempt < 100 && (info?.appended ?? 0) > 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        info = await vectors.ready(tenant, 'e1', 'row');
      }
      assert.equal(info?.appended, 0);
      assert.equal(info?.vectors, rows.length);
      const rebuilt = await vectors.search(tenant, 'e1', query, { kind: 'row', limit: 10 });
      assert.ok(recall(rebuilt.hits, exact.hits) >= 0.9);
    });
  });
}
