/**
 * @module Scheduled memory analysis over HTTP on both drivers: each tenant's schedules appear on its first memory and
 * only for it; pattern detection clusters similar mistakes into one pattern with `pattern.detected` and updates it
 * on re-runs; mistake aggregation; decision review reminders once per period; maintenance merging near-duplicates,
 * archiving and decaying by importance; bad payloads and other tenants' IDs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

type Body = Record<string, unknown>;
interface MemoryBody {
  id: string;
  kind: string;
  title: string | null;
  fields: Body;
  tags: string[];
  importance: string;
  author: string | null;
  status: string;
  archivedAt: string | null;
}
interface ScheduleBody {
  id: string;
  name: string;
  cron: string;
  type: string;
  paused: boolean;
  tenantId: string | null;
}
interface JobBody {
  id: string;
  type: string;
  status: string;
  result: Body | null;
  lastError: string | null;
}
interface EventBody {
  seq: number;
  type: string;
  subject: string | null;
  payload: Body;
}

const analysisSchedules = ['memory-maintenance', 'memory-mistakes', 'memory-patterns', 'memory-review'];
const day = 86_400_000;

for (const dialect of dialects) {
  describe(`scheduled memory analysis (${dialect})`, () => {
    let test: TestApp;
    let tenants = 0;

    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, key: string, payload?: unknown) =>
      test.app.inject({ method, url, headers: bearer(key), ...(payload === undefined ? {} : { payload: payload as Body }) });
    const ok = async <T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, key: string, payload?: unknown, status = 200): Promise<T> => {
      const response = await call(method, url, key, payload);
      assert.equal(response.statusCode, status, `${method} ${url}: ${response.body}`);
      return response.json() as T;
    };
    const create = (key: string, payload: Body) => ok<MemoryBody>('POST', '/memories', key, payload, 201);
    /** A tenant of its own for a test, so no test sees another's memories. */
    const newTenant = async () => {
      const { tenant, key } = await test.services.platform.tenants.createWithAdminKey({ slug: `analysis-${++tenants}`, name: `Analysis ${tenants}` });
      return { tenantId: tenant.id, key };
    };
    const schedulesOf = async (key: string) => (await ok<{ items: ScheduleBody[] }>('GET', '/schedules?limit=500', key)).items;
    /** The tenant's analysis schedules, paused so that no cron slot fires during the test (a trigger still runs them). */
    const pausedSchedules = async (key: string) => {
      const schedules = (await schedulesOf(key)).filter((schedule) => schedule.name.startsWith('memory-'));
      for (const schedule of schedules) await ok('POST', `/schedules/${schedule.id}/pause`, key);
      return new Map(schedules.map((schedule) => [schedule.name, schedule]));
    };
    const waitForJob = async (key: string, jobId: string): Promise<JobBody> => {
      for (let attempt = 0; attempt < 1200; attempt++) {
        const job = await ok<JobBody>('GET', `/jobs/${jobId}`, key);
        if (job.status === 'succeeded' || job.status === 'dead' || job.status === 'cancelled') return job;
        await sleep(25);
      }
      throw new Error(`job ${jobId} did not finish`);
    };
    /** Triggers the tenant's schedule of that name and answers the finished job. */
    const run = async (key: string, schedules: Map<string, ScheduleBody>, name: string): Promise<JobBody> => {
      const schedule = schedules.get(name);
      assert.ok(schedule, `no schedule ${name}`);
      const { jobId } = await ok<{ jobId: string }>('POST', `/schedules/${schedule.id}/trigger`, key, undefined, 202);
      return waitForJob(key, jobId);
    };
    const succeeded = async (key: string, schedules: Map<string, ScheduleBody>, name: string): Promise<Body> => {
      const job = await run(key, schedules, name);
      assert.equal(job.status, 'succeeded', job.lastError ?? '');
      return job.result as Body;
    };
    const lastSeq = async (key: string) => {
      const page = await ok<{ items: EventBody[] }>('GET', '/events?after=0&limit=1000', key);
      return page.items.at(-1)?.seq ?? 0;
    };
    const eventsAfter = async (key: string, seq: number, type: string) =>
      (await ok<{ items: EventBody[] }>('GET', `/events?after=${seq}&limit=1000`, key)).items.filter((event) => event.type === type);
    const patternsOf = async (key: string) => (await ok<{ items: MemoryBody[] }>('GET', '/memories?kind=pattern&limit=100', key)).items;
    /** Moves a memory's timestamps into the past, as if it had been written `days` ago. */
    const backdate = (tenantId: string, id: string, days: number, columns: ('created_at' | 'updated_at')[] = ['created_at', 'updated_at']) => {
      const at = new Date(Date.now() - days * day).toISOString();
      return test.services.store.transaction({ tenantId }, (tx) =>
        tx.run(`UPDATE memories SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE tenant_id = ? AND id = ?`, [
          ...columns.map(() => at),
          tenantId,
          id,
        ]),
      );
    };

    /** The tenant's memories still waiting for extraction once the queued extraction jobs ran (polling up to 10 s). */
    const settled = async (tenantId: string) => {
      const pending = () =>
        test.services.store.read({ tenantId }, (tx) =>
          tx.all<{ id: string; kind: string }>('SELECT id, kind FROM memories WHERE tenant_id = ? AND extract_pending = 1', [tenantId]),
        );
      let left = await pending();
      for (let attempt = 0; attempt < 400 && left.length > 0; attempt++) {
        await sleep(25);
        left = await pending();
      }
      return left;
    };

    before(async () => {
      test = await createTestApp(dialect, {}, { background: true });
    });
    after(() => test.dispose());

    it('gives a tenant the four analysis schedules on its first memory, visible and controllable only by it', async () => {
      const { key } = await newTenant();
      const other = await newTenant();
      assert.deepEqual(
        (await schedulesOf(key)).filter((schedule) => schedule.name.startsWith('memory-')),
        [],
        'no schedules before the first memory',
      );
      await create(key, { kind: 'note', text: 'The first memory of this tenant' });
      const schedules = (await schedulesOf(key)).filter((schedule) => schedule.name.startsWith('memory-'));
      assert.deepEqual(schedules.map((schedule) => schedule.name).sort(), analysisSchedules);
      const byName = new Map(schedules.map((schedule) => [schedule.name, schedule]));
      assert.equal(byName.get('memory-patterns')?.cron, '*/15 * * * *');
      assert.equal(byName.get('memory-mistakes')?.cron, '*/30 * * * *');
      assert.equal(byName.get('memory-review')?.type, 'memory.review');
      assert.equal(byName.get('memory-maintenance')?.type, 'memory.maintenance');
      assert.ok(schedules.every((schedule) => !schedule.paused && schedule.tenantId !== null));

      // Another tenant sees none of them and cannot trigger, pause or read them.
      assert.deepEqual(
        (await schedulesOf(other.key)).filter((schedule) => schedule.name.startsWith('memory-')),
        [],
      );
      const patterns = byName.get('memory-patterns') as ScheduleBody;
      assert.equal((await call('POST', `/schedules/${patterns.id}/trigger`, other.key)).statusCode, 404);
      assert.equal((await call('POST', `/schedules/${patterns.id}/pause`, other.key)).statusCode, 404);
      assert.equal((await call('GET', `/schedules/${patterns.id}`, other.key)).statusCode, 404);

      // The operator's change is kept: a later memory does not put the cron back.
      await ok('PATCH', `/schedules/${byName.get('memory-review')?.id}`, key, { cron: '0 6 * * 1' });
      await create(key, { kind: 'note', text: 'A second memory of this tenant' });
      const review = (await schedulesOf(key)).find((schedule) => schedule.name === 'memory-review');
      assert.equal(review?.cron, '0 6 * * 1');

      // Triggering runs the job; its result is readable at GET /jobs/{id}, by this tenant only.
      const paused = await pausedSchedules(key);
      assert.ok([...paused.values()].length === 4);
      const { jobId } = await ok<{ jobId: string }>('POST', `/schedules/${patterns.id}/trigger`, key, undefined, 202);
      const job = await waitForJob(key, jobId);
      assert.equal(job.status, 'succeeded', job.lastError ?? '');
      assert.equal(job.type, 'memory.patterns');
      assert.deepEqual((job.result as Body).scanned, { mistake: 0, note: 2, decision: 0 });
      assert.equal((await call('GET', `/jobs/${jobId}`, other.key)).statusCode, 404);
      for (const schedule of await schedulesOf(key)) if (schedule.name.startsWith('memory-')) assert.equal(schedule.paused, true);
    });

    it('clusters similar mistakes into one pattern citing them, with pattern.detected, and leaves unrelated ones out; a re-run updates it', async () => {
      const { key } = await newTenant();
      const undefinedRead = [];
      for (const [line, column] of [
        [42, 17],
        [57, 9],
        [88, 21],
        [103, 5],
        [131, 13],
      ] as const)
        undefinedRead.push(
          await create(key, {
            kind: 'mistake',
            errorType: 'TypeError',
            message: `Cannot read properties of undefined (reading 'id') at UserService.load (/app/src/users/service.ts:${line}:${column})`,
            context: `request ${line * 7}`,
          }),
        );
      const refused = [];
      for (const port of [5432, 5433, 6432, 15432])
        refused.push(
          await create(key, {
            kind: 'mistake',
            errorType: 'ConnectionError',
            message: `connect ECONNREFUSED 10.0.3.${port % 250}:${port} while opening the database pool`,
          }),
        );
      const unrelated = [
        await create(key, { kind: 'mistake', errorType: 'SyntaxError', message: 'Unexpected token } in JSON at position 1043' }),
        await create(key, { kind: 'mistake', errorType: 'RangeError', message: 'Maximum call stack size exceeded in the tree walker' }),
        await create(key, { kind: 'mistake', errorType: 'Error', message: 'EACCES: permission denied, open /var/log/trellis/audit.log' }),
      ];
      const schedules = await pausedSchedules(key);
      const before = await lastSeq(key);

      const result = await succeeded(key, schedules, 'memory-patterns');
      assert.equal(result.created, 2, JSON.stringify(result));
      assert.equal(result.updated, 0);
      const patterns = await patternsOf(key);
      assert.equal(patterns.length, 2);
      const byOccurrences = new Map(patterns.map((pattern) => [pattern.fields.occurrences, pattern]));
      const typeErrors = byOccurrences.get(5) as MemoryBody;
      const connections = byOccurrences.get(4) as MemoryBody;
      assert.ok(typeErrors && connections, JSON.stringify(patterns.map((pattern) => pattern.fields)));
      assert.deepEqual([...(typeErrors.fields.supportingIds as string[])].sort(), undefinedRead.map((memory) => memory.id).sort());
      assert.deepEqual([...(connections.fields.supportingIds as string[])].sort(), refused.map((memory) => memory.id).sort());
      for (const pattern of patterns) {
        assert.equal(pattern.author, 'trellis:analysis');
        assert.ok(pattern.tags.includes('trellis:analysis') && pattern.tags.includes('mistake'));
        const confidence = pattern.fields.confidence as number;
        assert.ok(confidence > 0 && confidence <= 1, String(confidence));
        for (const memory of unrelated) assert.ok(!(pattern.fields.supportingIds as string[]).includes(memory.id));
      }
      assert.match(typeErrors.title ?? '', /^Recurring TypeError: /);
      // More occurrences of the same cohesion: more confidence (n / (n + 2)).
      const detected = await eventsAfter(key, before, 'pattern.detected');
      assert.deepEqual(detected.map((event) => event.subject).sort(), [typeErrors.id, connections.id].sort());
      const typeErrorEvent = detected.find((event) => event.subject === typeErrors.id) as EventBody;
      assert.deepEqual(typeErrorEvent.payload, {
        id: typeErrors.id,
        title: typeErrors.title,
        of: 'mistake',
        occurrences: 5,
        confidence: typeErrors.fields.confidence,
        supporting: 5,
        new: true,
      });
      assert.equal((await eventsAfter(key, before, 'memory.created')).length, 2);

      // Nothing changed: no write, no event, no duplicate.
      const quiet = await lastSeq(key);
      const again = await succeeded(key, schedules, 'memory-patterns');
      assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 2]);
      assert.equal((await eventsAfter(key, quiet, 'pattern.detected')).length, 0);
      // And with nothing changed since that run either, the next one does not even cluster; `force` makes it.
      const idle = await succeeded(key, schedules, 'memory-patterns');
      assert.equal(idle.nothingChanged, true, JSON.stringify(idle));
      assert.match(String(idle.reason), /^no memory changed since job /);
      await ok('PATCH', `/schedules/${schedules.get('memory-patterns')?.id}`, key, { payload: { force: true } });
      const forced = await succeeded(key, schedules, 'memory-patterns');
      assert.deepEqual([forced.nothingChanged, forced.unchanged], [undefined, 2]);

      // One more occurrence: the same pattern is updated.
      const sixth = await create(key, {
        kind: 'mistake',
        errorType: 'TypeError',
        message: "Cannot read properties of undefined (reading 'id') at UserService.load (/app/src/users/service.ts:212:3)",
      });
      const beforeUpdate = await lastSeq(key);
      const updated = await succeeded(key, schedules, 'memory-patterns');
      assert.deepEqual([updated.created, updated.updated, updated.unchanged], [0, 1, 1]);
      const after = await patternsOf(key);
      assert.equal(after.length, 2);
      const grown = after.find((pattern) => pattern.id === typeErrors.id) as MemoryBody;
      assert.equal(grown.fields.occurrences, 6);
      assert.ok((grown.fields.supportingIds as string[]).includes(sixth.id));
      assert.equal(grown.fields.signature, typeErrors.fields.signature);
      assert.ok((grown.fields.confidence as number) >= (typeErrors.fields.confidence as number));
      const events = await eventsAfter(key, beforeUpdate, 'pattern.detected');
      assert.equal(events.length, 1);
      assert.equal(events[0]?.subject, typeErrors.id);
      assert.equal(events[0]?.payload.new, false);
      assert.equal(events[0]?.payload.occurrences, 6);

      // A person may edit a detected pattern; its signature is kept (a recorded field) and cannot be set.
      const edited = await ok<MemoryBody>('PATCH', `/memories/${grown.id}`, key, { importance: 'high' });
      assert.equal(edited.fields.signature, grown.fields.signature);
      assert.equal((await call('PATCH', `/memories/${grown.id}`, key, { signature: 'forged' })).statusCode, 400);
    });

    it('finds patterns among notes and among decisions, each kind with its own, and queues their extraction', async () => {
      const { tenantId, key } = await newTenant();
      const notes = [];
      for (const day of ['Monday', 'Tuesday', 'Thursday'])
        notes.push(
          await create(key, { kind: 'note', title: 'Flaky CI', text: `The integration suite timed out on the shared runner again (${day}), rerun fixed it` }),
        );
      const decisions = [];
      for (const service of ['billing', 'search', 'accounts'])
        decisions.push(
          await create(key, {
            kind: 'decision',
            title: `Move the ${service} service to PostgreSQL 18`,
            context: 'SQLite file outgrown by replicas',
            chosen: 'PostgreSQL 18',
            status: 'accepted',
          }),
        );
      // The same words as the notes, but a decision: never in the notes' pattern.
      await create(key, { kind: 'decision', title: 'Flaky CI', context: 'The integration suite timed out on the shared runner again', chosen: 'rerun' });
      // The extraction the writes queued is done before the patterns are written, so only the patterns' own can link them.
      assert.deepEqual(await settled(tenantId), []);
      const schedules = await pausedSchedules(key);
      const result = await succeeded(key, schedules, 'memory-patterns');
      assert.equal(result.created, 2, JSON.stringify(result));
      const patterns = await patternsOf(key);
      const of = (kind: string) => patterns.find((pattern) => pattern.tags.includes(kind)) as MemoryBody;
      assert.deepEqual([...(of('note').fields.supportingIds as string[])].sort(), notes.map((note) => note.id).sort());
      assert.deepEqual([...(of('decision').fields.supportingIds as string[])].sort(), decisions.map((decision) => decision.id).sort());
      assert.match(of('note').title ?? '', /^Recurring notes: /);

      // The patterns' writes queued extraction as a memory write does: the job links them and clears their pending flag.
      assert.deepEqual(await settled(tenantId), []);
    });

    it('aggregates mistakes per error type: counts, resolved ratio, mean time to resolve and the best-proven solution', async () => {
      const { key } = await newTenant();
      const fixes = [];
      for (const [minutes, solution] of [
        [10, 'Guard the lookup result'],
        [30, 'Load the user before the service call'],
      ] as const)
        fixes.push(
          await create(key, {
            kind: 'mistake',
            errorType: 'TypeError',
            message: `Cannot read properties of undefined (reading 'id') after ${minutes} retries`,
            solution,
            resolved: true,
            timeToResolveMinutes: minutes,
          }),
        );
      await create(key, { kind: 'mistake', errorType: 'TypeError', message: "Cannot read properties of undefined (reading 'name')" });
      await create(key, { kind: 'mistake', errorType: 'ConnectionError', message: 'connect ECONNREFUSED 127.0.0.1:5432' });
      await ok('POST', `/memories/${fixes[1]?.id}/feedback`, key, { worked: true });
      await ok('POST', `/memories/${fixes[1]?.id}/feedback`, key, { worked: true });
      await ok('POST', `/memories/${fixes[0]?.id}/feedback`, key, { worked: false });
      const schedules = await pausedSchedules(key);

      const summary = await succeeded(key, schedules, 'memory-mistakes');
      assert.equal(summary.mistakes, 4);
      assert.equal(summary.errorTypes, 2);
      const [typeError, connection] = summary.types as Body[];
      assert.equal(typeError?.errorType, 'TypeError');
      assert.equal(typeError?.count, 3);
      assert.equal(typeError?.resolved, 2);
      assert.equal(typeError?.resolvedRatio, 0.667);
      assert.equal(typeError?.meanMinutesToResolve, 20);
      assert.deepEqual(typeError?.bestSolution, {
        mistakeId: fixes[1]?.id,
        solution: 'Load the user before the service call',
        effectiveness: 0.75,
        feedback: 2,
      });
      const signatures = typeError?.signatures as { signature: string; count: number }[];
      assert.equal(signatures.length, 2, JSON.stringify(signatures));
      assert.deepEqual(signatures[0], { signature: 'cannot read properties of undefined reading id after _n_ retries', count: 2, resolved: 2 });
      assert.equal(connection?.count, 1);
      assert.equal(connection?.resolvedRatio, 0);
      assert.equal(connection?.meanMinutesToResolve, null);
      assert.equal(connection?.bestSolution, null);
    });

    it('reminds of accepted decisions without an outcome once per review period', async () => {
      const { tenantId, key } = await newTenant();
      const decision = (title: string, status = 'accepted') => create(key, { kind: 'decision', title, chosen: 'PostgreSQL', status });
      const stale = await decision('Use PostgreSQL for replicas');
      const decided = await decision('Use Redis for rate limits');
      const proposed = await decision('Use Kafka for events', 'proposed');
      const fresh = await decision('Use S3 for backups');
      await ok('POST', `/memories/${decided.id}/outcome`, key, { outcome: 'success' });
      for (const memory of [stale, decided, proposed]) await backdate(tenantId, memory.id, 120);
      const schedules = await pausedSchedules(key);
      const before = await lastSeq(key);

      const first = await succeeded(key, schedules, 'memory-review');
      assert.equal(first.reviewAfterDays, 90);
      assert.equal(first.open, 2, 'the stale and the fresh accepted decision have no outcome');
      assert.equal(first.reminded, 1);
      assert.deepEqual(
        (first.due as Body[]).map((due) => [due.id, due.ageDays]),
        [[stale.id, 120]],
      );
      const second = await succeeded(key, schedules, 'memory-review');
      assert.equal(second.reminded, 0);
      const reminders = await eventsAfter(key, before, 'decision.review_due');
      assert.deepEqual(
        reminders.map((event) => event.subject),
        [stale.id],
      );
      assert.equal(reminders[0]?.payload.reason, 'no outcome recorded');
      assert.ok(!reminders.some((event) => event.subject === fresh.id));

      // The reminder is a recorded field: an edit keeps it, and a body cannot set it.
      const edited = await ok<MemoryBody>('PATCH', `/memories/${stale.id}`, key, { reasoning: 'Still the right call' });
      assert.equal(typeof edited.fields.reviewRemindedAt, 'string');
      assert.equal((await call('PATCH', `/memories/${stale.id}`, key, { reviewRemindedAt: '2020-01-01T00:00:00Z' })).statusCode, 400);
    });

    it('maintenance merges a near-duplicate into the more important memory, archives stale ephemeral ones and decays old normal ones', async () => {
      const { tenantId, key } = await newTenant();
      const text = 'Deploys to staging need the VPN turned on first, otherwise the SSH step hangs for ten minutes';
      const older = await create(key, { kind: 'note', text, tags: ['ops'] });
      const important = await create(key, { kind: 'note', text: `${text}!`, tags: ['deploy'], importance: 'high' });
      const distinct = await create(key, { kind: 'note', text: 'Staging deploys run from the release branch only', tags: ['ops'] });
      const citing = await create(key, { kind: 'pattern', description: 'Staging deploys hang without the VPN', supportingIds: [older.id, distinct.id] });
      const staleEphemeral = await create(key, { kind: 'note', text: 'Scratch: try port 8081', importance: 'ephemeral' });
      const freshEphemeral = await create(key, { kind: 'note', text: 'Scratch: try port 8082', importance: 'ephemeral' });
      const oldNormal = await create(key, { kind: 'note', text: 'The old build server is called hermes' });
      const oldHigh = await create(key, { kind: 'note', text: 'Never rotate the root key by hand', importance: 'high' });
      const oldDecision = await create(key, { kind: 'decision', title: 'Use tabs', chosen: 'tabs', importance: 'ephemeral' });
      await backdate(tenantId, staleEphemeral.id, 10);
      await backdate(tenantId, oldNormal.id, 200);
      await backdate(tenantId, oldHigh.id, 400);
      await backdate(tenantId, oldDecision.id, 400);
      const schedules = await pausedSchedules(key);
      const before = await lastSeq(key);

      const result = await succeeded(key, schedules, 'memory-maintenance');
      assert.equal(result.merged, 1, JSON.stringify(result));
      assert.deepEqual(result.merges, [{ keptId: important.id, removedIds: [older.id] }]);
      assert.deepEqual(result.archivedIds, [staleEphemeral.id]);
      assert.deepEqual(result.decayedIds, [oldNormal.id]);

      assert.equal((await call('GET', `/memories/${older.id}`, key)).statusCode, 404);
      const kept = await ok<MemoryBody>('GET', `/memories/${important.id}`, key);
      assert.deepEqual([...kept.tags].sort(), ['deploy', 'ops']);
      assert.equal(kept.importance, 'high');
      const pattern = await ok<MemoryBody>('GET', `/memories/${citing.id}`, key);
      assert.deepEqual([...(pattern.fields.supportingIds as string[])].sort(), [important.id, distinct.id].sort());
      const archived = await ok<MemoryBody>('GET', `/memories/${staleEphemeral.id}`, key);
      assert.equal(archived.status, 'archived');
      assert.ok(archived.archivedAt);
      assert.equal((await ok<MemoryBody>('GET', `/memories/${freshEphemeral.id}`, key)).status, 'active');
      assert.equal((await ok<MemoryBody>('GET', `/memories/${oldNormal.id}`, key)).importance, 'low');
      assert.equal((await ok<MemoryBody>('GET', `/memories/${oldHigh.id}`, key)).importance, 'high');
      assert.equal((await ok<MemoryBody>('GET', `/memories/${oldDecision.id}`, key)).status, 'proposed');
      assert.equal((await ok<MemoryBody>('GET', `/memories/${distinct.id}`, key)).status, 'active');

      const deleted = await eventsAfter(key, before, 'memory.deleted');
      assert.deepEqual(
        deleted.map((event) => [event.subject, event.payload.mergedInto]),
        [[older.id, important.id]],
      );
      const updated = await eventsAfter(key, before, 'memory.updated');
      assert.ok(updated.some((event) => event.subject === staleEphemeral.id && event.payload.status === 'archived'));
      assert.ok(updated.some((event) => event.subject === oldNormal.id && event.payload.importance === 'low'));
      assert.ok(updated.some((event) => event.subject === citing.id));

      // A second run finds nothing more to do.
      const again = await succeeded(key, schedules, 'memory-maintenance');
      assert.deepEqual([again.merged, again.archived, again.decayed], [0, 0, 0]);
    });

    it('fails a job for good on a bad payload or without a tenant, naming the problem', async () => {
      const { key } = await newTenant();
      await create(key, { kind: 'note', text: 'Anything, to get the schedules' });
      const schedules = await pausedSchedules(key);
      const patterns = schedules.get('memory-patterns') as ScheduleBody;
      await ok('PATCH', `/schedules/${patterns.id}`, key, { payload: { minSupport: 'many' } });
      const bad = await run(key, schedules, 'memory-patterns');
      assert.equal(bad.status, 'dead');
      assert.match(bad.lastError ?? '', /minSupport must be an integer from 2 to 1000/);
      await ok('PATCH', `/schedules/${patterns.id}`, key, { payload: { threshold: 7 } });
      assert.match((await run(key, schedules, 'memory-patterns')).lastError ?? '', /threshold must be a number from 0.2 to 1/);
      await ok('PATCH', `/schedules/${patterns.id}`, key, { payload: { force: 'yes' } });
      assert.match((await run(key, schedules, 'memory-patterns')).lastError ?? '', /force must be true or false/);

      const { id } = await test.services.jobs.enqueueNow({ type: 'memory.maintenance' });
      let job = await test.services.jobs.get(id);
      for (let attempt = 0; attempt < 1200 && job.status !== 'dead' && job.status !== 'succeeded'; attempt++) {
        await sleep(25);
        job = await test.services.jobs.get(id);
      }
      assert.equal(job.status, 'dead');
      assert.match(job.lastError ?? '', /enqueue it for a tenant/);
    });
  });

  describe(`memory analysis schedules off (${dialect})`, () => {
    it('creates no schedules when memorySchedules is off', async () => {
      const test = await createTestApp(dialect, { memorySchedules: 'off' });
      try {
        const response = await test.app.inject({ method: 'POST', url: '/memories', headers: bearer(test.adminKey), payload: { kind: 'note', text: 'hello' } });
        assert.equal(response.statusCode, 201, response.body);
        const schedules = (await test.services.jobs.schedules.list(test.tenantId)).items;
        assert.deepEqual(
          schedules.map((schedule) => schedule.name),
          [],
        );
        assert.ok(test.services.jobs.isRegistered('memory.patterns'), 'the job types stay registered, to run by hand');
      } finally {
        await test.dispose();
      }
    });
  });
}
