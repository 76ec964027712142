/**
 * HTTP benchmark: authenticated GET /entities/:id on the real Trellis server over a large graph, against a bare
 * Fastify 5 server answering a same-sized constant body, in one run (same machine, connections and duration).
 *   node --import tsx bench/http.ts [--entities 1000000] [--relations 5000000] [--duration 10] [--connections 100]
 *     [--driver sqlite|postgres] [--rounds 3] [--warmup 3] [--batch 10000] [--log-level <pino level>]
 *     [--data-dir DIR] [--cpu-prof DIR]
 *
 * 1. Builds the graph through the graph service (createGraphService over openSqliteStore on <data folder>/trellis.db,
 *    or over an embedded PostgreSQL), after platform.bootstrap() on the same store for the admin key, then closes it.
 * 2. Starts the real server (startServer with TRELLIS_DATA_DIR=<data folder>, TRELLIS_PORT=0) in a child process,
 *    fetches one entity from it (that answer becomes the bare server's constant body, so sizes match), then starts
 *    the bare server (bench/http-server.ts: Fastify, no plugins, one route) in another child process.
 * 3. Warms each up, then measures them with autocannon in alternating rounds (bare, trellis, trellis, bare, …) so
 *    that background load on the machine hits both alike; prints each run and the medians over rounds:
 *    requests/s, latency p50/p97.5/p99, server CPU per response, the ratio Trellis/bare (target ≥ 0.50), and the
 *    Trellis server's RSS at idle after start and its peak (VmHWM) after the runs.
 *
 * Cores: this machine may have only 2. Every server child runs on CPU 1 (`taskset -c 1`) and this process (the
 * autocannon load generator) on CPU 0, so load generator and server never share a core; with PostgreSQL, the
 * database's processes join the Trellis server on CPU 1 (the server side gets one core in all, like the bare
 * server). Per-CPU busy time (/proc/stat) is printed for each run: a generator core near 100 % means that figure
 * is a lower bound; the busy time in the idle second before each run shows other processes on the machine.
 *
 * Requests: a pool of up to 100,000 random existing entity IDs (deterministic); each connection cycles through its
 * own random sequence of 250 paths from the pool, encoded once by autocannon (no per-request work in the
 * generator), with "Authorization: Bearer <bootstrap admin key>". A run with any error, timeout or non-2xx
 * answer is INVALID and the exit status is 1.
 *
 * --log-level sets TRELLIS_LOG_LEVEL for the server (default: the server's own, "info"); its logs go to a file in
 * the data folder. --data-dir keeps the built store there and reuses it on a later run with the same counts
 * (SQLite only). --cpu-prof DIR runs the Trellis child under `node --cpu-prof` (one profile per thread; the main
 * thread's is the largest).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { loadConfig } from '../src/core/config.js';
import { createGraphService } from '../src/graph/index.js';
import { createPlatformService } from '../src/platform/index.js';
import type { Store } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { buildGraph, createBenchDatabase, random } from './corpus.js';
import { onCpu, pin, pinning } from './cores.js';

const { values } = parseArgs({
  options: {
    entities: { type: 'string', default: '1000000' },
    relations: { type: 'string', default: '5000000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    driver: { type: 'string', default: 'sqlite' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '10000' },
    'log-level': { type: 'string' },
    'data-dir': { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const entityCount = Number(values.entities);
const relationCount = Number(values.relations);
const duration = Number(values.duration);
const connections = Number(values.connections);
const warmup = Number(values.warmup);
const batchSize = Number(values.batch);
const rounds = Number(values.rounds);
const driver = values.driver as string;
for (const [name, value] of Object.entries({ entities: entityCount, relations: relationCount, duration, connections, batch: batchSize, rounds })) {
  if (!Number.isInteger(value) || value < (name === 'relations' ? 0 : 1)) throw new Error(`--${name} must be a positive integer`);
}
if (!Number.isFinite(warmup) || warmup < 0) throw new Error('--warmup must be a number of seconds ≥ 0');
if (driver !== 'sqlite' && driver !== 'postgres') throw new Error('--driver must be sqlite or postgres');
if (driver === 'postgres' && values['data-dir']) throw new Error('--data-dir is for SQLite only');

const here = path.dirname(fileURLToPath(import.meta.url));
const poolSize = Math.min(entityCount, 100_000);
// autocannon encodes each connection's paths synchronously before the clock starts; 250 each keeps that short.
const pathsPerConnection = 250;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const int = (value: number) => Math.round(value).toLocaleString('en');
const elapsed = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

// A deterministic generator (the same as bench/graph.ts), so runs are comparable.

// ---------------------------------------------------------------------------------------------- process helpers

interface ProcStatus {
  rss: number;
  hwm: number;
  anon: number;
  file: number;
  shmem: number;
}

function procStatus(pid: number): ProcStatus {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM'), anon: kib('RssAnon'), file: kib('RssFile'), shmem: kib('RssShmem') };
}

function describeRss(status: ProcStatus, peak = false): string {
  const value = peak ? status.hwm : status.rss;
  return `${mib(value)}${peak ? '' : ` (anon ${mib(status.anon)}, file-backed ${mib(status.file)}${driver === 'sqlite' ? ' incl. the SQLite mmap' : ''}, shmem ${mib(status.shmem)})`}`;
}

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Fields of /proc/<pid>/stat after the command name. */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / clockTicks : 0;
}

/** Busy and total jiffies of each CPU, from /proc/stat. */
function cpuTimes(): { busy: number; total: number }[] {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      const fields = line.split(/\s+/).slice(1, 9).map(Number);
      const total = fields.reduce((sum, value) => sum + value, 0);
      return { busy: total - (fields[3] as number) - (fields[4] as number), total };
    });
}

/** Every live descendant of a process. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const parent = Number(statFields(Number(name))?.[1]);
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)?.push(Number(name));
  }
  const found: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop() as number) ?? []) {
      found.push(child);
      stack.push(child);
    }
  }
  return found;
}

// ------------------------------------------------------------------------------------------------------- store

const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-http-'));
mkdirSync(dataDir, { recursive: true });
const metaFile = path.join(dataDir, 'bench-http.json');
let postgres: { url: string; stop(): Promise<void> } | undefined;
let databaseUrl: string | undefined;

interface Built {
  entities: number;
  relations: number;
  apiKey: string;
  tenantId: string;
  pool: string[];
}

async function openBenchStore(): Promise<Store> {
  if (driver === 'postgres') {
    postgres = await createBenchDatabase('trellis_bench_http');
    databaseUrl = postgres.url;
    return openPostgresStore({ url: databaseUrl, role: 'trellis_app', poolSize: 4 });
  }
  return openSqliteStore({ file: path.join(dataDir, 'trellis.db') });
}

async function build(): Promise<Built> {
  const store = await openBenchStore();
  await store.migrate();
  const platform = createPlatformService(store, loadConfig({ env: { TRELLIS_DATA_DIR: dataDir } }));
  const { created } = await platform.bootstrap();
  if (!created) throw new Error(`${dataDir} already holds a tenant; give an empty --data-dir`);
  const { tenantId, apiKey } = created;
  const graph = createGraphService(store);
  const progressEvery = Math.max(batchSize, Math.ceil(relationCount / 20 / batchSize) * batchSize);
  const entityEvery = Math.max(batchSize, Math.ceil(entityCount / 10 / batchSize) * batchSize);
  const { ids, entitySeconds, relationSeconds } = await buildGraph(
    graph,
    tenantId,
    { entities: entityCount, relations: relationCount, batch: batchSize },
    (phase, done, started) => {
      const total = phase === 'entities' ? entityCount : relationCount;
      if (done % (phase === 'entities' ? entityEvery : progressEvery) !== 0 && done !== total) return;
      const rate = done / ((performance.now() - started) / 1000);
      const left = phase === 'relations' ? `  (about ${((total - done) / rate).toFixed(0)} s left)` : '';
      console.log(`  ${phase.padEnd(9)} ${int(done).padStart(11)} / ${int(total)}  ${int(rate)}/s  ${elapsed(started)}${left}`);
    },
  );
  console.log(
    `built in ${(entitySeconds + relationSeconds).toFixed(1)} s: ${int(entityCount / entitySeconds)} entities/s, ${int(relationCount / Math.max(relationSeconds, 1e-9))} relations/s`,
  );

  const counts = await store.read({ tenantId }, async (tx) => ({
    entities: Number((await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM entities WHERE tenant_id = ?', [tenantId]))?.n),
    relations: Number((await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM relations WHERE tenant_id = ?', [tenantId]))?.n),
  }));
  const pool = Array.from({ length: poolSize }, () => ids[Math.floor(random() * entityCount)] as string);
  const started2 = performance.now();
  await store.close();
  console.log(`store closed in ${elapsed(started2)}`);
  return { ...counts, apiKey, tenantId, pool };
}

// ----------------------------------------------------------------------------------------------- server children

interface Child {
  process: ChildProcess;
  pid: number;
  url: string;
  logFile: string;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Server children still running; killed if this process exits early (an error, Ctrl-C). */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
process.on('SIGINT', () => process.exit(130));

async function startChild(role: 'bare' | 'trellis', env: NodeJS.ProcessEnv, nodeFlags: string[] = []): Promise<Child> {
  const logFile = path.join(dataDir, `${role}-server.log`);
  const log = openSync(logFile, 'w');
  const node = [...nodeFlags, '--import', 'tsx', path.join(here, 'http-server.ts'), role];
  const [command, args] = onCpu(1, node);
  const child = spawn(command as string, args as string[], { env: { ...process.env, ...env }, stdio: ['ignore', log, log, 'ipc'] });
  closeSync(log);
  running.add(child);
  child.once('exit', () => running.delete(child));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} server did not start in 300 s:\n${tail(logFile)}`)), 300_000);
    child.once('message', (message: { url: string }) => {
      clearTimeout(timer);
      resolve(message.url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} server exited with ${code}:\n${tail(logFile)}`));
    });
  });
  return { process: child, pid: child.pid as number, url, logFile };
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return;
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.send('stop');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

// ----------------------------------------------------------------------------------------------------- load

interface Histogram {
  average: number;
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
  total: number;
}

interface CannonResult {
  requests: Histogram;
  latency: Histogram;
  throughput: Histogram;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  statusCodeStats: Record<string, { count: number }>;
}

interface Measured {
  result: CannonResult;
  responses: number;
  valid: boolean;
  /** CPU share (1 = one core) of the server process over the run. */
  serverCpu: number;
  /** CPU share of PostgreSQL's processes over the run; 0 with SQLite. */
  databaseCpu: number;
  generatorCpu: number;
  /** Busy share of each CPU over the run, from /proc/stat (user, system, irq, softirq, steal). */
  cores: number[];
  /** Busy share of each CPU in the second before the run, with both servers idle. */
  background: number[];
  wall: number;
}

function load(url: string, apiKey: string, seconds: number): Promise<CannonResult> {
  const headers = { authorization: `Bearer ${apiKey}` };
  let connection = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: seconds,
        headers,
        // Each connection gets its own random sequence of existing IDs, encoded once.
        setupClient(client: { setRequests(requests: { method: string; path: string; headers: Record<string, string> }[]): void }) {
          let state = Math.imul(0x9e3779b9, ++connection) >>> 0;
          const next = () => {
            state = (state * 1664525 + 1013904223) >>> 0;
            return state / 2 ** 32;
          };
          client.setRequests(
            Array.from({ length: pathsPerConnection }, () => ({
              method: 'GET',
              path: `/entities/${built.pool[Math.floor(next() * built.pool.length)]}`,
              headers,
            })),
          );
        },
      },
      (error: Error | null, result: CannonResult) => (error ? reject(error) : resolve(result)),
    );
  });
}

function responsesOf(result: CannonResult): number {
  return Object.values(result.statusCodeStats).reduce((sum, entry) => sum + Number(entry.count), 0);
}

function problems(result: CannonResult): string {
  const codes = Object.entries(result.statusCodeStats)
    .map(([code, entry]) => `${code}×${entry.count}`)
    .join(' ');
  return `errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}, status codes ${codes || 'none'}`;
}

function busySince(before: { busy: number; total: number }[]): number[] {
  return cpuTimes().map((after, index) => {
    const earlier = before[index] as { busy: number; total: number };
    return (after.busy - earlier.busy) / Math.max(1, after.total - earlier.total);
  });
}

const percent = (share: number) => `${(share * 100).toFixed(0)} %`;

async function warm(label: string, child: Child): Promise<void> {
  if (warmup <= 0) return;
  const result = await load(child.url, built.apiKey, warmup);
  console.log(`${label.padEnd(7)} warm-up ${warmup} s: ${int(responsesOf(result))} responses (${problems(result)})`);
}

async function measure(label: string, child: Child, databasePidsNow: () => number[] = () => []): Promise<Measured> {
  // Both servers idle: whatever is busy now is another process on this machine.
  const quietBefore = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const background = busySince(quietBefore);
  const databaseBefore = new Map(databasePidsNow().map((pid) => [pid, cpuSeconds(pid)]));
  const serverBefore = cpuSeconds(child.pid);
  const generatorBefore = process.cpuUsage();
  const coresBefore = cpuTimes();
  const started = performance.now();
  const result = await load(child.url, built.apiKey, duration);
  const wall = (performance.now() - started) / 1000;
  const generator = process.cpuUsage(generatorBefore);
  const cores = busySince(coresBefore);
  const serverCpu = (cpuSeconds(child.pid) - serverBefore) / wall;
  const databasePids = new Set([...databaseBefore.keys(), ...databasePidsNow()]);
  const databaseCpu = [...databasePids].reduce((sum, pid) => sum + cpuSeconds(pid) - (databaseBefore.get(pid) ?? 0), 0) / wall;
  const responses = responsesOf(result);
  const valid = result.errors === 0 && result.timeouts === 0 && result.non2xx === 0 && responses > 0;
  const run: Measured = {
    result,
    responses,
    valid,
    serverCpu,
    databaseCpu,
    generatorCpu: (generator.user + generator.system) / 1e6 / wall,
    cores,
    background,
    wall,
  };
  console.log(row(label, run));
  console.log(
    `${''.padEnd(9)}${int(responses)} responses (${problems(result)}); CPU busy ${cores.map((busy, index) => `cpu${index} ${percent(busy)}`).join(', ')}` +
      ` (process accounting: server ${percent(serverCpu)}${databasePids.size > 0 ? `, PostgreSQL ${percent(databaseCpu)}` : ''}, generator ${percent(run.generatorCpu)}); idle machine 1 s before: ${background.map((busy, index) => `cpu${index} ${percent(busy)}`).join(', ')}`,
  );
  return run;
}

function row(label: string, run: Measured): string {
  const { result } = run;
  return [
    label.padEnd(8),
    `${int(result.requests.average).padStart(7)} req/s`,
    `p50 ${String(result.latency.p50).padStart(3)} ms`,
    `p97.5 ${String(result.latency.p97_5).padStart(3)} ms`,
    `p99 ${String(result.latency.p99).padStart(3)} ms`,
    `max ${String(result.latency.max).padStart(4)} ms`,
    `${int(result.throughput.total / Math.max(1, run.responses))} B/response`,
    `server CPU ${int((run.serverCpu * run.wall * 1e6) / Math.max(1, run.responses))} µs/response` +
      (run.databaseCpu > 0 ? ` + PostgreSQL ${int((run.databaseCpu * run.wall * 1e6) / Math.max(1, run.responses))} µs` : ''),
    run.valid ? 'valid' : 'INVALID',
  ].join('  ');
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

// ------------------------------------------------------------------------------------------------------- main

console.log(`node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), driver ${driver}`);
console.log(`data folder ${dataDir}`);

let built: Built;
const reusable =
  driver === 'sqlite' && existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, 'utf8')) as Built & { requested: [number, number] }) : undefined;
if (reusable && reusable.requested[0] === entityCount && reusable.requested[1] === relationCount) {
  built = reusable;
  console.log(`reusing the graph built earlier in ${dataDir}`);
} else {
  if (reusable) throw new Error(`${dataDir} holds a graph of other counts; give another --data-dir`);
  console.log(`building ${int(entityCount)} entities and ${int(relationCount)} relations (batches of ${int(batchSize)}), each with one evidence row`);
  built = await build();
  if (values['data-dir']) writeFileSync(metaFile, JSON.stringify({ ...built, requested: [entityCount, relationCount] }));
}
console.log(`graph: ${int(built.entities)} entities, ${int(built.relations)} relations (tenant ${built.tenantId})`);

// Measurement phase: this process (the load generator) on CPU 0, the server side on CPU 1.
pin(process.pid, 0);
let databasePids: number[] = [];
if (postgres) {
  databasePids = descendants(process.pid);
  for (const pid of databasePids) pin(pid, 1);
}
console.log(
  pinning
    ? `cores: load generator (this process, autocannon) pinned to CPU 0; each server child pinned to CPU 1${postgres ? `, with PostgreSQL's ${databasePids.length} processes` : ''}`
    : 'cores: NOT pinned (needs taskset and ≥ 2 CPUs): servers and load generator share the CPUs',
);
if (values['cpu-prof']) console.log(`NOTE: the Trellis server runs under --cpu-prof (${values['cpu-prof']}): its figures include profiler overhead`);

const trellisEnv: NodeJS.ProcessEnv = {
  TRELLIS_DATA_DIR: dataDir,
  TRELLIS_PORT: '0',
  TRELLIS_HOST: '127.0.0.1',
  TRELLIS_DATABASE_URL: databaseUrl ?? '',
  // One key drives every request: the limiter runs on each (its cost is measured) but with limits it never reaches.
  TRELLIS_RATE_LIMIT: 'on',
  TRELLIS_RATE_LIMIT_KEY_RATE: '10000000',
  TRELLIS_RATE_LIMIT_KEY_BURST: '10000000',
  TRELLIS_RATE_LIMIT_TENANT_RATE: '10000000',
  TRELLIS_RATE_LIMIT_TENANT_BURST: '10000000',
};
if (values['log-level']) trellisEnv.TRELLIS_LOG_LEVEL = values['log-level'];
const cpuProf = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['cpu-prof'])] : [];
let started = performance.now();
const trellis = await startChild('trellis', trellisEnv, cpuProf);
console.log(
  `trellis server pid ${trellis.pid} listening on ${trellis.url} after ${elapsed(started)} (log level ${values['log-level'] ?? process.env.TRELLIS_LOG_LEVEL ?? 'info (default)'}; logs in ${trellis.logFile})`,
);
await new Promise((resolve) => setTimeout(resolve, 1000));
const idle = procStatus(trellis.pid);

// One checked request: the body the bare server will answer, and proof that auth is on.
const sampleId = built.pool[0] as string;
const sample = await fetch(`${trellis.url}/entities/${sampleId}`, { headers: { authorization: `Bearer ${built.apiKey}` } });
const sampleBody = await sample.text();
if (sample.status !== 200) throw new Error(`GET /entities/${sampleId} answered ${sample.status}: ${sampleBody}`);
const anonymous = await fetch(`${trellis.url}/entities/${sampleId}`);
await anonymous.arrayBuffer();
if (anonymous.status !== 401) throw new Error(`GET /entities/:id without credentials answered ${anonymous.status}, not 401`);
const bodyFile = path.join(dataDir, 'bare-body.json');
writeFileSync(bodyFile, sampleBody);
console.log(
  `sample entity answer: ${sampleBody.length} bytes of JSON with ${(JSON.parse(sampleBody) as { evidence: unknown[] }).evidence.length} evidence row(s); without credentials: 401`,
);

started = performance.now();
const bare = await startChild('bare', { BENCH_HTTP_BODY: bodyFile });
console.log(`bare server pid ${bare.pid} listening on ${bare.url} after ${elapsed(started)}, answering that body as a constant`);
console.log(
  `load: ${connections} connections, ${duration} s per run, ${rounds} round(s) alternating bare and trellis (ABBA order), after one ${warmup} s warm-up each;` +
    ` GET /entities/:id with "Authorization: Bearer <bootstrap key>", each connection cycling its own ${pathsPerConnection} random IDs from ${int(built.pool.length)} existing ones`,
);
// With PostgreSQL, the database's processes are every descendant of this one but the two server children.
const databasePidsNow = () => (postgres ? descendants(process.pid).filter((pid) => pid !== bare.pid && pid !== trellis.pid) : []);
await warm('bare', bare);
await warm('trellis', trellis);
const runs: { bare: Measured[]; trellis: Measured[] } = { bare: [], trellis: [] };
for (let round = 1; round <= rounds; round++) {
  console.log(`round ${round}`);
  const order = round % 2 === 1 ? (['bare', 'trellis'] as const) : (['trellis', 'bare'] as const);
  for (const target of order) {
    runs[target].push(target === 'bare' ? await measure('bare', bare) : await measure('trellis', trellis, databasePidsNow));
  }
}
const trellisPeak = procStatus(trellis.pid);
const barePeak = procStatus(bare.pid);
await stopChild(trellis);
await stopChild(bare);

// ----------------------------------------------------------------------------------------------------- report

const all = [...runs.bare, ...runs.trellis];
const valid = all.every((run) => run.valid);
const summary = (label: string, list: Measured[]) => {
  const pick = (get: (run: Measured) => number) => median(list.map(get));
  return [
    label.padEnd(8),
    `${int(pick((run) => run.result.requests.average)).padStart(7)} req/s`,
    `p50 ${pick((run) => run.result.latency.p50)} ms`,
    `p97.5 ${pick((run) => run.result.latency.p97_5)} ms`,
    `p99 ${pick((run) => run.result.latency.p99)} ms`,
    `server CPU ${int(pick((run) => (run.serverCpu * run.wall * 1e6) / Math.max(1, run.responses)))} µs/response` +
      (postgres && list === runs.trellis ? ` + PostgreSQL ${int(pick((run) => (run.databaseCpu * run.wall * 1e6) / Math.max(1, run.responses)))} µs` : ''),
    `(rounds: ${list.map((run) => int(run.result.requests.average)).join(', ')} req/s)`,
  ].join('  ');
};
const ratio = median(runs.trellis.map((run) => run.result.requests.average)) / median(runs.bare.map((run) => run.result.requests.average));
const roundRatios = runs.trellis.map((run, index) => run.result.requests.average / (runs.bare[index] as Measured).result.requests.average);
console.log('');
console.log(
  `results: node ${process.version}, ${driver}, ${int(built.entities)} entities, ${int(built.relations)} relations, ${connections} connections, ${duration} s × ${rounds} round(s); medians over rounds`,
);
console.log(summary('bare', runs.bare));
console.log(summary('trellis', runs.trellis));
console.log(
  `ratio trellis/bare  ${ratio.toFixed(3)}  (target ≥ 0.50: ${ratio >= 0.5 ? 'met' : 'NOT met'}; per round ${roundRatios.map((value) => value.toFixed(3)).join(', ')})`,
);
console.log(`trellis RSS idle after start  ${describeRss(idle)}`);
console.log(`trellis RSS after the runs    ${describeRss(trellisPeak)}`);
console.log(`trellis peak RSS (VmHWM)      ${describeRss(trellisPeak, true)}`);
console.log(`bare peak RSS (VmHWM)         ${describeRss(barePeak, true)}`);
for (const [label, list] of Object.entries(runs)) {
  for (const run of list) {
    const generatorCore = pinning ? (run.cores[0] ?? 0) : run.generatorCpu;
    if (generatorCore > 0.9)
      console.log(
        `warning: the load generator's core was ${percent(generatorCore)} busy in a ${label} run: that figure may be generator-bound (a lower bound)`,
      );
    if (Math.max(...run.background) > 0.1)
      console.log(`warning: another process kept a CPU ${percent(Math.max(...run.background))} busy just before a ${label} run: figures are noisy`);
  }
}
if (!valid) console.log('INVALID: a run had errors, timeouts or non-2xx answers; these figures are not valid');

await postgres?.stop();
if (!values['data-dir']) rmSync(dataDir, { recursive: true, force: true });
process.exitCode = valid ? 0 : 1;
