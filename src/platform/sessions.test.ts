import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { TrellisError } from '../core/errors.js';
import { type PlatformFixture, createPlatformFixture, goodPassword, sleep } from '../../test/platform-support.js';
import { dialects } from '../../test/support/stores.js';
import { createPlatformService } from './index.js';

const rejectsWith = (code: string) => (error: unknown) => error instanceof TrellisError && error.code === code;

for (const dialect of dialects) {
  describe(`platform sessions (${dialect})`, () => {
    let fixture: PlatformFixture;
    let tenantId: string;
    let userId: string;
    let seq = 0;
    const login = () => fixture.platform.sessions.login({ tenant: 'sessions', email: 'ada@example.com', password: goodPassword });

    before(async () => {
      fixture = await createPlatformFixture(dialect);
      tenantId = (await fixture.platform.tenants.create({ slug: 'sessions', name: 'Sessions' })).id;
      userId = (await fixture.platform.users.create({ tenantId, email: 'ada@example.com', name: 'Ada', password: goodPassword, role: 'editor' })).id;
    });
    after(() => fixture.dispose());

    it('logs in by tenant slug or ID with a case-insensitive email and issues an HS256 JWT with the documented claims', async () => {
      const tokens = await login();
      assert.equal(tokens.tokenType, 'Bearer');
      assert.equal(tokens.expiresIn, 900);
      assert.match(tokens.refreshToken, /^trr_[a-z2-7]{43,}$/);
      const claims = decodeJwt(tokens.accessToken);
      assert.equal(claims.sub, userId);
      assert.equal(claims.tid, tenantId);
      assert.equal(claims.role, 'editor');
      assert.equal(claims.scope, 'read write');
      assert.equal(claims.iss, 'trellis');
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 900);
      assert.ok(claims.jti);
      const byId = await fixture.platform.sessions.login({ tenant: tenantId, email: 'ADA@example.com', password: goodPassword });
      const auth = await fixture.platform.authenticate(`Bearer ${byId.accessToken}`);
      assert.deepEqual(auth, { tenantId, scopes: new Set(['read', 'write']), actor: { kind: 'user', id: userId }, role: 'editor' });
    });

    it('answers invalid_credentials alike for a wrong password, an unknown email and an unknown tenant', async () => {
      await assert.rejects(
        fixture.platform.sessions.login({ tenant: 'sessions', email: 'ada@example.com', password: 'wrong password!' }),
        rejectsWith('invalid_credentials'),
      );
      await assert.rejects(
        fixture.platform.sessions.login({ tenant: 'sessions', email: 'nobody@example.com', password: goodPassword }),
        rejectsWith('invalid_credentials'),
      );
      await assert.rejects(
        fixture.platform.sessions.login({ tenant: 'no-tenant', email: 'ada@example.com', password: goodPassword }),
        rejectsWith('invalid_credentials'),
      );
      await assert.rejects(
        fixture.platform.sessions.login({ tenant: "' OR 1=1 --", email: "' OR 1=1 --", password: "' OR 1=1 --" }),
        rejectsWith('invalid_credentials'),
      );
    });

    it('rotates refresh tokens: each refresh returns a new token and a working access token', async () => {
      const first = await login();
      const second = await fixture.platform.sessions.refresh(first.refreshToken);
      assert.notEqual(second.refreshToken, first.refreshToken);
      const third = await fixture.platform.sessions.refresh(second.refreshToken);
      assert.equal((await fixture.platform.authenticate(`Bearer ${third.accessToken}`)).actor.id, userId);
    });

    it('treats reuse of a used refresh token as theft: fails with refresh_token_reused and revokes the whole family', async () => {
      const first = await login();
      const second = await fixture.platform.sessions.refresh(first.refreshToken);
      await assert.rejects(fixture.platform.sessions.refresh(first.refreshToken), rejectsWith('refresh_token_reused'));
      // The legitimate-looking newest token is revoked too.
      await assert.rejects(fixture.platform.sessions.refresh(second.refreshToken), rejectsWith('invalid_credentials'));
      // Other sessions of the same user are untouched.
      const other = await login();
      assert.ok((await fixture.platform.sessions.refresh(other.refreshToken)).accessToken);
    });

    it('lets only one of two concurrent refreshes with the same token succeed', async () => {
      const tokens = await login();
      const results = await Promise.allSettled([
        fixture.platform.sessions.refresh(tokens.refreshToken),
        fixture.platform.sessions.refresh(tokens.refreshToken),
      ]);
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
    });

    it('logs out by revoking the refresh token’s family, and ignores unknown tokens', async () => {
      const first = await login();
      const second = await fixture.platform.sessions.refresh(first.refreshToken);
      await fixture.platform.sessions.logout(first.refreshToken);
      await assert.rejects(fixture.platform.sessions.refresh(second.refreshToken), rejectsWith('invalid_credentials'));
      await fixture.platform.sessions.logout(`trr_${'a'.repeat(52)}`);
      await fixture.platform.sessions.logout('garbage');
    });

    it('refuses login, refresh and access tokens of a disabled user, and of a deleted one', async () => {
      const user = await fixture.platform.users.create({ tenantId, email: `gone${++seq}@example.com`, name: 'Gone', password: goodPassword, role: 'viewer' });
      const tokens = await fixture.platform.sessions.login({ tenant: 'sessions', email: user.email, password: goodPassword });
      await fixture.platform.authenticate(`Bearer ${tokens.accessToken}`);
      await fixture.platform.users.update(tenantId, user.id, { disabled: true });
      await assert.rejects(fixture.platform.authenticate(`Bearer ${tokens.accessToken}`), rejectsWith('unauthenticated'));
      await assert.rejects(fixture.platform.sessions.refresh(tokens.refreshToken), rejectsWith('invalid_credentials'));
      await assert.rejects(
        fixture.platform.sessions.login({ tenant: 'sessions', email: user.email, password: goodPassword }),
        rejectsWith('invalid_credentials'),
      );
      await fixture.platform.users.update(tenantId, user.id, { disabled: false });
      const again = await fixture.platform.sessions.login({ tenant: 'sessions', email: user.email, password: goodPassword });
      await fixture.platform.users.delete(tenantId, user.id);
      await assert.rejects(fixture.platform.authenticate(`Bearer ${again.accessToken}`), rejectsWith('unauthenticated'));
      await assert.rejects(fixture.platform.sessions.refresh(again.refreshToken), rejectsWith('invalid_credentials'));
    });

    it('refuses a tampered or foreign-signed access token and malformed Authorization headers', async () => {
      const { accessToken } = await login();
      const [header, payload, signature] = accessToken.split('.') as [string, string, string];
      const forged = Buffer.from(JSON.stringify({ ...decodeJwt(accessToken), role: 'owner' })).toString('base64url');
      for (const value of [
        `Bearer ${header}.${forged}.${signature}`,
        `Bearer ${header}.${payload}.${signature.slice(0, -2)}xx`,
        `Bearer ${header}.${payload}`,
        `Basic ${Buffer.from('a:b').toString('base64')}`,
        'Bearer',
        accessToken,
        undefined,
        '',
      ]) {
        await assert.rejects(fixture.platform.authenticate(value), rejectsWith('unauthenticated'), String(value));
      }
    });

    it('generates one JWT secret, stores it in settings and shares it with every replica', async () => {
      const { accessToken } = await login();
      const row = await fixture.store.read('system', (tx) => tx.get<{ value: string }>("SELECT value FROM settings WHERE key = 'jwt_secret'"));
      assert.ok((row?.value.length ?? 0) >= 64);
      const replica = createPlatformService(fixture.store, fixture.config);
      assert.equal((await replica.authenticate(`Bearer ${accessToken}`)).actor.id, userId);
    });

    it('signs with config.jwtSecret when set, so tokens of another secret are refused', async () => {
      const { accessToken } = await login();
      const configured = createPlatformService(fixture.store, { ...fixture.config, jwtSecret: 'x'.repeat(40) });
      await assert.rejects(configured.authenticate(`Bearer ${accessToken}`), rejectsWith('unauthenticated'));
      const own = await configured.sessions.login({ tenant: 'sessions', email: 'ada@example.com', password: goodPassword });
      assert.equal((await configured.authenticate(`Bearer ${own.accessToken}`)).tenantId, tenantId);
    });
  });

  describe(`platform session expiry (${dialect})`, () => {
    let fixture: PlatformFixture;
    before(async () => {
      fixture = await createPlatformFixture(dialect, { accessTokenTtl: 1, refreshTokenTtl: 1 });
      const tenantId = (await fixture.platform.tenants.create({ slug: 'expiry', name: 'Expiry' })).id;
      await fixture.platform.users.create({ tenantId, email: 'ada@example.com', name: 'Ada', password: goodPassword, role: 'viewer' });
    });
    after(() => fixture.dispose());

    it('refuses an expired access token and an expired refresh token with token_expired', async () => {
      const tokens = await fixture.platform.sessions.login({ tenant: 'expiry', email: 'ada@example.com', password: goodPassword });
      assert.equal(tokens.expiresIn, 1);
      await sleep(2100);
      await assert.rejects(fixture.platform.authenticate(`Bearer ${tokens.accessToken}`), rejectsWith('token_expired'));
      await assert.rejects(fixture.platform.sessions.refresh(tokens.refreshToken), rejectsWith('token_expired'));
    });
  });
}
