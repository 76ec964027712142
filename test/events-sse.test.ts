/** @module End-to-end tests of the event log over real HTTP: GET /events, stream tokens and the SSE stream, on both drivers. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer } from './support/app.js';
import { type EventApp, startEventApp } from './support/event-app.js';
import { type SseClient, openSse, seqs, writeEvents } from './support/event-streams.js';
import { dialects } from './support/stores.js';

const injection = "x'); DROP TABLE events;--";

/** Asserts the received sequences are exactly `from..to`, each once, in order. */
function assertContiguous(received: number[], from: number, to: number): void {
  const expected = Array.from({ length: to - from + 1 }, (_, index) => from + index);
  assert.deepEqual(received, expected);
}

async function getJson(
  test: EventApp,
  url: string,
  key: string | null = test.key,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${test.base}${url}`, { headers: key ? bearer(key) : {} });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

for (const dialect of dialects) {
  describe(`event log over HTTP (${dialect})`, () => {
    let test: EventApp;
    const open: SseClient[] = [];
    const sse = async (query: string, headers: Record<string, string> = bearer(test.key)) => {
      const client = await openSse(`${test.base}/events/stream${query}`, headers);
      open.push(client);
      return client;
    };
    before(async () => {
      test = await startEventApp(dialect, { eventStreamHeartbeatMs: 50 });
    });
    after(async () => {
      for (const client of open) client.close();
      await test.dispose();
    });

    it('replays from last_event_id and then goes live with no gap and no duplicate while writers commit concurrently', async () => {
      const start = await test.services.store.version(test.tenantId);
      // Three writers commit 30 single-event transactions each while the stream opens and replays.
      const writer = async () => {
        for (let index = 0; index < 30; index++) await writeEvents(test.services.store, test.tenantId, ['load.tick']);
      };
      const writers = Promise.all([writer(), writer(), writer()]);
      await writeEvents(test.services.store, test.tenantId, ['load.tick']);
      const client = await sse(`?last_event_id=${start}&types=load.*`);
      assert.equal(client.status, 200);
      assert.match(String(client.headers.get('content-type')), /^text\/event-stream/);
      await writers;
      const end = await test.services.store.version(test.tenantId);
      await client.until((c) => seqs(c).includes(end), `seq ${end}`);
      assertContiguous(seqs(client), start + 1, end);
      for (const message of client.messages) {
        assert.equal(message.event, 'load.tick');
        const event = JSON.parse(message.data) as { seq: number; type: string; payload: unknown };
        assert.equal(String(event.seq), message.id);
        assert.equal(event.type, 'load.tick');
      }
    });

    it('resumes after the Last-Event-ID header, which wins over the query parameter', async () => {
      const [first, second, third] = await writeEvents(test.services.store, test.tenantId, ['resume.a', 'resume.b', 'resume.c']);
      const client = await sse(`?types=resume.*&last_event_id=0`, { ...bearer(test.key), 'last-event-id': String(first) });
      await client.until((c) => seqs(c).includes(third as number));
      assert.deepEqual(seqs(client), [second, third]);
    });

    it('without a cursor starts live: only events committed after it opened', async () => {
      await writeEvents(test.services.store, test.tenantId, ['live.before']);
      const client = await sse('?types=live.*');
      await client.until((c) => c.comments.some((comment) => comment.startsWith('connected')));
      const [seq] = await writeEvents(test.services.store, test.tenantId, ['live.after']);
      await client.until((c) => c.messages.length > 0);
      assert.deepEqual(
        client.messages.map((m) => [Number(m.id), m.event]),
        [[seq, 'live.after']],
      );
    });

    it('filters by exact type, prefix wildcard and subject', async () => {
      const base = await test.services.store.version(test.tenantId);
      await writeEvents(test.services.store, test.tenantId, ['filter.a.one', 'filter.b', 'filterx.c', 'filter.a.two'], 'subject-1');
      await writeEvents(test.services.store, test.tenantId, ['filter.a.three'], 'subject-2');
      await writeEvents(test.services.store, test.tenantId, ['filter.end'], 'subject-1');
      const byType = await sse(`?last_event_id=${base}&types=filter.a.*,filter.end`);
      await byType.until((c) => c.messages.some((m) => m.event === 'filter.end'));
      assert.deepEqual(
        byType.messages.map((m) => m.event),
        ['filter.a.one', 'filter.a.two', 'filter.a.three', 'filter.end'],
      );
      const bySubject = await sse(`?last_event_id=${base}&subject=subject-1`);
      await bySubject.until((c) => c.messages.some((m) => m.event === 'filter.end'));
      assert.deepEqual(
        bySubject.messages.map((m) => m.event),
        ['filter.a.one', 'filter.b', 'filterx.c', 'filter.a.two', 'filter.end'],
      );
      const page = await getJson(test, `/events?after=${base}&types=filter.a.*&subject=subject-1`);
      assert.equal(page.status, 200);
      assert.deepEqual(
        (page.body.items as { type: string }[]).map((item) => item.type),
        ['filter.a.one', 'filter.a.two'],
      );
    });

    it('sends a heartbeat comment at the configured interval', async () => {
      const client = await sse('');
      await client.until((c) => c.comments.filter((comment) => comment === 'heartbeat').length >= 2, 'two heartbeats');
    });

    it('pages GET /events with nextAfter until the latest event', async () => {
      const base = await test.services.store.version(test.tenantId);
      await writeEvents(test.services.store, test.tenantId, ['page.a', 'page.b', 'page.c', 'page.d', 'page.e']);
      const seen: number[] = [];
      let cursor = base;
      for (let pages = 0; pages < 10; pages++) {
        const page = await getJson(test, `/events?after=${cursor}&limit=2&types=page.*`);
        assert.equal(page.status, 200);
        seen.push(...(page.body.items as { seq: number }[]).map((item) => item.seq));
        if (page.body.nextAfter === null) break;
        cursor = page.body.nextAfter as number;
      }
      assertContiguous(seen, base + 1, base + 5);
    });

    it('a write through a second store on the same database (another process) reaches the stream', async () => {
      const second = await test.openSecondStore();
      const client = await sse('?types=elsewhere.*');
      await client.until((c) => c.comments.some((comment) => comment.startsWith('connected')));
      const [seq] = await writeEvents(second, test.tenantId, ['elsewhere.written']);
      await client.until((c) => c.messages.length > 0, 'the other store’s event');
      assert.deepEqual(seqs(client), [seq]);
    });

    it('authenticates by stream token, and refuses a missing, forged, expired or scope-less credential', async () => {
      const anonymous = await sse('', {});
      assert.equal(anonymous.status, 401);
      const issued = await fetch(`${test.base}/events/stream-tokens`, { method: 'POST', headers: bearer(test.key) });
      assert.equal(issued.status, 201);
      const { token, expiresAt } = (await issued.json()) as { token: string; expiresAt: string };
      assert.match(token, /^tst_/);
      assert.ok(Date.parse(expiresAt) > Date.now());
      const base = await test.services.store.version(test.tenantId);
      const [seq] = await writeEvents(test.services.store, test.tenantId, ['token.event']);
      const byToken = await sse(`?token=${encodeURIComponent(token)}&last_event_id=${base}`, {});
      assert.equal(byToken.status, 200);
      await byToken.until((c) => c.messages.length > 0);
      assert.deepEqual(seqs(byToken), [seq]);

      // A stream token opens streams only: the other routes refuse it.
      const elsewhere = await fetch(`${test.base}/events?token=${encodeURIComponent(token)}`);
      assert.equal(elsewhere.status, 401, 'GET /events takes no stream token');
      const asBearer = await fetch(`${test.base}/events`, { headers: bearer(token) });
      assert.equal(asBearer.status, 401);

      const now = Math.floor(Date.now() / 1000);
      const expired = await test.signToken({ t: test.tenantId, s: ['read'], k: 'api_key', a: 'x', e: now - 1 });
      const expiredAnswer = await sse(`?token=${encodeURIComponent(expired)}`, {});
      assert.equal(expiredAnswer.status, 401);
      assert.match(expiredAnswer.comments[0] as string, /token_expired/);
      const noScope = await test.signToken({ t: test.tenantId, s: [], k: 'api_key', a: 'x', e: now + 60 });
      assert.equal((await sse(`?token=${encodeURIComponent(noScope)}`, {})).status, 403);
      const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
      assert.equal((await sse(`?token=${encodeURIComponent(forged)}`, {})).status, 401);
      assert.equal((await sse(`?token=${encodeURIComponent(injection)}`, {})).status, 401);
    });

    it('keeps tenants apart: another tenant’s key or token never sees this tenant’s events', async () => {
      const tokenAnswer = await fetch(`${test.base}/events/stream-tokens`, { method: 'POST', headers: bearer(test.otherKey) });
      const { token } = (await tokenAnswer.json()) as { token: string };
      const byKey = await sse('?last_event_id=0', bearer(test.otherKey));
      const byToken = await sse(`?last_event_id=0&token=${encodeURIComponent(token)}`, {});
      await writeEvents(test.services.store, test.tenantId, ['secret.a']);
      const [otherSeq] = await writeEvents(test.services.store, test.otherTenantId, ['other.marker']);
      for (const client of [byKey, byToken]) {
        await client.until((c) => c.messages.some((m) => m.event === 'other.marker'));
        assert.ok(!client.messages.some((m) => m.event?.startsWith('secret')), 'no event of tenant A');
        for (const message of client.messages) assert.equal((JSON.parse(message.data) as { payload: unknown }).payload !== undefined, true);
        assert.equal(Number(client.messages.at(-1)?.id), otherSeq, JSON.stringify(client.messages));
      }
      const page = await getJson(test, '/events?after=0&limit=1000', test.otherKey);
      assert.ok(!(page.body.items as { type: string }[]).some((item) => item.type.startsWith('secret')));
      // A subject or cursor from tenant A shows nothing of A either.
      const mine = await getJson(test, '/events?after=0&types=secret.*', test.otherKey);
      assert.deepEqual(mine.body.items, []);
    });

    it('answers 400 to malformed filters, cursors and unknown parameters, and changes nothing', async () => {
      const before = await test.services.store.version(test.tenantId);
      const bad = [
        '?types=Entity.Created',
        '?types=entity.**',
        '?types=entity.*.x',
        '?types=*entity',
        `?types=${encodeURIComponent(injection)}`,
        `?types=${'a,'.repeat(40)}a`,
        `?types=${'a'.repeat(2001)}`,
        `?subject=${'s'.repeat(201)}`,
        '?subject=',
        '?after=-1',
        '?after=99999999999999999999',
        '?after=1.5',
        '?after=abc',
        '?limit=0',
        '?limit=1001',
        '?unknown=1',
      ];
      for (const query of bad) {
        const list = await fetch(`${test.base}/events${query}`, { headers: bearer(test.key) });
        assert.equal(list.status, 400, `GET /events${query}`);
        assert.match(String(list.headers.get('content-type')), /^application\/problem\+json/);
        const streamQuery = query.replace('after=', 'last_event_id=').replace('limit=', 'unknown_limit=');
        const stream = await sse(streamQuery);
        assert.equal(stream.status, 400, `GET /events/stream${streamQuery}`);
      }
      for (const header of ['abc', '-1', '99999999999999999999', '1e3', injection]) {
        const stream = await sse('', { ...bearer(test.key), 'last-event-id': header });
        assert.equal(stream.status, 400, `Last-Event-ID: ${header}`);
      }
      const tokenBody = await fetch(`${test.base}/events/stream-tokens`, {
        method: 'POST',
        headers: { ...bearer(test.key), 'content-type': 'application/json' },
        body: JSON.stringify({ scopes: ['system'] }),
      });
      assert.equal(tokenBody.status, 400, 'a stream token request takes no fields');
      assert.equal(await test.services.store.version(test.tenantId), before, 'no event was written');
    });
  });
}
