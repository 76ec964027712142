/**
 * Memory write rate through the real HTTP API, with extraction into the graph and embedding, and the split between
 * them. SQLite.
 *   node --import tsx bench/memory-writes.ts [--writes 20000] [--connections 16] [--auto on|off] [--dir DIR] [--cpu-prof DIR]
 * 1. Bootstraps a store in DIR, then starts the real server (`bench/http-server.ts trellis`: startServer, job worker
 *    and all background work running, as `trellis serve` runs) in a child process on 127.0.0.1.
 * 2. Sends `--writes` POST /memories over real HTTP (autocannon, keep-alive, `--connections` requests in flight), each
 *    a distinct note, decision or mistake of 120–300 characters naming projects, organisations and people (so the
 *    extractor finds entities). Prints the HTTP write rate: every write is the memory row, its source, its full-text
 *    rows (triggers), its events and the queueing of its extraction and embedding (one extraction job per tenant every two seconds, one embedding job every ten), in
 *    one transaction.
 * 3. Waits until every memory is extracted (no `extract_pending` row) and embedded (a `memory` embedding for each),
 *    reading the store read-only from this process, and prints the end-to-end rate (writes / time from the first
 *    write until the last memory is linked and embedded) and the work of the jobs: extraction memories/s (sum of the
 *    `memory.extract` jobs' own durations) and embedding memories/s (the `search.embed` jobs' run times).
 * `--auto off` starts the server with TRELLIS_MEMORY_AUTO_EXTRACT and TRELLIS_MEMORY_AUTO_EMBED off: the write path
 * alone; then, with the server stopped, this process extracts the written memories (the job's code, the extractor in
 * a worker thread, batches of `--extract-batch`, default 500 as the job) and embeds them (the `search.embed` job's code), each alone, and prints their rates. `--cpu-prof DIR` runs the server under `node --cpu-prof`. Processes are not pinned: the load generator,
 * the server and its worker threads share the machine's cores (the load average is printed with every figure).
 * No timing assertions: figures only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/core/config.js';
import { createExtractorPool } from '../src/ingest/extract/pool.js';
import { defaultSchema } from '../src/ingest/schema.js';
import { createMemoryExtraction } from '../src/memory/extract.js';
import { createServices } from '../src/server/services.js';
import { createPlatformService } from '../src/platform/index.js';
import { openSqliteStore } from '../src/store/sqlite.js';

const { values } = parseArgs({
  options: {
    writes: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '16' },
    auto: { type: 'string', default: 'on' },
    dir: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'extract-batch': { type: 'string', default: '500' },
  },
});
const writes = Number(values.writes);
const connections = Number(values.connections);
const dataDir = values.dir ?? mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-memory-writes-'));
mkdirSync(dataDir, { recursive: true });
const here = path.dirname(fileURLToPath(import.meta.url));
const load = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

// ------------------------------------------------------------------------------------------------ bodies

let seed = 4242;
const next = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'po', 'si', 'de', 'ga', 'vu', 'ze'];
/** A lower-case word for a number (no digits: the extractor would read a digit as a Quantity entity). */
const wordFor = (value: number) => {
  let word = '';
  let n = value;
  do {
    word += syllables[n % syllables.length];
    n = Math.floor(n / syllables.length);
  } while (n > 0);
  return word;
};
const capital = (word: string) => word[0]!.toUpperCase() + word.slice(1);
const projects = Array.from({ length: 200 }, (_, index) => `Project ${capital(wordFor(index + 20))}`);
const organisations = Array.from({ length: 100 }, (_, index) => `${capital(wordFor(index + 300))} Corp`);
const people = [
  'Alice Johnson',
  'Bob Smith',
  'Carol White',
  'David Brown',
  'Emma Davis',
  'Frank Miller',
  'Grace Wilson',
  'Henry Moore',
  'Irene Taylor',
  'James Clark',
];
const words =
  'the team agreed to move storage behind a queue because latency spikes under load were hurting checkout and the retry budget ran out during the nightly import'.split(
    ' ',
  );
const filler = (characters: number) => {
  const out: string[] = [];
  let length = 0;
  while (length < characters) {
    const word = pick(words);
    out.push(word);
    length += word.length + 1;
  }
  return out.join(' ');
};

function body(index: number): string {
  const project = pick(projects);
  const organisation = pick(organisations);
  const person = pick(people);
  const text = `${person} said ${project} ${filler(60 + Math.floor(next() * 120))}. ${organisation} was told on the call, ref ${wordFor(index)}.`;
  switch (index % 3) {
    case 0:
      return JSON.stringify({ kind: 'note', text, tags: [`t${index % 20}`] });
    case 1:
      return JSON.stringify({ kind: 'decision', title: `Queue writes for ${project}, ${wordFor(index)}`, chosen: 'a durable queue', reasoning: text });
    default:
      return JSON.stringify({ kind: 'mistake', errorType: `TimeoutError${'ABCDEFG'[index % 7]}`, message: `TimeoutError: ${text}`, solution: filler(50) });
  }
}

// ------------------------------------------------------------------------------------------------ server

const store = openSqliteStore({ file: path.join(dataDir, 'trellis.db') });
await store.migrate();
const { created } = await createPlatformService(store, loadConfig({ env: { TRELLIS_DATA_DIR: dataDir } })).bootstrap();
if (!created) throw new Error(`${dataDir} already holds a tenant; give an empty --dir`);
const { tenantId, apiKey } = created;
await store.close();

const logFile = path.join(dataDir, 'server.log');
const log = openSync(logFile, 'w');
const nodeFlags = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
const child: ChildProcess = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', path.join(here, 'http-server.ts'), 'trellis'], {
  env: {
    ...process.env,
    TRELLIS_DATA_DIR: dataDir,
    TRELLIS_PORT: '0',
    TRELLIS_HOST: '127.0.0.1',
    TRELLIS_LOG_LEVEL: 'warn',
    TRELLIS_RATE_LIMIT: 'off',
    TRELLIS_MEMORY_AUTO_EXTRACT: values.auto,
    TRELLIS_MEMORY_AUTO_EMBED: values.auto,
  },
  stdio: ['ignore', log, log, 'ipc'],
});
closeSync(log);
process.on('exit', () => child.kill('SIGKILL'));
const url = await new Promise<string>((resolve, reject) => {
  child.once('message', (message: { url: string }) => resolve(message.url));
  child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${readFileSync(logFile, 'utf8').slice(-3000)}`)));
});
console.log(`server at ${url} (data in ${dataDir}); ${writes} writes, ${connections} in flight, auto extract/embed ${values.auto}`);

// ------------------------------------------------------------------------------------------------ writes

interface CannonResult {
  latency: { p50: number; p99: number };
  statusCodeStats: Record<string, { count: number }>;
  non2xx: number;
  errors: number;
}

const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
const perConnection = Math.ceil(writes / connections);
let connection = 0;
const started = performance.now();
const result = await new Promise<CannonResult>((resolve, reject) => {
  autocannon(
    {
      url,
      connections,
      amount: writes,
      timeout: 60,
      // Each connection gets its own distinct bodies, encoded before the clock starts.
      setupClient(client: { setRequests(requests: { method: string; path: string; headers: Record<string, string>; body: string }[]): void }) {
        const first = connection++ * perConnection;
        client.setRequests(Array.from({ length: perConnection }, (_, index) => ({ method: 'POST', path: '/memories', headers, body: body(first + index) })));
      },
    },
    (error: Error | null, answer: CannonResult) => (error ? reject(error) : resolve(answer)),
  );
});
const writeSeconds = (performance.now() - started) / 1000;
const statuses = Object.entries(result.statusCodeStats)
  .map(([code, entry]) => `${code}×${entry.count}`)
  .join(' ');
console.log(
  `HTTP writes: ${writes} in ${writeSeconds.toFixed(1)} s = ${Math.round(writes / writeSeconds)}/s  latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms  statuses ${statuses}  errors ${result.errors}  load ${load()}`,
);

// ------------------------------------------------------------------------------------------------ extraction and embedding

const db = new Database(path.join(dataDir, 'trellis.db'), { readonly: true });
const count = (sql: string) => Number((db.prepare(sql).get(tenantId) as { n: number }).n);
const memories = count('SELECT COUNT(*) AS n FROM memories WHERE tenant_id = ?');
if (values.auto === 'on') {
  let extractedAt = 0;
  let embeddedAt = 0;
  for (;;) {
    const pending = count('SELECT COUNT(*) AS n FROM memories WHERE tenant_id = ? AND extract_pending = 1');
    const embedded = count("SELECT COUNT(*) AS n FROM embeddings WHERE tenant_id = ? AND owner_kind = 'memory'");
    if (pending === 0 && extractedAt === 0) extractedAt = performance.now();
    if (embedded >= memories && embeddedAt === 0) embeddedAt = performance.now();
    if (extractedAt && embeddedAt) break;
    if (performance.now() - started > 1_800_000) throw new Error(`not done after 30 min: ${pending} pending extraction, ${embedded}/${memories} embedded`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (at: number) => (at - started) / 1000;
  const done = Math.max(extractedAt, embeddedAt);
  console.log(
    `end to end: ${memories} memories written, extracted and embedded ${seconds(done).toFixed(1)} s after the first write = ${Math.round(memories / seconds(done))}/s (extraction done at ${seconds(extractedAt).toFixed(1)} s, embedding at ${seconds(embeddedAt).toFixed(1)} s)  load ${load()}`,
  );
  const jobs = db
    .prepare("SELECT type, status, result, started_at, finished_at FROM jobs WHERE tenant_id = ? AND type IN ('memory.extract', 'search.embed')")
    .all(tenantId) as { type: string; status: string; result: string | null; started_at: string | null; finished_at: string | null }[];
  const runMs = (job: (typeof jobs)[number]) => (job.started_at && job.finished_at ? Date.parse(job.finished_at) - Date.parse(job.started_at) : 0);
  const extract = jobs.filter((job) => job.type === 'memory.extract');
  const embed = jobs.filter((job) => job.type === 'search.embed');
  const summaries = extract.map(
    (job) => JSON.parse(job.result ?? '{}') as { memories?: number; milliseconds?: number; entityCitations?: number; relationCitations?: number },
  );
  const extracted = summaries.reduce((sum, item) => sum + (item.memories ?? 0), 0);
  const extractMs = summaries.reduce((sum, item) => sum + (item.milliseconds ?? 0), 0);
  const citations = summaries.reduce((sum, item) => sum + (item.entityCitations ?? 0) + (item.relationCitations ?? 0), 0);
  console.log(
    `extraction: ${extract.length} memory.extract jobs extracted ${extracted} memories (${citations} citations) in ${(extractMs / 1000).toFixed(1)} s of job time = ${Math.round(extracted / (extractMs / 1000))} memories/s`,
  );
  const embedMs = embed.reduce((sum, job) => sum + runMs(job), 0);
  console.log(
    `embedding: ${embed.length} search.embed jobs embedded ${memories} memories in ${(embedMs / 1000).toFixed(1)} s of job time = ${Math.round(memories / (embedMs / 1000))} memories/s`,
  );
  const entities = count('SELECT COUNT(*) AS n FROM entities WHERE tenant_id = ?');
  const evidence = count(
    "SELECT COUNT(*) AS n FROM evidence v JOIN sources s ON s.tenant_id = v.tenant_id AND s.id = v.source_id WHERE v.tenant_id = ? AND s.kind = 'memory'",
  );
  console.log(`graph: ${entities} entities, ${evidence} evidence rows citing memories`);
}
db.close();

const exited = new Promise((resolve) => child.once('exit', resolve));
child.send('stop');
await exited;

if (values.auto === 'off') {
  // The split, each part alone: the written memories extracted, then embedded, here, with the server stopped.
  const services = createServices(
    loadConfig({ env: { TRELLIS_DATA_DIR: dataDir }, overrides: { logLevel: 'silent' } }),
    openSqliteStore({ file: path.join(dataDir, 'trellis.db') }),
  );
  const pool = createExtractorPool(defaultSchema(), 1);
  const extraction = createMemoryExtraction({
    store: services.store,
    graph: services.graph,
    extractor: () => pool,
    batchSize: Number(values['extract-batch']),
  });
  let at = performance.now();
  const extracted = await extraction.extractPending(tenantId);
  let seconds = (performance.now() - at) / 1000;
  console.log(
    `extraction alone: ${extracted.memories} memories (${extracted.entityCitations + extracted.relationCitations} citations) in ${seconds.toFixed(1)} s = ${Math.round(extracted.memories / seconds)} memories/s  load ${load()}`,
  );
  at = performance.now();
  const embedded = await services.embeddings.embedPending(tenantId, { kinds: ['memory'] });
  seconds = (performance.now() - at) / 1000;
  console.log(
    `embedding alone: ${embedded.memories} memories in ${seconds.toFixed(1)} s = ${Math.round(embedded.memories / seconds)} memories/s  load ${load()}`,
  );
  await pool.close();
  await services.embeddings.close();
  await services.vectors.close();
  await services.search.close();
  await services.store.close();
}
if (values.dir === undefined) rmSync(dataDir, { recursive: true, force: true });
