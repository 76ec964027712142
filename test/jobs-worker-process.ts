/** @module A job worker in its own process, for the fault tests: `node --import tsx test/jobs-worker-process.ts <sqlite|postgres> <file|url>`. */
import { loadConfig } from '../src/core/config.js';
import { createJobService } from '../src/platform/jobs/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';

const [dialect, location] = process.argv.slice(2);
if (!location || (dialect !== 'sqlite' && dialect !== 'postgres')) throw new Error('usage: jobs-worker-process.ts <sqlite|postgres> <file|url>');
const store = dialect === 'sqlite' ? openSqliteStore({ file: location }) : openPostgresStore({ url: location, role: 'trellis_app', poolSize: 4 });
await store.migrate();
const config = loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'silent' } });
const jobs = createJobService(store, config, { pollIntervalMs: 20, leaseMs: 600, concurrency: 4 });

// The consumer's effect is keyed by job ID, so a job that runs again after a crash still has one effect.
jobs.register('fault.effect', async (job, context) => {
  await store.transaction('system', async (tx) => {
    await tx.run('INSERT INTO fault_effects (job_id) VALUES (?) ON CONFLICT DO NOTHING', [job.id]);
    await tx.run('INSERT INTO fault_runs (job_id, pid, attempt) VALUES (?, ?, ?)', [job.id, process.pid, context.attempt]);
  });
  if (job.payload.hangFirst && context.attempt === 1) await new Promise(() => {});
  if (typeof job.payload.sleepMs === 'number') await new Promise((resolve) => setTimeout(resolve, job.payload.sleepMs as number));
  return { pid: process.pid };
});
jobs.register('fault.tick', async () => ({ pid: process.pid }));

await jobs.worker.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void jobs.worker
    .stop()
    .then(() => store.close())
    .then(() => process.exit(0));
});
