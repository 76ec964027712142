/**
 * Memory benchmark on SQLite: writes through the HTTP API, then recall and find-error latency.
 *   node --import tsx bench/memory.ts [--memories 100000] [--queries 200] [--http-writes 2000] [--dir DIR]
 * 1. Loads `--memories` memories (notes, decisions and mistakes in equal parts, generated text of 60–400 characters
 *    over a Zipf vocabulary, errors from a few dozen error types) through the memory service — the real write path:
 *    the memory row, its source, its full-text rows (triggers) and its events in one transaction — and prints the rate.
 * 2. Writes `--http-writes` more through POST /memories (Fastify's inject: the whole request path, routes, schema
 *    validation, auth, but no socket) one at a time and prints writes/s: request handling vs the service's
 *    transaction. Writes over real HTTP from concurrent clients, with extraction and embedding: bench/memory-writes.ts.
 * 3. Runs `--queries` recall queries (2–5 words drawn from the vocabulary) and as many find-error queries (a stored
 *    mistake's message with words changed) and prints p50/p95/p99 of each, and the process CPU time per query.
 * Large stores (recall and find-error at 1M): `--fast-load` inserts the memories thousands to a transaction (see
 * memory-fast-load.ts; no service write rate then), `--embed` embeds them (the search.embed job's work, in bulk) and
 * builds the memory vector index before the queries, `--reuse` runs the queries on the store already in `--dir`
 * (loading and HTTP writes skipped). Recall is measured hybrid (text, vector when embedded, graph) and text-only. `--warmup N` (default 20)
 *   recall and find-error queries run first, unmeasured (cold pages, code not yet compiled).
 *   node --import tsx bench/memory.ts --memories 1000000 --fast-load --embed --http-writes 0 --dir /work/bench-data/memory-1m
 *   node --import tsx bench/memory.ts --reuse --dir /work/bench-data/memory-1m
 * No timing assertions: figures only.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/core/config.js';
import { buildApp } from '../src/server/app.js';
import { createServices } from '../src/server/services.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { createRecallService } from '../src/memory/recall.js';
import { createTextSearch } from '../src/search/text/index.js';
import { percentile } from './corpus.js';
import { fastLoad } from './memory-fast-load.js';

const { values } = parseArgs({
  options: {
    memories: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '200' },
    'http-writes': { type: 'string', default: '2000' },
    dir: { type: 'string' },
    'fast-load': { type: 'boolean', default: false },
    embed: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    warmup: { type: 'string', default: '20' },
  },
});
const warmup = Number(values.warmup);
const reuse = values.reuse === true;
const total = Number(values.memories);
const queries = Number(values.queries);
const httpWrites = reuse ? 0 : Number(values['http-writes']);
const dir = values.dir ?? mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-memory-'));
mkdirSync(dir, { recursive: true });

let seed = 12345;
const next = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'po', 'si', 'de', 'ga', 'vu', 'ze', 'bi', 'fo', 'hu', 'ja', 'an', 'el'];
const vocabulary = Array.from({ length: 50_000 }, (_, index) => {
  let word = '';
  let n = index + 1;
  do {
    word += syllables[n % syllables.length];
    n = Math.floor(n / syllables.length);
  } while (n > 0);
  return word;
});
/** A Zipf-distributed word (exponent about 1). */
const word = () => vocabulary[Math.min(vocabulary.length - 1, Math.floor(Math.exp(next() * Math.log(vocabulary.length)) - 1))] as string;
const sentence = (characters: number) => {
  const words: string[] = [];
  let length = 0;
  while (length < characters) {
    const w = word();
    words.push(w);
    length += w.length + 1;
  }
  return words.join(' ');
};
const errorTypes = Array.from({ length: 40 }, (_, index) => `${['Type', 'Range', 'Pool', 'Io', 'Sql', 'Auth'][index % 6]}Error${index}`);

let counter = 0;
function memoryInput(): Record<string, unknown> {
  counter += 1;
  const body = `${sentence(60 + Math.floor(next() * 340))} #${counter}`;
  const kind = counter % 3;
  if (kind === 0) return { kind: 'note', text: body, tags: [`t${counter % 50}`] };
  if (kind === 1) return { kind: 'decision', title: sentence(30), chosen: word(), reasoning: body };
  const errorType = errorTypes[counter % errorTypes.length] as string;
  return { kind: 'mistake', errorType, message: `${errorType}: ${body}`, solution: sentence(60) };
}

function line(label: string, samples: number[], cpuMs: number) {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (value: number) => value.toFixed(2);
  console.log(
    `${label.padEnd(12)} n=${samples.length}  p50 ${f(percentile(sorted, 50))} ms  p95 ${f(percentile(sorted, 95))} ms  p99 ${f(percentile(sorted, 99))} ms  cpu/query ${f(cpuMs / samples.length)} ms  load ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
}

const cpuMs = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

const store = openSqliteStore({ file: path.join(dir, 'trellis.db') });
await store.migrate();
const config = loadConfig({ env: { TRELLIS_DATA_DIR: dir }, file: undefined, overrides: { logLevel: 'silent', rateLimit: 'off' } });
const services = createServices(config, store);
const boot = await services.platform.bootstrap();
if (!boot.created && !reuse) throw new Error(`${dir} already holds a tenant; give an empty --dir (or --reuse)`);
const tenantId =
  boot.created?.tenantId ?? String((await store.read('system', (tx) => tx.get<{ id: string }>('SELECT id FROM tenants ORDER BY created_at LIMIT 1')))?.id);
const apiKey = boot.created?.apiKey ?? '';
const app = await buildApp(services, { logger: false });
await app.ready();

const stored = reuse
  ? Number(
      await store.read({ tenantId }, (tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM memories WHERE tenant_id = ?', [tenantId]).then((row) => row?.n)),
    )
  : total;
console.log(`SQLite store in ${dir}; ${stored.toLocaleString('en')} memories${reuse ? ' (reused)' : ''}`);
let started = performance.now();
const mistakes: string[] = [];
if (values['fast-load'] && !reuse)
  await fastLoad(store, tenantId, total, memoryInput, (input) => {
    if (input.kind === 'mistake' && mistakes.length < 5000) mistakes.push(String(input.message));
  });
for (let index = 0; index < (reuse || values['fast-load'] ? 0 : total); index++) {
  const input = memoryInput();
  const memory = await services.memory.create(tenantId, input as never);
  if (memory.kind === 'mistake' && mistakes.length < 5000) mistakes.push(String(input.message));
  if ((index + 1) % 50_000 === 0)
    console.log(`  ${(index + 1).toLocaleString('en')} loaded (${Math.round(((index + 1) / (performance.now() - started)) * 1000)}/s)`);
}
let seconds = (performance.now() - started) / 1000;
if (!reuse)
  console.log(`${values['fast-load'] ? 'bulk load (--fast-load)' : 'service writes'}: ${total} in ${seconds.toFixed(1)} s = ${Math.round(total / seconds)}/s`);

started = performance.now();
for (let index = 0; index < httpWrites; index++) {
  const response = await app.inject({ method: 'POST', url: '/memories', headers: { authorization: `Bearer ${apiKey}` }, payload: memoryInput() });
  if (response.statusCode !== 201) throw new Error(`POST /memories: ${response.statusCode} ${response.body}`);
}
seconds = (performance.now() - started) / 1000;
if (httpWrites > 0) console.log(`HTTP writes (inject, one at a time): ${httpWrites} in ${seconds.toFixed(1)} s = ${Math.round(httpWrites / seconds)}/s`);

if (values.embed && !reuse) {
  started = performance.now();
  const embedded = await services.embeddings.embedPending(tenantId, { kinds: ['memory'] });
  console.log(`embedded ${embedded.memories} memories in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
started = performance.now();
const index = await services.vectors.ready(tenantId, services.embeddings.embedderId(), 'memory');
if (index)
  console.log(
    `memory vector index: ${index.shape}, ${index.vectors.toLocaleString('en')} vectors, ${index.lists} lists, ${Math.round(index.bytes / 2 ** 20)} MiB, ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
if (mistakes.length === 0) {
  // A reused store: the queries' mistakes are read back from it.
  const rows = await store.read({ tenantId }, (tx) =>
    tx.all<{ fields: string }>("SELECT fields FROM memories WHERE tenant_id = ? AND kind = 'mistake' LIMIT 5000", [tenantId]),
  );
  for (const row of rows) mistakes.push(String((JSON.parse(row.fields) as { message?: string }).message));
}
const recallQueries = Array.from({ length: queries }, () => Array.from({ length: 2 + Math.floor(next() * 4) }, word).join(' '));
// Warm-up queries of the same shape, not measured: the first queries after a start read cold pages and compile code.
for (let index = 0; index < warmup; index++) {
  const query = Array.from({ length: 2 + Math.floor(next() * 4) }, word).join(' ');
  await services.memory.recall(tenantId, { query, limit: 10 });
  await services.memory.findError(tenantId, { message: `${mistakes[index % Math.max(1, mistakes.length)] ?? 'TypeError0: boom'} ${query}`, limit: 5 });
}

const recallSamples: number[] = [];
let cpu = process.cpuUsage();
for (const query of recallQueries) {
  const start = performance.now();
  await services.memory.recall(tenantId, { query, limit: 10 });
  recallSamples.push(performance.now() - start);
}
line('recall', recallSamples, cpuMs(cpu));

// The same queries without the vector signal: full-text and graph only.
const textOnly = createRecallService({ store, text: createTextSearch(store) });
const textSamples: number[] = [];
cpu = process.cpuUsage();
for (const query of recallQueries) {
  const start = performance.now();
  await textOnly.recall(tenantId, { query, limit: 10 });
  textSamples.push(performance.now() - start);
}
line('recall text', textSamples, cpuMs(cpu));

const findSamples: number[] = [];
cpu = process.cpuUsage();
for (let index = 0; index < queries; index++) {
  const words = (mistakes[Math.floor(next() * mistakes.length)] ?? 'TypeError0: boom').split(' ');
  for (let change = 0; change < 3; change++) words[Math.floor(next() * words.length)] = word();
  const start = performance.now();
  await services.memory.findError(tenantId, { message: words.join(' ').slice(0, 4000), limit: 5 });
  findSamples.push(performance.now() - start);
}
line('find-error', findSamples, cpuMs(cpu));

await app.close();
await services.embeddings.close();
await services.vectors.close();
await services.search.close();
await store.close();
if (values.dir === undefined) rmSync(dir, { recursive: true, force: true });
