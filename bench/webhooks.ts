/**
 * Webhook delivery benchmark: events committed at a steady rate, each delivered signed to one endpoint on a local
 * receiver that runs as a separate process and verifies every signature.
 *   node --import tsx bench/webhooks.ts [--events 20000] [--rate 1500] [--concurrency 64] [--driver sqlite]
 *
 * The events are appended through the outbox (`appendEvent`, 50 per transaction, paced to --rate per second;
 * --rate 0 commits them all at once and measures the drain of a backlog). The webhook dispatcher turns them into
 * deliveries and `webhooks.deliver` jobs, and the job worker makes the attempts (--concurrency slots in the webhook
 * lane), as `trellis serve` runs them. Printed: deliveries/s from the first
 * to the last receipt, the offered rate, and commit-to-receipt latency p50/p99 (receipt time at the receiver minus
 * the event's timestamp). A run with an invalid signature or a missing delivery exits 1.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/core/config.js';
import { createServices } from '../src/server/services.js';
import { appendEvent } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '1500' },
    concurrency: { type: 'string', default: '64' },
    driver: { type: 'string', default: 'sqlite' },
  },
});
const total = Number(values.events);
const rate = Number(values.rate);
const perTransaction = 50;

interface Report {
  received: number;
  invalid: number;
  duplicates: number;
  latencies: number[];
  firstAt: number;
  lastAt: number;
}

const receiver = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'webhook-receiver.ts'), [], { execArgv: ['--import', 'tsx'] });
const port = await new Promise<number>((resolve) => receiver.once('message', (message: { port: number }) => resolve(message.port)));
const report = () =>
  new Promise<Report>((resolve) => {
    receiver.once('message', (message: Report) => resolve(message));
    receiver.send({ report: true });
  });

const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-webhooks-'));
const databaseUrl = values.driver === 'postgres' ? process.env.TRELLIS_DATABASE_URL : undefined;
if (values.driver === 'postgres' && !databaseUrl) throw new Error('--driver postgres needs TRELLIS_DATABASE_URL');
const store = databaseUrl
  ? openPostgresStore({ url: databaseUrl, role: 'trellis_app', poolSize: 10 })
  : openSqliteStore({ file: path.join(dir, 'trellis.db') });
await store.migrate();
const config = loadConfig({
  env: {},
  overrides: {
    dataDir: dir,
    logLevel: 'silent',
    webhookAllowPrivateTargets: 'loopback',
    webhookConcurrency: Number(values.concurrency),
    webhookPollMs: 50,
  },
});
const services = createServices(config, store);
const boot = await services.platform.bootstrap();
const tenantId = boot.created?.tenantId as string;
const { secret } = await services.webhooks.create(tenantId, { url: `http://127.0.0.1:${port}/hook`, eventTypes: ['bench.*'] });
receiver.send({ secret });
services.jobs.worker.start();
services.webhooks.runner.start();

const started = Date.now();
for (let written = 0; written < total; written += perTransaction) {
  const count = Math.min(perTransaction, total - written);
  await store.transaction({ tenantId }, (tx) =>
    appendEvent(
      tx,
      Array.from({ length: count }, (_, i) => ({
        type: 'bench.tick',
        subject: null,
        payload: { n: written + i, note: 'a benchmark event of a typical size' },
      })),
    ),
  );
  if (rate > 0) {
    const due = started + ((written + count) / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
const committedIn = (Date.now() - started) / 1000;

let result = await report();
const deadline = Date.now() + 120_000;
while (result.received < total && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 250));
  result = await report();
}
await services.webhooks.runner.stop();
await services.jobs.worker.stop();
receiver.kill();
await store.close();
rmSync(dir, { recursive: true, force: true });

const sorted = [...result.latencies].sort((a, b) => a - b);
const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const seconds = (result.lastAt - result.firstAt) / 1000;
console.log(
  `driver ${store.dialect}, ${total} events, offered ${rate > 0 ? `${rate}/s` : 'all at once'} (committed in ${committedIn.toFixed(1)} s), concurrency ${values.concurrency}`,
);
console.log(`delivered ${result.received}/${total} signed deliveries (verified by the receiver; invalid ${result.invalid}, repeats ${result.duplicates})`);
console.log(`throughput ${(result.received / seconds).toFixed(0)} deliveries/s (first to last receipt, ${seconds.toFixed(1)} s)`);
console.log(`commit-to-receipt latency p50 ${percentile(50)} ms, p99 ${percentile(99)} ms, max ${sorted.at(-1)} ms`);
if (result.received < total || result.invalid > 0) process.exit(1);
