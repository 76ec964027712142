import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, bearer, createTestApp } from '../../test/support/app.js';
import { securityHeaders } from './security-headers.js';

describe('security headers', () => {
  let test: TestApp;
  before(async () => {
    test = await createTestApp('sqlite');
  });
  after(() => test.dispose());

  it('captures helmet’s defaults once, with a CSP that lets /docs run', () => {
    const headers = securityHeaders();
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.match(headers['strict-transport-security'] ?? '', /max-age=\d+/);
    assert.match(headers['content-security-policy'] ?? '', /script-src 'self' 'unsafe-inline'/);
    assert.equal(headers['x-powered-by'], undefined);
  });

  it('sends them on answers, errors and unknown routes alike', async () => {
    const responses = [
      await test.app.inject({ url: '/health' }),
      await test.app.inject({ url: '/entities', headers: bearer(test.adminKey) }),
      await test.app.inject({ url: '/entities' }),
      await test.app.inject({ url: '/no-such-route' }),
    ];
    assert.deepEqual(
      responses.map((response) => response.statusCode),
      [200, 200, 401, 404],
    );
    for (const response of responses) {
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.ok(response.headers['content-security-policy']);
      assert.ok(response.headers['x-request-id']);
    }
  });

  it('sends no CORS headers unless origins are configured, and the configured ones when they are', async () => {
    const plain = await test.app.inject({ url: '/health', headers: { origin: 'https://evil.example' } });
    assert.equal(plain.headers['access-control-allow-origin'], undefined);
    const withCors = await createTestApp('sqlite', { corsOrigins: ['https://console.example'] });
    try {
      const allowed = await withCors.app.inject({ url: '/health', headers: { origin: 'https://console.example' } });
      assert.equal(allowed.headers['access-control-allow-origin'], 'https://console.example');
      const refused = await withCors.app.inject({ url: '/health', headers: { origin: 'https://evil.example' } });
      assert.equal(refused.headers['access-control-allow-origin'], undefined);
    } finally {
      await withCors.dispose();
    }
  });
});
