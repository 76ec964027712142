/** @module End-to-end tests of /jobs and /schedules through the HTTP app on both drivers: flows, tenant isolation, scopes, and bad input that changes nothing. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { type ErrorCode, problemType } from '../src/core/errors.js';
import type { Job, Schedule } from '../src/platform/jobs/index.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

const randomUuid = '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee';
const injection = "x'); DROP TABLE jobs;--";

function assertProblem(response: LightMyRequestResponse, status: number, code: ErrorCode): void {
  assert.notEqual(response.statusCode, 500, response.body);
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  assert.equal(response.json<{ type: string }>().type, problemType(code));
}

for (const dialect of dialects) {
  describe(`jobs and schedules over HTTP (${dialect})`, () => {
    let test: TestApp;
    let readKey: string;
    let otherKey: string;
    let otherScheduleId: string;
    let otherJobId: string;
    let release: () => void = () => {};

    const call = (method: InjectOptions['method'], url: string, payload?: unknown, key?: string) => {
      const options: InjectOptions = { method, url, headers: bearer(key ?? test.adminKey) };
      if (payload !== undefined) options.payload = payload as InjectOptions['payload'];
      return test.app.inject(options);
    };

    /** Everything the tenant's job and schedule routes show; equal snapshots mean nothing changed. */
    const snapshot = async () => {
      const jobs = await call('GET', '/jobs?limit=500');
      const schedules = await call('GET', '/schedules?limit=500');
      assert.equal(jobs.statusCode, 200, jobs.body);
      assert.equal(schedules.statusCode, 200, schedules.body);
      return { jobs: jobs.json<{ items: Job[] }>().items, schedules: schedules.json<{ items: Schedule[] }>().items };
    };

    before(async () => {
      test = await createTestApp(dialect, { jobsPollIntervalMs: 20, jobsRetryInitialMs: 10 }, { background: true });
      test.services.jobs.register('test.http', async (job, context) => {
        if (job.payload.fail) throw new Error('asked to fail');
        if (job.payload.wait) {
          await new Promise<void>((resolve, reject) => {
            release = resolve;
            context.signal.addEventListener('abort', () => reject(context.signal.reason));
          });
        }
        return { ok: true };
      });
      readKey = (await test.services.platform.apiKeys.create({ tenantId: test.tenantId, name: 'reader', scopes: ['read'] })).key;
      const other = await test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' });
      otherKey = other.key;
      otherScheduleId = (await test.services.jobs.schedules.create(other.tenant.id, { name: 'theirs', cron: '0 * * * *', type: 'test.http' })).id;
      otherJobId = (await test.services.jobs.enqueueNow({ type: 'test.http', tenantId: other.tenant.id, runAt: new Date(Date.now() + 3_600_000) })).id;
    });
    after(() => test.dispose());

    async function waitFor(id: string, statuses: string[]): Promise<Job> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const job = (await call('GET', `/jobs/${id}`)).json<Job>();
        if (statuses.includes(job.status)) return job;
        if (Date.now() > deadline) assert.fail(`job stayed ${job.status}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    it('lists and reads the tenant’s jobs with status and type filters and cursor pages; never another tenant’s', async () => {
      const ids: string[] = [];
      for (let n = 0; n < 3; n++) ids.push((await test.services.jobs.enqueueNow({ type: 'test.http', tenantId: test.tenantId, payload: { n } })).id);
      for (const id of ids) assert.equal((await waitFor(id, ['succeeded'])).result !== null, true);
      const page1 = (await call('GET', '/jobs?type=test.http&status=succeeded&limit=2', undefined, readKey)).json<{ items: Job[]; nextCursor: string }>();
      assert.equal(page1.items.length, 2);
      assert.deepEqual(
        page1.items.map((job) => job.id),
        [ids[2], ids[1]],
      );
      const page2 = (await call('GET', `/jobs?type=test.http&status=succeeded&limit=2&cursor=${page1.nextCursor}`, undefined, readKey)).json<{
        items: Job[];
      }>();
      assert.ok(page2.items.some((job) => job.id === ids[0]));
      const all = await snapshot();
      assert.ok(all.jobs.every((job) => job.tenantId === test.tenantId));
      assert.ok(!all.jobs.some((job) => job.id === otherJobId));
      assert.equal((await call('GET', '/jobs?status=queued')).json<{ items: Job[] }>().items.length, 0);
    });

    it('cancels a running job through its signal and retries a dead one; the reader may look but not change', async () => {
      const running = await test.services.jobs.enqueueNow({ type: 'test.http', tenantId: test.tenantId, payload: { wait: true } });
      await waitFor(running.id, ['running']);
      assertProblem(await call('POST', `/jobs/${running.id}/cancel`, undefined, readKey), 403, 'forbidden');
      const asked = await call('POST', `/jobs/${running.id}/cancel`);
      assert.equal(asked.statusCode, 200, asked.body);
      assert.equal((await waitFor(running.id, ['cancelled', 'succeeded'])).status, 'cancelled');
      release();
      assertProblem(await call('POST', `/jobs/${running.id}/cancel`), 409, 'conflict');

      const failing = await test.services.jobs.enqueueNow({ type: 'test.http', tenantId: test.tenantId, payload: { fail: true }, maxAttempts: 1 });
      assert.equal((await waitFor(failing.id, ['dead'])).lastError, 'asked to fail');
      const retried = await call('POST', `/jobs/${failing.id}/retry`);
      assert.equal(retried.statusCode, 200, retried.body);
      assert.equal(retried.json<Job>().attempts, 0);
      await waitFor(failing.id, ['dead']);
    });

    it('creates, reads, changes, pauses, resumes, triggers and deletes a schedule', async () => {
      const created = await call('POST', '/schedules', { name: 'nightly', cron: '0 3 * * *', timezone: 'Europe/Oslo', type: 'test.http', payload: { n: 1 } });
      assert.equal(created.statusCode, 201, created.body);
      const schedule = created.json<Schedule>();
      assert.equal(created.headers.location, `/schedules/${schedule.id}`);
      assert.equal((await call('GET', `/schedules/${schedule.id}`, undefined, readKey)).json<Schedule>().timezone, 'Europe/Oslo');
      const patched = await call('PATCH', `/schedules/${schedule.id}`, { cron: '30 4 * * *' });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json<Schedule>().cron, '30 4 * * *');
      assert.equal((await call('POST', `/schedules/${schedule.id}/pause`)).json<Schedule>().paused, true);
      assert.equal((await call('POST', `/schedules/${schedule.id}/resume`)).json<Schedule>().paused, false);
      const triggered = await call('POST', `/schedules/${schedule.id}/trigger`);
      assert.equal(triggered.statusCode, 202, triggered.body);
      const { jobId } = triggered.json<{ jobId: string }>();
      const job = await waitFor(jobId, ['succeeded']);
      assert.equal(job.scheduleId, schedule.id);
      assert.deepEqual(job.payload, { n: 1 });
      assert.ok((await snapshot()).schedules.some((item) => item.id === schedule.id));
      assert.equal((await call('DELETE', `/schedules/${schedule.id}`)).statusCode, 204);
      assertProblem(await call('GET', `/schedules/${schedule.id}`), 404, 'not_found');
    });

    it('answers another tenant’s job or schedule as not found, and changes nothing of theirs', async () => {
      const before = await snapshot();
      for (const [method, url] of [
        ['GET', `/jobs/${otherJobId}`],
        ['POST', `/jobs/${otherJobId}/cancel`],
        ['POST', `/jobs/${otherJobId}/retry`],
        ['GET', `/schedules/${otherScheduleId}`],
        ['PATCH', `/schedules/${otherScheduleId}`],
        ['DELETE', `/schedules/${otherScheduleId}`],
        ['POST', `/schedules/${otherScheduleId}/pause`],
        ['POST', `/schedules/${otherScheduleId}/resume`],
        ['POST', `/schedules/${otherScheduleId}/trigger`],
        ['GET', `/jobs/${randomUuid}`],
      ] as const) {
        assertProblem(await call(method, url, method === 'PATCH' ? { name: 'mine now' } : undefined), 404, 'not_found');
      }
      assert.deepEqual(await snapshot(), before);
      const theirs = (await call('GET', '/schedules', undefined, otherKey)).json<{ items: Schedule[] }>().items;
      assert.deepEqual(
        theirs.map((item) => [item.id, item.name, item.paused]),
        [[otherScheduleId, 'theirs', false]],
      );
      assert.equal((await call('GET', `/jobs/${otherJobId}`, undefined, otherKey)).json<Job>().status, 'queued');
    });

    it('refuses bad input on every route with a problem, storing nothing', async () => {
      const existing = (await call('POST', '/schedules', { name: 'keeper', cron: '0 0 * * *', type: 'test.http' })).json<Schedule>();
      const before = await snapshot();
      const cases: [InjectOptions['method'], string, unknown, number, ErrorCode][] = [
        ['GET', '/jobs?limit=abc', undefined, 400, 'validation_failed'],
        ['GET', '/jobs?limit=0', undefined, 400, 'validation_failed'],
        ['GET', '/jobs?status=bogus', undefined, 400, 'validation_failed'],
        ['GET', `/jobs?type=${encodeURIComponent(injection)}`, undefined, 400, 'validation_failed'],
        ['GET', '/jobs?extra=1', undefined, 400, 'validation_failed'],
        ['GET', '/jobs?cursor=not-a-cursor', undefined, 400, 'invalid_cursor'],
        ['GET', '/jobs/not-a-uuid', undefined, 400, 'validation_failed'],
        ['GET', `/jobs/${encodeURIComponent(injection)}`, undefined, 400, 'validation_failed'],
        ['POST', '/jobs', { type: 'jobs.prune' }, 404, 'route_not_found'],
        ['POST', '/jobs/not-a-uuid/cancel', undefined, 400, 'validation_failed'],
        ['POST', '/jobs/not-a-uuid/retry', undefined, 400, 'validation_failed'],
        ['GET', '/schedules?limit=9999', undefined, 400, 'validation_failed'],
        ['POST', '/schedules', { name: 'x', cron: '0 0 * * *', type: 'test.http', extra: true }, 400, 'validation_failed'],
        ['POST', '/schedules', { name: 5, cron: '0 0 * * *', type: 'test.http' }, 400, 'validation_failed'],
        ['POST', '/schedules', { name: 'x'.repeat(101), cron: '0 0 * * *', type: 'test.http' }, 400, 'validation_failed'],
        ['POST', '/schedules', { name: 'x', cron: '0 0 * * *'.repeat(30), type: 'test.http' }, 400, 'validation_failed'],
        ['POST', '/schedules', { name: 'x', cron: injection, type: 'test.http' }, 400, 'validation_failed'],
        ['POST', '/schedules', { name: 'x', cron: '0 0 * * *', type: injection }, 400, 'validation_failed'],
        ['POST', '/schedules', { name: 'x', cron: '0 0 * * *', timezone: injection, type: 'test.http' }, 400, 'validation_failed'],
        ['POST', '/schedules', { name: 'x', cron: '0 0 * * *', type: 'not.registered' }, 422, 'unprocessable'],
        ['POST', '/schedules', { name: 'x', cron: '0 0 * * *', type: 'test.http', payload: 'text' }, 400, 'validation_failed'],
        ['POST', '/schedules', { name: 'x', cron: '0 0 * * *', type: 'test.http', payload: { big: 'y'.repeat(70_000) } }, 400, 'validation_failed'],
        ['POST', '/schedules', { name: 'keeper', cron: '0 0 * * *', type: 'test.http' }, 409, 'conflict'],
        ['PATCH', `/schedules/${existing.id}`, {}, 400, 'validation_failed'],
        ['PATCH', `/schedules/${existing.id}`, { cron: '99 * * * *' }, 400, 'validation_failed'],
        ['PATCH', `/schedules/${existing.id}`, { paused: true }, 400, 'validation_failed'],
        ['PATCH', `/schedules/${existing.id}`, { type: 'not.registered' }, 422, 'unprocessable'],
        ['DELETE', '/schedules/not-a-uuid', undefined, 400, 'validation_failed'],
      ];
      for (const [method, url, payload, status, code] of cases) {
        const response = await call(method, url, payload);
        assert.notEqual(response.statusCode, 500, `${method} ${url}: ${response.body}`);
        assert.equal(response.statusCode, status, `${method} ${url} ${JSON.stringify(payload)?.slice(0, 60)}: ${response.body}`);
        assert.equal(response.json<{ code: string }>().code, code, `${method} ${url}`);
      }
      assert.deepEqual(await snapshot(), before);
      // An injection string as a name is just a name.
      const odd = await call('POST', '/schedules', { name: injection, cron: '0 0 * * *', type: 'test.http' });
      assert.equal(odd.statusCode, 201, odd.body);
      assert.equal(odd.json<Schedule>().name, injection);
    });

    it('requires credentials and the admin scope to change', async () => {
      assertProblem(await test.app.inject({ method: 'GET', url: '/jobs' }), 401, 'unauthenticated');
      assertProblem(await call('POST', '/schedules', { name: 'r', cron: '0 0 * * *', type: 'test.http' }, readKey), 403, 'forbidden');
      assert.equal((await call('GET', '/schedules', undefined, readKey)).statusCode, 200);
    });
  });
}
