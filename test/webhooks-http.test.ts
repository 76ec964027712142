/** @module Webhook routes over HTTP on both drivers: CRUD, secrets never listed, SSRF refusals, bad input on every route, and other tenants' IDs (404), each leaving nothing changed. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { errorCatalogue, problemType } from '../src/core/errors.js';
import type { WebhookEndpoint } from '../src/platform/webhooks/index.js';
import { countRows } from './platform-support.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
// Endpoints with this public address are created and validated but never sent to: no test traffic leaves the machine.
const publicUrl = 'https://93.184.216.34/hooks';
// Pings go here instead: loopback (allowed in this suite's app), where nothing listens, so they fail at once.
const closedLoopbackUrl = 'http://127.0.0.1:1/hooks';
const loopbackTargets = ['http://127.0.0.1:7420/', 'http://localhost/', 'http://[::1]/', 'http://0x7f000001/'];
const injection = "x'); DROP TABLE webhook_endpoints; --";
const otherId = '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee';

function assertProblem(response: LightMyRequestResponse, status: number, code: keyof typeof errorCatalogue): void {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  assert.equal(response.json().type, problemType(code));
}

for (const dialect of dialects) {
  describe(`webhook routes (${dialect})`, () => {
    let test: TestApp;
    let endpoint: WebhookEndpoint & { secret: string };
    let deliveryId: string;
    let otherKey: string;
    let otherTenant: string;

    const call = (method: Method, url: string, payload?: unknown, key = test.adminKey) =>
      test.app.inject({ method, url, headers: bearer(key), ...(payload === undefined ? {} : { payload: payload as object }) });

    /** What the tenant holds in webhook tables and events, and the endpoint as stored; equal snapshots mean nothing changed. */
    const snapshot = async () => ({
      endpoints: await countRows(test.services.store, 'webhook_endpoints', test.tenantId),
      deliveries: await countRows(test.services.store, 'webhook_deliveries', test.tenantId),
      attempts: await countRows(test.services.store, 'webhook_attempts', test.tenantId),
      events: await countRows(test.services.store, 'events', test.tenantId),
      audit: await countRows(test.services.store, 'audit_log', test.tenantId),
      otherEndpoints: await countRows(test.services.store, 'webhook_endpoints', otherTenant),
      endpoint: (await call('GET', `/webhooks/${endpoint.id}`)).body,
    });

    before(async () => {
      test = await createTestApp(dialect, { webhookTimeoutMs: 200, bodyLimit: 8192, webhookAllowPrivateTargets: 'loopback' });
      const created = await call('POST', '/webhooks', { url: closedLoopbackUrl, description: 'main', eventTypes: ['entity.*', 'source.created'] });
      assert.equal(created.statusCode, 201, created.body);
      endpoint = created.json();
      // A ping gives the endpoint a delivery row; nothing listens at the address, so it fails.
      const ping = await call('POST', `/webhooks/${endpoint.id}/test`);
      assert.equal(ping.statusCode, 200, ping.body);
      deliveryId = ping.json().id;
      const tenant = await call('POST', '/tenants', { slug: 'other', name: 'Other' });
      assert.equal(tenant.statusCode, 201, tenant.body);
      otherKey = tenant.json().apiKey.key;
      otherTenant = tenant.json().tenant.id;
    });
    after(() => test.dispose());

    it('creates, lists, reads, updates and deletes an endpoint; the secret appears only on create and rotate', async () => {
      assert.match(endpoint.secret, /^whsec_/);
      assert.equal(endpoint.enabled, true);
      assert.deepEqual(endpoint.eventTypes, ['entity.*', 'source.created']);
      const list = (await call('GET', '/webhooks')).json<{ items: Record<string, unknown>[] }>();
      assert.ok(list.items.some((item) => item.id === endpoint.id));
      assert.ok(list.items.every((item) => !('secret' in item)));
      assert.equal('secret' in (await call('GET', `/webhooks/${endpoint.id}`)).json(), false);
      const extra = (await call('POST', '/webhooks', { url: 'http://93.184.216.34:8080/x?y=1', enabled: false })).json<WebhookEndpoint>();
      assert.equal(extra.enabled, false);
      const patched = await call('PATCH', `/webhooks/${extra.id}`, { description: 'changed', eventTypes: [] });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().description, 'changed');
      assert.equal((await call('DELETE', `/webhooks/${extra.id}`)).statusCode, 204);
      assertProblem(await call('GET', `/webhooks/${extra.id}`), 404, 'not_found');
    });

    it('logs the failed ping with its error, and pages deliveries by cursor', async () => {
      const detail = (await call('GET', `/webhooks/${endpoint.id}/deliveries/${deliveryId}`)).json();
      assert.equal(detail.status, 'failed');
      assert.equal(detail.attemptLog.length, 1);
      assert.equal(detail.attemptLog[0].statusCode, null);
      await call('POST', `/webhooks/${endpoint.id}/test`);
      const first = (await call('GET', `/webhooks/${endpoint.id}/deliveries?limit=1`)).json();
      assert.equal(first.items.length, 1);
      assert.ok(first.nextCursor);
      const second = (await call('GET', `/webhooks/${endpoint.id}/deliveries?limit=1&cursor=${first.nextCursor}`)).json();
      assert.equal(second.items.length, 1);
      assert.notEqual(second.items[0].id, first.items[0].id);
      assert.equal(second.nextCursor, null);
      assert.equal((await call('GET', `/webhooks/${endpoint.id}/deliveries?status=succeeded`)).json().items.length, 0);
    });

    it('refuses private, loopback, link-local and metadata targets, and malformed or non-http URLs, creating nothing', async () => {
      const before = await snapshot();
      for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.5/', 'http://[fe80::1]/']) {
        assertProblem(await call('POST', '/webhooks', { url }), 400, 'webhook_target_refused');
        assertProblem(await call('PATCH', `/webhooks/${endpoint.id}`, { url }), 400, 'webhook_target_refused');
      }
      for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'not a url', 'http://user:pass@93.184.216.34/', 'javascript:alert(1)']) {
        assertProblem(await call('POST', '/webhooks', { url }), 400, 'validation_failed');
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('refuses loopback targets unless the configuration allows them', async () => {
      const strict = await createTestApp(dialect);
      try {
        for (const url of loopbackTargets) {
          const response = await strict.app.inject({ method: 'POST', url: '/webhooks', headers: bearer(strict.adminKey), payload: { url } });
          assertProblem(response, 400, 'webhook_target_refused');
        }
        assert.equal(await countRows(strict.services.store, 'webhook_endpoints', strict.tenantId), 0);
      } finally {
        await strict.dispose();
      }
    });

    it('rejects bad input on every route with 400 and changes nothing', async () => {
      const before = await snapshot();
      const bodies: unknown[] = [
        { url: 5 },
        {},
        [],
        { url: publicUrl, secret: 'whsec_mine' },
        { url: publicUrl, tenantId: otherTenant },
        { url: publicUrl, eventTypes: 'entity.*' },
        { url: publicUrl, eventTypes: [injection] },
        { url: publicUrl, eventTypes: ['entity.**'] },
        { url: publicUrl, eventTypes: Array.from({ length: 51 }, (_, i) => `t${i}`) },
        { url: publicUrl, description: 'd'.repeat(501) },
        { url: `${publicUrl}/${'a'.repeat(2100)}` },
        { url: publicUrl, enabled: 'yes' },
        { url: injection },
      ];
      for (const body of bodies) {
        const response = await call('POST', '/webhooks', body);
        assert.equal(response.statusCode, 400, `${JSON.stringify(body).slice(0, 80)} → ${response.body}`);
      }
      for (const body of [{}, { enabled: 1 }, { url: null }, { secret: 'x' }, { eventTypes: ['Bad Type'] }]) {
        const response = await call('PATCH', `/webhooks/${endpoint.id}`, body);
        assert.equal(response.statusCode, 400, `${JSON.stringify(body)} → ${response.body}`);
      }
      for (const url of [
        `/webhooks/not-a-uuid`,
        `/webhooks/${encodeURIComponent(injection)}`,
        `/webhooks/${endpoint.id}/deliveries?limit=0`,
        `/webhooks/${endpoint.id}/deliveries?limit=abc`,
        `/webhooks/${endpoint.id}/deliveries?status=lost`,
        `/webhooks/${endpoint.id}/deliveries?cursor=${encodeURIComponent(injection)}`,
        `/webhooks/${endpoint.id}/deliveries?colour=red`,
        `/webhooks/${endpoint.id}/deliveries/not-a-uuid`,
      ]) {
        const response = await call('GET', url);
        assert.equal(response.statusCode, 400, `${url} → ${response.body}`);
      }
      for (const url of ['/webhooks/nope/test', '/webhooks/nope/rotate-secret', `/webhooks/${endpoint.id}/deliveries/nope/redeliver`]) {
        assert.equal((await call('POST', url)).statusCode, 400, url);
      }
      assert.equal((await call('DELETE', '/webhooks/nope')).statusCode, 400);
      const oversized = await test.app.inject({
        method: 'POST',
        url: '/webhooks',
        headers: { ...bearer(test.adminKey), 'content-type': 'application/json' },
        payload: JSON.stringify({ url: publicUrl, description: 'x'.repeat(10_000) }),
      });
      assertProblem(oversized, 413, 'payload_too_large');
      assert.deepEqual(await snapshot(), before);
    });

    it('answers 404 for another tenant’s endpoint and delivery IDs on every route, changing nothing', async () => {
      const before = await snapshot();
      const routes: [Method, string, unknown?][] = [
        ['GET', `/webhooks/${endpoint.id}`],
        ['PATCH', `/webhooks/${endpoint.id}`, { enabled: false }],
        ['DELETE', `/webhooks/${endpoint.id}`],
        ['POST', `/webhooks/${endpoint.id}/rotate-secret`],
        ['POST', `/webhooks/${endpoint.id}/test`],
        ['GET', `/webhooks/${endpoint.id}/deliveries`],
        ['GET', `/webhooks/${endpoint.id}/deliveries/${deliveryId}`],
        ['POST', `/webhooks/${endpoint.id}/deliveries/${deliveryId}/redeliver`],
        ['GET', `/webhooks/${otherId}`],
      ];
      for (const [method, url, body] of routes) assertProblem(await call(method, url, body, otherKey), 404, 'not_found');
      // The other tenant's own endpoint cannot reach this tenant's delivery either.
      const own = (await call('POST', '/webhooks', { url: publicUrl }, otherKey)).json<WebhookEndpoint>();
      assertProblem(await call('GET', `/webhooks/${own.id}/deliveries/${deliveryId}`, undefined, otherKey), 404, 'not_found');
      assertProblem(await call('POST', `/webhooks/${own.id}/deliveries/${deliveryId}/redeliver`, undefined, otherKey), 404, 'not_found');
      assert.equal((await call('GET', '/webhooks', undefined, otherKey)).json().items.length, 1);
      const after = await snapshot();
      assert.equal(after.otherEndpoints, before.otherEndpoints + 1);
      assert.deepEqual({ ...after, otherEndpoints: 0 }, { ...before, otherEndpoints: 0 });
    });

    it('needs the admin scope', async () => {
      const key = (await call('POST', '/keys', { name: 'writer', scopes: ['read', 'write'] })).json().key;
      assertProblem(await call('GET', '/webhooks', undefined, key), 403, 'forbidden');
      assertProblem(await call('POST', '/webhooks', { url: publicUrl }, key), 403, 'forbidden');
      assert.equal((await test.app.inject({ method: 'GET', url: '/webhooks' })).statusCode, 401);
    });

    it('rotation returns a new secret and records webhook.secret_rotated without any secret in the event', async () => {
      const rotated = await call('POST', `/webhooks/${endpoint.id}/rotate-secret`);
      assert.equal(rotated.statusCode, 200, rotated.body);
      const secret = rotated.json().secret as string;
      assert.notEqual(secret, endpoint.secret);
      const events = await test.services.store.read({ tenantId: test.tenantId }, (tx) =>
        tx.all<{ type: string; payload: unknown }>("SELECT type, payload FROM events WHERE tenant_id = ? AND type LIKE 'webhook.%'", [test.tenantId]),
      );
      assert.ok(events.some((event) => event.type === 'webhook.secret_rotated'));
      const text = JSON.stringify(events);
      assert.equal(text.includes('whsec_'), false, 'no secret in any webhook event');
      const audited = await test.services.store.read({ tenantId: test.tenantId }, (tx) =>
        tx.all<{ action: string; actor_kind: string; target_id: string; details: unknown }>(
          "SELECT action, actor_kind, target_id, details FROM audit_log WHERE tenant_id = ? AND action LIKE 'webhook.%'",
          [test.tenantId],
        ),
      );
      const rotation = audited.find((row) => row.action === 'webhook.secret_rotated' && row.target_id === endpoint.id);
      assert.equal(rotation?.actor_kind, 'api_key');
      assert.ok(audited.some((row) => row.action === 'webhook.created' && row.target_id === endpoint.id));
      assert.equal(JSON.stringify(audited).includes('whsec_'), false, 'no secret in the audit log');
    });
  });
}
