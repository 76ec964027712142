/** @module Fault tests of the job queue with real worker processes on both drivers: SIGKILL mid-job, two workers on one database, two schedulers. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../src/core/config.js';
import { type JobService, createJobService } from '../src/platform/jobs/index.js';
import { type TestStore, createTestStore, dialects } from './support/stores.js';

const config = loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'silent' } });
const tables = [
  'CREATE TABLE fault_effects (job_id TEXT PRIMARY KEY)',
  'CREATE TABLE fault_runs (job_id TEXT NOT NULL, pid INTEGER NOT NULL, attempt INTEGER NOT NULL)',
];

/** Starts a worker process and waits until it says it is ready. */
async function startWorker(dialect: string, location: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/jobs-worker-process.ts', dialect, location], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
  return child;
}

async function stopWorker(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

for (const dialect of dialects) {
  describe(`job queue faults with worker processes (${dialect})`, () => {
    let test: TestStore;
    let jobs: JobService;
    const children: ChildProcess[] = [];

    before(async () => {
      test = await createTestStore(dialect);
      if (dialect === 'sqlite') {
        await test.store.transaction('system', async (tx) => {
          for (const sql of tables) await tx.run(sql);
        });
      } else {
        // As the owner, before the workers migrate: their migrate grants the application role every table.
        const owner = new pg.Client({ connectionString: test.location });
        await owner.connect();
        for (const sql of tables) await owner.query(sql);
        await owner.end();
      }
      jobs = createJobService(test.store, config, { worker: false });
      jobs.register('fault.effect', async () => null);
      jobs.register('fault.tick', async () => null);
    });
    after(async () => {
      for (const child of children) await stopWorker(child, 'SIGKILL');
      await test.dispose();
    });

    const count = (sql: string, params: string[] = []) => test.store.read('system', async (tx) => Number((await tx.get<{ n: number }>(sql, params))?.n ?? 0));

    it('completes a job exactly once from the consumer’s side when its worker is SIGKILLed mid-job and another takes over', async () => {
      const first = await startWorker(dialect, test.location);
      children.push(first);
      const { id } = await jobs.enqueueNow({ type: 'fault.effect', payload: { hangFirst: true }, maxAttempts: 3 });
      await until('the first attempt to start', async () =>
        (await count('SELECT COUNT(*) AS n FROM fault_runs WHERE job_id = ?', [id])) === 1 ? true : undefined,
      );
      await stopWorker(first, 'SIGKILL');
      assert.equal((await jobs.get(id)).status, 'running', 'the dead worker’s lease still holds the job');
      const second = await startWorker(dialect, test.location);
      children.push(second);
      const job = await until('the job to finish', async () => {
        const current = await jobs.get(id);
        return ['succeeded', 'dead'].includes(current.status) ? current : undefined;
      });
      assert.equal(job.status, 'succeeded');
      assert.equal(job.attempts, 2, 'the killed attempt counts');
      assert.deepEqual(job.result, { pid: second.pid });
      assert.equal(await count('SELECT COUNT(*) AS n FROM fault_effects WHERE job_id = ?', [id]), 1);
      assert.equal(await count('SELECT COUNT(*) AS n FROM fault_runs WHERE job_id = ?', [id]), 2);
      await stopWorker(second);
    });

    it('never runs one job in two workers at once: 200 jobs over two processes each run exactly once', async () => {
      const workers = [await startWorker(dialect, test.location), await startWorker(dialect, test.location)];
      children.push(...workers);
      const ids: string[] = [];
      await test.store.transaction('system', async (tx) => {
        for (let n = 0; n < 200; n++) ids.push((await jobs.enqueue(tx, { type: 'fault.effect', payload: { sleepMs: 2 } })).id);
      });
      await until('all jobs to succeed', async () =>
        (await count("SELECT COUNT(*) AS n FROM jobs WHERE type = 'fault.effect' AND status = 'succeeded'")) >= 201 ? true : undefined,
      );
      const runs = await test.store.read('system', (tx) =>
        tx.all<{ job_id: string; n: number }>('SELECT job_id, COUNT(*) AS n FROM fault_runs GROUP BY job_id HAVING COUNT(*) > 1'),
      );
      // Only the job of the SIGKILL test above ran twice (by design); none of these 200.
      assert.deepEqual(
        runs.filter((row) => ids.includes(row.job_id)),
        [],
      );
      const attempts = await count("SELECT COUNT(*) AS n FROM jobs WHERE type = 'fault.effect' AND attempts <> 1");
      assert.equal(attempts, 1, 'only the killed job took a second attempt');
      for (const worker of workers) await stopWorker(worker);
    });

    it('fires each slot of a schedule once with two schedulers in two processes', async () => {
      const schedule = await jobs.schedules.create(null, { name: 'every-second', cron: '* * * * * *', type: 'fault.tick' });
      const workers = [await startWorker(dialect, test.location), await startWorker(dialect, test.location)];
      children.push(...workers);
      await until('several slots to fire', async () =>
        (await count('SELECT COUNT(*) AS n FROM jobs WHERE schedule_id = ?', [schedule.id])) >= 3 ? true : undefined,
      );
      await jobs.schedules.pause(schedule.id);
      for (const worker of workers) await stopWorker(worker);
      const slots = await test.store.read('system', (tx) =>
        tx.all<{ idempotency_key: string; n: number }>('SELECT idempotency_key, COUNT(*) AS n FROM jobs WHERE schedule_id = ? GROUP BY idempotency_key', [
          schedule.id,
        ]),
      );
      assert.ok(slots.length >= 3);
      assert.ok(slots.every((slot) => Number(slot.n) === 1));
      const fired = await count('SELECT COUNT(*) AS n FROM jobs WHERE schedule_id = ?', [schedule.id]);
      assert.equal(fired, slots.length, 'one job per slot');
      const times = slots.map((slot) => slot.idempotency_key.split(':').slice(2).join(':')).sort();
      assert.equal(new Set(times).size, times.length);
    });
  });
}
