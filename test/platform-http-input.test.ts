import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';
import { countRows, goodPassword } from './platform-support.js';

type Method = 'POST' | 'PATCH' | 'DELETE';
interface BodyRoute {
  method: Method;
  url: string;
  /** Whether the route needs the admin key. */
  authenticated: boolean;
  bad: { why: string; body: unknown }[];
}

const sqlText = "x'; DROP TABLE users; --";
const validRefresh = `trr_${'a'.repeat(52)}`;

for (const dialect of dialects) {
  describe(`platform HTTP bad input (${dialect})`, () => {
    let test: TestApp;
    let userId: string;
    let routes: BodyRoute[];

    /** Row counts of every platform table and of the default tenant's events. */
    const snapshot = async () => {
      const { store } = test.services;
      const counts: Record<string, number> = {};
      for (const table of ['tenants', 'users', 'api_keys', 'refresh_tokens', 'settings']) counts[table] = await countRows(store, table);
      counts.events = await countRows(store, 'events', test.tenantId);
      return counts;
    };

    const send = (route: { method: Method; url: string; authenticated: boolean }, options: Partial<InjectOptions>) =>
      test.app.inject({
        method: route.method,
        url: route.url,
        ...options,
        headers: { ...(route.authenticated ? bearer(test.adminKey) : {}), ...options.headers },
      });

    before(async () => {
      test = await createTestApp(dialect, { bodyLimit: 4096 });
      const created = await test.app.inject({
        method: 'POST',
        url: '/users',
        headers: bearer(test.adminKey),
        payload: { email: 'target@example.com', name: 'Target', password: goodPassword, role: 'viewer' },
      });
      userId = created.json().id;
      routes = [
        {
          method: 'POST',
          url: '/auth/login',
          authenticated: false,
          bad: [
            { why: 'wrong type', body: { tenant: 1, email: 'target@example.com', password: goodPassword } },
            { why: 'array email', body: { tenant: 'default', email: ['target@example.com'], password: goodPassword } },
            { why: 'missing password', body: { tenant: 'default', email: 'target@example.com' } },
            { why: 'empty object', body: {} },
            { why: 'unknown field', body: { tenant: 'default', email: 'target@example.com', password: goodPassword, admin: true } },
            { why: 'array body', body: [] },
            { why: 'empty password', body: { tenant: 'default', email: 'target@example.com', password: '' } },
          ],
        },
        ...(['/auth/refresh', '/auth/logout'] as const).map((url) => ({
          method: 'POST' as const,
          url,
          authenticated: false,
          bad: [
            { why: 'wrong type', body: { refreshToken: 123 } },
            { why: 'missing token', body: {} },
            { why: 'malformed token', body: { refreshToken: 'trr_short' } },
            { why: 'SQL as token', body: { refreshToken: sqlText } },
            { why: 'unknown field', body: { refreshToken: validRefresh, userId: 'x' } },
          ],
        })),
        {
          method: 'POST',
          url: '/tenants',
          authenticated: true,
          bad: [
            { why: 'wrong type', body: { slug: 5, name: 'Five' } },
            { why: 'missing name', body: { slug: 'no-name' } },
            { why: 'unknown field', body: { slug: 'extra', name: 'Extra', id: '0190a000-0000-7000-8000-000000000001' } },
            { why: 'SQL as slug', body: { slug: "x'; DROP TABLE tenants; --", name: 'Evil' } },
            { why: 'upper-case slug', body: { slug: 'UPPER', name: 'Upper' } },
            { why: 'empty name', body: { slug: 'empty-name', name: '' } },
          ],
        },
        {
          method: 'POST',
          url: '/keys',
          authenticated: true,
          bad: [
            { why: 'scopes not an array', body: { name: 'k', scopes: 'read' } },
            { why: 'missing scopes', body: { name: 'k' } },
            { why: 'unknown field (tenant smuggling)', body: { name: 'k', scopes: ['read'], tenantId: '0190a000-0000-7000-8000-000000000001' } },
            { why: 'unknown scope', body: { name: 'k', scopes: ['root'] } },
            { why: 'no scopes', body: { name: 'k', scopes: [] } },
            { why: 'repeated scope', body: { name: 'k', scopes: ['read', 'read'] } },
            { why: 'bad expiry', body: { name: 'k', scopes: ['read'], expiresAt: 'soon' } },
            { why: 'past expiry', body: { name: 'k', scopes: ['read'], expiresAt: '2001-01-01T00:00:00Z' } },
            { why: 'blank name', body: { name: '   ', scopes: ['read'] } },
          ],
        },
        {
          method: 'POST',
          url: '/users',
          authenticated: true,
          bad: [
            { why: 'numeric password', body: { email: 'n@example.com', name: 'N', password: 123456789012345, role: 'viewer' } },
            { why: 'missing role', body: { email: 'n@example.com', name: 'N', password: goodPassword } },
            { why: 'unknown role', body: { email: 'n@example.com', name: 'N', password: goodPassword, role: 'god' } },
            { why: 'short password', body: { email: 'n@example.com', name: 'N', password: 'short', role: 'viewer' } },
            { why: 'unknown field', body: { email: 'n@example.com', name: 'N', password: goodPassword, role: 'viewer', passwordHash: 'x' } },
            { why: 'SQL as email', body: { email: sqlText, name: 'N', password: goodPassword, role: 'viewer' } },
            { why: 'null name', body: { email: 'n@example.com', name: null, password: goodPassword, role: 'viewer' } },
          ],
        },
        {
          method: 'PATCH',
          url: `/users/${userId}`,
          authenticated: true,
          bad: [
            { why: 'no changes', body: {} },
            { why: 'unknown role', body: { role: 'god' } },
            { why: 'string boolean', body: { disabled: 'yes' } },
            { why: 'numeric name', body: { name: 5 } },
            { why: 'unknown field (email)', body: { email: 'new@example.com' } },
            { why: 'unknown field (password)', body: { password: goodPassword } },
          ],
        },
      ];
    });
    after(() => test.dispose());

    it('answers 400 problem+json to wrong types, missing and unknown fields on every body route, and changes nothing', async () => {
      const before = await snapshot();
      for (const route of routes) {
        for (const { why, body } of route.bad) {
          const response = await send(route, { payload: body as object });
          assert.equal(response.statusCode, 400, `${route.method} ${route.url}: ${why}: ${response.body}`);
          assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
          assert.equal(response.json().status, 400);
        }
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('answers 400 to malformed JSON and to text, and 415 to a form body, on every body route, and changes nothing', async () => {
      const before = await snapshot();
      for (const route of routes) {
        const broken = await send(route, { payload: '{"name": "x",', headers: { 'content-type': 'application/json' } });
        assert.deepEqual([broken.statusCode, broken.json().code], [400, 'invalid_json'], `${route.method} ${route.url}`);
        const form = await send(route, { payload: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        assert.deepEqual([form.statusCode, form.json().code], [415, 'unsupported_media_type'], `${route.method} ${route.url}`);
        // Fastify parses text/plain as a string, which then fails the object schema.
        const text = await send(route, { payload: 'name=x', headers: { 'content-type': 'text/plain' } });
        assert.deepEqual([text.statusCode, text.json().code], [400, 'validation_failed'], `${route.method} ${route.url}`);
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('answers 413 to a body over the limit on every body route, and changes nothing', async () => {
      const before = await snapshot();
      const big = JSON.stringify({ name: 'x'.repeat(8192) });
      for (const route of routes) {
        const response = await send(route, { payload: big, headers: { 'content-type': 'application/json' } });
        assert.deepEqual([response.statusCode, response.json().code], [413, 'payload_too_large'], `${route.method} ${route.url}`);
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('refuses an unauthenticated oversized body with 401 before reading it', async () => {
      const response = await test.app.inject({
        method: 'POST',
        url: '/users',
        payload: JSON.stringify({ name: 'x'.repeat(8192) }),
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(response.statusCode, 401);
    });

    it('answers 400 to malformed IDs in paths, including SQL, and changes nothing', async () => {
      const before = await snapshot();
      for (const id of ['abc', '1', `${userId}0`, userId.toUpperCase(), encodeURIComponent("1' OR '1'='1"), encodeURIComponent(sqlText)]) {
        for (const [method, url, payload] of [
          ['DELETE', `/keys/${id}`, undefined],
          ['PATCH', `/users/${id}`, { name: 'Renamed' }],
          ['DELETE', `/users/${id}`, undefined],
        ] as const) {
          const response = await test.app.inject({ method, url, headers: bearer(test.adminKey), ...(payload ? { payload } : {}) });
          assert.deepEqual([response.statusCode, response.json().code], [400, 'validation_failed'], `${method} ${url}`);
        }
      }
      assert.deepEqual(await snapshot(), before);
    });

    it('stores SQL-looking names literally and leaves every table intact', async () => {
      const name = "Robert'); DROP TABLE users; --";
      const user = await test.app.inject({
        method: 'POST',
        url: '/users',
        headers: bearer(test.adminKey),
        payload: { email: "o'hara@example.com", name, password: goodPassword, role: 'viewer' },
      });
      assert.equal(user.statusCode, 201);
      const key = await test.app.inject({
        method: 'POST',
        url: '/keys',
        headers: bearer(test.adminKey),
        payload: { name: "k'); DELETE FROM api_keys; --", scopes: ['read'] },
      });
      assert.equal(key.statusCode, 201);
      const tenant = await test.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: bearer(test.adminKey),
        payload: { slug: 'literal', name: "t'); DROP TABLE tenants; --" },
      });
      assert.equal(tenant.statusCode, 201);
      const users = (await test.app.inject({ url: '/users', headers: bearer(test.adminKey) })).json().items as { name: string; email: string }[];
      assert.ok(users.some((item) => item.name === name && item.email === "o'hara@example.com"));
      const keys = (await test.app.inject({ url: '/keys', headers: bearer(test.adminKey) })).json().items as { name: string }[];
      assert.ok(keys.some((item) => item.name === "k'); DELETE FROM api_keys; --"));
      assert.ok(keys.length >= 2, 'no key was deleted');
      const tenants = (await test.app.inject({ url: '/tenants', headers: bearer(test.adminKey) })).json().items as { name: string }[];
      assert.deepEqual(
        tenants.map((item) => item.name),
        ['Default', "t'); DROP TABLE tenants; --"],
      );
      assert.ok((await countRows(test.services.store, 'users')) >= 2);
    });

    it('rejects SQL as the tenant, email and password of a login with the same 401 as any wrong login', async () => {
      const before = await snapshot();
      const response = await test.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { tenant: sqlText, email: "' OR '1'='1", password: "' OR '1'='1" },
      });
      assert.deepEqual([response.statusCode, response.json().code], [401, 'invalid_credentials']);
      assert.deepEqual(await snapshot(), before);
    });
  });
}
