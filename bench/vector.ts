/**
 * Vector index benchmark: nearest-neighbour search over stored passage vectors on SQLite.
 *   node --expose-gc --import tsx bench/vector.ts [--vectors 1000000] [--dimensions 384] [--queries 1000] [--recall-queries 100]
 *     [--probes 128] [--rescore 100] [--threads 2] [--filter-share 0.1] [--dataset mixture|text] [--corpus DIR] [--sweep 32,64,128] [--query-words 3]
 * Generates its corpus in a child process (so the RSS measured here is a server's: the store and the index, not the
 * generator's garbage): sources of 100 passages each, and one unit vector per passage — from a Gaussian mixture of
 * unequal, overlapping clusters with queries drawn near stored vectors (--dataset mixture), or the built-in
 * embedder's vectors of generated topic-model passages with a sentence of a random passage as each query (--dataset text). Prints the index build time and size, RSS, the ANN
 * p50/p95/p99 (single client, sequential), recall@10 against exact search (sqlite-vec) with the exact path's own
 * p50/p95, the same for a source filter, and the event loop's worst delay while searching.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { newId } from '../src/core/ids.js';
import { builtinOptions, embedTextsInline } from '../src/search/embed/builtin-embedder.js';
import { createVectorIndex } from '../src/search/vector/index.js';
import { seededRandom as random } from '../src/core/random.js';
import { appendEvent } from '../src/store/index.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { clusteredVectors, queriesNear, recall, topicTexts } from '../test/support/vectors.js';
import { percentile } from './corpus.js';

const { values } = parseArgs({
  options: {
    vectors: { type: 'string', default: '1000000' },
    dimensions: { type: 'string', default: '384' },
    queries: { type: 'string', default: '1000' },
    'recall-queries': { type: 'string', default: '100' },
    probes: { type: 'string', default: '128' },
    rescore: { type: 'string', default: '100' },
    threads: { type: 'string', default: '2' },
    'filter-share': { type: 'string', default: '0.1' },
    dataset: { type: 'string', default: 'mixture' },
    'write-to': { type: 'string' },
    corpus: { type: 'string' },
    sweep: { type: 'string' },
    'query-words': { type: 'string' },
  },
});
const vectorCount = Number(values.vectors);
const dimensions = Number(values.dimensions);
const queryCount = Number(values.queries);
const recallQueries = Number(values['recall-queries']);
const filterShare = Number(values['filter-share']);
const perSource = 100;
const embedderId = `bench-${values.dataset}-${dimensions}`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `${label.padEnd(26)} p50 ${percentile(sorted, 50).toFixed(2)} ms  p95 ${percentile(sorted, 95).toFixed(2)} ms  p99 ${percentile(sorted, 99).toFixed(2)} ms`;
}

/** Vectors (and, for the text dataset, the texts they embed) in generation batches: a million never sit in memory at once. */
async function* vectorBatches(): AsyncGenerator<{ vectors: Float32Array[]; texts: string[] | null }> {
  const batch = 20_000;
  if (values.dataset === 'text') {
    const options = builtinOptions(dimensions);
    const text = topicTexts();
    for (let from = 0; from < vectorCount; from += batch) {
      const texts = Array.from({ length: Math.min(batch, vectorCount - from) }, (_, at) => text(1_000_000 + from + at));
      yield { vectors: embedTextsInline(texts, options), texts };
    }
    return;
  }
  // One mixture for the whole corpus: generated in slices with the same centres (same seed), different draws.
  const clusters = Math.round(Math.sqrt(vectorCount));
  for (let from = 0; from < vectorCount; from += batch) {
    yield { vectors: clusteredVectors(Math.min(batch, vectorCount - from), { dimensions, clusters, seed: 1, drawSeed: 100 + from }), texts: null };
  }
}

/** What the writer leaves for the measuring process beside the database. */
interface Corpus {
  tenantId: string;
  sourceIds: string[];
  seconds: number;
}

/** The writer (a child process): the store, the corpus and the queries (written to `<file>.queries` as float32). */
async function writeCorpus(file: string): Promise<void> {
  const store = openSqliteStore({ file });
  await store.migrate();
  const tenantId = newId();
  await store.transaction('system', (tx) =>
    tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'bench', 'bench', new Date().toISOString()]),
  );
  const started = performance.now();
  const sourceIds: string[] = [];
  const sample: Float32Array[] = [];
  const sampleTexts: string[] = [];
  const pickSample = random(3);
  let written = 0;
  for await (const { vectors, texts } of vectorBatches()) {
    await store.transaction({ tenantId }, async (tx) => {
      if (tx.dialect !== 'sqlite') throw new Error('bench/vector.ts runs on SQLite');
      await appendEvent(tx, { type: 'bench.vectors', payload: { count: vectors.length } });
      const now = new Date().toISOString();
      const insertSource = tx.db.prepare(
        'INSERT INTO sources (tenant_id, id, uri, kind, title, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const insertChunk = tx.db.prepare('INSERT INTO chunks (tenant_id, id, source_id, ordinal, text, start_offset, end_offset) VALUES (?, ?, ?, ?, ?, ?, ?)');
      const insertVector = tx.db.prepare(
        'INSERT INTO embeddings (tenant_id, owner_kind, owner_id, embedder, dimensions, vector, content_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      vectors.forEach((vector, at) => {
        if (written % perSource === 0) {
          const sourceId = newId();
          sourceIds.push(sourceId);
          // Sources are spread over 2020–2024 so time filters have something to select.
          const created = new Date(Date.UTC(2020, 0, 1) + (sourceIds.length / Math.ceil(vectorCount / perSource)) * 5 * 365 * 86_400_000).toISOString();
          insertSource.run(tenantId, sourceId, `bench://${sourceId}`, 'text', null, 'ready', created, now);
        }
        const chunkId = newId();
        insertChunk.run(tenantId, chunkId, sourceIds[sourceIds.length - 1], written % perSource, texts ? '' : 'passage', 0, 7);
        insertVector.run(tenantId, 'passage', chunkId, embedderId, dimensions, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength), 'hash', now);
        if (pickSample() < 5000 / vectorCount) {
          sample.push(vector);
          if (texts) sampleTexts.push(texts[at] as string);
        }
        written++;
      });
    });
  }
  await store.close();
  const total = Math.max(queryCount, recallQueries);
  let queries: Float32Array[];
  if (values.dataset === 'text') {
    // A sentence of a stored passage asks for that passage (and its neighbours).
    const next = random(7);
    const sentences = Array.from({ length: total }, () => {
      const text = sampleTexts[Math.floor(next() * sampleTexts.length)] as string;
      const parts = text.split(/(?<=\.)\s+/).filter((part) => part.length > 20);
      return parts[Math.floor(next() * parts.length)] ?? text;
    });
    queries = embedTextsInline(sentences, builtinOptions(dimensions));
  } else queries = queriesNear(sample, total, 0.5, 5);
  const bytes = new Float32Array(total * dimensions);
  queries.forEach((vector, at) => bytes.set(vector, at * dimensions));
  writeFileSync(`${file}.queries`, bytes);
  const corpus: Corpus = { tenantId, sourceIds, seconds: (performance.now() - started) / 1000 };
  writeFileSync(`${file}.json`, JSON.stringify(corpus));
}

if (values['write-to']) {
  await writeCorpus(values['write-to']);
  process.exit(0);
}

// --corpus DIR keeps the corpus there and reuses it on the next run with the same DIR (for parameter sweeps).
const dir = values.corpus ?? mkdtempSync(path.join(os.tmpdir(), 'trellis-vector-bench-'));
const file = path.join(dir, 'trellis.db');
console.log(`# ${vectorCount} passage vectors, ${dimensions} dimensions, dataset ${values.dataset}, ${os.cpus().length} cores, Node ${process.version}`);
if (existsSync(`${file}.json`)) console.log(`reusing the corpus in ${dir}`);
else {
  mkdirSync(dir, { recursive: true });
  const writer = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), '--write-to', file], {
    stdio: 'inherit',
  });
  if (writer.status !== 0) throw new Error(`The corpus writer failed (${writer.status})`);
}
const corpus = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as Corpus;
const { tenantId, sourceIds } = corpus;
const queryBytes = readFileSync(`${file}.queries`);
let queries: Float32Array[] = Array.from(
  { length: queryBytes.byteLength / 4 / dimensions },
  (_, at) => new Float32Array(queryBytes.buffer.slice(queryBytes.byteOffset + at * dimensions * 4, queryBytes.byteOffset + (at + 1) * dimensions * 4)),
);
// --query-words N (text dataset): N consecutive words of a random stored passage instead of a sentence — the short
// queries people type. Passages are regenerated from their seeds, so a kept corpus serves any query shape.
if (values.dataset === 'text' && values['query-words']) {
  const words = Number(values['query-words']);
  const text = topicTexts();
  const next = random(8);
  const picked = Array.from({ length: queries.length }, () => {
    const passage = text(1_000_000 + Math.floor(next() * vectorCount))
      .replace(/\./g, '')
      .split(' ');
    const at = Math.floor(next() * Math.max(1, passage.length - words));
    return passage.slice(at, at + words).join(' ');
  });
  queries = embedTextsInline(picked, builtinOptions(dimensions));
  console.log(`queries                        ${words} words each, e.g. ${JSON.stringify(picked.slice(0, 3))}`);
}
console.log(`corpus written                 ${corpus.seconds.toFixed(1)} s (${vectorCount} passages in ${sourceIds.length} sources, in a child process)`);

/** This process's memory from /proc: resident total, anonymous (heaps, the index's shared memory counts as shmem), file-backed (SQLite's memory-mapped database), and the peak. */
function memory(): string {
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return `RSS ${mib(field('VmRSS'))} = anonymous ${mib(field('RssAnon'))} + shared memory ${mib(field('RssShmem'))} + file-backed ${mib(field('RssFile'))}; peak ${mib(field('VmHWM'))}`;
}

/** CPU time of this process's main thread (the event loop) in ms, from /proc (10 ms resolution). */
function mainThreadCpu(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
}

const store = openSqliteStore({ file });
console.log(`memory before the index        ${memory()}`);
const index = createVectorIndex({
  store,
  source: { dialect: 'sqlite', file },
  probes: Number(values.probes),
  rescore: Number(values.rescore),
  threads: Number(values.threads),
});
const query = (at: number) => queries[at % queries.length] as Float32Array;
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const started = performance.now();
const info = await index.ready(tenantId, embedderId, 'passage');
loop.disable();
if (!info) throw new Error('The index was not built');
console.log(
  `index build                    ${(info.buildMilliseconds / 1000).toFixed(1)} s in the worker (${((performance.now() - started) / 1000).toFixed(1)} s to ready), ${info.shape}, ${info.lists} lists`,
);
console.log(`index memory                   ${mib(info.bytes)} (${(info.bytes / info.vectors).toFixed(0)} bytes per vector)`);
console.log(`event loop worst delay (build) ${(loop.max / 1e6).toFixed(1)} ms`);
console.log(`memory after the build         ${memory()}`);

loop.reset();
loop.enable();
for (let at = 0; at < 50; at++) await index.search(tenantId, embedderId, query(at), { kind: 'passage', limit: 10 });
const annTimes: number[] = [];
const scanTimes: number[] = [];
const storeTimes: number[] = [];
let scanned = 0;
const cpuBefore = mainThreadCpu();
const processCpuBefore = process.cpuUsage();
for (let at = 0; at < queryCount; at++) {
  const begin = performance.now();
  const result = await index.search(tenantId, embedderId, query(at), { kind: 'passage', limit: 10 });
  annTimes.push(performance.now() - begin);
  scanTimes.push(result.timings?.scan ?? 0);
  storeTimes.push(result.timings?.store ?? 0);
  scanned += result.scanned;
  if (result.path !== 'ivf') throw new Error(`expected the IVF path, got ${result.path}`);
}
const cpuPerQuery = (mainThreadCpu() - cpuBefore) / queryCount;
const processCpu = process.cpuUsage(processCpuBefore);
const processCpuPerQuery = (processCpu.user + processCpu.system) / 1000 / queryCount;
loop.disable();
console.log(summary('ANN search (k=10)', annTimes));
console.log(summary('  of which worker scan', scanTimes));
console.log(summary('  of which store rescoring', storeTimes));
console.log(`vectors scored per query       ${(scanned / queryCount).toFixed(0)} (4-bit), then ${values.rescore} rescored in float32`);
console.log(
  `CPU per query                  ${processCpuPerQuery.toFixed(2)} ms in all threads, of which ${cpuPerQuery.toFixed(2)} ms on the event loop (/proc)`,
);
console.log(`event loop delay (search)      worst ${(loop.max / 1e6).toFixed(2)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(2)} ms`);
(globalThis as { gc?: () => void }).gc?.();
console.log(`memory after the searches      ${memory()}`);

/** Tie-aware recall@10 (as ann-benchmarks counts it): a hit scoring at least the true 10th score is a true neighbour. */
const scoreRecall = (found: readonly { score: number }[], truth: readonly { score: number }[]) => {
  const tenth = (truth[truth.length - 1] as { score: number }).score;
  return Math.min(truth.length, found.filter((hit) => hit.score >= tenth - 1e-6).length) / truth.length;
};
// The exact answers, once: the reference for every recall below.
const exactTimes: number[] = [];
const truths: { id: string; score: number }[][] = [];
for (let at = 0; at < recallQueries; at++) {
  const begin = performance.now();
  truths.push((await index.search(tenantId, embedderId, query(at), { kind: 'passage', limit: 10, exact: true })).hits);
  exactTimes.push(performance.now() - begin);
}
async function recallAt(probes: number | undefined): Promise<string> {
  let byId = 0;
  let byScore = 0;
  for (let at = 0; at < recallQueries; at++) {
    const ann = await index.search(tenantId, embedderId, query(at), { kind: 'passage', limit: 10, ...(probes ? { probes } : {}) });
    byId += recall(ann.hits, truths[at] as { id: string; score: number }[]);
    byScore += scoreRecall(ann.hits, truths[at] as { id: string; score: number }[]);
  }
  return `${(byId / recallQueries).toFixed(4)} by ID, ${(byScore / recallQueries).toFixed(4)} by score (ties at the 10th counted)`;
}
console.log(`recall@10 vs exact             ${await recallAt(undefined)} (${recallQueries} queries)`);
console.log(summary('exact search (sqlite-vec)', exactTimes));

// --sweep 32,64,128: latency and recall at other probe counts, on the same index.
for (const probes of (values.sweep ?? '').split(',').filter(Boolean).map(Number)) {
  const times: number[] = [];
  let sweepScanned = 0;
  for (let at = 0; at < Math.min(queryCount, 300); at++) {
    const begin = performance.now();
    const result = await index.search(tenantId, embedderId, query(at), { kind: 'passage', limit: 10, probes });
    times.push(performance.now() - begin);
    sweepScanned += result.scanned;
  }
  console.log(
    `probes ${String(probes).padEnd(5)} ${summary('', times).trim()}; ${(sweepScanned / times.length).toFixed(0)} scored; recall@10 ${await recallAt(probes)}`,
  );
}

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
if (!values.corpus) rmSync(dir, { recursive: true, force: true });
