/** @module Coalesced live delivery (`eventStreamFlushMs` > 0): order, no gap and no duplicate under concurrent writers, over SSE and WebSocket, on both drivers. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { FeedBatch } from '../src/platform/events/tenant-feed.js';
import { bearer } from './support/app.js';
import { type EventApp, startEventApp } from './support/event-app.js';
import { type SseClient, openSse, seqs, writeEvents } from './support/event-streams.js';
import { dialects } from './support/stores.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** A WebSocket subscribed after a cursor; collects event sequences. */
async function subscribeWs(test: EventApp, after: number, types: string[]): Promise<{ seqs: number[]; close(): void }> {
  const socket = new WebSocket(`${test.base.replace('http:', 'ws:')}/events/ws`, { headers: bearer(test.key) });
  const received: number[] = [];
  let subscribed: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (subscribed = resolve));
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { type: string; seq?: number };
    if (message.type === 'subscribed') subscribed();
    if (message.type === 'event') received.push(message.seq as number);
  });
  await new Promise<void>((resolve) => socket.once('open', () => resolve()));
  socket.send(JSON.stringify({ type: 'subscribe', after, types }));
  await ready;
  return { seqs: received, close: () => socket.terminate() };
}

async function eventually(check: () => boolean, label: string): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

for (const dialect of dialects) {
  describe(`coalesced live delivery (${dialect})`, () => {
    let test: EventApp;
    const closers: (() => void)[] = [];
    before(async () => {
      test = await startEventApp(dialect, { eventStreamFlushMs: 25 });
    });
    after(async () => {
      for (const close of closers) close();
      await test.dispose();
    });

    it('keeps order with no gap and no duplicate while four writers commit concurrently, and reads each flush window once', async () => {
      const { store, events } = test.services;
      const start = await store.version(test.tenantId);
      await writeEvents(store, test.tenantId, ['batch.even', 'batch.odd']);
      // The feed's batches, as every stream of the tenant gets them.
      const batches: FeedBatch[] = [];
      closers.push(events.feeds.join(test.tenantId, (batch) => batches.push(batch)));
      const sse = async (query: string): Promise<SseClient> => {
        const client = await openSse(`${test.base}/events/stream${query}`, bearer(test.key));
        closers.push(() => client.close());
        return client;
      };
      const replaying = await sse(`?last_event_id=${start}&types=batch.*`);
      const live = await sse('?types=batch.*');
      const filtered = await sse(`?last_event_id=${start}&types=batch.even`);
      const socket = await subscribeWs(test, start, ['batch.*']);
      closers.push(socket.close);
      await live.until((client) => client.comments.some((comment) => comment.startsWith('connected')));
      const liveFrom = (await store.version(test.tenantId)) + 1;

      // Four writers, 30 transactions each, of one to three events, some with a pause between them.
      let commits = 0;
      const writer = async (id: number) => {
        for (let index = 0; index < 30; index++) {
          const types = Array.from({ length: 1 + ((id + index) % 3) }, (_, at) => (at % 2 === 0 ? 'batch.even' : 'batch.odd'));
          await writeEvents(store, test.tenantId, types);
          commits++;
          if (index % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 30));
        }
      };
      const writing = performance.now();
      await Promise.all([writer(0), writer(1), writer(2), writer(3)]);
      const windows = Math.ceil((performance.now() - writing) / 25);
      const end = await store.version(test.tenantId);

      await replaying.until((client) => seqs(client).includes(end), `seq ${end} on the replaying stream`);
      await live.until((client) => seqs(client).includes(end), `seq ${end} on the live stream`);
      await eventually(() => socket.seqs.includes(end), `seq ${end} on the WebSocket`);
      assert.deepEqual(seqs(replaying), range(start + 1, end));
      assert.deepEqual(seqs(live), range(liveFrom, end));
      assert.deepEqual(socket.seqs, range(start + 1, end));
      for (const message of replaying.messages) {
        assert.equal((JSON.parse(message.data) as { seq: number }).seq, Number(message.id), 'SSE id is the sequence');
      }

      // The filtered stream got exactly the even events, in order.
      const page = await store.read({ tenantId: test.tenantId }, (tx) =>
        tx.all<{ seq: number }>("SELECT seq FROM events WHERE tenant_id = ? AND seq > ? AND type = 'batch.even' ORDER BY seq", [test.tenantId, start]),
      );
      const evens = page.map((row) => Number(row.seq));
      await filtered.until((client) => seqs(client).includes(evens.at(-1) as number), 'the last even event');
      assert.deepEqual(seqs(filtered), evens);

      // The feed handed out contiguous ranges, about one per 25 ms window however many commits it held.
      await eventually(() => batches.at(-1)?.upTo === end, 'the feed to reach the end');
      for (let index = 1; index < batches.length; index++) assert.equal(batches[index]?.from, batches[index - 1]?.upTo);
      assert.ok(batches.length <= windows + 4, `${batches.length} batches for ${commits} commits in ${windows} flush windows`);
    });
  });
}
