/** @module Event retention and its effect on streams (expired-cursor header), and the bound on slow SSE clients, on both drivers. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { appendEvent } from '../src/store/index.js';
import { bearer } from './support/app.js';
import { type EventApp, startEventApp } from './support/event-app.js';
import { openSse, seqs, writeEvents } from './support/event-streams.js';
import { dialects } from './support/stores.js';

async function eventSeqs(test: EventApp, tenantId: string): Promise<number[]> {
  const rows = await test.services.store.read({ tenantId }, (tx) =>
    tx.all<{ seq: number }>('SELECT seq FROM events WHERE tenant_id = ? ORDER BY seq', [tenantId]),
  );
  return rows.map((row) => Number(row.seq));
}

for (const dialect of dialects) {
  describe(`event retention (${dialect})`, () => {
    let test: EventApp;
    before(async () => {
      test = await startEventApp(dialect, { eventRetentionMaxEvents: 5, eventRetentionDays: 30, eventStreamMaxBufferBytes: 4096 });
    });
    after(() => test.dispose());

    it('keeps the newest events by count per tenant, and the other tenant’s apart', async () => {
      await writeEvents(test.services.store, test.tenantId, ['keep.a', 'keep.b', 'keep.c', 'keep.d', 'keep.e', 'keep.f', 'keep.g']);
      const latest = await test.services.store.version(test.tenantId);
      const otherBefore = await eventSeqs(test, test.otherTenantId);
      const report = await test.services.events.applyRetention();
      assert.ok(report.deleted >= 2);
      assert.deepEqual(await eventSeqs(test, test.tenantId), [latest - 4, latest - 3, latest - 2, latest - 1, latest]);
      assert.deepEqual(await eventSeqs(test, test.otherTenantId), otherBefore.slice(-5));
    });

    it('deletes by age but never a tenant’s newest event', async () => {
      const latest = await test.services.store.version(test.tenantId);
      const inSixtyDays = new Date(Date.now() + 60 * 86_400_000);
      await test.services.events.applyRetention(inSixtyDays);
      assert.deepEqual(await eventSeqs(test, test.tenantId), [latest]);
      // A second pass changes nothing: the newest event stays however old it is.
      await test.services.events.applyRetention(inSixtyDays);
      assert.deepEqual(await eventSeqs(test, test.tenantId), [latest]);
      // The sequence goes on from the counter, not from what is left.
      const [next] = await writeEvents(test.services.store, test.tenantId, ['keep.after']);
      assert.equal(next, latest + 1);
    });

    it('tells a client whose cursor is older than retention: the header on SSE and on GET /events (with cursorExpired)', async () => {
      const [floor] = await eventSeqs(test, test.tenantId);
      const stale = (floor as number) - 3;
      const client = await openSse(`${test.base}/events/stream?last_event_id=${stale}`, bearer(test.key));
      assert.equal(client.status, 200);
      assert.equal(client.headers.get('trellis-cursor-expired'), String(floor));
      const latest = await test.services.store.version(test.tenantId);
      await client.until((c) => seqs(c).includes(latest));
      assert.equal(seqs(client)[0], floor, 'replay starts at the oldest retained event');
      client.close();
      const page = await fetch(`${test.base}/events?after=${stale}`, { headers: bearer(test.key) });
      assert.equal(page.headers.get('trellis-cursor-expired'), String(floor));
      assert.equal(((await page.json()) as { cursorExpired: number }).cursorExpired, floor);
      // A cursor right below the floor lost nothing.
      const fresh = await openSse(`${test.base}/events/stream?last_event_id=${(floor as number) - 1}`, bearer(test.key));
      assert.equal(fresh.headers.get('trellis-cursor-expired'), null);
      fresh.close();
    });

    it('closes a slow SSE client that falls too far behind, with a comment telling it to resume', async () => {
      const socket = net.connect(Number(new URL(test.base).port), '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
      });
      socket.write(`GET /events/stream?types=slow.* HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${test.key}\r\n\r\n`);
      await new Promise<void>((resolve, reject) => {
        const check = () => (received.includes('connected at') ? resolve() : setTimeout(check, 10));
        socket.once('close', () => reject(new Error('closed early')));
        check();
      });
      // Stop reading: the kernel buffers fill, then the server's. Write until the server gives up on the client.
      socket.pause();
      const payload = { blob: 'x'.repeat(64 * 1024) };
      for (let round = 0; round < 400 && test.services.events.openStreams.size > 0; round++) {
        await test.services.store.transaction({ tenantId: test.tenantId }, (tx) => appendEvent(tx, { type: 'slow.big', payload }));
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(test.services.events.openStreams.size, 0, 'the server closed the slow stream');
      socket.resume();
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      assert.match(received, /: closed: too far behind \(position \d+\); reconnect with Last-Event-ID/);
    });
  });
}
