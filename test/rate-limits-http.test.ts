/** @module Rate limits over HTTP on both drivers, in memory and in a real Redis: headers, 429 problems, per key / tenant / route policies, isolation, and that a refused request changes nothing. */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type TrellisConfig, loadConfig } from '../src/core/config.js';
import { errorCatalogue, problemType } from '../src/core/errors.js';
import { randomToken } from '../src/core/ids.js';
import { type App, buildApp } from '../src/server/app.js';
import { type Services, createServices, startBackground, stopBackground } from '../src/server/services.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { requireRedis, testRedisUrl } from './support/redis.js';
import { type TestStore, createTestStore, dialects } from './support/stores.js';

const structuredPolicy = /^"[a-z]+";q=\d+;w=\d+(, "[a-z]+";q=\d+;w=\d+)*$/;
const structuredState = /^"[a-z]+";r=\d+;t=\d+(, "[a-z]+";r=\d+;t=\d+)*$/;

/** `RateLimit` parsed into policy → { r, t }. */
function state(response: LightMyRequestResponse): Record<string, { r: number; t: number }> {
  const header = String(response.headers.ratelimit);
  assert.match(header, structuredState);
  return Object.fromEntries(
    header.split(', ').map((item) => {
      const [, name, r, t] = /^"([a-z]+)";r=(\d+);t=(\d+)$/.exec(item) as RegExpExecArray;
      return [name, { r: Number(r), t: Number(t) }];
    }),
  );
}

function assertRateLimited(response: LightMyRequestResponse, policy: string): void {
  assert.equal(response.statusCode, 429, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const problem = response.json<{ type: string; code: string; title: string; detail: string; details: { policy: string; retryAfter: number } }>();
  assert.equal(problem.type, problemType('rate_limited'));
  assert.equal(problem.title, errorCatalogue.rate_limited.title);
  assert.equal(problem.details.policy, policy);
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${response.headers['retry-after']}`);
  assert.equal(problem.details.retryAfter, retryAfter);
  assert.equal(state(response)[policy]?.r, 0);
}

async function entityCount(test: { services: Services }, tenantId: string): Promise<number> {
  const row = await test.services.store.read({ tenantId }, (tx) =>
    tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM entities WHERE tenant_id = ?', [tenantId]),
  );
  return Number(row?.n);
}

const backends = [
  { name: 'memory', overrides: (): Partial<TrellisConfig> => ({}) },
  { name: 'redis', overrides: (): Partial<TrellisConfig> => ({ redisUrl: testRedisUrl, redisKeyPrefix: `trellis-test-${randomToken(8)}:` }) },
];

for (const dialect of dialects) {
  for (const backend of backends) {
    describe(`rate limits over HTTP (${dialect}, ${backend.name})`, () => {
      let test: TestApp;
      const limits = { rateLimit: 'on', rateLimitKeyRate: 0.01, rateLimitKeyBurst: 3, rateLimitTenantRate: 0.01, rateLimitTenantBurst: 5 } as const;
      before(async () => {
        if (backend.name === 'redis') (await requireRedis()).disconnect();
      });
      afterEach(async () => {
        await test?.dispose();
      });

      it('answers with RateLimit-Policy and RateLimit headers, then 429 problem+json with Retry-After once the key burst is spent; the refused write stores nothing', async () => {
        test = await createTestApp(dialect, { ...limits, ...backend.overrides() }, { background: true });
        const first = await test.app.inject({ url: '/entities', headers: bearer(test.adminKey) });
        assert.equal(first.statusCode, 200, first.body);
        assert.equal(first.headers['ratelimit-policy'], '"key";q=3;w=300, "tenant";q=5;w=500');
        assert.match(String(first.headers['ratelimit-policy']), structuredPolicy);
        assert.deepEqual(state(first), { key: { r: 2, t: 100 }, tenant: { r: 4, t: 100 } });
        await test.app.inject({ url: '/entities', headers: bearer(test.adminKey) });
        await test.app.inject({ url: '/entities', headers: bearer(test.adminKey) });
        const before = await entityCount(test, test.tenantId);
        const refused = await test.app.inject({
          method: 'POST',
          url: '/entities',
          headers: bearer(test.adminKey),
          payload: { type: 'Person', name: 'Refused' },
        });
        assertRateLimited(refused, 'key');
        assert.equal(await entityCount(test, test.tenantId), before, 'a refused write changes nothing');
      });

      it('limits each key on its own and the tenant over all its keys; another tenant is untouched', async () => {
        test = await createTestApp(dialect, { ...limits, ...backend.overrides() }, { background: true });
        const second = await test.services.platform.apiKeys.create({ tenantId: test.tenantId, name: 'second', scopes: ['read', 'write'] });
        const other = await test.services.platform.tenants.createWithAdminKey({ slug: 'other', name: 'Other' });
        for (let index = 0; index < 3; index++) assert.equal((await test.app.inject({ url: '/entities', headers: bearer(test.adminKey) })).statusCode, 200);
        assertRateLimited(await test.app.inject({ url: '/entities', headers: bearer(test.adminKey) }), 'key');
        const secondFirst = await test.app.inject({ url: '/entities', headers: bearer(second.key) });
        assert.equal(secondFirst.statusCode, 200, 'the second key has its own bucket');
        assert.deepEqual(state(secondFirst), { key: { r: 2, t: 100 }, tenant: { r: 1, t: 400 } });
        assert.equal((await test.app.inject({ url: '/entities', headers: bearer(second.key) })).statusCode, 200);
        assertRateLimited(await test.app.inject({ url: '/entities', headers: bearer(second.key) }), 'tenant');
        const elsewhere = await test.app.inject({ url: '/entities', headers: bearer(other.key) });
        assert.equal(elsewhere.statusCode, 200, 'another tenant has its own buckets');
        assert.deepEqual(state(elsewhere), { key: { r: 2, t: 100 }, tenant: { r: 4, t: 100 } });
      });

      it('never limits public routes or unauthenticated requests, which consume nothing', async () => {
        test = await createTestApp(dialect, { ...limits, ...backend.overrides() }, { background: true });
        for (let index = 0; index < 10; index++) {
          const health = await test.app.inject({ url: '/health' });
          assert.equal(health.statusCode, 200);
          assert.equal(health.headers.ratelimit, undefined);
          const anonymous = await test.app.inject({ url: '/entities' });
          assert.equal(anonymous.statusCode, 401);
          assert.equal(anonymous.headers.ratelimit, undefined);
          const forged = await test.app.inject({ url: '/entities', headers: bearer(`trl_${"x'); DROP TABLE api_keys;--"}`) });
          assert.equal(forged.statusCode, 401);
        }
        const first = await test.app.inject({ url: '/entities', headers: bearer(test.adminKey) });
        assert.deepEqual(state(first), { key: { r: 2, t: 100 }, tenant: { r: 4, t: 100 } });
      });
    });
  }
}

describe('rate limits shared by two replicas through Redis', () => {
  it('two apps on one Redis prefix share each key bucket', async () => {
    (await requireRedis()).disconnect();
    const store = await createTestStore('sqlite');
    const overrides = {
      rateLimit: 'on',
      rateLimitKeyRate: 0.01,
      rateLimitKeyBurst: 4,
      redisUrl: testRedisUrl,
      redisKeyPrefix: `trellis-test-${randomToken(8)}:`,
    } as const;
    const config = loadConfig({ env: {}, overrides: { logLevel: 'silent', ...overrides } });
    const replicas = [createServices(config, store.store), createServices(config, store.store)];
    const { created } = await (replicas[0] as Services).platform.bootstrap();
    assert.ok(created);
    const apps: App[] = [];
    try {
      for (const services of replicas) {
        await startBackground(services);
        const app = await buildApp(services, { logger: false });
        await app.ready();
        apps.push(app);
      }
      const statuses: number[] = [];
      for (let index = 0; index < 6; index++) {
        statuses.push((await (apps[index % 2] as App).inject({ url: '/entities', headers: bearer(created.apiKey) })).statusCode);
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
    } finally {
      for (const app of apps) await app.close();
      for (const services of replicas) await stopBackground(services);
      await store.dispose();
    }
  });
});

describe('rate limits per route', () => {
  let store: TestStore;
  let app: App;
  let services: Services;
  let key: string;
  before(async () => {
    store = await createTestStore('sqlite');
    const config = loadConfig({
      env: {},
      overrides: { logLevel: 'silent', rateLimit: 'on', rateLimitExpensiveRate: 0.01, rateLimitExpensiveBurst: 2, rateLimitKeyBurst: 50 },
    });
    services = createServices(config, store.store);
    const { created } = await services.platform.bootstrap();
    assert.ok(created);
    key = created.apiKey;
    app = await buildApp(services, { logger: false });
    app.get('/test/expensive', { config: { access: 'read', rateLimit: 'expensive' } }, async () => ({ ok: true }));
    app.get('/test/exempt', { config: { access: 'read', rateLimit: false } }, async () => ({ ok: true }));
    await app.ready();
  });
  after(async () => {
    await app.close();
    await store.dispose();
  });

  it("a route declaring rateLimit: 'expensive' adds the stricter policy; the ordinary policies still apply elsewhere", async () => {
    const started = performance.now();
    const first = await app.inject({ url: '/test/expensive', headers: bearer(key) });
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['ratelimit-policy'], '"expensive";q=2;w=200, "key";q=50;w=1, "tenant";q=2000;w=2');
    assert.equal((await app.inject({ url: '/test/expensive', headers: bearer(key) })).statusCode, 200);
    assertRateLimited(await app.inject({ url: '/test/expensive', headers: bearer(key) }), 'expensive');
    const ordinary = await app.inject({ url: '/entities', headers: bearer(key) });
    assert.equal(ordinary.statusCode, 200, 'the expensive bucket is separate');
    // Three calls took the key's burst of 50 down to 47; it refills one every 20 ms, which a loaded machine may reach.
    const refilled = Math.floor((performance.now() - started) / 20);
    const remaining = state(ordinary).key?.r ?? 50;
    assert.ok(remaining >= 47 && remaining <= Math.min(49, 47 + refilled), `the two admitted expensive calls also counted against the key: ${remaining}`);
  });

  it('a route declaring rateLimit: false is never limited and carries no headers', async () => {
    for (let index = 0; index < 60; index++) {
      const response = await app.inject({ url: '/test/exempt', headers: bearer(key) });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers.ratelimit, undefined);
    }
  });
});
