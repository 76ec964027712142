/** @module Tests of cron schedules on both drivers: validation, firing once per slot (with two schedulers), missed slots, pause, resume, trigger. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTestStore, dialects } from '../../../test/support/stores.js';
import { loadConfig } from '../../core/config.js';
import { TrellisError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { type JobService, createJobService } from './index.js';

const config = loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'silent' } });

function rejectsWith(code: string, field?: string) {
  return (error: unknown) => error instanceof TrellisError && error.code === code && (field === undefined || error.details?.field === field);
}

async function moveSlot(test: TestStore, id: string, to: Date): Promise<void> {
  await test.store.transaction('system', (tx) => tx.run('UPDATE schedules SET next_run_at = ? WHERE id = ?', [to.toISOString(), id]));
}

for (const dialect of dialects) {
  describe(`schedules (${dialect})`, () => {
    let test: TestStore;
    let first: JobService;
    let second: JobService;
    let tenant: string;
    let other: string;

    before(async () => {
      test = await createTestStore(dialect);
      tenant = newId();
      other = newId();
      for (const [id, slug] of [
        [tenant, 'acme'],
        [other, 'globex'],
      ] as const) {
        await test.store.transaction('system', (tx) =>
          tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [id, slug, slug, new Date().toISOString()]),
        );
      }
      // Two services over one store stand for two processes; neither worker runs, so the tests drive fireDue.
      first = createJobService(test.store, config, { worker: false });
      second = createJobService(test.store, config, { worker: false });
      for (const jobs of [first, second]) jobs.register('test.tick', async () => 'tick');
    });
    after(() => test.dispose());

    it('refuses a bad cron expression, time zone, name or unregistered type with a clear error, storing nothing', async () => {
      const valid = { name: 'nightly', cron: '0 3 * * *', type: 'test.tick' };
      await assert.rejects(first.schedules.create(tenant, { ...valid, cron: '61 * * * *' }), rejectsWith('validation_failed', 'cron'));
      await assert.rejects(first.schedules.create(tenant, { ...valid, cron: 'every day' }), rejectsWith('validation_failed', 'cron'));
      await assert.rejects(first.schedules.create(tenant, { ...valid, timezone: 'Mars/Olympus' }), rejectsWith('validation_failed', 'timezone'));
      await assert.rejects(first.schedules.create(tenant, { ...valid, name: '' }), rejectsWith('validation_failed', 'name'));
      await assert.rejects(first.schedules.create(tenant, { ...valid, type: 'test.unknown' }), rejectsWith('unprocessable', 'type'));
      assert.equal((await first.schedules.list(tenant)).items.length, 0);
    });

    it('creates a schedule with its next slot in its time zone, and refuses a second of the same name', async () => {
      const schedule = await first.schedules.create(tenant, {
        name: 'hourly',
        cron: '0 * * * *',
        timezone: 'Asia/Kolkata',
        type: 'test.tick',
        payload: { a: 1 },
      });
      assert.equal(schedule.paused, false);
      // Kolkata is UTC+5:30, so the top of its hours falls on half past in UTC.
      assert.match(schedule.nextRunAt ?? '', /T\d\d:30:00\.000Z$/);
      assert.ok(new Date(schedule.nextRunAt as string) > new Date());
      await assert.rejects(first.schedules.create(tenant, { name: 'hourly', cron: '0 * * * *', type: 'test.tick' }), rejectsWith('conflict'));
      const elsewhere = await first.schedules.create(other, { name: 'hourly', cron: '0 * * * *', type: 'test.tick' });
      assert.equal(elsewhere.tenantId, other);
      await assert.rejects(first.schedules.get(elsewhere.id, tenant), rejectsWith('not_found'));
    });

    it('fires a due slot exactly once with two schedulers racing, and moves to the next slot', async () => {
      const schedule = await first.schedules.create(tenant, { name: 'race', cron: '*/5 * * * *', type: 'test.tick' });
      const slot = new Date(Date.now() - 60_000);
      slot.setUTCSeconds(0, 0);
      await moveSlot(test, schedule.id, slot);
      const fired = await Promise.all([first.schedules.fireDue(), second.schedules.fireDue(), first.schedules.fireDue(), second.schedules.fireDue()]);
      const jobs = (await first.list({ tenantId: tenant, type: 'test.tick' })).items.filter((job) => job.scheduleId === schedule.id);
      assert.equal(jobs.length, 1, `one job for the slot (fired: ${fired.join(',')})`);
      assert.equal(jobs[0]?.idempotencyKey, `schedule:${schedule.id}:${slot.toISOString()}`);
      const after = await first.schedules.get(schedule.id);
      assert.equal(after.lastRunAt, slot.toISOString());
      assert.equal(after.lastJobId, jobs[0]?.id);
      assert.ok(new Date(after.nextRunAt as string) > new Date(), 'the next slot is in the future');
    });

    it('runs slots missed while down once, not once per missed slot', async () => {
      const schedule = await first.schedules.create(tenant, { name: 'missed', cron: '* * * * *', type: 'test.tick' });
      await moveSlot(test, schedule.id, new Date(Date.now() - 3 * 3_600_000));
      assert.ok((await first.schedules.fireDue()) >= 1);
      assert.equal(await first.schedules.fireDue(), 0);
      const jobs = (await first.list({ tenantId: tenant, type: 'test.tick', limit: 500 })).items.filter((job) => job.scheduleId === schedule.id);
      assert.equal(jobs.length, 1);
    });

    it('pauses (no firing), resumes from the next slot after now, and triggers a run on demand', async () => {
      const schedule = await first.schedules.create(tenant, { name: 'pausable', cron: '* * * * *', type: 'test.tick' });
      const paused = await first.schedules.pause(schedule.id, tenant);
      assert.equal(paused.paused, true);
      assert.equal(paused.nextRunAt, null);
      await first.schedules.fireDue(new Date(Date.now() + 3_600_000));
      const countJobs = async () =>
        (await first.list({ tenantId: tenant, type: 'test.tick', limit: 500 })).items.filter((job) => job.scheduleId === schedule.id).length;
      assert.equal(await countJobs(), 0);
      const resumed = await first.schedules.resume(schedule.id, tenant);
      assert.equal(resumed.paused, false);
      assert.ok(new Date(resumed.nextRunAt as string) > new Date());
      const { jobId, schedule: triggered } = await first.schedules.trigger(schedule.id, tenant);
      assert.equal(triggered.lastJobId, jobId);
      assert.equal(triggered.nextRunAt, resumed.nextRunAt, 'a trigger leaves the cron slots alone');
      assert.equal(await countJobs(), 1);
      const types = await test.store.read({ tenantId: tenant }, (tx) =>
        tx.all<{ type: string }>('SELECT type FROM events WHERE tenant_id = ? AND subject = ? ORDER BY seq', [tenant, schedule.id]),
      );
      assert.deepEqual(
        types.map((row) => row.type),
        ['schedule.created', 'schedule.paused', 'schedule.resumed', 'schedule.triggered'],
      );
    });

    it('updates the expression (recomputing the next slot) and deletes; another tenant’s schedule is not found', async () => {
      const schedule = await first.schedules.create(tenant, { name: 'editable', cron: '0 0 1 1 *', type: 'test.tick' });
      const updated = await first.schedules.update(schedule.id, tenant, { cron: '*/10 * * * *' });
      assert.equal(updated.cron, '*/10 * * * *');
      assert.ok(new Date(updated.nextRunAt as string).getTime() - Date.now() <= 600_000);
      await assert.rejects(first.schedules.update(schedule.id, tenant, { cron: 'nope' }), rejectsWith('validation_failed', 'cron'));
      assert.equal((await first.schedules.get(schedule.id)).cron, '*/10 * * * *');
      await assert.rejects(first.schedules.remove(schedule.id, other), rejectsWith('not_found'));
      await first.schedules.remove(schedule.id, tenant);
      await assert.rejects(first.schedules.get(schedule.id), rejectsWith('not_found'));
    });

    it('ensures a schedule by name for code that sets one up at start (creates, then updates in place)', async () => {
      const created = await first.schedules.ensure(null, { name: 'platform-prune', cron: '0 3 * * *', type: 'test.tick' });
      const again = await second.schedules.ensure(null, { name: 'platform-prune', cron: '0 4 * * *', type: 'test.tick' });
      assert.equal(again.id, created.id);
      assert.equal(again.cron, '0 4 * * *');
      assert.equal(created.tenantId, null);
      assert.equal((await first.schedules.list(null)).items.length, 1);
    });

    it('creates a default schedule once across two processes, keeps an operator’s change, and recreates a deleted one', async () => {
      const input = { name: 'default-prune', cron: '0 3 * * *', type: 'test.tick' };
      const results = await Promise.all([first.schedules.ensureDefault(null, input), second.schedules.ensureDefault(null, input)]);
      assert.deepEqual(results.sort(), [false, true]);
      const named = async () => (await first.schedules.list(null)).items.filter((schedule) => schedule.name === input.name);
      const [created] = await named();
      assert.ok(created);
      await first.schedules.update(created.id, null, { cron: '15 5 * * *' });
      await first.schedules.pause(created.id, null);
      assert.equal(await second.schedules.ensureDefault(null, input), false);
      const [kept] = await named();
      assert.equal(kept?.cron, '15 5 * * *');
      assert.equal(kept?.paused, true);
      await first.schedules.remove(created.id, null);
      assert.equal(await first.schedules.ensureDefault(null, input), true);
      assert.equal((await named()).length, 1);
    });
  });
}
