/** @module Event retention keeps what webhook dispatch has not yet handled, and stops holding once the tenant has no enabled endpoint; both drivers. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { writeEvents } from './support/event-streams.js';
import { dialects } from './support/stores.js';

for (const dialect of dialects) {
  describe(`event retention holds for webhook dispatch (${dialect})`, () => {
    let test: TestApp;
    const seqs = async () =>
      (
        await test.services.store.read({ tenantId: test.tenantId }, (tx) =>
          tx.all<{ seq: number }>('SELECT seq FROM events WHERE tenant_id = ? ORDER BY seq', [test.tenantId]),
        )
      ).map((row) => Number(row.seq));

    before(async () => {
      // No background work: nothing dispatches, so the cursor stays where the test puts it.
      test = await createTestApp(dialect, { eventRetentionMaxEvents: 3, eventRetentionDays: 0, webhookAllowPrivateTargets: 'loopback' });
    });
    after(() => test.dispose());

    it('keeps every event after the dispatch cursor while an endpoint is enabled, then lets the count limit apply', async () => {
      const created = await test.app.inject({
        method: 'POST',
        url: '/webhooks',
        headers: bearer(test.adminKey),
        payload: { url: 'http://127.0.0.1:1/hooks' },
      });
      assert.equal(created.statusCode, 201, created.body);
      const endpoint = created.json<{ id: string }>();
      const cursor = await test.services.store.version(test.tenantId);
      await test.services.store.transaction({ tenantId: test.tenantId }, (tx) =>
        tx.run('INSERT INTO webhook_cursors (tenant_id, seq) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq', [test.tenantId, cursor]),
      );
      const written = await writeEvents(test.services.store, test.tenantId, ['hold.a', 'hold.b', 'hold.c', 'hold.d', 'hold.e', 'hold.f']);

      await test.services.events.applyRetention();
      const held = await seqs();
      assert.deepEqual(held.slice(-written.length), written, 'every event after the cursor stays');
      assert.ok(
        held.every((seq) => seq > cursor),
        'events up to the cursor may go',
      );

      const disabled = await test.app.inject({ method: 'PATCH', url: `/webhooks/${endpoint.id}`, headers: bearer(test.adminKey), payload: { enabled: false } });
      assert.equal(disabled.statusCode, 200, disabled.body);
      await test.services.events.applyRetention();
      const latest = await test.services.store.version(test.tenantId);
      assert.deepEqual(await seqs(), [latest - 2, latest - 1, latest]);
    });
  });
}
