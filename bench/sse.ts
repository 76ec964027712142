/**
 * SSE fan-out benchmark: many concurrent SSE clients on one tenant while events are written at a fixed rate.
 *   node --import tsx bench/sse.ts [--clients 1000] [--rate 1000] [--duration 20] [--warmup 2]
 *
 * Three processes. The server child (`bench/sse.ts server`) opens a fresh SQLite store in a temporary folder,
 * bootstraps a tenant, listens on 127.0.0.1 (buildApp + listen, as `trellis serve` does) and, when told, writes
 * `--rate` single-event transactions per second through the outbox (appendEvent, as every mutation does), each
 * stamped with its write time, and records each event's commit time from the store's commit hook. The clients child
 * (`bench/sse.ts clients`) opens `--clients` SSE connections to GET /events/stream: most read a bare socket and only
 * count frames (a byte scan for `\nid: `), every `--sample-every`th parses every frame and records its receive
 * time by sequence. Latency is receive time minus commit time (both processes read the same clock,
 * performance.timeOrigin + now()). The parent prints the percentiles over the measured window (after --warmup
 * seconds), events delivered, the actual write rate, both processes' CPU, the server's event-loop delay and RSS.
 * `--profile DIR` writes a CPU profile of each child (node --cpu-prof).
 *
 * Cores: the server child runs on CPU 1 (`taskset -c 1`) and the clients child on CPU 0, so they never share a
 * core (on a machine with fewer than 2 CPUs or no taskset, they are not pinned, and the output says so).
 * Rate limits are off in the server (TRELLIS_RATE_LIMIT=off): 1,000 connections from one key in a second would
 * otherwise be refused, and admission is not what this measures.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { onCpu, pinning } from './cores.js';

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
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  let timer: NodeJS.Timeout | null = null;
  let written = 0;
  let cpuAtStart = process.cpuUsage();
  // The moment each event's transaction committed (the notifier is told from the same hook), by sequence.
  const commits: number[] = [];
  store.onCommit((_tenant, seq) => {
    commits[seq] = now();
  });
  let started = 0;
  process.on('message', (message: { type: string; rate?: number }) => {
    if (message.type === 'write') {
      // Catch up by elapsed time, so timer drift under load does not lower the rate.
      const rate = message.rate as number;
      let issued = 0;
      started = now();
      cpuAtStart = process.cpuUsage();
      loopDelay.enable();
      timer = setInterval(() => {
        const due = Math.floor(((now() - started) / 1000) * rate) - issued;
        issued += due;
        for (let index = 0; index < due; index++) {
          void store.transaction({ tenantId }, (tx) => appendEvent(tx, { type: 'bench.tick', payload: { t: now() } })).then(() => written++);
        }
      }, 10);
    } else if (message.type === 'stop-writing') {
      if (timer) clearInterval(timer);
      loopDelay.disable();
      const seconds = (now() - started) / 1000;
      const cpu = process.cpuUsage(cpuAtStart);
      process.send?.({
        written,
        rate: written / seconds,
        cpu: (cpu.user + cpu.system) / 1000 / (seconds * 1000),
        loopP99: loopDelay.percentile(99) / 1e6,
        loopMax: loopDelay.max / 1e6,
      });
    } else if (message.type === 'commits') {
      process.send?.({ commits: Array.from(commits, (time) => time ?? null) });
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

/** `\nid: `: every SSE event frame starts a line with it (comments and the retry line do not). */
const frameStart = Buffer.from('\nid: ');

/** Frames starting in `chunk`, including one whose `\nid: ` began in `previous`: byte scans, no decoding. */
function countFrames(previous: Buffer | null, chunk: Buffer): number {
  let count = 0;
  for (let at = chunk.indexOf(frameStart); at >= 0; at = chunk.indexOf(frameStart, at + frameStart.length)) count++;
  if (previous) {
    // The marker split across the two chunks: `split` bytes at the end of `previous`, the rest at the start of `chunk`.
    for (let split = 1; split < frameStart.length; split++) {
      if (previous.length < split || chunk.length < frameStart.length - split) continue;
      let whole = true;
      for (let index = 0; index < frameStart.length && whole; index++) {
        const byte = index < split ? previous[previous.length - split + index] : chunk[index - split];
        whole = byte === frameStart[index];
      }
      if (whole) count++;
    }
  }
  return count;
}

async function clientsRole(): Promise<void> {
  let counting = false;
  let received = 0;
  let errors = 0;
  let open = 0;
  let sampleEvery = 20;
  let countingSince = 0;
  let cpuAtCount = process.cpuUsage();
  /** Per sampled client: the sequence and receive time of every event it parsed while counting. */
  const samples: { seqs: number[]; times: number[]; outOfOrder: number; last: number }[] = [];
  /**
   * A counting client speaks HTTP over a bare socket and scans the raw bytes: no HTTP parser, no stream per chunk.
   * Each server write is one HTTP chunk of whole frames, and a chunk-size line ends in `\r\n`, so `\nid: ` still
   * marks each frame once.
   */
  const connectCounting = (url: string, key: string) =>
    new Promise<void>((resolve) => {
      const { hostname, port } = new URL(url);
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(`GET /events/stream?types=bench.* HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${key}\r\n\r\n`);
      });
      let previous: Buffer | null = null;
      socket.on('data', (chunk: Buffer) => {
        if (previous === null) {
          if (!chunk.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 200')) {
            errors++;
            socket.destroy();
            return resolve();
          }
          open++;
          resolve();
          socket.once('close', () => open--);
        } else if (counting) received += countFrames(previous, chunk);
        previous = chunk;
      });
      socket.on('error', () => {
        errors++;
        resolve();
      });
    });
  const connect = (url: string, key: string, sampled: boolean) =>
    new Promise<void>((resolve) => {
      if (!sampled) return void connectCounting(url, key).then(resolve);
      const request = http.get(`${url}/events/stream?types=bench.*`, { headers: { authorization: `Bearer ${key}` }, agent: false }, (response) => {
        if (response.statusCode !== 200) {
          errors++;
          return resolve();
        }
        open++;
        resolve();
        response.on('close', () => open--);
        // A sampled client parses every frame fully (JSON included) and keeps its receive time by sequence.
        const sample = { seqs: [] as number[], times: [] as number[], outOfOrder: 0, last: 0 };
        samples.push(sample);
        response.setEncoding('utf8');
        let rest = '';
        response.on('data', (chunk: string) => {
          const at = now();
          const text = rest + chunk;
          let from = 0;
          for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n', from)) {
            const block = text.slice(from, end);
            from = end + 2;
            const data = block.indexOf('\ndata: ');
            if (!block.startsWith('id: ') || data < 0) continue;
            const event = JSON.parse(block.slice(data + 7)) as { seq: number; type: string };
            if (String(event.seq) !== block.slice(4, block.indexOf('\n'))) throw new Error(`id and seq differ: ${block.slice(0, 80)}`);
            if (sample.last !== 0 && event.seq !== sample.last + 1) sample.outOfOrder++;
            sample.last = event.seq;
            if (!counting) continue;
            received++;
            sample.seqs.push(event.seq);
            sample.times.push(at);
          }
          rest = text.slice(from);
        });
      });
      request.on('error', () => {
        errors++;
        resolve();
      });
    });
  process.on('message', async (message: { type: string; url?: string; key?: string; clients?: number; sampleEvery?: number; commits?: number[] }) => {
    if (message.type === 'connect') {
      sampleEvery = message.sampleEvery as number;
      for (let index = 0; index < (message.clients as number); index += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, (message.clients as number) - index) }, (_, offset) =>
            connect(message.url as string, message.key as string, (index + offset) % sampleEvery === 0),
          ),
        );
      }
      process.send?.({ open, errors, sampled: samples.length });
    } else if (message.type === 'count') {
      counting = true;
      countingSince = now();
      cpuAtCount = process.cpuUsage();
      process.send?.({ ok: true });
    } else if (message.type === 'stop') {
      counting = false;
      const cpu = process.cpuUsage(cpuAtCount);
      process.send?.({ cpu: (cpu.user + cpu.system) / 1000 / (now() - countingSince) });
    } else if (message.type === 'stats') {
      // Latency: receive time minus the commit time the server recorded for that sequence (same clock).
      const commits = message.commits as number[];
      const latencies: number[] = [];
      let missing = 0;
      for (const sample of samples) {
        for (let index = 0; index < sample.seqs.length; index++) {
          const committed = commits[sample.seqs[index] as number];
          if (committed === undefined || committed === null) missing++;
          else latencies.push((sample.times[index] as number) - committed);
        }
      }
      latencies.sort((a, b) => a - b);
      const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * p) - 1)] ?? Number.NaN;
      const outOfOrder = samples.reduce((sum, sample) => sum + sample.outOfOrder, 0);
      process.send?.({
        received,
        open,
        errors,
        measured: latencies.length,
        missing,
        outOfOrder,
        p50: percentile(0.5),
        p95: percentile(0.95),
        p99: percentile(0.99),
        max: percentile(1),
      });
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
      'sample-every': { type: 'string', default: '20' },
      profile: { type: 'string' },
    },
  });
  const clients = Number(values.clients);
  const rate = Number(values.rate);
  const duration = Number(values.duration);
  const warmup = Number(values.warmup);
  const sampleEvery = Number(values['sample-every']);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-sse-'));
  const self = fileURLToPath(import.meta.url);
  const start = (which: 'server' | 'clients', cpu: number, env: NodeJS.ProcessEnv = {}) => {
    const profiling = values.profile !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
    const args = [...profiling, '--import', 'tsx', self, which];
    const [command, list] = onCpu(cpu, args);
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
    const connected = await ask<{ open: number; errors: number; sampled: number }>(clientsChild, { type: 'connect', url, key, clients, sampleEvery });
    const withClients = await ask<{ rss: number; streams: number }>(server, { type: 'memory' });
    console.log(`connected: ${connected.open} open, ${connected.errors} failed; server streams ${withClients.streams}`);
    console.log(
      `clients: all count frames by a byte scan for "\\nid: " on a bare socket (no HTTP parser); every ${sampleEvery}th (${connected.sampled}) parses every frame (JSON) and gives the latency: receive time minus the event's commit time (server's commit hook), same clock`,
    );
    server.send({ type: 'write', rate });
    await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
    await ask(clientsChild, { type: 'count' });
    await new Promise((resolve) => setTimeout(resolve, (duration - warmup) * 1000));
    const writes = await ask<{ written: number; rate: number; cpu: number; loopP99: number; loopMax: number }>(server, { type: 'stop-writing' });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const clientsCpu = await ask<{ cpu: number }>(clientsChild, { type: 'stop' });
    const { commits } = await ask<{ commits: (number | null)[] }>(server, { type: 'commits' });
    const stats = await ask<{
      received: number;
      open: number;
      errors: number;
      measured: number;
      missing: number;
      outOfOrder: number;
      p50: number;
      p95: number;
      p99: number;
      max: number;
    }>(clientsChild, { type: 'stats', commits });
    const memory = await ask<{ rss: number; peak: number }>(server, { type: 'memory' });
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
    console.log(`written: ${writes.written} events, ${writes.rate.toFixed(0)} events/s`);
    console.log(
      `delivered (measured window): ${stats.received} events to ${stats.open} open clients (${(stats.received / (duration - warmup)).toFixed(0)} deliveries/s, expected ${(writes.rate * stats.open).toFixed(0)})`,
    );
    console.log(`sampled clients: ${stats.measured} deliveries measured, ${stats.outOfOrder} out of order or missing, ${stats.missing} without a commit time`);
    console.log(
      `commit-to-receive latency: p50 ${stats.p50.toFixed(1)} ms, p95 ${stats.p95.toFixed(1)} ms, p99 ${stats.p99.toFixed(1)} ms, max ${stats.max.toFixed(1)} ms (target p99 ≤ 100 ms)`,
    );
    console.log(
      `CPU: server ${(writes.cpu * 100).toFixed(0)}% of a core while writing (event-loop delay p99 ${writes.loopP99.toFixed(1)} ms, max ${writes.loopMax.toFixed(1)} ms), clients ${(clientsCpu.cpu * 100).toFixed(0)}% while counting; load average ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} CPUs`,
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
