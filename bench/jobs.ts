/**
 * @module Job queue throughput: enqueue N trivial jobs and time enqueue-to-complete on SQLite and PostgreSQL.
 * Usage: node --import tsx bench/jobs.ts [--jobs 20000] [--concurrency 16] [--batch 500] [--tenant] [--one-by-one] [--dialect sqlite|postgres|both]
 * Each transaction enqueues --batch jobs with one `enqueueMany` (multi-row INSERT; `unnest` on PostgreSQL), or with
 * one `enqueue` per job under --one-by-one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/core/config.js';
import { newId } from '../src/core/ids.js';
import { createJobService } from '../src/platform/jobs/index.js';
import type { Store } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { createBenchDatabase } from './corpus.js';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const total = Number(flag('jobs', '20000'));
const concurrency = Number(flag('concurrency', '16'));
const batch = Number(flag('batch', '500'));
const withTenant = process.argv.includes('--tenant');
const oneByOne = process.argv.includes('--one-by-one');
const which = flag('dialect', 'both');
const config = loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'silent' } });

async function run(store: Store, label: string): Promise<void> {
  await store.migrate();
  let tenantId: string | null = null;
  if (withTenant) {
    tenantId = newId();
    await store.transaction('system', (tx) =>
      tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'bench', 'bench', new Date().toISOString()]),
    );
  }
  const jobs = createJobService(store, config, { concurrency, pollIntervalMs: 50, scheduler: false });
  let done = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((resolve) => (finish = resolve));
  jobs.register('bench.noop', async (job) => job.payload.n);
  jobs.onFinished((_type, outcome) => {
    if (outcome === 'succeeded' && ++done === total) finish();
  });
  await jobs.worker.start();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let offset = 0; offset < total; offset += batch) {
    await store.transaction(tenantId ? { tenantId } : 'system', async (tx) => {
      const inputs = [];
      for (let n = offset; n < Math.min(total, offset + batch); n++) inputs.push({ type: 'bench.noop', payload: { n } });
      if (oneByOne) for (const input of inputs) await jobs.enqueue(tx, input);
      else await jobs.enqueueMany(tx, inputs);
    });
  }
  const enqueued = performance.now() - started;
  await all;
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  await jobs.worker.stop();
  const seconds = elapsed / 1000;
  console.log(
    `${label.padEnd(10)} jobs ${total}  concurrency ${concurrency}  enqueue batch ${batch} (${oneByOne ? 'one statement per job' : 'enqueueMany'})  ${withTenant ? 'tenant jobs (events)' : 'platform jobs'}\n` +
      `           enqueue ${(enqueued / 1000).toFixed(2)} s (${Math.round(total / (enqueued / 1000))} jobs/s)  ` +
      `enqueue-to-complete ${seconds.toFixed(2)} s  ${Math.round(total / seconds)} jobs/s  ` +
      `CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (${(((cpu.user + cpu.system) / 1000 / total) * 1000).toFixed(0)} µs/job)`,
  );
}

if (which === 'both' || which === 'sqlite') {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-jobs-'));
  const store = openSqliteStore({ file: path.join(dir, 'trellis.db') });
  try {
    await run(store, 'sqlite');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
if (which === 'both' || which === 'postgres') {
  const database = await createBenchDatabase('trellis_bench_jobs');
  const store = openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 20 });
  try {
    await run(store, 'postgres');
  } finally {
    await store.close();
    await database.stop();
  }
}
