/** @module /metrics over HTTP on both drivers: request series by route pattern (never the raw URL), latency, store and event metrics, the recorders other modules call, and who may read it. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Entity } from '../src/graph/index.js';
import { recordEventHandoff, recordJob, recordWebhookDelivery, setJobCounts } from '../src/platform/observability/index.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

/** The value of one series in the Prometheus text, 0 when absent. */
function series(text: string, name: string, labels: string): number {
  const escaped = `${name}{${labels}}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

const injection = "x'); DROP TABLE entities;--";

for (const dialect of dialects) {
  describe(`/metrics (${dialect})`, () => {
    let test: TestApp;
    before(async () => {
      test = await createTestApp(dialect);
    });
    after(() => test.dispose());
    const metrics = async () => {
      const response = await test.app.inject({ url: '/metrics' });
      assert.equal(response.statusCode, 200, response.body);
      assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      return response.body;
    };

    it('counts requests by route pattern, method and status, with a latency histogram, and never labels a raw URL', async () => {
      const before = await metrics();
      const created = await test.app.inject({ method: 'POST', url: '/entities', headers: bearer(test.adminKey), payload: { type: 'Person', name: 'Ada' } });
      assert.equal(created.statusCode, 201, created.body);
      const { id } = created.json<Entity>();
      for (let index = 0; index < 3; index++) assert.equal((await test.app.inject({ url: `/entities/${id}`, headers: bearer(test.adminKey) })).statusCode, 200);
      assert.equal((await test.app.inject({ url: '/entities/0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee', headers: bearer(test.adminKey) })).statusCode, 404);
      assert.equal((await test.app.inject({ url: `/no/such/${encodeURIComponent(injection)}` })).statusCode, 404);
      const text = await metrics();
      const delta = (labels: string) => series(text, 'trellis_http_requests_total', labels) - series(before, 'trellis_http_requests_total', labels);
      assert.equal(delta('route="/entities/:id",method="GET",status="200"'), 3);
      assert.equal(delta('route="/entities/:id",method="GET",status="404"'), 1);
      assert.equal(delta('route="/entities",method="POST",status="201"'), 1);
      assert.equal(delta('route="(unmatched)",method="GET",status="404"'), 1);
      assert.ok(!text.includes(id), 'no series carries an entity ID');
      assert.ok(!text.includes('DROP TABLE') && !text.includes('/no/such'), 'no series carries a raw URL');
      const count = series(text, 'trellis_http_request_duration_seconds_count', 'route="/entities/:id",method="GET"');
      assert.ok(count >= 4);
      assert.equal(series(text, 'trellis_http_request_duration_seconds_bucket', 'le="+Inf",route="/entities/:id",method="GET"'), count);
    });

    it('times store queries and transactions by dialect and operation, and counts committed events', async () => {
      const before = await metrics();
      const created = await test.app.inject({ method: 'POST', url: '/entities', headers: bearer(test.adminKey), payload: { type: 'Person', name: 'Grace' } });
      assert.equal(created.statusCode, 201);
      const refused = await test.app.inject({ method: 'POST', url: '/entities', headers: bearer(test.adminKey), payload: { type: 'Person', name: 7 } });
      assert.equal(refused.statusCode, 400);
      const text = await metrics();
      const delta = (name: string, labels: string) => series(text, name, labels) - series(before, name, labels);
      const events = (body: string) => Number(/^trellis_events_appended_total (\S+)$/m.exec(body)?.[1] ?? 0);
      assert.equal(events(text) - events(before), 1, 'one committed event; the refused write appended none');
      assert.ok(delta('trellis_store_operation_duration_seconds_count', `dialect="${dialect}",operation="transaction"`) >= 1);
      assert.ok(series(text, 'trellis_store_operation_duration_seconds_count', `dialect="${dialect}",operation="read"`) >= 1);
      assert.ok(series(text, 'trellis_store_operation_duration_seconds_count', `dialect="${dialect}",operation="get"`) >= 1);
      assert.match(text, /^nodejs_eventloop_lag_p99_seconds \S+$/m);
      // Ingestion's series are there before any ingest ran in this process.
      for (const name of ['trellis_ingest_chunks_processed_total', 'trellis_ingest_extraction_errors_total', 'trellis_ingest_batch_duration_seconds']) {
        assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
      }
    });

    it('exports the recorders for jobs, webhooks and event hand-off', async () => {
      const before = await metrics();
      recordJob('test.job', 'succeeded', 0.2);
      recordJob('test.job', 'failed', 0.05);
      setJobCounts({ queued: 3, dead: 1 });
      recordWebhookDelivery('delivered', 0.08);
      recordEventHandoff('sse', 0.004);
      const text = await metrics();
      const delta = (name: string, labels: string) => series(text, name, labels) - series(before, name, labels);
      assert.equal(delta('trellis_jobs_finished_total', 'type="test.job",outcome="succeeded"'), 1);
      assert.equal(delta('trellis_job_duration_seconds_count', 'type="test.job",outcome="failed"'), 1);
      assert.equal(series(text, 'trellis_jobs', 'state="queued"'), 3);
      assert.equal(delta('trellis_webhook_deliveries_total', 'outcome="delivered"'), 1);
      assert.equal(delta('trellis_event_handoff_delay_seconds_count', 'consumer="sse"'), 1);
    });
  });
}

describe('who may read /metrics', () => {
  it('with a metrics token: the token or a system-scope key; no, wrong, injected or read-only credentials are refused', async () => {
    const test = await createTestApp('sqlite', { metricsToken: 'metrics-token-0123456789' });
    try {
      const readOnly = await test.services.platform.apiKeys.create({ tenantId: test.tenantId, name: 'reader', scopes: ['read'] });
      const anonymous = await test.app.inject({ url: '/metrics' });
      assert.equal(anonymous.statusCode, 401);
      assert.match(String(anonymous.headers['content-type']), /^application\/problem\+json/);
      assert.match(String(anonymous.headers['www-authenticate']), /^Bearer/);
      for (const token of ['metrics-token-012345678', 'metrics-token-0123456789x', injection.replace(/ /g, ''), 'x'.repeat(5000)]) {
        assert.equal((await test.app.inject({ url: '/metrics', headers: bearer(token) })).statusCode, 401, token.slice(0, 40));
      }
      assert.equal((await test.app.inject({ url: '/metrics', headers: { authorization: 'Basic bWV0cmljczp4' } })).statusCode, 401);
      assert.equal((await test.app.inject({ url: '/metrics', headers: bearer(readOnly.key) })).statusCode, 403);
      assert.equal((await test.app.inject({ url: '/metrics', headers: bearer('metrics-token-0123456789') })).statusCode, 200);
      assert.equal((await test.app.inject({ url: '/metrics?format=json&x[]=1', headers: bearer(test.adminKey) })).statusCode, 200);
    } finally {
      await test.dispose();
    }
  });

  it('on a non-loopback host without a token: only a system-scope key', async () => {
    const test = await createTestApp('sqlite', { host: '0.0.0.0' });
    try {
      const admin = await test.services.platform.apiKeys.create({ tenantId: test.tenantId, name: 'admin', scopes: ['read', 'write', 'admin'] });
      assert.equal((await test.app.inject({ url: '/metrics' })).statusCode, 401);
      assert.equal((await test.app.inject({ url: '/metrics', headers: bearer(admin.key) })).statusCode, 403);
      const allowed = await test.app.inject({ url: '/metrics', headers: bearer(test.adminKey) });
      assert.equal(allowed.statusCode, 200);
      assert.match(allowed.body, /^# HELP trellis_http_requests_total/m);
    } finally {
      await test.dispose();
    }
  });

  it('rejects other methods on /metrics without side effects', async () => {
    const test = await createTestApp('sqlite');
    try {
      const posted = await test.app.inject({ method: 'POST', url: '/metrics', payload: { reset: true } });
      assert.ok(posted.statusCode === 404 || posted.statusCode === 405, String(posted.statusCode));
      const deleted = await test.app.inject({ method: 'DELETE', url: '/metrics' });
      assert.ok(deleted.statusCode === 404 || deleted.statusCode === 405);
      assert.match((await test.app.inject({ url: '/metrics' })).body, /trellis_http_requests_total\{route="\/metrics",method="GET",status="200"\}/);
    } finally {
      await test.dispose();
    }
  });
});
