/** @module Conformance tests of the job service on both drivers: enqueue, run, retry, dead letters, cancellation, progress, leases, shutdown, schedules. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type TestStore, createTenant, createTestStore, dialects } from '../../../test/support/stores.js';
import { loadConfig } from '../../core/config.js';
import { TrellisError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { claimJobs } from './job-leases.js';
import { type Job, type JobOutcome, type JobService, PermanentFailure, RetryLater, createJobService, registerBuiltinJobTypes } from './index.js';

const config = loadConfig({ env: {}, file: undefined, overrides: { jobsRetryInitialMs: 20, jobsRetryMaxMs: 100, logLevel: 'silent' } });

async function eventTypes(test: TestStore, tenantId: string): Promise<string[]> {
  const rows = await test.store.read({ tenantId }, (tx) => tx.all<{ type: string }>('SELECT type FROM events WHERE tenant_id = ? ORDER BY seq', [tenantId]));
  return rows.map((row) => row.type);
}

/** Waits (bounded) until the job reaches one of the states; fails with the last state seen. */
async function settled(jobs: JobService, id: string, states: Job['status'][] = ['succeeded', 'dead', 'cancelled']): Promise<Job> {
  const deadline = Date.now() + 15_000;
  let job = await jobs.get(id);
  while (!states.includes(job.status)) {
    if (Date.now() > deadline) assert.fail(`job ${id} stayed ${job.status}: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    job = await jobs.get(id);
  }
  return job;
}

function rejectsWith(code: string) {
  return (error: unknown) => error instanceof TrellisError && error.code === code;
}

for (const dialect of dialects) {
  describe(`jobs (${dialect})`, () => {
    let test: TestStore;
    let jobs: JobService;
    let tenant: string;
    let other: string;
    const outcomes: [string, JobOutcome, string | null][] = [];
    const gates = new Map<string, () => void>();
    let failuresLeft = 0;
    let effects: string[] = [];

    before(async () => {
      test = await createTestStore(dialect);
      tenant = await createTenant(test.store, 'acme');
      other = await createTenant(test.store, 'globex');
      jobs = createJobService(test.store, config, { pollIntervalMs: 25, leaseMs: 600, shutdownTimeoutMs: 200, progressIntervalMs: 0 });
      registerBuiltinJobTypes(jobs, test.store, config);
      jobs.onFinished((type, outcome, _duration, tenantId) => outcomes.push([type, outcome, tenantId]));
      jobs.register('test.echo', async (job) => {
        effects.push(job.id);
        return { echoed: job.payload };
      });
      jobs.register('test.flaky', async () => {
        if (failuresLeft-- > 0) throw new Error('flaky failure');
        return 'ok';
      });
      jobs.register('test.permanent', async () => {
        throw new PermanentFailure('cannot ever work');
      });
      jobs.register('test.later', async (job, context) => {
        if (context.attempt === 1) throw new RetryLater('come back soon', 30);
        return { attempt: context.attempt, id: job.id };
      });
      jobs.register('test.gate', async (job, context) => {
        context.progress(0.5);
        context.progress({ step: 'waiting' });
        await new Promise<void>((resolve, reject) => {
          gates.set(job.id, resolve);
          context.signal.addEventListener('abort', () => reject(context.signal.reason));
        });
        return 'opened';
      });
      jobs.register('test.stubborn', async () => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return 'late';
      });
      await jobs.worker.start();
    });
    after(async () => {
      await jobs.worker.stop();
      await test.dispose();
    });
    beforeEach(() => {
      effects = [];
    });

    it('enqueues in the caller’s transaction: a rollback leaves no job, a commit runs it', async () => {
      await assert.rejects(
        test.store.transaction({ tenantId: tenant }, async (tx) => {
          await jobs.enqueue(tx, { type: 'test.echo', payload: { n: 1 } });
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal((await jobs.list({ tenantId: tenant, type: 'test.echo' })).items.length, 0);
      const { id, created } = await test.store.transaction({ tenantId: tenant }, (tx) => jobs.enqueue(tx, { type: 'test.echo', payload: { n: 2 } }));
      assert.equal(created, true);
      const job = await settled(jobs, id);
      assert.equal(job.status, 'succeeded');
      assert.equal(job.tenantId, tenant, 'the tenant defaults to the transaction’s');
      assert.deepEqual(job.result, { echoed: { n: 2 } });
      assert.equal(job.attempts, 1);
      assert.deepEqual(effects, [id]);
      assert.ok((await eventTypes(test, tenant)).includes('job.succeeded'));
      assert.ok(outcomes.some(([type, outcome, tenantId]) => type === 'test.echo' && outcome === 'succeeded' && tenantId === tenant));
    });

    it('returns the existing job for a repeated idempotency key of the same tenant and type, and a new one elsewhere', async () => {
      const runAt = new Date(Date.now() + 3_600_000);
      const first = await jobs.enqueueNow({ type: 'test.echo', tenantId: tenant, idempotencyKey: 'k-1', runAt });
      const again = await jobs.enqueueNow({ type: 'test.echo', tenantId: tenant, idempotencyKey: 'k-1', runAt });
      const otherTenant = await jobs.enqueueNow({ type: 'test.echo', tenantId: other, idempotencyKey: 'k-1', runAt });
      const platform = await jobs.enqueueNow({ type: 'test.echo', idempotencyKey: 'k-1', runAt });
      const platformAgain = await jobs.enqueueNow({ type: 'test.echo', idempotencyKey: 'k-1', runAt });
      assert.deepEqual(again, { id: first.id, created: false });
      assert.equal(otherTenant.created, true);
      assert.notEqual(otherTenant.id, first.id);
      assert.deepEqual(platformAgain, { id: platform.id, created: false });
      for (const id of [first.id, otherTenant.id, platform.id]) await jobs.cancel(id);
    });

    it('refuses bad input without storing anything', async () => {
      const before = (await jobs.list({ limit: 500 })).items.length;
      const bad = [
        { type: 'Not A Type' },
        { type: 'test.echo', payload: [] as unknown as Record<string, unknown> },
        { type: 'test.echo', payload: { big: 'x'.repeat(70_000) } },
        { type: 'test.echo', maxAttempts: 0 },
        { type: 'test.echo', priority: 1.5 },
        { type: 'test.echo', runAt: 'yesterday' },
        { type: 'test.echo', idempotencyKey: 'k'.repeat(201) },
      ];
      for (const input of bad)
        await assert.rejects(jobs.enqueueNow({ tenantId: tenant, ...input }), rejectsWith('validation_failed'), JSON.stringify(input).slice(0, 80));
      assert.equal((await jobs.list({ limit: 500 })).items.length, before);
    });

    it('retries a failing job with backoff until it succeeds, emitting job.failed per failed attempt', async () => {
      failuresLeft = 2;
      const { id } = await jobs.enqueueNow({ type: 'test.flaky', tenantId: tenant });
      const job = await settled(jobs, id);
      assert.equal(job.status, 'succeeded');
      assert.equal(job.attempts, 3);
      assert.equal(job.lastError, 'flaky failure');
      assert.equal((await eventTypes(test, tenant)).filter((type) => type === 'job.failed').length, 2);
    });

    it('dead-letters a job whose attempts run out, and a retry by hand runs it again with a fresh budget', async () => {
      failuresLeft = 100;
      const { id } = await jobs.enqueueNow({ type: 'test.flaky', tenantId: tenant, maxAttempts: 2 });
      const dead = await settled(jobs, id);
      assert.equal(dead.status, 'dead');
      assert.equal(dead.attempts, 2);
      assert.ok((await eventTypes(test, tenant)).includes('job.dead'));
      failuresLeft = 0;
      const requeued = await jobs.retry(id, tenant);
      assert.equal(requeued.status, 'queued');
      assert.equal(requeued.attempts, 0);
      const done = await settled(jobs, id);
      assert.equal(done.status, 'succeeded');
      assert.equal(done.attempts, 1);
      await assert.rejects(jobs.retry(id, tenant), rejectsWith('conflict'));
    });

    it('dead-letters at once on PermanentFailure', async () => {
      const { id } = await jobs.enqueueNow({ type: 'test.permanent', tenantId: tenant, maxAttempts: 10 });
      const job = await settled(jobs, id);
      assert.equal(job.status, 'dead');
      assert.equal(job.attempts, 1);
      assert.match(job.lastError ?? '', /cannot ever work/);
    });

    it('runs a job again at the time RetryLater chose', async () => {
      const { id } = await jobs.enqueueNow({ type: 'test.later', tenantId: tenant });
      const job = await settled(jobs, id);
      assert.equal(job.status, 'succeeded');
      assert.deepEqual(job.result, { attempt: 2, id });
      assert.ok(outcomes.some(([type, outcome]) => type === 'test.later' && outcome === 'retried'));
    });

    it('cancels a queued job at once, a running one through its signal, and refuses a finished one', async () => {
      const queued = await jobs.enqueueNow({ type: 'test.echo', tenantId: tenant, runAt: new Date(Date.now() + 3_600_000) });
      assert.equal((await jobs.cancel(queued.id, tenant)).status, 'cancelled');
      const running = await jobs.enqueueNow({ type: 'test.gate', tenantId: tenant });
      await settled(jobs, running.id, ['running']);
      const asked = await jobs.cancel(running.id, tenant);
      assert.equal(asked.cancelRequested, true);
      const cancelled = await settled(jobs, running.id);
      assert.equal(cancelled.status, 'cancelled');
      assert.ok((await eventTypes(test, tenant)).filter((type) => type === 'job.cancelled').length >= 2);
      await assert.rejects(jobs.cancel(running.id, tenant), rejectsWith('conflict'));
      await assert.rejects(jobs.cancel(running.id, other), rejectsWith('not_found'), 'another tenant’s job does not exist for it');
    });

    it('persists progress and emits job.progress for a tenant job', async () => {
      const { id } = await jobs.enqueueNow({ type: 'test.gate', tenantId: tenant });
      await settled(jobs, id, ['running']);
      const deadline = Date.now() + 10_000;
      while ((await jobs.get(id)).progress === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      gates.get(id)?.();
      const job = await settled(jobs, id);
      assert.equal(job.status, 'succeeded');
      assert.deepEqual(job.progress, { step: 'waiting' }, 'the last value lands');
      assert.ok((await eventTypes(test, tenant)).includes('job.progress'));
    });

    it('makes a job whose lease expired claimable again, counting the lost attempt', async () => {
      const { id } = await jobs.enqueueNow({ type: 'test.echo', tenantId: tenant, runAt: new Date(Date.now() + 3_600_000) });
      // A worker that claimed the job and died: its attempt is counted and its lease has run out.
      await test.store.transaction('system', (tx) =>
        tx.run("UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'ghost/1', lease_until = ?, run_at = ? WHERE id = ? AND status = 'queued'", [
          new Date(Date.now() - 1000).toISOString(),
          new Date(Date.now() - 2000).toISOString(),
          id,
        ]),
      );
      const job = await settled(jobs, id);
      assert.equal(job.status, 'succeeded');
      assert.equal(job.attempts, 2);
      assert.match(job.lastError ?? '', /lease expired/);
    });

    it('keeps a job from two workers at once: a second service’s claim finds nothing that is running', async () => {
      const second = createJobService(test.store, config, { worker: false });
      const { id } = await jobs.enqueueNow({ type: 'test.gate', tenantId: tenant });
      await settled(jobs, id, ['running']);
      assert.deepEqual(await claimJobs(test.store, ['test.gate'], 10, 600, 'second/1'), []);
      gates.get(id)?.();
      assert.equal((await settled(second, id)).status, 'succeeded');
    });

    it('prunes finished jobs older than the retention with jobs.prune, only the tenant’s own', async () => {
      const mine = await jobs.enqueueNow({ type: 'test.echo', tenantId: tenant });
      const theirs = await jobs.enqueueNow({ type: 'test.echo', tenantId: other });
      await settled(jobs, mine.id);
      await settled(jobs, theirs.id);
      const old = new Date(Date.now() - 30 * 86_400_000).toISOString();
      await test.store.transaction('system', (tx) => tx.run('UPDATE jobs SET finished_at = ? WHERE id IN (?, ?)', [old, mine.id, theirs.id]));
      const prune = await jobs.enqueueNow({ type: 'jobs.prune', tenantId: tenant, payload: { olderThanDays: 7 } });
      const pruned = await settled(jobs, prune.id);
      assert.equal(pruned.status, 'succeeded');
      assert.ok((pruned.result as { deleted: number }).deleted >= 1);
      await assert.rejects(jobs.get(mine.id), rejectsWith('not_found'));
      assert.equal((await jobs.get(theirs.id)).status, 'succeeded');
    });

    it('gives a still-running job back to the queue, uncounted, when the worker stops past its timeout', async () => {
      const local = createJobService(test.store, config, { pollIntervalMs: 25, leaseMs: 600, shutdownTimeoutMs: 50, scheduler: false });
      let aborted = false;
      local.register('test.slow', async (_job, context) => {
        await new Promise<void>((resolve) => {
          context.signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        });
      });
      await local.worker.start();
      const { id } = await local.enqueueNow({ type: 'test.slow', tenantId: tenant });
      await settled(local, id, ['running']);
      await local.worker.stop();
      assert.equal(aborted, true, 'the handler’s signal was aborted');
      const job = await local.get(id);
      assert.equal(job.status, 'queued');
      assert.equal(job.attempts, 0);
      assert.equal(job.leaseUntil, null);
      await jobs.cancel(id);
    });
  });
}
