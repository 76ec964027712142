/**
 * Vector index benchmark: nearest-neighbour search over stored passage vectors on SQLite.
 *   node --expose-gc --import tsx bench/vector.ts [--vectors 1000000] [--dimensions 384] [--queries 1000] [--recall-queries 100]
 *     [--probes 48] [--rescore 100] [--threads 2] [--filter-share 0.1]
 * Generates its corpus: sources of 100 passages each, and one unit vector per passage from a Gaussian mixture of
 * unequal, overlapping clusters; queries are drawn near stored vectors. Prints the index build time and size, RSS, the ANN
 * p50/p95/p99 (single client, sequential), recall@10 against exact search (sqlite-vec) with the exact path's own
 * p50/p95, the same for a source filter, and the event loop's worst delay while searching.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { newId } from '../src/core/ids.js';
import { createVectorIndex } from '../src/search/vector/index.js';
import { random } from '../src/search/vector/kmeans.js';
import { appendEvent } from '../src/store/index.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { clusteredVectors, queriesNear, recall } from '../test/support/vectors.js';
import { percentile } from './corpus.js';

const { values } = parseArgs({
  options: {
    vectors: { type: 'string', default: '1000000' },
    dimensions: { type: 'string', default: '384' },
    queries: { type: 'string', default: '1000' },
    'recall-queries': { type: 'string', default: '100' },
    probes: { type: 'string', default: '48' },
    rescore: { type: 'string', default: '100' },
    threads: { type: 'string', default: '2' },
    'filter-share': { type: 'string', default: '0.1' },
  },
});
const vectorCount = Number(values.vectors);
const dimensions = Number(values.dimensions);
const queryCount = Number(values.queries);
const recallQueries = Number(values['recall-queries']);
const filterShare = Number(values['filter-share']);
const perSource = 100;
const embedderId = `bench-mixture-${dimensions}`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `${label.padEnd(26)} p50 ${percentile(sorted, 50).toFixed(2)} ms  p95 ${percentile(sorted, 95).toFixed(2)} ms  p99 ${percentile(sorted, 99).toFixed(2)} ms`;
}

/** Vectors in generation batches, so a million never sit in memory at once. */
async function* vectorBatches(): AsyncGenerator<Float32Array[]> {
  const batch = 50_000;
  // One mixture for the whole corpus: generated in slices with the same centres (same seed), different draws.
  const clusters = Math.round(Math.sqrt(vectorCount));
  for (let from = 0; from < vectorCount; from += batch) {
    const slice = clusteredVectors(Math.min(batch, vectorCount - from), { dimensions, clusters, seed: 1, drawSeed: 100 + from });
    yield slice;
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-vector-bench-'));
const file = path.join(dir, 'trellis.db');
let store = openSqliteStore({ file });
await store.migrate();
const tenantId = newId();
await store.transaction('system', (tx) =>
  tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'bench', 'bench', new Date().toISOString()]),
);

console.log(`# ${vectorCount} passage vectors, ${dimensions} dimensions, Gaussian mixture, ${os.cpus().length} cores, Node ${process.version}`);
let started = performance.now();
const sourceIds: string[] = [];
const sampleForQueries: Float32Array[] = [];
const pickSample = random(3);
let written = 0;
for await (const batch of vectorBatches()) {
  await store.transaction({ tenantId }, async (tx) => {
    if (tx.dialect !== 'sqlite') throw new Error('bench/vector.ts runs on SQLite');
    await appendEvent(tx, { type: 'bench.vectors', payload: { count: batch.length } });
    const now = new Date().toISOString();
    const insertSource = tx.db.prepare('INSERT INTO sources (tenant_id, id, uri, kind, title, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const insertChunk = tx.db.prepare('INSERT INTO chunks (tenant_id, id, source_id, ordinal, text, start_offset, end_offset) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const insertVector = tx.db.prepare(
      'INSERT INTO embeddings (tenant_id, owner_kind, owner_id, embedder, dimensions, vector, content_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const vector of batch) {
      if (written % perSource === 0) {
        const sourceId = newId();
        sourceIds.push(sourceId);
        // Sources are spread over 2020–2024 so time filters have something to select.
        const created = new Date(Date.UTC(2020, 0, 1) + (sourceIds.length / Math.ceil(vectorCount / perSource)) * 5 * 365 * 86_400_000).toISOString();
        insertSource.run(tenantId, sourceId, `bench://${sourceId}`, 'text', null, 'ready', created, now);
      }
      const chunkId = newId();
      insertChunk.run(tenantId, chunkId, sourceIds[sourceIds.length - 1], written % perSource, 'passage', 0, 7);
      insertVector.run(tenantId, 'passage', chunkId, embedderId, dimensions, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength), 'hash', now);
      if (pickSample() < 5000 / vectorCount) sampleForQueries.push(vector);
      written++;
    }
  });
}
console.log(`corpus written                 ${((performance.now() - started) / 1000).toFixed(1)} s (${written} passages in ${sourceIds.length} sources)`);

// A server holds the store, not the generator's garbage: reopen it and collect before measuring memory.
await store.close();
store = openSqliteStore({ file });
(globalThis as { gc?: () => void }).gc?.();
const rssBeforeIndex = process.memoryUsage().rss;
const index = createVectorIndex({
  store,
  source: { dialect: 'sqlite', file },
  probes: Number(values.probes),
  rescore: Number(values.rescore),
  threads: Number(values.threads),
});
const query = (at: number) => queries[at % queries.length] as Float32Array;
const queries = queriesNear(sampleForQueries, Math.max(queryCount, recallQueries), 0.5, 5);
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
started = performance.now();
const info = await index.ready(tenantId, embedderId, 'passage');
loop.disable();
const rssAfterBuild = process.memoryUsage().rss;
if (!info) throw new Error('The index was not built');
console.log(
  `index build                    ${(info.buildMilliseconds / 1000).toFixed(1)} s in the worker (${((performance.now() - started) / 1000).toFixed(1)} s to ready), ${info.shape}, ${info.lists} lists`,
);
console.log(`index memory                   ${mib(info.bytes)} (${(info.bytes / info.vectors).toFixed(0)} bytes per vector)`);
console.log(`event loop worst delay (build) ${(loop.max / 1e6).toFixed(1)} ms`);

loop.reset();
loop.enable();
for (let at = 0; at < 50; at++) await index.search(tenantId, embedderId, query(at), { kind: 'passage', limit: 10 });
const annTimes: number[] = [];
let scanned = 0;
for (let at = 0; at < queryCount; at++) {
  const begin = performance.now();
  const result = await index.search(tenantId, embedderId, query(at), { kind: 'passage', limit: 10 });
  annTimes.push(performance.now() - begin);
  scanned += result.scanned;
  if (result.path !== 'ivf') throw new Error(`expected the IVF path, got ${result.path}`);
}
loop.disable();
console.log(summary('ANN search (k=10)', annTimes));
console.log(`vectors scored per query       ${(scanned / queryCount).toFixed(0)} (int8), then ${values.rescore} rescored in float32`);
console.log(`event loop worst delay (search) ${(loop.max / 1e6).toFixed(2)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(2)} ms`);
(globalThis as { gc?: () => void }).gc?.();
console.log(
  `RSS                            ${mib(process.memoryUsage().rss)} (before the index ${mib(rssBeforeIndex)}, after its build ${mib(rssAfterBuild)})`,
);

const exactTimes: number[] = [];
let recallSum = 0;
for (let at = 0; at < recallQueries; at++) {
  const begin = performance.now();
  const exact = await index.search(tenantId, embedderId, query(at), { kind: 'passage', limit: 10, exact: true });
  exactTimes.push(performance.now() - begin);
  const ann = await index.search(tenantId, embedderId, query(at), { kind: 'passage', limit: 10 });
  recallSum += recall(ann.hits, exact.hits);
}
console.log(`recall@10 vs exact             ${(recallSum / recallQueries).toFixed(4)} (${recallQueries} queries)`);
console.log(summary('exact search (sqlite-vec)', exactTimes));

// A source filter: every sources-th source, `filterShare` of the passages.
const step = Math.max(1, Math.round(1 / filterShare));
const filterSources = sourceIds.filter((_, at) => at % step === 0).slice(0, 1000);
const filter = { sourceIds: filterSources };
const filteredTimes: number[] = [];
let filteredRecall = 0;
const filteredQueries = Math.min(recallQueries, 50);
for (let at = 0; at < filteredQueries; at++) {
  const begin = performance.now();
  const ann = await index.search(tenantId, embedderId, query(at), { kind: 'passage', limit: 10, filter });
  filteredTimes.push(performance.now() - begin);
  const exact = await index.search(tenantId, embedderId, query(at), { kind: 'passage', limit: 10, filter, exact: true });
  filteredRecall += recall(ann.hits, exact.hits);
}
console.log(
  `source filter (${filterSources.length} sources, ${filterSources.length * perSource} passages): recall@10 ${(filteredRecall / filteredQueries).toFixed(4)}; ${summary('', filteredTimes).trim()}`,
);
console.log(`paths answered                 ${JSON.stringify(index.stats().searches)}`);

await index.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
