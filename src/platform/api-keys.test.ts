import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TrellisError } from '../core/errors.js';
import { type PlatformFixture, countRows, createPlatformFixture, eventsOf, eventually, sleep } from '../../test/platform-support.js';
import { dialects } from '../../test/support/stores.js';
import type { AuthContext } from './index.js';

const rejectsWith = (code: string) => (error: unknown) => error instanceof TrellisError && error.code === code;

for (const dialect of dialects) {
  describe(`platform API keys (${dialect})`, () => {
    let fixture: PlatformFixture;
    let tenantId: string;
    let otherTenantId: string;
    before(async () => {
      fixture = await createPlatformFixture(dialect, { apiKeyCacheMs: 60_000 });
      tenantId = (await fixture.platform.tenants.create({ slug: 'keys', name: 'Keys' })).id;
      otherTenantId = (await fixture.platform.tenants.create({ slug: 'other', name: 'Other' })).id;
    });
    after(() => fixture.dispose());

    it('creates a key in the trl_<prefix>_<secret> format that authenticates with its scopes, and shows the plaintext only once', async () => {
      const { key, apiKey } = await fixture.platform.apiKeys.create({ tenantId, name: 'reader', scopes: ['read'] });
      assert.match(key, /^trl_[a-z2-7]{8}_[a-z2-7]{32}$/);
      assert.equal(key.slice(4, 12), apiKey.prefix);
      const auth = await fixture.platform.authenticateApiKey(key);
      assert.deepEqual(auth, { tenantId, scopes: new Set(['read']), actor: { kind: 'api_key', id: apiKey.id }, role: null });
      const listed = (await fixture.platform.apiKeys.list(tenantId)).find((item) => item.id === apiKey.id);
      assert.deepEqual({ ...listed, lastUsedAt: null }, apiKey);
      const serialised = JSON.stringify(await fixture.platform.apiKeys.list(tenantId));
      assert.ok(!serialised.includes(key.slice(13)), 'the secret never appears in a listing');
      assert.ok(!/secret|hash/i.test(serialised), 'no hash field in a listing');
    });

    it('stores only the SHA-256 of the key and never writes the secret or hash into an event', async () => {
      const { key, apiKey } = await fixture.platform.apiKeys.create({ tenantId, name: 'hashed', scopes: ['read', 'write'] });
      const row = await fixture.store.read('system', (tx) => tx.get<{ secret_hash: string }>('SELECT secret_hash FROM api_keys WHERE id = ?', [apiKey.id]));
      assert.match(row?.secret_hash ?? '', /^[0-9a-f]{64}$/);
      const events = JSON.stringify(await eventsOf(fixture.store, tenantId));
      assert.ok(events.includes('api_key.created'));
      assert.ok(!events.includes(key.slice(13)) && !events.includes(row?.secret_hash ?? 'none'));
    });

    it('refuses a wrong secret with a right prefix, an unknown prefix and malformed keys', async () => {
      const { key } = await fixture.platform.apiKeys.create({ tenantId, name: 'target', scopes: ['read'] });
      const wrongSecret = `${key.slice(0, 13)}${'a'.repeat(32)}`;
      for (const candidate of [
        wrongSecret,
        'trl_aaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
        'trl_short',
        `${key}x`,
        key.toUpperCase(),
        "trl_' OR 1=1 --",
        '',
      ]) {
        await assert.rejects(fixture.platform.authenticateApiKey(candidate), rejectsWith('unauthenticated'), candidate);
      }
    });

    it('serves repeated authentication of a key from memory, without a database call', async () => {
      const { key } = await fixture.platform.apiKeys.create({ tenantId, name: 'hot', scopes: ['read'] });
      await fixture.platform.authenticateApiKey(key);
      await sleep(50); // let the first use's last_used_at write finish
      const before = { ...fixture.calls };
      for (let i = 0; i < 100; i++) await fixture.platform.authenticateApiKey(key);
      assert.deepEqual(fixture.calls, before);
    });

    it('revokes a key so that it fails at once even though it was cached, and emits api_key.revoked', async () => {
      const { key, apiKey } = await fixture.platform.apiKeys.create({ tenantId, name: 'doomed', scopes: ['read'] });
      await fixture.platform.authenticateApiKey(key);
      const revoked = await fixture.platform.apiKeys.revoke(tenantId, apiKey.id);
      assert.ok(revoked.revokedAt);
      await assert.rejects(fixture.platform.authenticateApiKey(key), rejectsWith('unauthenticated'));
      const again = await fixture.platform.apiKeys.revoke(tenantId, apiKey.id);
      assert.equal(again.revokedAt, revoked.revokedAt);
      const events = (await eventsOf(fixture.store, tenantId)).filter((event) => event.type === 'api_key.revoked' && event.subject === apiKey.id);
      assert.equal(events.length, 1, 'revoking twice emits one event');
    });

    it('answers not_found when revoking another tenant’s key or an unknown or malformed ID, and changes nothing', async () => {
      const { key, apiKey } = await fixture.platform.apiKeys.create({ tenantId: otherTenantId, name: 'theirs', scopes: ['read'] });
      await assert.rejects(fixture.platform.apiKeys.revoke(tenantId, apiKey.id), rejectsWith('not_found'));
      await assert.rejects(fixture.platform.apiKeys.get(tenantId, apiKey.id), rejectsWith('not_found'));
      await assert.rejects(fixture.platform.apiKeys.revoke(tenantId, '0190a000-0000-7000-8000-00000000dead'), rejectsWith('not_found'));
      await assert.rejects(fixture.platform.apiKeys.revoke(tenantId, 'not-a-uuid'), rejectsWith('not_found'));
      assert.equal((await fixture.platform.authenticateApiKey(key)).tenantId, otherTenantId);
    });

    it('stops accepting a key at its expiry, even from the cache', async () => {
      const { key } = await fixture.platform.apiKeys.create({ tenantId, name: 'brief', scopes: ['read'], expiresAt: new Date(Date.now() + 400) });
      assert.equal((await fixture.platform.authenticateApiKey(key)).tenantId, tenantId);
      await sleep(450);
      await assert.rejects(fixture.platform.authenticateApiKey(key), rejectsWith('unauthenticated'));
    });

    it('refuses an expiry in the past, unknown or no scopes and a blank name, storing nothing', async () => {
      const before = await countRows(fixture.store, 'api_keys');
      await assert.rejects(
        fixture.platform.apiKeys.create({ tenantId, name: 'past', scopes: ['read'], expiresAt: '2001-01-01T00:00:00Z' }),
        rejectsWith('validation_failed'),
      );
      await assert.rejects(
        fixture.platform.apiKeys.create({ tenantId, name: 'bad date', scopes: ['read'], expiresAt: 'tomorrow' }),
        rejectsWith('validation_failed'),
      );
      await assert.rejects(fixture.platform.apiKeys.create({ tenantId, name: 'none', scopes: [] }), rejectsWith('validation_failed'));
      await assert.rejects(fixture.platform.apiKeys.create({ tenantId, name: 'odd', scopes: ['root' as 'read'] }), rejectsWith('validation_failed'));
      await assert.rejects(fixture.platform.apiKeys.create({ tenantId, name: '  ', scopes: ['read'] }), rejectsWith('validation_failed'));
      await assert.rejects(
        fixture.platform.apiKeys.create({ tenantId: '0190a000-0000-7000-8000-00000000dead', name: 'ghost', scopes: ['read'] }),
        rejectsWith('not_found'),
      );
      assert.equal(await countRows(fixture.store, 'api_keys'), before);
    });

    it('refuses to grant scopes the creating actor lacks', async () => {
      const actor: AuthContext = { tenantId, scopes: new Set(['read', 'write', 'admin']), actor: { kind: 'api_key', id: 'x' }, role: null };
      await assert.rejects(fixture.platform.apiKeys.create({ tenantId, name: 'escalate', scopes: ['system'] }, actor), rejectsWith('forbidden'));
      const { apiKey } = await fixture.platform.apiKeys.create({ tenantId, name: 'fine', scopes: ['read', 'admin'] }, actor);
      assert.equal(apiKey.createdBy, 'api_key:x');
    });

    it('records last use, at most once a minute per key', async () => {
      const { key, apiKey } = await fixture.platform.apiKeys.create({ tenantId, name: 'used', scopes: ['read'] });
      assert.equal(apiKey.lastUsedAt, null);
      await fixture.platform.authenticateApiKey(key);
      assert.ok(await eventually(async () => (await fixture.platform.apiKeys.get(tenantId, apiKey.id)).lastUsedAt !== null));
      const first = (await fixture.platform.apiKeys.get(tenantId, apiKey.id)).lastUsedAt;
      const writesBefore = fixture.calls.transaction;
      await sleep(5);
      await fixture.platform.authenticateApiKey(key);
      await sleep(50);
      assert.equal(fixture.calls.transaction, writesBefore);
      assert.equal((await fixture.platform.apiKeys.get(tenantId, apiKey.id)).lastUsedAt, first);
    });
  });
}
