/** @module Fault tests: Redis dies and comes back under a running server; limits fail open (served, logged once, counted) or closed (503), and /ready says so. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type TrellisConfig, loadConfig } from '../src/core/config.js';
import { problemType } from '../src/core/errors.js';
import { connectRedis, pingRedis } from '../src/platform/limits/index.js';
import { type App, buildApp } from '../src/server/app.js';
import { type Services, createServices, startBackground, stopBackground } from '../src/server/services.js';
import { bearer } from './support/app.js';
import { type TestStore, createTestStore } from './support/stores.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A private redis-server on `port`, answering PING before this resolves. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  child.on('error', (error) => {
    throw new Error(`cannot start redis-server (install it: apt-get install -y redis-server): ${error.message}`);
  });
  const client = connectRedis({ url: `redis://127.0.0.1:${port}`, timeoutMs: 500 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await pingRedis(client);
        return child;
      } catch (error) {
        if (attempt > 100) throw new Error(`redis-server on port ${port} did not answer: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    client.disconnect();
  }
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

interface Harness {
  app: App;
  services: Services;
  key: string;
  tenantId: string;
  logs: string[];
  store: TestStore;
  dispose(): Promise<void>;
}

async function harness(overrides: Partial<TrellisConfig>): Promise<Harness> {
  const store = await createTestStore('sqlite');
  const config = loadConfig({ env: {}, overrides: { logLevel: 'info', rateLimit: 'on', rateLimitKeyRate: 0.01, rateLimitKeyBurst: 1000, ...overrides } });
  const services = createServices(config, store.store);
  const { created } = await services.platform.bootstrap();
  assert.ok(created);
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const app = await buildApp(services, { logger: { level: 'info', stream } });
  await app.ready();
  await startBackground(services);
  return {
    app,
    services,
    key: created.apiKey,
    tenantId: created.tenantId,
    logs,
    store,
    async dispose() {
      await app.close();
      await stopBackground(services);
      await store.dispose();
    },
  };
}

async function errorsCounted(app: App, mode: 'open' | 'closed'): Promise<number> {
  const text = (await app.inject({ url: '/metrics' })).body;
  const match = new RegExp(`^trellis_rate_limit_redis_errors_total\\{mode="${mode}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

const count = (logs: string[], text: string) => logs.filter((line) => line.includes(text)).length;

describe('Redis outage, failing open', () => {
  let port: number;
  let redis: ChildProcess;
  let test: Harness;
  before(async () => {
    port = await freePort();
    redis = await startRedis(port);
    test = await harness({ redisUrl: `redis://127.0.0.1:${port}`, redisTimeoutMs: 300 });
  });
  after(async () => {
    await test.dispose();
    await stopRedis(redis);
  });

  it('serves requests without limits while Redis is down, logs the outage once, counts each failed check, reports degraded readiness, and enforces limits again when Redis is back', async () => {
    const limited = await test.app.inject({ url: '/entities', headers: bearer(test.key) });
    assert.equal(limited.statusCode, 200);
    assert.match(String(limited.headers.ratelimit), /^"key";r=999;t=\d+, "tenant";r=\d+;t=\d+$/);
    const ready = await test.app.inject({ url: '/ready' });
    assert.equal(ready.json<{ status: string }>().status, 'ready');

    await stopRedis(redis);
    const errorsBefore = await errorsCounted(test.app, 'open');
    for (let index = 0; index < 5; index++) {
      const response = await test.app.inject({ url: '/entities', headers: bearer(test.key) });
      assert.equal(response.statusCode, 200, 'fail open: served');
      assert.equal(response.headers.ratelimit, undefined, 'no limit state to report');
    }
    assert.equal((await errorsCounted(test.app, 'open')) - errorsBefore, 5);
    assert.equal(count(test.logs, 'Redis does not answer'), 1, 'one log line per outage');
    const degraded = await test.app.inject({ url: '/ready' });
    assert.equal(degraded.statusCode, 200);
    const body = degraded.json<{ status: string; checks: { name: string; ok: boolean; critical?: boolean; ms: number }[] }>();
    assert.equal(body.status, 'degraded');
    const check = body.checks.find((entry) => entry.name === 'redis');
    assert.equal(check?.ok, false);
    assert.equal(check?.critical, false);
    assert.equal(typeof check?.ms, 'number');

    redis = await startRedis(port);
    let back: Awaited<ReturnType<App['inject']>> | undefined;
    for (let attempt = 0; attempt < 200; attempt++) {
      back = await test.app.inject({ url: '/entities', headers: bearer(test.key) });
      if (back.headers.ratelimit !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(back?.headers.ratelimit, 'limits are enforced again once Redis answers');
    assert.equal(count(test.logs, 'Redis answers again'), 1);
    assert.equal(count(test.logs, 'Redis does not answer'), 1);
  });
});

describe('Redis outage, failing closed', () => {
  let test: Harness;
  before(async () => {
    const port = await freePort();
    test = await harness({ redisUrl: `redis://127.0.0.1:${port}`, rateLimitRedisFailure: 'closed', redisTimeoutMs: 300 });
  });
  after(() => test.dispose());

  it('refuses limited requests with 503 rate_limit_unavailable and Retry-After, stores nothing, and /ready answers 503', async () => {
    const refused = await test.app.inject({ method: 'POST', url: '/entities', headers: bearer(test.key), payload: { type: 'Person', name: 'Never stored' } });
    assert.equal(refused.statusCode, 503, refused.body);
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.equal(refused.json<{ type: string }>().type, problemType('rate_limit_unavailable'));
    assert.equal(refused.headers['retry-after'], '1');
    const stored = await test.services.store.read({ tenantId: test.tenantId }, (tx) =>
      tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM entities WHERE tenant_id = ?', [test.tenantId]),
    );
    assert.equal(Number(stored?.n), 0);
    assert.equal((await test.app.inject({ url: '/health' })).statusCode, 200, 'public routes are not limited, so they still answer');
    const ready = await test.app.inject({ url: '/ready' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json<{ status: string }>().status, 'unavailable');
    assert.ok((await errorsCounted(test.app, 'closed')) >= 1);
    assert.equal(count(test.logs, 'refusing rate-limited requests with 503'), 1);
  });
});
