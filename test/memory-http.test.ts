/**
 * @module Memories over HTTP on both drivers: every kind created and read back, kind-specific validation, decision
 * transitions and supersession, outcomes and feedback, duplicates, legacy field names with deprecation headers,
 * events in order, the memory's source and full-text row, deletion, and other tenants' IDs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { TrellisError } from '../src/core/errors.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

type Body = Record<string, unknown>;
interface MemoryBody {
  id: string;
  kind: string;
  title: string | null;
  body: string;
  fields: Body;
  tags: string[];
  importance: string;
  sessionId: string | null;
  author: string | null;
  status: string;
  contentHash: string;
  sourceUri: string;
  archivedAt: string | null;
}

function assertProblem(response: LightMyRequestResponse, status: number, code?: string): Body {
  assert.equal(response.statusCode, status, response.body);
  const problem = response.json() as Body;
  if (code) assert.equal(problem.code, code, response.body);
  return problem;
}

let counter = 0;
/** A text no other test uses, so content hashes never collide by accident. */
const unique = (text: string) => `${text} #${++counter}`;

for (const dialect of dialects) {
  describe(`memories over HTTP (${dialect})`, () => {
    let test: TestApp;
    let otherKey: string;
    let readKey: string;

    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key = test.adminKey) =>
      test.app.inject({ method, url, headers: bearer(key), ...(payload === undefined ? {} : { payload: payload as Body }) });
    const create = async (payload: Body, key?: string): Promise<MemoryBody> => {
      const response = await call('POST', '/memories', payload, key);
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as MemoryBody;
    };
    const lastSeq = async () => {
      const page = (await call('GET', '/events?after=0&limit=1000')).json() as { items: { seq: number }[] };
      return page.items.at(-1)?.seq ?? 0;
    };
    const eventsAfter = async (seq: number) =>
      ((await call('GET', `/events?after=${seq}&limit=1000`)).json() as { items: { type: string; subject: string | null; payload: Body }[] }).items;
    const memoryCount = () =>
      test.services.store.read({ tenantId: test.tenantId }, (tx) =>
        tx.get<{ n: number }>('SELECT count(*) AS n FROM memories WHERE tenant_id = ?', [test.tenantId]),
      );

    before(async () => {
      test = await createTestApp(dialect);
      otherKey = (await test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' })).key;
      readKey = (await test.services.platform.apiKeys.create({ tenantId: test.tenantId, name: 'reader', scopes: ['read'] })).key;
    });
    after(() => test.dispose());

    it('creates every kind and reads each back with its fields, defaults and source', async () => {
      const session = await create({
        kind: 'session',
        title: 'Sprint 12',
        start: '2026-01-05T09:00:00Z',
        end: '2026-01-05T17:30:00+01:00',
        summary: 'Storage work',
        goals: ['ship 0013'],
      });
      assert.deepEqual(session.fields, { start: '2026-01-05T09:00:00.000Z', end: '2026-01-05T16:30:00.000Z', summary: 'Storage work', goals: ['ship 0013'] });
      const note = await create({ kind: 'note', text: unique('Backups run at 02:00 UTC'), tags: ['ops', 'backup'], sessionId: session.id, author: 'ada' });
      const decision = await create({
        kind: 'decision',
        title: unique('Use PostgreSQL for replicas'),
        context: 'One SQLite file is outgrown',
        chosen: 'PostgreSQL',
        alternatives: [{ option: 'CockroachDB', pros: ['scale'], cons: ['ops cost'], risk: 'high' }],
        reasoning: 'Row-level security and LISTEN/NOTIFY',
        confidence: 0.8,
        importance: 'high',
        sessionId: session.id,
      });
      const mistake = await create({
        kind: 'mistake',
        errorType: 'TypeError',
        message: unique("Cannot read properties of undefined (reading 'id')"),
        solution: 'Check the lookup result',
        solutionSteps: ['find the caller', 'guard undefined'],
        timeToResolveMinutes: 25,
      });
      const pattern = await create({
        kind: 'pattern',
        description: unique('Undefined lookups after deletes'),
        supportingIds: [mistake.id, note.id],
        confidence: 0.6,
      });

      assert.equal(note.body, note.fields.text);
      assert.equal(note.importance, 'normal');
      assert.equal(note.status, 'active');
      assert.equal(note.sessionId, session.id);
      assert.deepEqual(note.tags, ['ops', 'backup']);
      assert.equal(decision.status, 'proposed');
      assert.equal(decision.body, 'Row-level security and LISTEN/NOTIFY');
      assert.deepEqual(decision.fields.alternatives, [{ option: 'CockroachDB', pros: ['scale'], cons: ['ops cost'], risk: 'high' }]);
      assert.equal(mistake.fields.resolved, false);
      assert.equal(mistake.body, mistake.fields.message);
      assert.equal(pattern.fields.occurrences, 2);
      for (const memory of [session, note, decision, mistake, pattern]) {
        assert.equal(memory.sourceUri, `memory://${memory.id}`);
        const read = await call('GET', `/memories/${memory.id}`, undefined, readKey);
        assert.equal(read.statusCode, 200, read.body);
        assert.deepEqual(read.json(), memory);
        const source = await call('GET', `/sources/${memory.id}`);
        assert.equal(source.statusCode, 200, source.body);
        assert.equal((source.json() as Body).uri, `memory://${memory.id}`);
        assert.equal((source.json() as Body).kind, 'memory');
      }
    });

    it('lists with filters and keyset pages', async () => {
      const session = await create({ kind: 'session', start: '2026-02-01T00:00:00Z', summary: unique('list session') });
      const made: MemoryBody[] = [];
      for (let index = 0; index < 5; index++)
        made.push(
          await create({
            kind: 'note',
            text: unique('listed'),
            tags: index % 2 ? ['odd', 'x'] : ['even', 'x'],
            sessionId: session.id,
            author: 'lister',
            importance: index === 0 ? 'critical' : 'low',
          }),
        );
      const page = (url: string) =>
        call('GET', url, undefined, readKey).then((response) => response.json() as { items: MemoryBody[]; nextCursor: string | null });
      assert.deepEqual(
        (await page(`/memories?session=${session.id}`)).items.map((item) => item.id),
        made.map((item) => item.id),
      );
      assert.deepEqual(
        (await page(`/memories?session=${session.id}&tags=odd,x`)).items.map((item) => item.id),
        [made[1]?.id, made[3]?.id],
      );
      assert.deepEqual(
        (await page(`/memories?author=lister&importance=critical`)).items.map((item) => item.id),
        [made[0]?.id],
      );
      assert.equal((await page('/memories?kind=session&author=lister')).items.length, 0);
      const first = await page(`/memories?session=${session.id}&limit=2`);
      assert.equal(first.items.length, 2);
      assert.ok(first.nextCursor);
      const second = await page(`/memories?session=${session.id}&limit=2&cursor=${first.nextCursor}`);
      assert.deepEqual(
        second.items.map((item) => item.id),
        [made[2]?.id, made[3]?.id],
      );
      const future = new Date(Date.now() + 60_000).toISOString();
      assert.equal((await page(`/memories?session=${session.id}&since=${encodeURIComponent(future)}`)).items.length, 0);
      assert.equal((await page(`/memories?session=${session.id}&until=2030-01-01T00:00:00Z`)).items.length, 5);
      assertProblem(await call('GET', '/memories?importance=urgent'), 400, 'validation_failed');
      assertProblem(await call('GET', '/memories?cursor=nonsense'), 400, 'invalid_cursor');
      assertProblem(await call('GET', '/memories?bogus=1'), 400, 'validation_failed');
      assertProblem(await call('GET', '/memories?status=lost'), 400, 'validation_failed');
      const injected = await call('GET', "/memories?author=x'%20OR%201=1--&tags=a'--");
      assert.equal(injected.statusCode, 200, injected.body);
      assert.deepEqual((injected.json() as { items: unknown[] }).items, []);
    });

    it('refuses bad input per kind with a 400 naming the field, and writes nothing', async () => {
      const before = (await memoryCount())?.n;
      const cases: [Body, string][] = [
        [{ kind: 'idea', text: 'x' }, 'body/kind'],
        [{ text: 'no kind' }, 'body/kind'],
        [{ kind: 'note' }, 'body/text'],
        [{ kind: 'note', text: 'x', chosen: 'y' }, 'body/chosen'],
        [{ kind: 'note', text: 'x', surprise: true }, 'body/surprise'],
        [{ kind: 'note', text: 42 }, 'body/text'],
        [{ kind: 'note', text: '   ' }, 'body/text'],
        [{ kind: 'note', text: 'x', tags: Array.from({ length: 51 }, (_, index) => `t${index}`) }, 'body/tags'],
        [{ kind: 'note', text: 'x', tags: ['y'.repeat(65)] }, 'body/tags/0'],
        [{ kind: 'note', text: 'x', importance: 'urgent' }, 'body/importance'],
        [{ kind: 'note', text: 'x', sessionId: 'not-a-uuid' }, 'body/sessionId'],
        [{ kind: 'note', text: 'x'.repeat(100_001) }, 'body/text'],
        [{ kind: 'note', text: 'x', status: 'archived' }, 'body/status'],
        [{ kind: 'decision', chosen: 'A' }, 'body/title'],
        [{ kind: 'decision', title: 'T' }, 'body/chosen'],
        [{ kind: 'decision', title: 'T', chosen: 'A', confidence: 1.5 }, 'body/confidence'],
        [{ kind: 'decision', title: 'T', chosen: 'A', confidence: -0.1 }, 'body/confidence'],
        [{ kind: 'decision', title: 'T', chosen: 'A', confidence: '0.5' }, 'body/confidence'],
        [{ kind: 'decision', title: 'T', chosen: 'A', status: 'maybe' }, 'body/status'],
        [{ kind: 'decision', title: 'T', chosen: 'A', alternatives: [{ pros: ['p'] }] }, 'body/alternatives/0'],
        [{ kind: 'decision', title: 'T', chosen: 'A', alternatives: [{ option: 'B', price: 3 }] }, 'body/alternatives/0'],
        [{ kind: 'decision', title: 'T', chosen: 'A', supersedes: ['x'] }, 'body/supersedes/0'],
        [{ kind: 'mistake', message: 'boom' }, 'body/errorType'],
        [{ kind: 'mistake', errorType: 'E', message: 'boom', resolved: 'yes' }, 'body/resolved'],
        [{ kind: 'mistake', errorType: 'E', message: 'boom', timeToResolveMinutes: -1 }, 'body/timeToResolveMinutes'],
        [{ kind: 'pattern', supportingIds: [] }, 'body/description'],
        [{ kind: 'pattern', description: 'p', confidence: 2 }, 'body/confidence'],
        [{ kind: 'pattern', description: 'p', occurrences: 0 }, 'body/occurrences'],
        [{ kind: 'session', summary: 's' }, 'body/start'],
        [{ kind: 'session', start: 'yesterday' }, 'body/start'],
        [{ kind: 'session', start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }, 'body/end'],
        [{ kind: 'session', start: '2026-01-02T00:00:00Z', sessionId: '0190a000-0000-7000-8000-000000000001' }, 'body/sessionId'],
        [{ kind: 'note', text: "'); DROP TABLE memories; --", title: 'x'.repeat(501) }, 'body/title'],
      ];
      for (const [payload, path] of cases) {
        const problem = assertProblem(await call('POST', '/memories', payload), 400, 'validation_failed');
        const errors = (problem.errors as { path: string }[]).map((error) => error.path);
        assert.ok(
          errors.some((error) => error.startsWith(path)),
          `${JSON.stringify(payload).slice(0, 120)}: ${JSON.stringify(errors)}`,
        );
      }
      assertProblem(await call('POST', '/memories', [{ kind: 'note', text: 'x' }]), 400);
      assertProblem(
        await test.app.inject({
          method: 'POST',
          url: '/memories',
          headers: { ...bearer(test.adminKey), 'content-type': 'application/json' },
          payload: '{"kind":',
        }),
        400,
      );
      assertProblem(await call('POST', '/memories', { kind: 'note', text: 'x'.repeat(1_100_000) }), 413, 'payload_too_large');
      assertProblem(await call('POST', '/memories', { kind: 'note', text: 'a\u0000b' }), 400);
      assertProblem(await call('POST', '/memories', { kind: 'note', text: 'x' }, readKey), 403, 'forbidden');
      assert.equal((await memoryCount())?.n, before, 'nothing was written');
    });

    it('stores injection strings as text', async () => {
      const text = unique('Robert\'); DROP TABLE memories; -- " OR 1=1 <script>');
      const note = await create({ kind: 'note', text, tags: ["'; DELETE FROM sources; --"] });
      assert.equal(note.body, text);
      const listed = (await call('GET', `/memories?tags=${encodeURIComponent("'; DELETE FROM sources; --")}`)).json() as { items: MemoryBody[] };
      assert.deepEqual(
        listed.items.map((item) => item.id),
        [note.id],
      );
    });

    it('refuses an exact duplicate with 409 naming the existing memory, ignoring spacing but not kind', async () => {
      const text = unique('Duplicate me');
      const first = await create({ kind: 'note', text, tags: ['a'] });
      const problem = assertProblem(await call('POST', '/memories', { kind: 'note', text: `  ${text.replace(' ', '   ')}\n`, tags: ['b'] }), 409, 'conflict');
      assert.deepEqual(problem.details, { reason: 'duplicate', id: first.id });
      await create({ kind: 'pattern', description: text });
      const other = await create({ kind: 'note', text: unique('Another') });
      const patched = assertProblem(await call('PATCH', `/memories/${other.id}`, { text }), 409, 'conflict');
      assert.equal((patched.details as Body).id, first.id);
    });

    it('maps legacy field names with Deprecation, Warning and Link headers', async () => {
      const response = await call('POST', '/memories', {
        kind: 'decision',
        decision_title: unique('Adopt typebox'),
        chosen_solution: 'typebox',
        session_id: null,
      });
      assert.equal(response.statusCode, 201, response.body);
      const decision = response.json() as MemoryBody;
      assert.equal(decision.fields.chosen, 'typebox');
      assert.match(decision.title ?? '', /^Adopt typebox/);
      assert.equal(response.headers.deprecation, 'true');
      assert.match(String(response.headers.warning), /decision_title is deprecated; use title/);
      assert.match(String(response.headers.warning), /chosen_solution is deprecated; use chosen/);
      assert.match(String(response.headers.link), /rel="deprecation"/);
      const mistake = await call('POST', '/memories', {
        kind: 'mistake',
        error_type: 'E',
        message: unique('legacy'),
        solution_steps: ['a'],
        time_to_resolve_minutes: 3,
      });
      assert.equal(mistake.statusCode, 201, mistake.body);
      assert.deepEqual((mistake.json() as MemoryBody).fields.solutionSteps, ['a']);
      assert.match(String(mistake.headers.warning), /error_type is deprecated; use errorType/);
      const current = await call('POST', '/memories', { kind: 'note', text: unique('modern') });
      assert.equal(current.headers.deprecation, undefined);
      const both = assertProblem(await call('POST', '/memories', { kind: 'decision', title: 'T', decision_title: 'T', chosen: 'A' }), 400, 'validation_failed');
      assert.match(String(both.detail), /decision_title/);
      const patched = await call('PATCH', `/memories/${decision.id}`, { chosen_solution: 'ajv' });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal((patched.json() as MemoryBody).fields.chosen, 'ajv');
      assert.equal(patched.headers.deprecation, 'true');
    });

    it('follows decision transitions, supersedes in the same transaction and records outcomes', async () => {
      const decide = (title: string, extra: Body = {}) => create({ kind: 'decision', title: unique(title), chosen: 'A', ...extra });
      const proposed = await decide('never accepted');
      const revert = assertProblem(await call('PATCH', `/memories/${proposed.id}`, { status: 'reverted' }), 409, 'conflict');
      assert.match(String(revert.detail), /never accepted/);
      assertProblem(await call('POST', `/memories/${proposed.id}/outcome`, { outcome: 'success' }), 409, 'conflict');
      const accepted = await call('PATCH', `/memories/${proposed.id}`, { status: 'accepted' });
      assert.equal((accepted.json() as MemoryBody).status, 'accepted');
      assertProblem(await call('PATCH', `/memories/${proposed.id}`, { status: 'proposed' }), 409, 'conflict');
      const outcome = await call('POST', `/memories/${proposed.id}/outcome`, { outcome: 'partial', details: 'slower than hoped' });
      assert.equal(outcome.statusCode, 200, outcome.body);
      assert.equal((outcome.json() as MemoryBody).fields.outcome, 'partial');
      assert.equal((outcome.json() as MemoryBody).fields.outcomeDetails, 'slower than hoped');
      assertProblem(await call('POST', `/memories/${proposed.id}/outcome`, { outcome: 'great' }), 400, 'validation_failed');
      assertProblem(await call('POST', `/memories/${proposed.id}/outcome`, { outcome: 'success', extra: 1 }), 400, 'validation_failed');
      const reverted = await call('PATCH', `/memories/${proposed.id}`, { status: 'reverted' });
      assert.equal((reverted.json() as MemoryBody).status, 'reverted');
      assertProblem(await call('PATCH', `/memories/${proposed.id}`, { status: 'accepted' }), 409, 'conflict');
      assert.equal(((await call('GET', `/memories/${proposed.id}`)).json() as MemoryBody).fields.outcome, 'partial', 'an update keeps the recorded outcome');

      const old1 = await decide('old one');
      const old2 = await decide('old two', { status: 'accepted' });
      const seq = await lastSeq();
      const successor = await decide('successor', { supersedes: [old1.id, old2.id] });
      for (const id of [old1.id, old2.id]) {
        const read = (await call('GET', `/memories/${id}`)).json() as MemoryBody;
        assert.equal(read.status, 'superseded');
        assert.equal(read.fields.supersededBy, successor.id);
      }
      assert.deepEqual(
        (await eventsAfter(seq)).map((event) => [event.type, event.subject]),
        [
          ['source.created', successor.id],
          ['memory.created', successor.id],
          ['decision.recorded', successor.id],
          ['memory.updated', old1.id],
          ['memory.updated', old2.id],
        ],
      );
      const retagged = await call('PATCH', `/memories/${old1.id}`, { tags: ['history'] });
      assert.equal(retagged.statusCode, 200, retagged.body);
      assert.equal((retagged.json() as MemoryBody).fields.supersededBy, successor.id, 'an update keeps supersededBy');
      assertProblem(
        await call('POST', '/memories', { kind: 'decision', title: unique('born reverted'), chosen: 'A', status: 'reverted' }),
        422,
        'unprocessable',
      );
      // A final decision cannot be superseded again, and the whole create rolls back.
      const before = (await memoryCount())?.n;
      assertProblem(await call('POST', '/memories', { kind: 'decision', title: unique('late'), chosen: 'B', supersedes: [proposed.id] }), 409, 'conflict');
      assert.equal((await memoryCount())?.n, before);
      const note = await create({ kind: 'note', text: unique('not a decision') });
      assertProblem(await call('POST', '/memories', { kind: 'decision', title: unique('x'), chosen: 'B', supersedes: [note.id] }), 422, 'unprocessable');
      assertProblem(await call('POST', `/memories/${note.id}/outcome`, { outcome: 'success' }), 422, 'unprocessable');
      assertProblem(await call('PATCH', `/memories/${note.id}`, { kind: 'decision' }), 400, 'validation_failed');
      const archived = await call('PATCH', `/memories/${note.id}`, { status: 'archived' });
      assert.equal((archived.json() as MemoryBody).status, 'archived');
      assert.ok((archived.json() as MemoryBody).archivedAt);
      assertProblem(await call('PATCH', `/memories/${note.id}`, { status: 'accepted' }), 400, 'validation_failed');
      assertProblem(await call('PATCH', `/memories/${note.id}`, {}), 400, 'validation_failed');
    });

    it('records feedback on a mistake with a Laplace-smoothed effectiveness', async () => {
      const mistake = await create({ kind: 'mistake', errorType: 'ECONNRESET', message: unique('socket hang up'), solution: 'retry with backoff' });
      let last: MemoryBody = mistake;
      for (const worked of [true, true, false]) {
        const response = await call('POST', `/memories/${mistake.id}/feedback`, { worked, note: worked ? undefined : 'still failing' });
        assert.equal(response.statusCode, 200, response.body);
        last = response.json() as MemoryBody;
      }
      const feedback = last.fields.feedback as { worked: number; total: number; failed: number; effectiveness: number; notes: Body[] };
      assert.equal(feedback.worked, 2);
      assert.equal(feedback.total, 3);
      assert.equal(feedback.failed, 1);
      assert.equal(feedback.effectiveness, 3 / 5);
      assert.equal(feedback.notes.length, 1);
      assertProblem(await call('POST', `/memories/${mistake.id}/feedback`, { worked: 'yes' }), 400, 'validation_failed');
      assertProblem(await call('POST', `/memories/${mistake.id}/feedback`, { worked: true, feedback: { worked: 100 } }), 400, 'validation_failed');
      assertProblem(await call('PATCH', `/memories/${mistake.id}`, { feedback: { worked: 100, total: 100 } }), 400, 'validation_failed');
      const note = await create({ kind: 'note', text: unique('no feedback for notes') });
      assertProblem(await call('POST', `/memories/${note.id}/feedback`, { worked: true }), 422, 'unprocessable');
    });

    it('counts every one of concurrent feedback reports, and lets one of concurrent creates of the same content win', async () => {
      const mistake = await create({ kind: 'mistake', errorType: 'EBUSY', message: unique('concurrent') });
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, index) => call('POST', `/memories/${mistake.id}/feedback`, { worked: index % 4 !== 0 })),
      );
      for (const response of responses) assert.equal(response.statusCode, 200, response.body);
      const feedback = ((await call('GET', `/memories/${mistake.id}`)).json() as MemoryBody).fields.feedback as {
        worked: number;
        total: number;
        effectiveness: number;
      };
      assert.deepEqual([feedback.worked, feedback.total, feedback.effectiveness], [15, 20, 16 / 22]);
      const text = unique('raced');
      const creates = await Promise.all(Array.from({ length: 8 }, () => call('POST', '/memories', { kind: 'note', text })));
      const statuses = creates.map((response) => response.statusCode).sort();
      assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
      const winner = (creates.find((response) => response.statusCode === 201)?.json() as MemoryBody).id;
      for (const response of creates.filter((item) => item.statusCode === 409)) assert.equal(((response.json() as Body).details as Body).id, winner);
    });

    it('keeps tenants apart: other tenants’ sessions, decisions and memories are not found', async () => {
      const theirSession = await create({ kind: 'session', start: '2026-03-01T00:00:00Z', summary: unique('theirs') }, otherKey);
      const theirDecision = await create({ kind: 'decision', title: unique('theirs'), chosen: 'X' }, otherKey);
      assertProblem(await call('POST', '/memories', { kind: 'note', text: unique('mine'), sessionId: theirSession.id }), 422, 'unprocessable');
      assertProblem(
        await call('POST', '/memories', { kind: 'decision', title: unique('mine'), chosen: 'Y', supersedes: [theirDecision.id] }),
        422,
        'unprocessable',
      );
      assertProblem(await call('POST', '/memories', { kind: 'pattern', description: unique('mine'), supportingIds: [theirDecision.id] }), 422, 'unprocessable');
      for (const [method, url, payload] of [
        ['GET', `/memories/${theirDecision.id}`, undefined],
        ['PATCH', `/memories/${theirDecision.id}`, { status: 'accepted' }],
        ['DELETE', `/memories/${theirDecision.id}`, undefined],
        ['POST', `/memories/${theirDecision.id}/outcome`, { outcome: 'success' }],
      ] as const)
        assertProblem(await call(method, url, payload), 404, 'not_found');
      assertProblem(await call('GET', '/memories/not-an-id'), 400, 'validation_failed');
      const mine = (await call('GET', '/memories?limit=500')).json() as { items: MemoryBody[] };
      assert.ok(!mine.items.some((item) => item.id === theirDecision.id || item.id === theirSession.id));
      assert.equal(((await call('GET', `/memories/${theirDecision.id}`, undefined, otherKey)).json() as MemoryBody).status, 'proposed');
    });

    it('indexes search text: the full-text row exists and follows updates and deletes', async () => {
      const note = await create({ kind: 'note', title: 'Zebra migration', text: unique('quokka lighthouse') });
      const matches = (term: string) =>
        test.services.store.read({ tenantId: test.tenantId }, (tx) =>
          dialect === 'sqlite'
            ? tx.all<{ id: string }>(
                'SELECT m.memory_id AS id FROM search_memories s JOIN search_memory_rows m ON m.fts_rowid = s.rowid WHERE search_memories MATCH ? AND m.tenant_id = ?',
                [term, test.tenantId],
              )
            : tx.all<{ id: string }>("SELECT id FROM memories WHERE tenant_id = ? AND search_vector @@ to_tsquery('simple', ?)", [test.tenantId, term]),
        );
      assert.deepEqual(
        (await matches('quokka')).map((row) => String(row.id)),
        [note.id],
      );
      assert.deepEqual(
        (await matches('zebra')).map((row) => String(row.id)),
        [note.id],
      );
      await call('PATCH', `/memories/${note.id}`, { text: unique('wombat harbour') });
      assert.deepEqual(await matches('quokka'), []);
      assert.deepEqual(
        (await matches('wombat')).map((row) => String(row.id)),
        [note.id],
      );
      await call('PATCH', `/memories/${note.id}`, { title: 'Okapi migration' });
      const source = (await call('GET', `/sources/${note.id}`)).json() as Body;
      assert.equal(source.title, 'Okapi migration', 'the source keeps the memory title that citations show');
      assert.equal(source.contentHash, ((await call('GET', `/memories/${note.id}`)).json() as MemoryBody).contentHash);
      assert.deepEqual(await matches('zebra'), []);
      assert.equal((await call('DELETE', `/memories/${note.id}`)).statusCode, 204);
      assert.deepEqual(await matches('wombat'), []);
    });

    it('deletes a memory with its source and events; a deleted session leaves its memories without one', async () => {
      const session = await create({ kind: 'session', start: '2026-04-01T00:00:00Z', summary: unique('to delete') });
      const member = await create({ kind: 'note', text: unique('member'), sessionId: session.id });
      const seq = await lastSeq();
      assertProblem(await call('DELETE', `/memories/${session.id}`, undefined, readKey), 403, 'forbidden');
      const response = await call('DELETE', `/memories/${session.id}`);
      assert.equal(response.statusCode, 204, response.body);
      assertProblem(await call('GET', `/memories/${session.id}`), 404, 'not_found');
      assertProblem(await call('GET', `/sources/${session.id}`), 404, 'not_found');
      assert.equal(((await call('GET', `/memories/${member.id}`)).json() as MemoryBody).sessionId, null);
      assert.deepEqual(
        (await eventsAfter(seq)).map((event) => [event.type, event.subject]),
        [
          ['memory.deleted', session.id],
          ['source.deleted', session.id],
        ],
      );
      assertProblem(await call('DELETE', `/memories/${session.id}`), 404, 'not_found');
    });

    it('is cited like a document: an entity citing the memory shows memory://, and goes when the memory is deleted', async () => {
      const text = unique('We picked Valkey over Redis for the cache');
      const decision = await create({ kind: 'decision', title: unique('Cache'), chosen: 'Valkey', reasoning: text });
      const start = text.indexOf('Valkey');
      const entity = await call('POST', '/entities', {
        type: 'Product',
        name: unique('Valkey'),
        evidence: [{ sourceId: decision.id, start, end: start + 6, quote: 'Valkey', extractor: 'test' }],
      });
      assert.equal(entity.statusCode, 201, entity.body);
      const entityId = (entity.json() as { id: string }).id;
      const read = (await call('GET', `/entities/${entityId}`)).json() as { evidence: { sourceId: string; quote: string }[] };
      assert.deepEqual(
        read.evidence.map((item) => [item.sourceId, item.quote]),
        [[decision.id, 'Valkey']],
      );
      assert.equal((await call('DELETE', `/memories/${decision.id}`)).statusCode, 204);
      assertProblem(await call('GET', `/entities/${entityId}`), 404, 'not_found');
    });

    it('keeps its source: DELETE /sources and the graph service (trellis sources rm) refuse the memory source with 409', async () => {
      const note = await create({ kind: 'note', text: unique('source-bound') });
      const refused = assertProblem(await call('DELETE', `/sources/${note.id}`), 409, 'conflict');
      assert.match(String(refused.detail), /DELETE \/memories\//);
      await assert.rejects(test.services.graph.deleteSource(test.tenantId, note.id), (error: TrellisError) => error.code === 'conflict');
      assert.equal((await call('GET', `/memories/${note.id}`)).statusCode, 200);
      assert.equal((await call('GET', `/sources/${note.id}`)).statusCode, 200);
    });

    it('documents every memory route in the OpenAPI document', async () => {
      const spec = (await call('GET', '/openapi.json')).json() as { paths: Record<string, Record<string, { tags?: string[]; responses: Body }>> };
      const expected: Record<string, string[]> = {
        '/memories': ['get', 'post'],
        '/memories/{id}': ['delete', 'get', 'patch'],
        '/memories/{id}/outcome': ['post'],
        '/memories/{id}/feedback': ['post'],
      };
      for (const [path, methods] of Object.entries(expected)) {
        assert.deepEqual(Object.keys(spec.paths[path] ?? {}).sort(), methods, path);
        for (const operation of Object.values(spec.paths[path] ?? {})) assert.deepEqual(operation.tags, ['memory']);
      }
    });

    it('writes mistake.recorded and memory.created events in commit order', async () => {
      const seq = await lastSeq();
      const mistake = await create({ kind: 'mistake', errorType: 'E', message: unique('evented') });
      const note = await create({ kind: 'note', text: unique('evented note') });
      const events = await eventsAfter(seq);
      assert.deepEqual(
        events.map((event) => [event.type, event.subject]),
        [
          ['source.created', mistake.id],
          ['memory.created', mistake.id],
          ['mistake.recorded', mistake.id],
          ['source.created', note.id],
          ['memory.created', note.id],
        ],
      );
      assert.equal(events[2]?.payload.errorType, 'E');
    });
  });
}
