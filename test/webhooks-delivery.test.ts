/** @module End-to-end webhook delivery on both drivers: a real receiver verifying signatures, filters, retries, Retry-After, 410, timeouts, the failure window, redelivery, rotation and pings. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WebhookDeliveryDetail, WebhookEndpoint } from '../src/platform/webhooks/index.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';
import { type Receiver, fastWebhooks, startReceiver, waitFor } from './webhooks-support.js';

type Created = WebhookEndpoint & { secret: string };

for (const dialect of dialects) {
  describe(`webhook delivery (${dialect})`, () => {
    let test: TestApp;
    const receivers: Receiver[] = [];

    const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
      test.app.inject({ method, url, headers: bearer(test.adminKey), ...(payload === undefined ? {} : { payload: payload as object }) });

    async function endpoint(receiver: Receiver, extra: Record<string, unknown> = {}): Promise<Created> {
      const response = await call('POST', '/webhooks', { url: receiver.url, ...extra });
      assert.equal(response.statusCode, 201, response.body);
      const created = response.json<Created>();
      receiver.secrets.push(created.secret);
      return created;
    }

    async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
      const started = await startReceiver(...args);
      receivers.push(started);
      return started;
    }

    const entity = async (name: string, type = 'Person') => {
      const response = await call('POST', '/entities', { type, name });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ id: string }>().id;
    };

    const deliveries = async (endpointId: string) =>
      (await call('GET', `/webhooks/${endpointId}/deliveries?limit=1000`)).json<{
        items: { id: string; status: string; messageId: string; eventType: string }[];
      }>().items;
    const detail = async (endpointId: string, deliveryId: string) =>
      (await call('GET', `/webhooks/${endpointId}/deliveries/${deliveryId}`)).json<WebhookDeliveryDetail>();

    before(async () => {
      test = await createTestApp(dialect, { ...fastWebhooks, webhookRetrySchedule: [0, 50, 100, 150, 200] }, { background: true });
    });
    after(async () => {
      await test.dispose();
      for (const r of receivers) await r.close();
    });

    it('delivers each committed event once, signed so that the standardwebhooks package verifies it, and logs the attempt', async () => {
      const hook = await receiver();
      const created = await endpoint(hook, { description: 'all events' });
      assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      const id = await entity('Ada Lovelace');
      const got = await waitFor('the entity.created message', () => hook.received.find((r) => JSON.parse(r.body).type === 'entity.created'));
      assert.deepEqual(got.verifiedWith, [0]);
      const body = JSON.parse(got.body);
      assert.equal(body.data.id, id);
      assert.match(got.id, /^msg_[0-9a-f-]{36}$/);
      assert.equal(Number(got.timestamp) > 1_600_000_000, true);
      const logged = await waitFor('a succeeded delivery', async () =>
        (await deliveries(created.id)).find((d) => d.eventType === 'entity.created' && d.status === 'succeeded'),
      );
      assert.equal(logged.messageId, got.id);
      const full = await detail(created.id, logged.id);
      assert.equal(full.attemptLog.length, 1);
      assert.equal(full.attemptLog[0]?.statusCode, 204);
      assert.equal(full.attemptLog[0]?.trigger, 'scheduled');
      assert.equal(typeof full.attemptLog[0]?.durationMs, 'number');
      assert.deepEqual(full.payload, body);
      assert.equal(hook.received.filter((r) => r.id === got.id).length, 1, 'one message per event');
      await call('DELETE', `/webhooks/${created.id}`);
    });

    it('delivers only the event types an endpoint asks for (exact and prefix.*)', async () => {
      const people = await receiver();
      const sources = await receiver();
      const a = await endpoint(people, { eventTypes: ['entity.*'] });
      const b = await endpoint(sources, { eventTypes: ['source.created'] });
      await entity('Grace Hopper');
      const source = await call('POST', '/sources', { uri: 'file:///notes/filters.md', kind: 'md', chunks: [{ text: 'x' }] });
      assert.equal(source.statusCode, 201, source.body);
      await waitFor('both receivers', () => people.received.length >= 1 && sources.received.length >= 1);
      await entity('Katherine Johnson');
      await waitFor('the second entity', () => people.received.length >= 2);
      assert.deepEqual(new Set(people.received.map((r) => JSON.parse(r.body).type)), new Set(['entity.created']));
      assert.deepEqual(
        sources.received.map((r) => JSON.parse(r.body).type),
        ['source.created'],
      );
      await call('DELETE', `/webhooks/${a.id}`);
      await call('DELETE', `/webhooks/${b.id}`);
    });

    it('retries a 500 with the same webhook-id and logs each attempt’s status and truncated body', async () => {
      const hook = await receiver();
      hook.script.push({ status: 500, body: 'x'.repeat(5000) }, { status: 500 });
      const created = await endpoint(hook, { eventTypes: ['entity.created'] });
      await entity('Retry Me');
      await waitFor('three attempts', () => hook.received.length >= 3);
      assert.equal(new Set(hook.received.map((r) => r.id)).size, 1, 'one message id across retries');
      const [logged] = await deliveries(created.id);
      const full = await waitFor('the delivery to succeed', async () => {
        const d = await detail(created.id, logged!.id);
        return d.status === 'succeeded' ? d : null;
      });
      assert.deepEqual(
        full.attemptLog.map((a) => a.statusCode),
        [500, 500, 204],
      );
      assert.equal(full.attemptLog[0]?.responseBody?.length, 1024);
      assert.equal(full.attemptLog[0]?.error, 'HTTP 500');
      const endpointNow = (await call('GET', `/webhooks/${created.id}`)).json<WebhookEndpoint>();
      assert.equal(endpointNow.failingSince, null, 'a success clears the failure state');
      await call('DELETE', `/webhooks/${created.id}`);
    });

    it('honours Retry-After over the schedule', async () => {
      const hook = await receiver();
      hook.script.push({ status: 503, headers: { 'retry-after': '1' } });
      const created = await endpoint(hook, { eventTypes: ['entity.created'] });
      await entity('Patience');
      await waitFor('two attempts', () => hook.received.length >= 2);
      const [logged] = await deliveries(created.id);
      const full = await waitFor('success', async () => {
        const d = await detail(created.id, logged!.id);
        return d.status === 'succeeded' ? d : null;
      });
      const [first, second] = full.attemptLog;
      const gap = Date.parse(second!.startedAt) - Date.parse(first!.startedAt);
      assert.ok(gap >= 1000, `second attempt ${gap} ms after the first; Retry-After asked for 1000 (the schedule for 50)`);
      await call('DELETE', `/webhooks/${created.id}`);
    });

    it('a 410 disables the endpoint at once and emits endpoint.disabled, delivered to other endpoints', async () => {
      const gone = await receiver({ status: 410 });
      const watcher = await receiver();
      const created = await endpoint(gone, { eventTypes: ['entity.created'] });
      const watching = await endpoint(watcher, { eventTypes: ['endpoint.disabled'] });
      await entity('Gone Girl');
      const disabled = await waitFor('endpoint.disabled at the watcher', () => watcher.received.find((r) => JSON.parse(r.body).type === 'endpoint.disabled'));
      assert.deepEqual(JSON.parse(disabled.body).data, { id: created.id, url: gone.url, reason: 'gone', failingSince: null });
      const state = (await call('GET', `/webhooks/${created.id}`)).json<WebhookEndpoint>();
      assert.equal(state.enabled, false);
      assert.equal(state.disabledReason, 'gone');
      assert.equal(gone.received.length, 1, 'no retry after 410');
      const again = await call('PATCH', `/webhooks/${created.id}`, { enabled: true });
      assert.equal(again.json<WebhookEndpoint>().disabledReason, null);
      await call('DELETE', `/webhooks/${created.id}`);
      await call('DELETE', `/webhooks/${watching.id}`);
    });

    it('counts a receiver that hangs past the timeout, or is down, as a failed attempt without a status', async () => {
      const hanging = await receiver('hang');
      const created = await endpoint(hanging, { eventTypes: ['entity.created'] });
      const down = await receiver();
      const downEndpoint = await endpoint(down, { eventTypes: ['entity.created'] });
      await down.close();
      await entity('Nobody Home');
      const [hung] = await waitFor('a logged hang', async () => {
        const list = await deliveries(created.id);
        return list.length > 0 && (await detail(created.id, list[0]!.id)).attemptLog.length > 0 ? list : null;
      });
      const hungDetail = await detail(created.id, hung!.id);
      assert.equal(hungDetail.attemptLog[0]?.statusCode, null);
      assert.match(hungDetail.attemptLog[0]?.error ?? '', /no complete response within 1000 ms/);
      const [refused] = await deliveries(downEndpoint.id);
      const refusedDetail = await waitFor('a logged refusal', async () => {
        const d = await detail(downEndpoint.id, refused!.id);
        return d.attemptLog.length > 0 ? d : null;
      });
      assert.match(refusedDetail.attemptLog[0]?.error ?? '', /ECONNREFUSED/);
      await call('DELETE', `/webhooks/${created.id}`);
      await call('DELETE', `/webhooks/${downEndpoint.id}`);
    });

    it('a slow receiver answering after the timeout fails the attempt, and the retry that answers in time succeeds', async () => {
      const slow = await receiver();
      slow.script.push({ delayMs: 1500, status: 200 });
      const created = await endpoint(slow, { eventTypes: ['entity.created'] });
      await entity('Slowpoke');
      const [logged] = await waitFor('a delivery', () => deliveries(created.id).then((list) => (list.length ? list : null)));
      const full = await waitFor('success', async () => {
        const d = await detail(created.id, logged!.id);
        return d.status === 'succeeded' ? d : null;
      });
      assert.equal(full.attemptLog[0]?.statusCode, null);
      assert.equal(full.attemptLog.at(-1)?.statusCode, 204);
      await call('DELETE', `/webhooks/${created.id}`);
    });

    it('redelivers a delivered message on request with the same webhook-id, as a manual attempt', async () => {
      const hook = await receiver();
      const created = await endpoint(hook, { eventTypes: ['entity.created'] });
      await entity('Encore');
      await waitFor('the first delivery', () => hook.received.length === 1);
      const [logged] = await waitFor('a succeeded delivery', async () => {
        const list = await deliveries(created.id);
        return list[0]?.status === 'succeeded' ? list : null;
      });
      const response = await call('POST', `/webhooks/${created.id}/deliveries/${logged!.id}/redeliver`);
      assert.equal(response.statusCode, 202, response.body);
      await waitFor('the redelivery', () => hook.received.length === 2);
      assert.equal(hook.received[1]?.id, hook.received[0]?.id);
      const full = await waitFor('two attempts logged', async () => {
        const d = await detail(created.id, logged!.id);
        return d.attemptLog.length === 2 ? d : null;
      });
      assert.deepEqual(
        full.attemptLog.map((a) => a.trigger),
        ['scheduled', 'manual'],
      );
      await call('DELETE', `/webhooks/${created.id}`);
    });

    it('after a rotation both the new and the old secret verify during the grace period', async () => {
      const hook = await receiver();
      const created = await endpoint(hook, { eventTypes: ['entity.created'] });
      const rotated = await call('POST', `/webhooks/${created.id}/rotate-secret`);
      assert.equal(rotated.statusCode, 200, rotated.body);
      const { secret, previousSecretValidUntil } = rotated.json<{ secret: string; previousSecretValidUntil: string }>();
      assert.notEqual(secret, created.secret);
      assert.ok(Date.parse(previousSecretValidUntil) > Date.now());
      hook.secrets.push(secret);
      await entity('Rotated');
      const got = await waitFor('a message', () => hook.received[0]);
      assert.equal(got.signature.split(' ').length, 2);
      assert.deepEqual(got.verifiedWith, [0, 1], 'old and new secrets both verify');
      await call('DELETE', `/webhooks/${created.id}`);
    });

    it('sends a test ping at once and answers with its attempt', async () => {
      const hook = await receiver({ status: 200, body: 'pong' });
      const created = await endpoint(hook, { eventTypes: ['nothing.matches'] });
      const response = await call('POST', `/webhooks/${created.id}/test`);
      assert.equal(response.statusCode, 200, response.body);
      const ping = response.json<WebhookDeliveryDetail>();
      assert.equal(ping.eventType, 'webhook.ping');
      assert.equal(ping.status, 'succeeded');
      assert.equal(ping.attemptLog[0]?.responseBody, 'pong');
      assert.equal(hook.received.length, 1);
      assert.deepEqual(hook.received[0]?.verifiedWith, [0]);
      assert.equal(JSON.parse(hook.received[0]!.body).type, 'webhook.ping');
      await call('DELETE', `/webhooks/${created.id}`);
    });

    it('refuses at delivery time a target the guard would refuse (checked again on every attempt)', async () => {
      const hook = await receiver();
      const created = await endpoint(hook, { eventTypes: ['entity.created'] });
      // The same store under a configuration that allows no private targets: its attempt must be refused.
      const { createWebhookService } = await import('../src/platform/webhooks/index.js');
      const strict = createWebhookService(test.services.store, { ...test.services.config, webhookAllowPrivateTargets: 'off' });
      const ping = await strict.test(test.tenantId, created.id);
      assert.equal(ping.status, 'failed');
      assert.match(ping.attemptLog[0]?.error ?? '', /refused: 127\.0\.0\.1/);
      assert.equal(hook.received.length, 0);
      await call('DELETE', `/webhooks/${created.id}`);
    });
  });

  describe(`webhook failure window (${dialect})`, () => {
    let test: TestApp;
    let failing: Receiver;
    let watcher: Receiver;
    before(async () => {
      test = await createTestApp(
        dialect,
        { ...fastWebhooks, webhookRetrySchedule: [0, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100], webhookDisableAfterMs: 500 },
        { background: true },
      );
      failing = await startReceiver({ status: 500 });
      watcher = await startReceiver();
    });
    after(async () => {
      await test.dispose();
      await failing.close();
      await watcher.close();
    });

    it('disables an endpoint that has failed for the whole window (5 days by default) and emits endpoint.disabled', async () => {
      const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
        test.app.inject({ method, url, headers: bearer(test.adminKey), ...(payload ? { payload } : {}) });
      const bad = (await call('POST', '/webhooks', { url: failing.url, eventTypes: ['entity.created'] })).json<Created>();
      const good = (await call('POST', '/webhooks', { url: watcher.url, eventTypes: ['endpoint.disabled'] })).json<Created>();
      assert.ok(bad.id && good.id);
      await call('POST', '/entities', { type: 'Thing', name: 'Doomed' });
      const message = await waitFor('endpoint.disabled', () => watcher.received.find((r) => JSON.parse(r.body).type === 'endpoint.disabled'));
      const data = JSON.parse(message.body).data;
      assert.equal(data.id, bad.id);
      assert.equal(data.reason, 'failing');
      const state = (await call('GET', `/webhooks/${bad.id}`)).json<WebhookEndpoint>();
      assert.equal(state.enabled, false);
      assert.equal(state.disabledReason, 'failing');
      assert.ok(state.failingSince);
      const attemptsSeen = failing.received.length;
      assert.ok(attemptsSeen >= 2, `${attemptsSeen} attempts before disabling`);
      assert.ok(attemptsSeen < 15, 'disabled before the schedule ran out');
      // The endpoint gets nothing more once disabled.
      await call('POST', '/entities', { type: 'Thing', name: 'Ignored' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(failing.received.length, attemptsSeen);
    });
  });
}
