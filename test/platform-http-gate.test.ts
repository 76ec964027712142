import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TrellisConfig, loadConfig } from '../src/core/config.js';
import { type App, buildApp } from '../src/server/app.js';
import { createServices } from '../src/server/services.js';
import { bearer } from './support/app.js';
import { type TestStore, createTestStore } from './support/stores.js';

interface GateApp {
  app: App;
  adminKey: string;
  tenantId: string;
  /** Every JSON log line the app wrote. */
  logs: Record<string, unknown>[];
  store: TestStore;
}

/** An app with captured logs and one extra route that declares no access rule. */
async function buildGateApp(overrides: Partial<TrellisConfig> = {}): Promise<GateApp> {
  const store = await createTestStore('sqlite');
  const config = loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'info', ...overrides } });
  const services = createServices(config, store.store);
  const boot = await services.platform.bootstrap();
  if (!boot.created) throw new Error('bootstrap did not run');
  const logs: Record<string, unknown>[] = [];
  const app = await buildApp(services, { logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line)) } } });
  app.get('/undeclared', async () => ({ secret: 'should never be served' }));
  await app.ready();
  return { app, adminKey: boot.created.apiKey, tenantId: boot.created.tenantId, logs, store };
}

describe('platform request gate', () => {
  let gate: GateApp;
  before(async () => {
    gate = await buildGateApp({ corsOrigins: ['https://console.example'] });
  });
  after(async () => {
    await gate.app.close();
    await gate.store.dispose();
  });

  it('refuses a route that declares no access rule with 403, even with full credentials (fail closed)', async () => {
    for (const headers of [{}, bearer(gate.adminKey)]) {
      const response = await gate.app.inject({ url: '/undeclared', headers });
      assert.equal(response.statusCode, 403);
      assert.equal(response.json().code, 'forbidden');
      assert.ok(!response.body.includes('should never be served'));
    }
  });

  it('serves public routes without credentials', async () => {
    assert.equal((await gate.app.inject({ url: '/health' })).statusCode, 200);
    assert.equal((await gate.app.inject({ url: '/openapi.json' })).statusCode, 200);
  });

  it('answers a CORS preflight without credentials', async () => {
    const response = await gate.app.inject({
      method: 'OPTIONS',
      url: '/keys',
      headers: { origin: 'https://console.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(response.statusCode, 204);
    assert.equal(response.headers['access-control-allow-origin'], 'https://console.example');
  });

  it('writes the tenant ID into the log lines of an authenticated request', async () => {
    const response = await gate.app.inject({ url: '/tenant', headers: { ...bearer(gate.adminKey), 'x-request-id': 'gate-log-test' } });
    assert.equal(response.statusCode, 200);
    const lines = gate.logs.filter((line) => (line.reqId ?? line.requestId) === 'gate-log-test');
    const completed = lines.find((line) => line.msg === 'request completed');
    assert.ok(completed, JSON.stringify(lines));
    assert.equal(completed.tenantId, gate.tenantId);
  });

  it('documents every platform route with tags, a summary, an access rule and problem responses', async () => {
    const spec = (await gate.app.inject({ url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { tags?: string[]; summary?: string; responses: Record<string, unknown> }>>;
    };
    const platformPaths = ['/auth/login', '/auth/refresh', '/auth/logout', '/tenant', '/tenants', '/keys', '/keys/{id}', '/users', '/users/{id}'];
    for (const path of platformPaths) {
      const operations = spec.paths[path];
      assert.ok(operations, `${path} is documented`);
      for (const [method, operation] of Object.entries(operations)) {
        assert.ok(operation.tags?.length && operation.summary, `${method} ${path} has tags and a summary`);
        assert.ok(
          Object.keys(operation.responses).some((status) => status.startsWith('4')),
          `${method} ${path} documents its errors`,
        );
      }
    }
  });
});

describe('platform dev mode (auth off)', () => {
  let gate: GateApp;
  before(async () => {
    gate = await buildGateApp({ auth: 'off', host: '127.0.0.1' });
  });
  after(async () => {
    await gate.app.close();
    await gate.store.dispose();
  });

  it('warns loudly, once, that authentication is off', () => {
    const warnings = gate.logs.filter((line) => String(line.msg).includes('AUTHENTICATION IS OFF'));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.level, 40);
  });

  it('lets a request without credentials act as the default tenant with every scope', async () => {
    const tenant = await gate.app.inject({ url: '/tenant' });
    assert.equal(tenant.statusCode, 200);
    assert.equal(tenant.json().id, gate.tenantId);
    const created = await gate.app.inject({ method: 'POST', url: '/keys', payload: { name: 'dev', scopes: ['read', 'system'] } });
    assert.equal(created.statusCode, 201);
    assert.equal(created.json().createdBy, 'dev:dev');
    assert.equal((await gate.app.inject({ url: '/tenants' })).statusCode, 200);
  });

  it('still refuses routes that declare no access rule', async () => {
    assert.equal((await gate.app.inject({ url: '/undeclared' })).statusCode, 403);
  });
});
