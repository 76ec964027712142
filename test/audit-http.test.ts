import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { newId } from '../src/core/ids.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';
import { goodPassword } from './platform-support.js';

interface Json {
  [key: string]: unknown;
}
interface AuditItem {
  id: string;
  action: string;
  actor: { kind: string; id: string | null };
  target: { kind: string; id: string | null } | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Json;
}

const limits = { loginMaxFailures: 3, loginMaxFailuresPerIp: 8, loginLockoutMs: 60_000, loginLockoutMaxMs: 600_000 };

for (const dialect of dialects) {
  describe(`audit log and login throttling over HTTP (${dialect})`, () => {
    let test: TestApp;
    let base: string;
    const call = async (method: string, url: string, token?: string, payload?: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(base + url, {
        method,
        headers: { ...(token ? bearer(token) : {}), ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as Json, headers: response.headers };
    };
    const auditOf = async (query: string): Promise<AuditItem[]> => {
      const answer = await call('GET', `/audit?${query}`, test.adminKey);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.items as AuditItem[];
    };
    const login = (email: string, password: string, tenant = 'default') =>
      call('POST', '/auth/login', undefined, { tenant, email, password }, { 'user-agent': 'audit-test/1.0' });
    const throttleRows = async () =>
      Number((await test.services.store.read('system', (tx) => tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM login_throttle')))?.n);
    const clearThrottle = () => test.services.store.transaction('system', (tx) => tx.run('DELETE FROM login_throttle'));

    before(async () => {
      test = await createTestApp(dialect, limits);
      await test.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(test.app.server.address() as AddressInfo).port}`;
    });
    after(() => test.dispose());

    it('records the bootstrap: tenant and admin key created by the system', async () => {
      const items = await auditOf('actor=system:bootstrap');
      assert.deepEqual(items.map((item) => item.action).sort(), ['api_key.created', 'tenant.created']);
    });

    it('records key creation and revocation, user creation, role change and deletion, with IP, user agent and request ID', async () => {
      const key = await call('POST', '/keys', test.adminKey, { name: 'ci', scopes: ['read'] }, { 'user-agent': 'ua-keys', 'x-request-id': 'req-key-1' });
      assert.equal(key.status, 201);
      assert.equal((await call('DELETE', `/keys/${key.body.id as string}`, test.adminKey)).status, 204);
      const user = await call('POST', '/users', test.adminKey, { email: 'rita@example.com', name: 'Rita', password: goodPassword, role: 'viewer' });
      assert.equal(user.status, 201);
      const userId = user.body.id as string;
      assert.equal((await call('PATCH', `/users/${userId}`, test.adminKey, { role: 'editor' })).status, 200);
      assert.equal((await call('DELETE', `/users/${userId}`, test.adminKey)).status, 204);

      const [created] = await auditOf(`action=api_key.created&target=api_key:${key.body.id as string}`);
      assert.equal(created?.ip, '127.0.0.1');
      assert.equal(created?.userAgent, 'ua-keys');
      assert.equal(created?.requestId, 'req-key-1');
      assert.equal(created?.actor.kind, 'api_key');
      assert.deepEqual(created?.details, { name: 'ci', scopes: ['read'] });
      assert.equal((await auditOf(`action=api_key.revoked&target=${key.body.id as string}`)).length, 1);
      const forUser = await auditOf(`target=user:${userId}`);
      assert.deepEqual(
        forUser.map((item) => item.action),
        ['user.deleted', 'user.role_changed', 'user.created'],
      );
      assert.deepEqual(forUser[1]?.details, { email: 'rita@example.com', from: 'viewer', to: 'editor' });
    });

    it('records tenant creation by a system key, in the new tenant’s own log', async () => {
      const tenant = await call('POST', '/tenants', test.adminKey, { slug: 'audited', name: 'Audited' });
      assert.equal(tenant.status, 201);
      const tenantKey = (tenant.body.apiKey as Json).key as string;
      const own = await call('GET', '/audit?action=tenant.*', tenantKey);
      assert.equal(own.status, 200);
      assert.deepEqual(
        (own.body.items as AuditItem[]).map((item) => [item.action, item.actor.kind, item.ip]),
        [['tenant.created', 'api_key', '127.0.0.1']],
      );
      assert.equal(((await call('GET', '/audit?action=api_key.created', tenantKey)).body.items as AuditItem[]).length, 1);
      // Not in the creator's tenant, and the new tenant sees none of the default tenant's rows.
      assert.equal((await auditOf(`target=${(tenant.body.tenant as Json).id as string}`)).length, 0);
      const foreign = await call('GET', '/audit?action=api_key.revoked', tenantKey);
      assert.deepEqual(foreign.body.items, []);
    });

    it('records entity, relation and source deletions, and nothing for a failed deletion', async () => {
      const source = await call('POST', '/sources', test.adminKey, { uri: 'https://example.org/audit', kind: 'txt', chunks: [{ text: 'Ada met Alan.' }] });
      assert.equal(source.status, 201);
      const ada = await call('POST', '/entities', test.adminKey, { type: 'Person', name: 'Ada' });
      const alan = await call('POST', '/entities', test.adminKey, { type: 'Person', name: 'Alan' });
      const relation = await call('POST', '/relations', test.adminKey, { type: 'MET', from: ada.body.id, to: alan.body.id });
      assert.equal(relation.status, 201, JSON.stringify(relation.body));
      assert.equal((await call('DELETE', `/relations/${relation.body.id as string}`, test.adminKey)).status, 204);
      assert.equal((await call('DELETE', `/entities/${ada.body.id as string}`, test.adminKey)).status, 204);
      assert.equal((await call('DELETE', `/sources/${source.body.id as string}`, test.adminKey)).status, 200);
      assert.equal((await call('DELETE', `/entities/${newId()}`, test.adminKey)).status, 404);
      const deletions = await auditOf('action=*');
      const deleted = deletions.filter((item) => item.action.endsWith('.deleted') && item.action !== 'user.deleted');
      assert.deepEqual(
        deleted.map((item) => [item.action, item.target?.id]),
        [
          ['source.deleted', source.body.id],
          ['entity.deleted', ada.body.id],
          ['relation.deleted', relation.body.id],
        ],
      );
    });

    it('records a login with the user as actor, and a failed login as anonymous with the reason, without the password', async () => {
      await clearThrottle();
      const user = await call('POST', '/users', test.adminKey, { email: 'lin@example.com', name: 'Lin', password: goodPassword, role: 'viewer' });
      const ok = await login('lin@example.com', goodPassword);
      assert.equal(ok.status, 200);
      const bad = await login('lin@example.com', 'wrong password here');
      assert.equal(bad.status, 401);
      const [success] = await auditOf('action=auth.login');
      assert.deepEqual(success?.actor, { kind: 'user', id: user.body.id });
      assert.equal(success?.userAgent, 'audit-test/1.0');
      const [failed] = await auditOf('action=auth.login_failed');
      assert.deepEqual(failed?.actor, { kind: 'anonymous', id: null });
      assert.deepEqual(failed?.details, { email: 'lin@example.com', reason: 'wrong_password' });
      assert.ok(!JSON.stringify(failed).includes('wrong password here'));
    });

    it('locks out an email after the limit with 429 rate_limited and Retry-After, the same for an unknown user', async () => {
      await clearThrottle();
      await call('POST', '/users', test.adminKey, { email: 'max@example.com', name: 'Max', password: goodPassword, role: 'viewer' });
      for (const email of ['max@example.com', 'nobody@example.com']) {
        for (let i = 0; i < limits.loginMaxFailures; i++) assert.equal((await login(email, 'not the password')).status, 401);
        const refused = await login(email, email === 'max@example.com' ? goodPassword : 'not the password');
        assert.equal(refused.status, 429);
        assert.match(String(refused.headers.get('content-type')), /^application\/problem\+json/);
        assert.equal(refused.body.code, 'rate_limited');
        const retryAfter = Number(refused.headers.get('retry-after'));
        assert.ok(retryAfter > 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
        // The same answer whether or not the user exists.
        assert.deepEqual(
          Object.keys(refused.body).sort(),
          ['code', 'detail', 'details', 'instance', 'status', 'title', 'type'].filter((key) => key in refused.body).sort(),
        );
      }
      // Another email of the same tenant is not locked.
      assert.equal((await login('other@example.com', 'x')).status, 401);
    });

    it('doubles the lockout each time the limit is reached again', async () => {
      await clearThrottle();
      const fail = async () => {
        for (let i = 0; i < limits.loginMaxFailures; i++) assert.equal((await login('dbl@example.com', 'nope')).status, 401);
        return Number((await login('dbl@example.com', 'nope')).headers.get('retry-after'));
      };
      const first = await fail();
      // Let the lockout end (as if its time had passed) without waiting for it.
      await test.services.store.transaction('system', (tx) =>
        tx.run("UPDATE login_throttle SET locked_until = ? WHERE key LIKE 'email:%'", [new Date(Date.now() - 1000).toISOString()]),
      );
      const second = await fail();
      assert.ok(first > 50 && first <= 60, `first ${first}`);
      assert.ok(second > 110 && second <= 120, `second ${second}`);
    });

    it('resets the email counter on a successful login', async () => {
      await clearThrottle();
      await call('POST', '/users', test.adminKey, { email: 'reset@example.com', name: 'Reset', password: goodPassword, role: 'viewer' });
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < limits.loginMaxFailures - 1; i++) assert.equal((await login('reset@example.com', 'nope')).status, 401);
        assert.equal((await login('reset@example.com', goodPassword)).status, 200);
      }
      // Naming the tenant by ID shares the budget with naming it by slug.
      for (let i = 0; i < limits.loginMaxFailures - 1; i++) assert.equal((await login('reset@example.com', 'nope')).status, 401);
      assert.equal((await login('reset@example.com', 'nope', test.tenantId)).status, 401);
      assert.equal((await login('reset@example.com', goodPassword, test.tenantId)).status, 429);
    });

    it('locks out an IP after its own limit across many emails', async () => {
      await clearThrottle();
      for (let i = 0; i < limits.loginMaxFailuresPerIp; i++) assert.equal((await login(`spray${i}@example.com`, 'nope')).status, 401);
      const refused = await login('fresh@example.com', 'nope');
      assert.equal(refused.status, 429);
      assert.equal(refused.body.code, 'rate_limited');
      await clearThrottle();
    });

    it('records refresh-token reuse', async () => {
      await clearThrottle();
      const tokens = await login('lin@example.com', goodPassword);
      const refresh = tokens.body.refreshToken as string;
      assert.equal((await call('POST', '/auth/refresh', undefined, { refreshToken: refresh })).status, 200);
      const reused = await call('POST', '/auth/refresh', undefined, { refreshToken: refresh });
      assert.equal(reused.status, 401);
      assert.equal(reused.body.code, 'refresh_token_reused');
      const [row] = await auditOf('action=auth.refresh_token_reused');
      assert.equal(row?.target?.kind, 'user');
      assert.equal(row?.ip, '127.0.0.1');
    });

    it('refuses GET /audit without the admin scope', async () => {
      const reader = await call('POST', '/keys', test.adminKey, { name: 'reader', scopes: ['read', 'write'] });
      assert.equal((await call('GET', '/audit', reader.body.key as string)).status, 403);
      assert.equal((await call('GET', '/audit')).status, 401);
    });

    it('pages with a cursor, newest first, without repeats', async () => {
      const all = await auditOf('limit=500');
      const seen: string[] = [];
      let cursor = '';
      do {
        const page = await call('GET', `/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`, test.adminKey);
        seen.push(...(page.body.items as AuditItem[]).map((item) => item.id));
        cursor = (page.body.nextCursor as string | null) ?? '';
      } while (cursor);
      assert.deepEqual(
        seen,
        all.map((item) => item.id),
      );
      assert.deepEqual([...seen].sort().reverse(), seen);
    });

    it('answers bad filters with 400 and changes nothing; other tenants’ IDs find nothing', async () => {
      const before = await auditOf('limit=500');
      const rowsBefore = await throttleRows();
      const bad = [
        'limit=abc',
        'limit=0',
        'limit=501',
        'unknown=1',
        'since=yesterday',
        'until=2024-13-45T00:00:00Z',
        `action=${'a'.repeat(101)}`,
        "action=x'%20OR%201=1--",
        'action=USER.*',
        "actor=x'%3B%20DROP%20TABLE%20audit_log%3B--",
        `target=${'t'.repeat(201)}`,
        'cursor=not-a-cursor',
        `cursor=${Buffer.from(JSON.stringify({ before: "' OR 1=1" })).toString('base64url')}`,
      ];
      for (const query of bad) {
        const answer = await call('GET', `/audit?${query}`, test.adminKey);
        assert.equal(answer.status, 400, query);
        assert.match(String(answer.headers.get('content-type')), /^application\/problem\+json/, query);
      }
      const other = await call('POST', '/tenants', test.adminKey, { slug: 'other-audit', name: 'Other' });
      const otherKeyId = (other.body.apiKey as Json).id as string;
      assert.equal(other.status, 201);
      assert.equal((await auditOf(`target=api_key:${otherKeyId}`)).length, 0);
      const after = await auditOf('limit=500');
      assert.deepEqual(
        after.map((item) => item.id),
        before.map((item) => item.id),
      );
      assert.equal(await throttleRows(), rowsBefore);
    });

    it('has no route that changes or deletes audit rows', async () => {
      const [first] = await auditOf('limit=1');
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        const answer = await call(method, '/audit', test.adminKey, method === 'DELETE' ? undefined : { action: 'forged' });
        assert.ok(answer.status === 404 || answer.status === 405, `${method} → ${answer.status}`);
        assert.equal((await call(method, `/audit/${first?.id ?? ''}`, test.adminKey)).status, 404);
      }
      assert.equal((await auditOf('action=forged')).length, 0);
      const [still] = await auditOf('limit=1');
      assert.deepEqual(still, first);
    });

    it('answers login bad input with 400 and counts nothing', async () => {
      await clearThrottle();
      for (const body of [
        { tenant: 'default', email: 1, password: 'x' },
        { tenant: 'default', email: 'a@b.c', password: 'x', extra: 1 },
        { tenant: 'x'.repeat(101), email: 'a@b.c', password: 'x' },
      ]) {
        const answer = await call('POST', '/auth/login', undefined, body);
        assert.equal(answer.status, 400, JSON.stringify(body));
      }
      assert.equal(await throttleRows(), 0);
    });
  });
}
