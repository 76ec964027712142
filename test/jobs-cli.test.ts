/** @module Tests of `trellis jobs …` and `trellis schedules …` through the CLI's entry point on both drivers: output, --json, exit codes for bad input. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../src/cli/main.js';
import { exitCodes } from '../src/cli/output.js';
import { loadConfig } from '../src/core/config.js';
import { createJobService } from '../src/platform/jobs/index.js';
import type { Job, Schedule } from '../src/platform/jobs/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/index.js';
import { createTestDatabase, dialects } from './support/stores.js';

/** Runs the CLI in this process and captures what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  // The CLI writes strings; the test runner talks to its parent through stdout in binary frames, which pass through.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    typeof chunk === 'string' ? ((out += chunk), true) : (write as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    typeof chunk === 'string' ? ((err += chunk), true) : (writeErr as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stderr.write;
  try {
    const code = await runCli(args);
    return { code, out, err };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

for (const dialect of dialects) {
  describe(`jobs and schedules CLI (${dialect})`, () => {
    let target: string[];
    let store: Store;
    let drop: () => Promise<void> = async () => {};
    let jobId: string;
    let scheduleId: string;

    before(async () => {
      if (dialect === 'sqlite') {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cli-jobs-'));
        target = ['--data-dir', dir];
        store = openSqliteStore({ file: path.join(dir, 'trellis.db') });
      } else {
        const database = await createTestDatabase();
        drop = database.drop;
        target = ['--database-url', database.url];
        store = openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 2 });
      }
      await store.migrate();
      const jobs = createJobService(store, loadConfig({ env: {}, file: undefined }), { worker: false });
      jobs.register('jobs.prune', async () => null);
      jobId = (await jobs.enqueueNow({ type: 'jobs.prune', runAt: new Date(Date.now() + 3_600_000) })).id;
      scheduleId = (await jobs.schedules.create(null, { name: 'nightly-prune', cron: '0 3 * * *', type: 'jobs.prune' })).id;
    });
    after(async () => {
      await store.close();
      await drop();
    });

    it('lists, shows, cancels and refuses to retry a cancelled job', async () => {
      const list = await cli([...target, '--json', 'jobs', 'list', '--status', 'queued']);
      assert.equal(list.code, 0, list.err);
      assert.deepEqual(
        JSON.parse(list.out).items.map((job: Job) => job.id),
        [jobId],
      );
      const shown = await cli([...target, 'jobs', 'get', jobId]);
      assert.match(shown.out, new RegExp(`job ${jobId} \\(jobs.prune\\) queued`));
      const cancelled = await cli([...target, '--json', 'jobs', 'cancel', jobId]);
      assert.equal(JSON.parse(cancelled.out).status, 'cancelled');
      const retry = await cli([...target, 'jobs', 'retry', jobId]);
      assert.notEqual(retry.code, 0);
      assert.match(retry.err, /only dead or failed jobs can be retried/);
    });

    it('lists, pauses, resumes and triggers a schedule', async () => {
      const list = await cli([...target, 'schedules', 'list']);
      assert.match(list.out, /nightly-prune\s+0 3 \* \* \*\s+UTC\s+jobs\.prune\s+no/);
      assert.equal(JSON.parse((await cli([...target, '--json', 'schedules', 'pause', scheduleId])).out).paused, true);
      assert.equal(JSON.parse((await cli([...target, '--json', 'schedules', 'resume', scheduleId])).out).paused, false);
      const triggered = await cli([...target, '--json', 'schedules', 'trigger', scheduleId]);
      const { jobId: enqueued, schedule } = JSON.parse(triggered.out) as { jobId: string; schedule: Schedule };
      assert.equal(schedule.lastJobId, enqueued);
    });

    it('answers bad input with a usage or not-found exit code and changes nothing', async () => {
      const before = (await cli([...target, '--json', 'jobs', 'list'])).out;
      assert.equal((await cli([...target, 'jobs', 'get', 'not-a-uuid'])).code, exitCodes.usage);
      assert.equal((await cli([...target, 'jobs', 'cancel', "x'; DROP TABLE jobs;--"])).code, exitCodes.usage);
      assert.equal((await cli([...target, 'jobs', 'list', '--status', 'bogus'])).code, exitCodes.usage);
      assert.equal((await cli([...target, 'jobs', 'list', '--limit', '0'])).code, exitCodes.usage);
      assert.equal((await cli([...target, 'jobs', 'get', '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee'])).code, exitCodes.notFound);
      assert.equal((await cli([...target, 'schedules', 'pause', '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee'])).code, exitCodes.notFound);
      assert.equal((await cli([...target, '--json', 'jobs', 'list'])).out, before);
    });
  });
}
