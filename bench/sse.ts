/**
 * SSE fan-out benchmark: many concurrent SSE clients on one tenant while events are written at a fixed rate.
 *   node --import tsx bench/sse.ts [--clients 1000] [--rate 1000] [--duration 20] [--warmup 2]
 *
 * Three processes. The server child (`bench/sse.ts server`) opens a fresh SQLite store in a temporary folder,
 * bootstraps a tenant, listens on 127.0.0.1 (buildApp + listen, as `trellis serve` does) and, when told, writes
 * `--rate` single-event transactions per second through the outbox (appendEvent, as every mutation does), each
 * stamped with its write time. The clients child (`bench/sse.ts clients`) opens `--clients` SSE connections to
 * GET /events/stream and measures, for every event received on every connection, write-to-receive latency
 * (receive time minus the stamp; both processes read the same clock, performance.timeOrigin + now()). The parent
 * prints the latency percentiles over the measured window (after --warmup seconds), events delivered, the actual
 * write rate, and the server's RSS (now and peak).
 *
 * Cores: the server child runs on CPU 1 (`taskset -c 1`) and the clients child on CPU 0, so they never share a
 * core (on a machine with fewer than 2 CPUs or no taskset, they are not pinned, and the output says so).
 * Rate limits are off in the server (TRELLIS_RATE_LIMIT=off): 1,000 connections from one key in a second would
 * otherwise be refused, and admission is not what this measures.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const role = process.argv[2] === 'server' || process.argv[2] === 'clients' ? process.argv[2] : 'parent';
const now = () => performance.timeOrigin + performance.now();

function ask<T>(child: ChildProcess, message: unknown): Promise<T> {
  return new Promise<T>((resolve) => {
    child.once('message', (answer) => resolve(answer as T));
    child.send(message as never);
  });
}

async function serverRole(): Promise<void> {
  const { loadConfig } = await import('../src/core/config.js');
  const { openStore } = await import('../src/store/index.js');
  const { appendEvent } = await import('../src/store/index.js');
  const { createServices } = await import('../src/server/services.js');
  const { buildApp } = await import('../src/server/app.js');
  const config = loadConfig();
  const store = openStore(config);
  await store.migrate();
  const services = createServices(config, store);
  const boot = await services.platform.bootstrap();
  if (!boot.created) throw new Error('expected an empty store');
  const tenantId = boot.created.tenantId;
  const app = await buildApp(services, { logger: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  let timer: NodeJS.Timeout | null = null;
  let written = 0;
  let started = 0;
  process.on('message', (message: { type: string; rate?: number }) => {
    if (message.type === 'write') {
      // Catch up by elapsed time, so timer drift under load does not lower the rate.
      const rate = message.rate as number;
      let issued = 0;
      started = now();
      timer = setInterval(() => {
        const due = Math.floor(((now() - started) / 1000) * rate) - issued;
        issued += due;
        for (let index = 0; index < due; index++) {
          void store.transaction({ tenantId }, (tx) => appendEvent(tx, { type: 'bench.tick', payload: { t: now() } })).then(() => written++);
        }
      }, 10);
    } else if (message.type === 'stop-writing') {
      if (timer) clearInterval(timer);
      const seconds = (now() - started) / 1000;
      process.send?.({ written, rate: written / seconds });
    } else if (message.type === 'memory') {
      const status = readFileSync('/proc/self/status', 'utf8');
      const peak = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      process.send?.({ rss: process.memoryUsage().rss, peak, streams: services.events.openStreams.size });
    } else if (message.type === 'exit') {
      void app.close().then(() => store.close().then(() => process.exit(0)));
    }
  });
  process.send?.({ url, key: boot.created.apiKey });
}

async function clientsRole(): Promise<void> {
  // Histogram in 0.1 ms buckets up to 10 s; later samples land in the last bucket.
  const buckets = new Uint32Array(100_001);
  let counting = false;
  let received = 0;
  let errors = 0;
  let open = 0;
  const marker = '"payload":{"t":';
  const connect = (url: string, key: string) =>
    new Promise<void>((resolve) => {
      const request = http.get(`${url}/events/stream?types=bench.*`, { headers: { authorization: `Bearer ${key}` }, agent: false }, (response) => {
        if (response.statusCode !== 200) {
          errors++;
          return resolve();
        }
        open++;
        resolve();
        response.setEncoding('utf8');
        let rest = '';
        response.on('data', (chunk: string) => {
          const at = now();
          const text = rest + chunk;
          let from = 0;
          for (;;) {
            const found = text.indexOf(marker, from);
            if (found < 0) break;
            const start = found + marker.length;
            const end = text.indexOf('}', start);
            if (end < 0) break;
            from = end;
            if (!counting) continue;
            received++;
            const latency = at - Number(text.slice(start, end));
            buckets[Math.min(100_000, Math.max(0, Math.round(latency * 10)))]!++;
          }
          rest = text.slice(from);
          if (rest.length > 4096) rest = rest.slice(-4096);
        });
        response.on('close', () => open--);
      });
      request.on('error', () => {
        errors++;
        resolve();
      });
    });
  process.on('message', async (message: { type: string; url?: string; key?: string; clients?: number }) => {
    if (message.type === 'connect') {
      for (let index = 0; index < (message.clients as number); index += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, (message.clients as number) - index) }, () => connect(message.url as string, message.key as string)),
        );
      }
      process.send?.({ open, errors });
    } else if (message.type === 'count') {
      counting = true;
      process.send?.({ ok: true });
    } else if (message.type === 'stats') {
      counting = false;
      const total = buckets.reduce((sum, count) => sum + count, 0);
      const percentile = (p: number) => {
        let seen = 0;
        for (let index = 0; index < buckets.length; index++) {
          seen += buckets[index] as number;
          if (seen >= total * p) return index / 10;
        }
        return Number.NaN;
      };
      process.send?.({ received, open, errors, p50: percentile(0.5), p95: percentile(0.95), p99: percentile(0.99), max: percentile(1) });
    } else if (message.type === 'exit') process.exit(0);
  });
  process.send?.({ ready: true });
}

async function parentRole(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      clients: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
    },
  });
  const clients = Number(values.clients);
  const rate = Number(values.rate);
  const duration = Number(values.duration);
  const warmup = Number(values.warmup);
  const pinning =
    os.cpus().length >= 2 &&
    (() => {
      try {
        execFileSync('taskset', ['-V'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-sse-'));
  const self = fileURLToPath(import.meta.url);
  const start = (which: 'server' | 'clients', cpu: number, env: NodeJS.ProcessEnv = {}) => {
    const args = ['--import', 'tsx', self, which];
    const [command, list] = pinning ? ['taskset', ['-c', String(cpu), process.execPath, ...args]] : [process.execPath, args];
    return spawn(command as string, list as string[], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  };
  console.log(
    `bench/sse.ts: ${clients} SSE clients, ${rate} events/s for ${duration} s (first ${warmup} s not counted), SQLite, Node ${process.version}, ${os.cpus().length} CPUs`,
  );
  console.log(pinning ? 'cores: server process on CPU 1, clients process on CPU 0 (taskset)' : 'cores: NOT pinned (needs taskset and ≥ 2 CPUs)');
  const server = start('server', 1, {
    TRELLIS_DATA_DIR: dataDir,
    TRELLIS_PORT: '0',
    TRELLIS_LOG_LEVEL: 'warn',
    TRELLIS_EVENT_RETENTION_DAYS: '0',
    TRELLIS_RATE_LIMIT: 'off',
  });
  const clientsChild = start('clients', 0);
  try {
    const { url, key } = await new Promise<{ url: string; key: string }>((resolve) =>
      server.once('message', (m) => resolve(m as { url: string; key: string })),
    );
    await new Promise((resolve) => clientsChild.once('message', resolve));
    const idle = await ask<{ rss: number }>(server, { type: 'memory' });
    const connected = await ask<{ open: number; errors: number }>(clientsChild, { type: 'connect', url, key, clients });
    const withClients = await ask<{ rss: number; streams: number }>(server, { type: 'memory' });
    console.log(`connected: ${connected.open} open, ${connected.errors} failed; server streams ${withClients.streams}`);
    server.send({ type: 'write', rate });
    await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
    await ask(clientsChild, { type: 'count' });
    await new Promise((resolve) => setTimeout(resolve, (duration - warmup) * 1000));
    const writes = await ask<{ written: number; rate: number }>(server, { type: 'stop-writing' });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const stats = await ask<{ received: number; open: number; errors: number; p50: number; p95: number; p99: number; max: number }>(clientsChild, {
      type: 'stats',
    });
    const memory = await ask<{ rss: number; peak: number }>(server, { type: 'memory' });
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
    console.log(`written: ${writes.written} events, ${writes.rate.toFixed(0)} events/s`);
    console.log(
      `delivered (measured window): ${stats.received} events to ${stats.open} open clients (${(stats.received / (duration - warmup)).toFixed(0)} deliveries/s)`,
    );
    console.log(
      `write-to-receive latency: p50 ${stats.p50.toFixed(1)} ms, p95 ${stats.p95.toFixed(1)} ms, p99 ${stats.p99.toFixed(1)} ms, max ${stats.max.toFixed(1)} ms (target p99 ≤ 100 ms)`,
    );
    console.log(`server RSS: idle ${mib(idle.rss)}, with clients ${mib(withClients.rss)}, after the run ${mib(memory.rss)}, peak ${mib(memory.peak)}`);
  } finally {
    clientsChild.send({ type: 'exit' });
    server.send({ type: 'exit' });
    await Promise.all([server, clientsChild].map((child) => new Promise((resolve) => child.once('exit', resolve))));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (role === 'server') await serverRole();
else if (role === 'clients') await clientsRole();
else await parentRole();
