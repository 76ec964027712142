/** @module End-to-end tests of the event WebSocket (`/events/ws`) with a real `ws` client, on both drivers. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { bearer } from './support/app.js';
import { type EventApp, startEventApp } from './support/event-app.js';
import { writeEvents } from './support/event-streams.js';
import { dialects } from './support/stores.js';

interface WsClient {
  socket: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
  until(predicate: (messages: Record<string, unknown>[]) => boolean, label?: string): Promise<void>;
}

/** Connects a `ws` client; messages are parsed and kept; `until` waits for a condition or fails when the socket closes first. */
function connect(url: string, headers: Record<string, string> = {}): WsClient {
  const socket = new WebSocket(url, { headers });
  const messages: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let isClosed = false;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      isClosed = true;
      resolve({ code, reason: reason.toString() });
      for (const waiter of [...waiters]) waiter();
    });
  });
  socket.on('error', () => undefined);
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    for (const waiter of [...waiters]) waiter();
  });
  return {
    socket,
    messages,
    closed,
    until: (predicate, label = 'condition') =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate(messages)) {
            waiters.delete(check);
            resolve();
          } else if (isClosed) {
            waiters.delete(check);
            reject(new Error(`the socket closed before ${label}: ${JSON.stringify(messages)}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

const eventSeqs = (messages: Record<string, unknown>[]) => messages.filter((m) => m.type === 'event').map((m) => m.seq as number);

for (const dialect of dialects) {
  describe(`event WebSocket (${dialect})`, () => {
    let test: EventApp;
    let wsBase: string;
    const sockets: WsClient[] = [];
    const open = (query = '', headers: Record<string, string> = bearer(test.key)) => {
      const client = connect(`${wsBase}/events/ws${query}`, headers);
      sockets.push(client);
      return client;
    };
    const send = (client: WsClient, message: unknown) =>
      new Promise<void>((resolve) => {
        const go = () => client.socket.send(typeof message === 'string' ? message : JSON.stringify(message), () => resolve());
        if (client.socket.readyState === WebSocket.OPEN) go();
        else client.socket.once('open', go);
      });
    before(async () => {
      test = await startEventApp(dialect, { eventStreamHeartbeatMs: 100 });
      wsBase = test.base.replace('http:', 'ws:');
    });
    after(async () => {
      for (const client of sockets) client.socket.terminate();
      await test.dispose();
    });

    it('subscribes after a cursor, replays, goes live without gap or duplicate under concurrent writes, and takes acks', async () => {
      const start = await test.services.store.version(test.tenantId);
      await writeEvents(test.services.store, test.tenantId, ['ws.tick', 'ws.tick']);
      const writer = async () => {
        for (let index = 0; index < 20; index++) await writeEvents(test.services.store, test.tenantId, ['ws.tick']);
      };
      const writers = Promise.all([writer(), writer()]);
      const client = open();
      await send(client, { type: 'subscribe', after: start, types: ['ws.*'] });
      await writers;
      const end = await test.services.store.version(test.tenantId);
      await client.until((messages) => eventSeqs(messages).includes(end), `seq ${end}`);
      const subscribed = client.messages[0] as { type: string; after: number; latestSeq: number; cursorExpired: number | null };
      assert.equal(subscribed.type, 'subscribed');
      assert.equal(subscribed.after, start);
      assert.equal(subscribed.cursorExpired, null);
      assert.deepEqual(
        eventSeqs(client.messages),
        Array.from({ length: end - start }, (_, index) => start + 1 + index),
      );
      const event = client.messages[1] as { seq: number; event: { seq: number; type: string } };
      assert.equal(event.event.seq, event.seq);
      assert.equal(event.event.type, 'ws.tick');
      await send(client, { type: 'ack', seq: end });
      await send(client, { type: 'ping' });
      await client.until((messages) => messages.some((m) => m.type === 'pong'));
    });

    it('filters by subject and authenticates by stream token; another tenant sees none of it', async () => {
      const issued = await fetch(`${test.base}/events/stream-tokens`, { method: 'POST', headers: bearer(test.key) });
      const { token } = (await issued.json()) as { token: string };
      const mine = open(`?token=${encodeURIComponent(token)}`, {});
      const theirs = open('', bearer(test.otherKey));
      await send(mine, { type: 'subscribe', subject: 'sub-1' });
      await send(theirs, { type: 'subscribe', after: 0 });
      await mine.until((messages) => messages.some((m) => m.type === 'subscribed'));
      await theirs.until((messages) => messages.some((m) => m.type === 'subscribed'));
      await writeEvents(test.services.store, test.tenantId, ['ws.other'], 'sub-2');
      const [seq] = await writeEvents(test.services.store, test.tenantId, ['ws.mine'], 'sub-1');
      const [marker] = await writeEvents(test.services.store, test.otherTenantId, ['ws.marker']);
      await mine.until((messages) => eventSeqs(messages).includes(seq as number));
      assert.deepEqual(eventSeqs(mine.messages), [seq]);
      await theirs.until((messages) => eventSeqs(messages).includes(marker as number));
      const theirTypes = theirs.messages.filter((m) => m.type === 'event').map((m) => (m.event as { type: string }).type);
      assert.ok(!theirTypes.includes('ws.mine') && !theirTypes.includes('ws.other'), `tenant B saw ${theirTypes.join(', ')}`);
    });

    it('closes with 4401 without valid credentials, 4403 without the read scope', async () => {
      assert.equal((await open('', {}).closed).code, 4401);
      assert.equal((await open('', bearer('trl_not_a_real_key')).closed).code, 4401);
      assert.equal((await open('?token=tst_forged.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', {}).closed).code, 4401);
      const now = Math.floor(Date.now() / 1000);
      const expired = await test.signToken({ t: test.tenantId, s: ['read'], k: 'api_key', a: 'x', e: now - 1 });
      assert.equal((await open(`?token=${encodeURIComponent(expired)}`, {}).closed).code, 4401);
      const noScope = await test.signToken({ t: test.tenantId, s: [], k: 'api_key', a: 'x', e: now + 60 });
      assert.equal((await open(`?token=${encodeURIComponent(noScope)}`, {}).closed).code, 4403);
    });

    it('closes with 4400 on bad messages and writes nothing', async () => {
      const before = await test.services.store.version(test.tenantId);
      const bad: unknown[] = [
        'not json',
        '[]',
        '42',
        { type: 'unsubscribe' },
        { type: 'subscribe', after: -1 },
        { type: 'subscribe', after: 1.5 },
        { type: 'subscribe', after: '5' },
        { type: 'subscribe', after: 1e20 },
        { type: 'subscribe', types: 'entity.*' },
        { type: 'subscribe', types: ['Entity!'] },
        { type: 'subscribe', types: ["x'); DROP TABLE events;--"] },
        { type: 'subscribe', subject: 5 },
        { type: 'subscribe', subject: 's'.repeat(201) },
        { type: 'subscribe', extra: true },
        { type: 'ack', seq: -3 },
        { type: 'ack' },
        JSON.stringify({ type: 'subscribe', subject: 'x'.repeat(20_000) }),
      ];
      for (const message of bad) {
        const client = open();
        await send(client, message);
        const { code } = await client.closed;
        assert.equal(code, 4400, `message ${JSON.stringify(message).slice(0, 80)}`);
      }
      const twice = open();
      await send(twice, { type: 'subscribe' });
      await send(twice, { type: 'subscribe' });
      assert.equal((await twice.closed).code, 4400);
      assert.equal(await test.services.store.version(test.tenantId), before);
    });

    it('a write through a second store (another process) reaches the socket', async () => {
      const second = await test.openSecondStore();
      const client = open();
      await send(client, { type: 'subscribe', types: ['ws.elsewhere'] });
      await client.until((messages) => messages.some((m) => m.type === 'subscribed'));
      const [seq] = await writeEvents(second, test.tenantId, ['ws.elsewhere']);
      await client.until((messages) => eventSeqs(messages).includes(seq as number));
    });
  });
}

describe('event streams on server shutdown', () => {
  it('closes sockets with 1001 and ends SSE responses with a comment, and the server closes', async () => {
    const test = await startEventApp('sqlite');
    const client = connect(`${test.base.replace('http:', 'ws:')}/events/ws`, bearer(test.key));
    client.socket.on('open', () => client.socket.send(JSON.stringify({ type: 'subscribe' })));
    await client.until((messages) => messages.some((m) => m.type === 'subscribed'));
    const response = await fetch(`${test.base}/events/stream`, { headers: bearer(test.key) });
    assert.equal(response.status, 200);
    const body = response.text();
    await test.dispose();
    assert.equal((await client.closed).code, 1001);
    assert.match(await body, /: server shutting down/);
  });
});
