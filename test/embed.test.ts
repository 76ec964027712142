/**
 * @module The embeddings table and the embedding service on both drivers: pending work, idempotent and resumable runs,
 * re-embedding on a provider change, vectors deleted with their owners, dataset rows, and tenant isolation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/core/config.js';
import { TrellisError } from '../src/core/errors.js';
import { newId } from '../src/core/ids.js';
import { type GraphService, createGraphService } from '../src/graph/index.js';
import { builtinOptions, createBuiltinEmbedder } from '../src/search/embed/builtin-embedder.js';
import { type Memory, createMemoryService } from '../src/memory/index.js';
import { clearMemoriesPending, readEmbeddings } from '../src/search/embed/embedding-rows.js';
import type { ConfiguredEmbedders } from '../src/search/embed/from-config.js';
import { type EmbeddingService, createEmbeddingService } from '../src/search/embed/service.js';
import { contentHash, entityText } from '../src/search/embed/texts.js';
import { bytesToVector } from '../src/search/embed/vectors.js';
import type { Embedder } from '../src/search/types.js';
import type { Store } from '../src/store/index.js';
import { createTenant, createTestStore, dialects, type TestStore } from './support/stores.js';

const config = loadConfig({ env: {}, file: undefined, overrides: { embedWorkers: 1 } });

/** The built-in embedder inline for both roles, counting the texts it embeds. */
function countingEmbedders(dimensions = 64): { embedders: ConfiguredEmbedders; texts: string[] } {
  const inline = createBuiltinEmbedder(builtinOptions(dimensions));
  const texts: string[] = [];
  const counting: Embedder = {
    id: inline.id,
    dimensions,
    embed: (batch, options) => {
      texts.push(...batch);
      return inline.embed(batch, options);
    },
  };
  return { embedders: { query: inline, bulk: () => counting, close: async () => {} }, texts };
}

async function seed(graph: GraphService, tenantId: string, uri: string, passages: string[], names: [string, string][]) {
  const source = await graph.createSource(tenantId, { uri, kind: 'txt', chunks: passages.map((text) => ({ text })) });
  const entities = [];
  for (const [type, name] of names) {
    const { entity } = await graph.upsertEntity(tenantId, {
      type,
      name,
      evidence: [{ sourceId: source.id, chunkId: source.chunks[0]!.id, extractor: 'test' }],
    });
    entities.push(entity);
  }
  return { source, entities };
}

async function rowsOf(store: Store, tenantId: string) {
  return store.read({ tenantId }, (tx) =>
    tx.all<{ seq: number | string; owner_kind: string; owner_id: string; embedder: string; dimensions: number; content_hash: string; vector: Uint8Array }>(
      'SELECT seq, owner_kind, owner_id, embedder, dimensions, content_hash, vector FROM embeddings WHERE tenant_id = ? ORDER BY seq',
      [tenantId],
    ),
  );
}

for (const dialect of dialects) {
  describe(`embeddings on ${dialect}`, () => {
    let testStore: TestStore;
    let store: Store;
    let graph: GraphService;
    let tenant: string;
    let other: string;

    before(async () => {
      testStore = await createTestStore(dialect);
      store = testStore.store;
      graph = createGraphService(store);
      tenant = await createTenant(store, 'acme');
      other = await createTenant(store, 'globex');
    });
    after(async () => {
      await graph.close();
      await testStore.dispose();
    });

    it('embeds every passage and entity once, stores them as float32 with the embedder and hash, and a second run writes nothing', async () => {
      const { embedders, texts } = countingEmbedders();
      const service = createEmbeddingService({ store, config, embedders });
      const { source, entities } = await seed(
        graph,
        tenant,
        'file:///one.txt',
        ['Ada Lovelace wrote the first program.', 'Charles Babbage designed the engine.', ''],
        [
          ['PER', 'Ada Lovelace'],
          ['PER', 'Charles Babbage'],
        ],
      );
      const before = await service.status(tenant);
      assert.deepEqual(before.passages, { total: 3, embedded: 0, missing: 3 });
      assert.deepEqual(before.entities, { total: 2, embedded: 0, missing: 2 });
      const summary = await service.embedPending(tenant);
      assert.equal(summary.passages, 3);
      assert.equal(summary.entities, 2);
      const status = await service.status(tenant);
      assert.equal(status.missing, 0);
      assert.equal(status.embedded, 5);
      assert.equal(status.embedderId, service.embedderId());
      const rows = await rowsOf(store, tenant);
      assert.equal(rows.length, 5);
      const passage = rows.find((row) => row.owner_id === source.chunks[0]!.id)!;
      assert.equal(passage.owner_kind, 'passage');
      assert.equal(passage.embedder, service.embedderId());
      assert.equal(passage.dimensions, 64);
      assert.equal(passage.content_hash, contentHash('Ada Lovelace wrote the first program.'));
      const [expected] = await service.embedder.embed(['Ada Lovelace wrote the first program.']);
      assert.deepEqual(bytesToVector(passage.vector), expected);
      const blank = rows.find((row) => row.owner_id === source.chunks[2]!.id)!;
      assert.ok(bytesToVector(blank.vector).every((value) => value === 0));
      const entity = rows.find((row) => row.owner_id === entities[0]!.id)!;
      assert.equal(entity.content_hash, contentHash(entityText({ name: 'Ada Lovelace', type: 'PER', aliases: ['Ada Lovelace'] })));
      // Nothing missing, nothing changed: no text is embedded again.
      const embeddedBefore = texts.length;
      const again = await service.embedPending(tenant);
      assert.deepEqual([again.passages, again.entities, again.unchanged], [0, 0, 2]);
      assert.equal(texts.length, embeddedBefore);
    });

    it('embeds memories flagged pending only: a changed text is re-embedded once, a tag change or a stale read is not', async () => {
      const memories = createMemoryService({ store, graph });
      const tenantId = await createTenant(store, `pending-${dialect}`);
      const made = [];
      for (const text of ['Rotate the signing keys every quarter', 'Cache warm-up runs before deploys', 'Alerts page the on-call engineer'])
        made.push(await memories.create(tenantId, { kind: 'note', text }));
      const { embedders, texts } = countingEmbedders();
      const service = createEmbeddingService({ store, config, embedders });
      const pending = () =>
        store.read({ tenantId }, async (tx) =>
          (await tx.all<{ id: string }>('SELECT id FROM memories WHERE tenant_id = ? AND embed_pending = 1 ORDER BY id', [tenantId])).map((row) =>
            String(row.id),
          ),
        );
      assert.equal((await pending()).length, 3, 'created memories start pending');
      assert.equal((await service.embedPending(tenantId, { kinds: ['memory'], memories: 'pending' })).memories, 3);
      assert.deepEqual(await pending(), []);
      assert.equal((await service.embedPending(tenantId, { kinds: ['memory'], memories: 'pending' })).memories, 0);

      const [first, second] = made as [Memory, Memory, Memory];
      await memories.update(tenantId, second.id, { tags: ['ops'] });
      assert.deepEqual(await pending(), [], 'a tag change leaves the search text, and the vector, as they were');
      await memories.update(tenantId, first.id, { text: 'Rotate the signing keys every month' });
      assert.deepEqual(await pending(), [first.id]);
      texts.length = 0;
      const run = await service.embedPending(tenantId, { kinds: ['memory'], memories: 'pending' });
      assert.deepEqual([run.memories, run.unchanged, texts.length], [1, 0, 1]);
      assert.match(texts[0] as string, /every month/);
      assert.deepEqual(await pending(), []);

      // A memory whose text changed after it was read keeps its flag: clearing names the text the vector was made of.
      await memories.update(tenantId, second.id, { text: 'Cache warm-up runs after deploys' });
      await store.transaction({ tenantId }, (tx) => clearMemoriesPending(tx, tenantId, [[second.id, 'Cache warm-up runs before deploys']]));
      assert.deepEqual(await pending(), [second.id]);
      // 'all' checks every memory by hash (once per embedder): the current ones are counted unchanged, the stale one embedded.
      const all = await service.embedPending(tenantId, { kinds: ['memory'] });
      assert.deepEqual([all.memories, all.unchanged], [1, 2]);
      assert.deepEqual(await pending(), []);

      // A text changed and changed back is pending, but its vector is current: found so by hash, and cleared.
      const third = made[2] as Memory;
      await memories.update(tenantId, third.id, { text: 'Alerts page the whole team' });
      await memories.update(tenantId, third.id, { text: 'Alerts page the on-call engineer' });
      assert.deepEqual(await pending(), [third.id]);
      const back = await service.embedPending(tenantId, { kinds: ['memory'], memories: 'pending' });
      assert.deepEqual([back.memories, back.unchanged], [0, 1]);
      assert.deepEqual(await pending(), []);
    });

    it('re-embeds only an entity whose aliases changed, under a new seq', async () => {
      const { embedders, texts } = countingEmbedders();
      const service = createEmbeddingService({ store, config, embedders });
      const [ada] = (await graph.listEntities(tenant, { type: 'PER', limit: 10 })).items.filter((entity) => entity.name === 'Ada Lovelace');
      const old = (await store.read({ tenantId: tenant }, (tx) => readEmbeddings(tx, tenant, 'entity', [ada!.id])))[0]!;
      await graph.upsertEntity(tenant, { type: 'PER', name: 'Ada Lovelace', aliases: ['Countess of Lovelace'] });
      const summary = await service.embedPending(tenant);
      assert.deepEqual([summary.passages, summary.entities], [0, 1]);
      assert.deepEqual(texts, ['Ada Lovelace (PER); Countess of Lovelace']);
      const fresh = (await store.read({ tenantId: tenant }, (tx) => readEmbeddings(tx, tenant, 'entity', [ada!.id])))[0]!;
      assert.ok(fresh.seq > old.seq, 'a re-embedded vector takes a new seq');
      assert.notDeepEqual(fresh.vector, old.vector);
    });

    it('resumes a run that stopped part-way: the next run embeds only what is still missing', async () => {
      const { embedders, texts } = countingEmbedders();
      const service = createEmbeddingService({ store, config, embedders });
      await seed(
        graph,
        tenant,
        'file:///many.txt',
        Array.from({ length: 30 }, (_, index) => `Passage number ${index} about engines.`),
        [],
      );
      const first = await service.embedPending(tenant, { batchSize: 7, limit: 10 });
      assert.equal(first.passages, 10);
      assert.equal((await service.status(tenant)).passages.missing, 20);
      texts.length = 0;
      const second = await service.embedPending(tenant, { batchSize: 7 });
      assert.equal(second.passages, 20);
      assert.equal(texts.length, 20);
      assert.equal((await service.status(tenant)).missing, 0);
    });

    it('stops between batches when its signal aborts, keeping what it committed', async () => {
      const { embedders } = countingEmbedders();
      const service = createEmbeddingService({ store, config, embedders });
      await seed(
        graph,
        tenant,
        'file:///abort.txt',
        Array.from({ length: 12 }, (_, index) => `Aborted run passage ${index}.`),
        [],
      );
      const controller = new AbortController();
      await assert.rejects(
        service.embedPending(tenant, {
          batchSize: 4,
          signal: controller.signal,
          onProgress: (progress) => {
            if (progress.passages >= 4) controller.abort(new Error('cancelled'));
          },
        }),
        /cancelled/,
      );
      assert.equal((await service.status(tenant)).passages.missing, 8);
      await service.embedPending(tenant);
    });

    it('re-embeds everything when the embedder changes, and never counts the old vectors as current', async () => {
      const { embedders } = countingEmbedders(32);
      const service = createEmbeddingService({ store, config, embedders });
      const before = await service.status(tenant);
      assert.equal(before.embedded, 0);
      assert.equal(before.missing, before.passages.total + before.entities.total);
      const seqs = new Map((await rowsOf(store, tenant)).map((row) => [row.owner_id, Number(row.seq)]));
      await service.embedPending(tenant);
      const rows = await rowsOf(store, tenant);
      assert.ok(rows.every((row) => row.embedder === service.embedderId() && row.dimensions === 32));
      assert.ok(rows.every((row) => Number(row.seq) > seqs.get(row.owner_id)!));
      assert.equal((await service.status(tenant)).missing, 0);
    });

    it('deletes the vectors of a deleted source’s chunks and of entities left without evidence, in the same transaction', async () => {
      const { embedders } = countingEmbedders(32);
      const service = createEmbeddingService({ store, config, embedders });
      const { source, entities } = await seed(graph, tenant, 'file:///gone.txt', ['Grace Hopper found a moth.'], [['PER', 'Grace Hopper']]);
      await service.embedPending(tenant);
      const owners = [...source.chunks.map((chunk) => chunk.id), entities[0]!.id];
      assert.equal((await rowsOf(store, tenant)).filter((row) => owners.includes(row.owner_id)).length, 2);
      await graph.deleteSource(tenant, source.id);
      assert.equal((await rowsOf(store, tenant)).filter((row) => owners.includes(row.owner_id)).length, 0);
      const direct = await graph.upsertEntity(tenant, { type: 'ORG', name: 'Navy' });
      await service.embedPending(tenant);
      await graph.deleteEntity(tenant, direct.entity.id);
      assert.equal((await rowsOf(store, tenant)).filter((row) => row.owner_id === direct.entity.id).length, 0);
      assert.equal((await service.status(tenant)).missing, 0);
    });

    it('writes no vector for an owner deleted while it was being embedded', async () => {
      const { source } = await seed(graph, tenant, 'file:///racing.txt', ['A passage deleted mid-run.', 'Another one.'], []);
      const inline = createBuiltinEmbedder(builtinOptions(32));
      const deleting: Embedder = {
        id: inline.id,
        dimensions: 32,
        embed: async (texts) => {
          await graph.deleteSource(tenant, source.id);
          return inline.embed(texts);
        },
      };
      const service = createEmbeddingService({ store, config, embedders: { query: inline, bulk: () => deleting, close: async () => {} } });
      const summary = await service.embedPending(tenant, { kinds: ['passage'] });
      assert.equal(summary.passages, 0);
      const owners = source.chunks.map((chunk) => chunk.id);
      assert.equal((await rowsOf(store, tenant)).filter((row) => owners.includes(row.owner_id)).length, 0);
    });

    it('embeds dataset rows, reports keys that are not rows, and drops a row’s vector with the row or its source', async () => {
      const { embedders } = countingEmbedders(32);
      const service = createEmbeddingService({ store, config, embedders });
      const source = await graph.createSource(tenant, { uri: 'file:///people.csv', kind: 'csv' });
      const dataset = newId();
      const now = new Date().toISOString();
      await store.transaction({ tenantId: tenant }, async (tx) => {
        await tx.run('INSERT INTO datasets (tenant_id, id, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [
          tenant,
          dataset,
          'people',
          '{}',
          now,
          now,
        ]);
        for (const [number, key] of ['k1', 'k:2', 'k3'].entries()) {
          await tx.run('INSERT INTO dataset_rows (tenant_id, dataset_id, row_key, row_number, values_json, source_id) VALUES (?, ?, ?, ?, ?, ?)', [
            tenant,
            dataset,
            key,
            number + 1,
            '{}',
            source.id,
          ]);
        }
      });
      const result = await service.embedDatasetRows(tenant, dataset, [
        { key: 'k1', text: 'Ada, mathematician' },
        { key: 'k:2', text: 'Grace, admiral' },
        { key: 'nope', text: 'not a row' },
      ]);
      assert.deepEqual(result, { written: 2, missing: ['nope'] });
      let rows = (await rowsOf(store, tenant)).filter((row) => row.owner_kind === 'row');
      assert.deepEqual(rows.map((row) => row.owner_id).sort(), [`${dataset}:k1`, `${dataset}:k:2`]);
      assert.equal((await service.status(tenant)).rows.embedded, 2);
      await store.transaction({ tenantId: tenant }, (tx) =>
        tx.run('DELETE FROM dataset_rows WHERE tenant_id = ? AND dataset_id = ? AND row_key = ?', [tenant, dataset, 'k1']),
      );
      rows = (await rowsOf(store, tenant)).filter((row) => row.owner_kind === 'row');
      assert.deepEqual(
        rows.map((row) => row.owner_id),
        [`${dataset}:k:2`],
      );
      await graph.deleteSource(tenant, source.id);
      assert.equal((await rowsOf(store, tenant)).filter((row) => row.owner_kind === 'row').length, 0);
    });

    it('refuses dataset rows of an unknown or another tenant’s dataset, and bad rows, writing nothing', async () => {
      const { embedders } = countingEmbedders(32);
      const service = createEmbeddingService({ store, config, embedders });
      const theirs = newId();
      const now = new Date().toISOString();
      await store.transaction({ tenantId: other }, (tx) =>
        tx.run('INSERT INTO datasets (tenant_id, id, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [
          other,
          theirs,
          'secret',
          '{}',
          now,
          now,
        ]),
      );
      for (const id of [theirs, newId(), "x' OR 1=1 --", '']) {
        await assert.rejects(
          service.embedDatasetRows(tenant, id, [{ key: 'a', text: 'b' }]),
          (error: unknown) => error instanceof TrellisError && error.code === 'not_found',
        );
      }
      const mine = newId();
      await store.transaction({ tenantId: tenant }, (tx) =>
        tx.run('INSERT INTO datasets (tenant_id, id, name, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [
          tenant,
          mine,
          'mine',
          '{}',
          now,
          now,
        ]),
      );
      const bad = [
        [{ key: '', text: 'x' }],
        [
          { key: 'a', text: 'x' },
          { key: 'a', text: 'y' },
        ],
        [{ key: 'a', text: 3 as unknown as string }],
      ];
      for (const rows of bad) {
        await assert.rejects(
          service.embedDatasetRows(tenant, mine, rows),
          (error: unknown) => error instanceof TrellisError && error.code === 'validation_failed',
        );
      }
      await assert.rejects(
        service.embedDatasetRows(
          tenant,
          mine,
          Array.from({ length: 10_001 }, (_, index) => ({ key: `k${index}`, text: 't' })),
        ),
        (error: unknown) => error instanceof TrellisError && error.code === 'payload_too_large',
      );
      assert.equal((await rowsOf(store, other)).length, 0);
    });

    it('keeps tenants apart: another tenant’s status and run see none of this tenant’s owners or vectors', async () => {
      const { embedders } = countingEmbedders(32);
      const service = createEmbeddingService({ store, config, embedders });
      const status = await service.status(other);
      assert.deepEqual([status.passages.total, status.entities.total, status.embedded], [0, 0, 0]);
      const summary = await service.embedPending(other);
      assert.deepEqual([summary.passages, summary.entities], [0, 0]);
      const mine = await rowsOf(store, tenant);
      const read = await store.read({ tenantId: other }, (tx) =>
        readEmbeddings(
          tx,
          other,
          'passage',
          mine.map((row) => row.owner_id),
        ),
      );
      assert.deepEqual(read, []);
    });

    it('embeds with the worker pool of the configured built-in embedder, giving the inline embedder’s vectors', async () => {
      const service = createEmbeddingService({ store, config: { ...config, embedDimensions: 48 } });
      try {
        const texts = ['The engine computes Bernoulli numbers.', '', 'x\u0000y', 'Ünïcödé and 日本語 text'];
        const pooled = await service.embedTexts(texts);
        const inline = await service.embedder.embed(texts);
        assert.deepEqual(pooled, inline);
        assert.equal(pooled[0]!.length, 48);
        assert.ok(Math.abs(Math.hypot(...pooled[0]!) - 1) < 1e-5);
        assert.deepEqual(await service.embedQuery('The engine computes Bernoulli numbers.'), inline[0]);
      } finally {
        await service.close();
      }
    });
  });
}
