/**
 * Overhead of authentication + rate limits + request metrics on a trivial route, and the limiter alone.
 *   node --import tsx bench/overhead.ts [--duration 10] [--connections 100] [--rounds 3] [--warmup 3]
 *     [--redis redis://127.0.0.1:6379] [--limiter-ops 2000000] [--redis-seconds 5]
 *
 * 1. Bootstraps a SQLite store in a temporary folder (for the admin key), then starts two server children
 *    (bench/overhead-server.ts), both the real Trellis app with GET /bench/ping → {"ok":true}:
 *    "full" declares `access: 'read'` (API-key auth, the rate-limit hook with the key and tenant policies, request
 *    metrics); "bare" declares `access: 'public', rateLimit: false, metrics: false`. Everything else (request IDs,
 *    security headers, logging at TRELLIS_LOG_LEVEL=warn) is the same. The limits are set high
 *    (TRELLIS_RATE_LIMIT_KEY_RATE / _TENANT_RATE 10,000,000) so the limiter runs on every request but never refuses.
 * 2. autocannon drives both in alternating rounds (bare, full, full, bare, …) with "Authorization: Bearer <key>";
 *    servers pinned to CPU 1 and this process to CPU 0 (as bench/http.ts). Prints each run, the medians, the
 *    ratio full/bare and the extra server time per request derived from the medians (1/rps difference on one core).
 * 3. The limiter alone: in memory (synchronous checks of the key and tenant policies over 1,000 keys) and in Redis
 *    (the GCRA script: one client awaiting each check, then 64 in flight), in checks per second.
 * A run with errors or non-2xx answers is INVALID (exit status 1).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { loadConfig } from '../src/core/config.js';
import { connectRedis, createMemoryLimiter, createRedisLimiter, pingRedis, ratePolicy } from '../src/platform/limits/index.js';
import { createPlatformService } from '../src/platform/index.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { onCpu, pin, pinning } from './cores.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    'limiter-ops': { type: 'string', default: '2000000' },
    'redis-seconds': { type: 'string', default: '5' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const warmup = Number(values.warmup);
const limiterOps = Number(values['limiter-ops']);
const redisSeconds = Number(values['redis-seconds']);
const here = path.dirname(fileURLToPath(import.meta.url));
const int = (value: number) => Math.round(value).toLocaleString('en');

// ------------------------------------------------------------------------------------------------ store and key

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-overhead-'));
const store = openSqliteStore({ file: path.join(dataDir, 'trellis.db') });
await store.migrate();
const { created } = await createPlatformService(store, loadConfig({ env: { TRELLIS_DATA_DIR: dataDir } })).bootstrap();
await store.close();
if (!created) throw new Error('bootstrap created no key');
const apiKey = created.apiKey;

// ------------------------------------------------------------------------------------------------ servers

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

interface Child {
  process: ChildProcess;
  pid: number;
  url: string;
}

async function startChild(role: 'full' | 'bare'): Promise<Child> {
  const node = ['--import', 'tsx', path.join(here, 'overhead-server.ts'), role];
  const [command, args] = onCpu(1, node);
  const env = {
    ...process.env,
    TRELLIS_DATA_DIR: dataDir,
    TRELLIS_LOG_LEVEL: 'warn',
    TRELLIS_RATE_LIMIT: 'on',
    TRELLIS_RATE_LIMIT_KEY_RATE: '10000000',
    TRELLIS_RATE_LIMIT_KEY_BURST: '10000000',
    TRELLIS_RATE_LIMIT_TENANT_RATE: '10000000',
    TRELLIS_RATE_LIMIT_TENANT_BURST: '10000000',
    TRELLIS_REDIS_URL: '',
  };
  const child = spawn(command as string, args as string[], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  running.add(child);
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`${role} server exited with ${code}`)));
  });
  return { process: child, pid: child.pid as number, url };
}

async function stopChild(child: Child): Promise<void> {
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.send('stop');
  await exited;
  running.delete(child.process);
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
function cpuSeconds(pid: number): number {
  const text = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' });
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  cpuMicros: number;
  valid: boolean;
}

async function load(child: Child, seconds: number): Promise<Run> {
  const cpuBefore = cpuSeconds(child.pid);
  const result = await autocannon({
    url: `${child.url}/bench/ping`,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const responses = result.requests.total as number;
  const cpu = cpuSeconds(child.pid) - cpuBefore;
  return {
    rps: result.requests.average as number,
    p50: result.latency.p50 as number,
    p99: result.latency.p99 as number,
    cpuMicros: (cpu * 1e6) / Math.max(1, responses),
    valid: result.errors === 0 && result.timeouts === 0 && result.non2xx === 0 && responses > 0,
  };
}

const median = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const describeRun = (label: string, run: Run) =>
  `${label.padEnd(5)} ${int(run.rps).padStart(7)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms  server CPU ${run.cpuMicros.toFixed(1)} µs/response  ${run.valid ? 'valid' : 'INVALID'}`;

console.log(`node ${process.version}, ${os.availableParallelism()} CPUs (${os.cpus()[0]?.model ?? 'unknown'})`);
pin(process.pid, 0);
console.log(pinning ? 'cores: autocannon (this process) on CPU 0, each server on CPU 1' : 'cores: NOT pinned (needs taskset and ≥ 2 CPUs)');
const full = await startChild('full');
const bare = await startChild('bare');
const check = await fetch(`${full.url}/bench/ping`);
await check.arrayBuffer();
if (check.status !== 401) throw new Error(`full server without credentials answered ${check.status}, not 401`);
const sample = await fetch(`${full.url}/bench/ping`, { headers: { authorization: `Bearer ${apiKey}` } });
await sample.arrayBuffer();
console.log(`full answers 401 without a key; with it: ${sample.status}, RateLimit: ${sample.headers.get('ratelimit')}`);
console.log(
  `load: ${connections} connections, ${duration} s per run, ${rounds} round(s) ABBA after a ${warmup} s warm-up each; GET /bench/ping with the bootstrap key`,
);
if (warmup > 0) {
  await load(bare, warmup);
  await load(full, warmup);
}
const runs: { full: Run[]; bare: Run[] } = { full: [], bare: [] };
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? (['bare', 'full'] as const) : (['full', 'bare'] as const);
  for (const role of order) {
    const run = await load(role === 'full' ? full : bare, duration);
    runs[role].push(run);
    console.log(`round ${round} ${describeRun(role, run)}`);
  }
}
await stopChild(full);
await stopChild(bare);
rmSync(dataDir, { recursive: true, force: true });

const fullRps = median(runs.full.map((run) => run.rps));
const bareRps = median(runs.bare.map((run) => run.rps));
console.log('');
console.log(`medians over ${rounds} round(s):`);
console.log(
  `bare  ${int(bareRps).padStart(7)} req/s  server CPU ${median(runs.bare.map((run) => run.cpuMicros)).toFixed(1)} µs/response  (rounds ${runs.bare.map((run) => int(run.rps)).join(', ')})`,
);
console.log(
  `full  ${int(fullRps).padStart(7)} req/s  server CPU ${median(runs.full.map((run) => run.cpuMicros)).toFixed(1)} µs/response  (rounds ${runs.full.map((run) => int(run.rps)).join(', ')})`,
);
console.log(
  `ratio full/bare ${(fullRps / bareRps).toFixed(3)}; auth + rate limit + metrics cost ${(1e6 / fullRps - 1e6 / bareRps).toFixed(1)} µs of server time per request (from the medians, one core)`,
);

// ------------------------------------------------------------------------------------------------ limiter alone

const policies = [ratePolicy('key', 1e7, 1e7), ratePolicy('tenant', 1e7, 1e7)];
const keyIds = Array.from({ length: 1000 }, (_, index) => `key-${index}`);
const memory = createMemoryLimiter();
for (let index = 0; index < 100_000; index++) memory.check(policies, [keyIds[index % 1000] as string, 'tenant']);
let started = performance.now();
for (let index = 0; index < limiterOps; index++) memory.check(policies, [keyIds[index % 1000] as string, 'tenant']);
let seconds = (performance.now() - started) / 1000;
console.log('');
console.log(
  `limiter in memory: ${int(limiterOps / seconds)} checks/s (${((seconds * 1e9) / limiterOps).toFixed(0)} ns per check of 2 policies, ${int(limiterOps)} checks over 1,000 keys)`,
);

const client = connectRedis({ url: values.redis as string, timeoutMs: 2000 });
let redisOk = true;
try {
  await pingRedis(client);
} catch (error) {
  redisOk = false;
  console.log(`limiter in Redis: SKIPPED, ${values.redis} does not answer (${(error as Error).message})`);
}
if (redisOk) {
  const limiter = createRedisLimiter(client, `trellis-bench-${process.pid}:`);
  let done = 0;
  started = performance.now();
  while (performance.now() - started < redisSeconds * 1000) {
    await limiter.check(policies, [keyIds[done % 1000] as string, 'tenant']);
    done++;
  }
  seconds = (performance.now() - started) / 1000;
  console.log(`limiter in Redis, 1 in flight: ${int(done / seconds)} checks/s (${((seconds * 1e6) / done).toFixed(0)} µs per round trip)`);
  done = 0;
  started = performance.now();
  const worker = async () => {
    while (performance.now() - started < redisSeconds * 1000) {
      await limiter.check(policies, [keyIds[done % 1000] as string, 'tenant']);
      done++;
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  seconds = (performance.now() - started) / 1000;
  console.log(`limiter in Redis, 64 in flight: ${int(done / seconds)} checks/s`);
  const keys = await client.keys(`trellis-bench-${process.pid}:*`);
  for (let index = 0; index < keys.length; index += 500) await client.del(...keys.slice(index, index + 500));
}
client.disconnect();
const valid = [...runs.full, ...runs.bare].every((run) => run.valid);
if (!valid) console.log('INVALID: a run had errors or non-2xx answers');
process.exitCode = valid ? 0 : 1;
