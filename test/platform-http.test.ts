import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';
import { goodPassword } from './platform-support.js';

interface Json {
  [key: string]: unknown;
}

for (const dialect of dialects) {
  describe(`platform HTTP flows (${dialect})`, () => {
    let test: TestApp;
    const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token?: string, payload?: object) => {
      const response = await test.app.inject({ method, url, headers: token ? bearer(token) : {}, ...(payload ? { payload } : {}) });
      return { status: response.statusCode, body: (response.body ? response.json() : null) as Json, headers: response.headers };
    };
    before(async () => {
      test = await createTestApp(dialect);
    });
    after(() => test.dispose());

    it('answers 401 problem+json with WWW-Authenticate: Bearer without credentials, with a bad key and with a malformed header', async () => {
      for (const headers of [{}, bearer('trl_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'), bearer('nonsense'), { authorization: 'Basic YTpi' }]) {
        const response = await test.app.inject({ url: '/tenant', headers });
        assert.equal(response.statusCode, 401);
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
        assert.match(String(response.headers['www-authenticate']), /^Bearer/);
        assert.equal(response.json().code, 'unauthenticated');
      }
    });

    it('answers an unknown URL with a 404 problem even without credentials', async () => {
      const response = await test.app.inject({ url: '/no/such/route' });
      assert.equal(response.statusCode, 404);
      assert.equal(response.json().code, 'route_not_found');
    });

    it('returns the caller’s tenant and enforces scopes: a read key reads but cannot administer or manage tenants', async () => {
      const tenant = await call('GET', '/tenant', test.adminKey);
      assert.equal(tenant.status, 200);
      assert.equal(tenant.body.slug, 'default');
      const created = await call('POST', '/keys', test.adminKey, { name: 'reader', scopes: ['read'] });
      assert.equal(created.status, 201);
      const readKey = created.body.key as string;
      assert.equal((await call('GET', '/tenant', readKey)).status, 200);
      const forbidden = await call('POST', '/keys', readKey, { name: 'sneaky', scopes: ['read'] });
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.body.code, 'forbidden');
      assert.equal((await call('GET', '/users', readKey)).status, 403);
      assert.equal((await call('GET', '/tenants', readKey)).status, 403);
      assert.equal((await call('POST', '/tenants', readKey, { slug: 'nope', name: 'Nope' })).status, 403);
    });

    it('creates a key once with its plaintext, lists keys without secrets, and revokes one so it stops working', async () => {
      const created = await call('POST', '/keys', test.adminKey, {
        name: 'writer',
        scopes: ['read', 'write'],
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      });
      assert.equal(created.status, 201);
      assert.equal(created.headers.location, `/keys/${created.body.id}`);
      const key = created.body.key as string;
      assert.match(key, /^trl_[a-z2-7]{8}_[a-z2-7]{32}$/);
      const listed = await call('GET', '/keys', test.adminKey);
      assert.equal(listed.status, 200);
      const serialised = JSON.stringify(listed.body);
      assert.ok(serialised.includes(String(created.body.id)));
      assert.ok(!serialised.includes(key.slice(13)) && !/"key"|secret|hash/i.test(serialised));
      assert.equal((await call('DELETE', `/keys/${created.body.id}`, test.adminKey)).status, 204);
      assert.equal((await call('GET', '/tenant', key)).status, 401);
    });

    it('refuses to let a key grant scopes it lacks', async () => {
      const admin = await call('POST', '/keys', test.adminKey, { name: 'plain admin', scopes: ['read', 'write', 'admin'] });
      const escalation = await call('POST', '/keys', admin.body.key as string, { name: 'root', scopes: ['read', 'system'] });
      assert.equal(escalation.status, 403);
      assert.match(String(escalation.body.detail), /system/);
    });

    it('creates a tenant with its own admin key, which sees only that tenant', async () => {
      const created = await call('POST', '/tenants', test.adminKey, { slug: 'acme', name: 'Acme' });
      assert.equal(created.status, 201);
      const tenant = created.body.tenant as Json;
      const apiKey = created.body.apiKey as Json;
      assert.deepEqual(apiKey.scopes, ['read', 'write', 'admin']);
      const own = await call('GET', '/tenant', apiKey.key as string);
      assert.deepEqual(own.body, tenant);
      assert.equal((await call('GET', '/tenants', apiKey.key as string)).status, 403);
      const all = await call('GET', '/tenants', test.adminKey);
      assert.deepEqual(
        (all.body.items as Json[]).map((item) => item.slug),
        ['default', 'acme'],
      );
      const duplicate = await call('POST', '/tenants', test.adminKey, { slug: 'acme', name: 'Again' });
      assert.equal(duplicate.status, 409);
    });

    it('hides another tenant’s keys and users behind 404 and never returns their data', async () => {
      const other = await call('POST', '/tenants', test.adminKey, { slug: 'other-co', name: 'Other' });
      const otherKey = (other.body.apiKey as Json).key as string;
      const otherKeyId = (other.body.apiKey as Json).id as string;
      const otherUser = await call('POST', '/users', otherKey, { email: 'them@example.com', name: 'Them', password: goodPassword, role: 'owner' });
      assert.equal(otherUser.status, 201);
      const revoke = await call('DELETE', `/keys/${otherKeyId}`, test.adminKey);
      assert.equal(revoke.status, 404);
      assert.ok(!JSON.stringify(revoke.body).includes('Other'));
      assert.equal((await call('PATCH', `/users/${otherUser.body.id}`, test.adminKey, { name: 'Mine' })).status, 404);
      assert.equal((await call('DELETE', `/users/${otherUser.body.id}`, test.adminKey)).status, 404);
      assert.equal((await call('GET', '/tenant', otherKey)).status, 200, 'the other tenant’s key still works');
      const users = await call('GET', '/users', otherKey);
      assert.deepEqual(
        (users.body.items as Json[]).map((user) => user.name),
        ['Them'],
      );
      assert.ok(!JSON.stringify((await call('GET', '/users', test.adminKey)).body).includes('them@example.com'));
    });

    it('logs a person in, refreshes with rotation, detects reuse, and logs out', async () => {
      const user = await call('POST', '/users', test.adminKey, { email: 'Ed@Example.com', name: 'Ed', password: goodPassword, role: 'editor' });
      assert.equal(user.status, 201);
      assert.equal(user.body.email, 'ed@example.com');
      assert.ok(!JSON.stringify(user.body).includes('argon2'));
      const wrong = await call('POST', '/auth/login', undefined, { tenant: 'default', email: 'ed@example.com', password: 'not the password' });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.code, 'invalid_credentials');
      const unknown = await call('POST', '/auth/login', undefined, { tenant: 'default', email: 'nobody@example.com', password: goodPassword });
      assert.deepEqual([unknown.status, unknown.body.code, unknown.body.detail], [401, 'invalid_credentials', wrong.body.detail]);

      const login = await call('POST', '/auth/login', undefined, { tenant: 'default', email: 'ed@example.com', password: goodPassword });
      assert.equal(login.status, 200);
      assert.equal(login.body.tokenType, 'Bearer');
      const accessToken = login.body.accessToken as string;
      assert.equal((await call('GET', '/tenant', accessToken)).status, 200);
      assert.equal((await call('GET', '/users', accessToken)).status, 403, 'an editor is not an admin');

      const refreshed = await call('POST', '/auth/refresh', undefined, { refreshToken: login.body.refreshToken });
      assert.equal(refreshed.status, 200);
      assert.notEqual(refreshed.body.refreshToken, login.body.refreshToken);
      const reuse = await call('POST', '/auth/refresh', undefined, { refreshToken: login.body.refreshToken });
      assert.deepEqual([reuse.status, reuse.body.code], [401, 'refresh_token_reused']);
      const afterReuse = await call('POST', '/auth/refresh', undefined, { refreshToken: refreshed.body.refreshToken });
      assert.equal(afterReuse.status, 401);

      const second = await call('POST', '/auth/login', undefined, { tenant: 'default', email: 'ed@example.com', password: goodPassword });
      assert.equal((await call('POST', '/auth/logout', undefined, { refreshToken: second.body.refreshToken })).status, 204);
      assert.equal((await call('POST', '/auth/refresh', undefined, { refreshToken: second.body.refreshToken })).status, 401);
    });

    it('manages users: only owners touch owners, the last owner stays, and disabling ends access', async () => {
      const owner = await call('POST', '/users', test.adminKey, { email: 'boss@example.com', name: 'Boss', password: goodPassword, role: 'owner' });
      assert.equal(owner.status, 201, 'the system key may appoint an owner');
      const admin = await call('POST', '/users', test.adminKey, { email: 'adm@example.com', name: 'Adm', password: goodPassword, role: 'admin' });
      const adminLogin = await call('POST', '/auth/login', undefined, { tenant: 'default', email: 'adm@example.com', password: goodPassword });
      const adminToken = adminLogin.body.accessToken as string;
      assert.equal((await call('GET', '/users', adminToken)).status, 200);
      const selfPromotion = await call('PATCH', `/users/${admin.body.id}`, adminToken, { role: 'owner' });
      assert.deepEqual([selfPromotion.status, selfPromotion.body.code], [403, 'forbidden']);
      const ownerLogin = await call('POST', '/auth/login', undefined, { tenant: 'default', email: 'boss@example.com', password: goodPassword });
      const ownerToken = ownerLogin.body.accessToken as string;
      const lastOwner = await call('PATCH', `/users/${owner.body.id}`, ownerToken, { role: 'admin' });
      assert.deepEqual([lastOwner.status, lastOwner.body.code], [422, 'unprocessable']);
      assert.equal((await call('DELETE', `/users/${owner.body.id}`, ownerToken)).status, 422);

      const disabled = await call('PATCH', `/users/${admin.body.id}`, ownerToken, { disabled: true });
      assert.deepEqual([disabled.status, disabled.body.disabled], [200, true]);
      assert.equal((await call('GET', '/tenant', adminToken)).status, 401, 'a disabled user’s token stops working');
      assert.equal((await call('DELETE', `/users/${admin.body.id}`, ownerToken)).status, 204);
      assert.equal((await call('PATCH', `/users/${admin.body.id}`, ownerToken, { name: 'Ghost' })).status, 404);
    });
  });
}
