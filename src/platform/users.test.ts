import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TrellisError } from '../core/errors.js';
import { type PlatformFixture, countRows, createPlatformFixture, eventsOf, goodPassword } from '../../test/platform-support.js';
import { dialects } from '../../test/support/stores.js';
import { type AuthContext, type Role, roleScopes } from './index.js';

const rejectsWith = (code: string) => (error: unknown) => error instanceof TrellisError && error.code === code;

function session(tenantId: string, userId: string, role: Role): AuthContext {
  return { tenantId, scopes: new Set(roleScopes[role]), actor: { kind: 'user', id: userId }, role };
}

function adminKey(tenantId: string): AuthContext {
  return { tenantId, scopes: new Set(['read', 'write', 'admin']), actor: { kind: 'api_key', id: 'k' }, role: null };
}

for (const dialect of dialects) {
  describe(`platform users (${dialect})`, () => {
    let fixture: PlatformFixture;
    let seq = 0;
    const newTenant = async () => (await fixture.platform.tenants.create({ slug: `users-${++seq}`, name: 'Users' })).id;
    before(async () => {
      fixture = await createPlatformFixture(dialect);
    });
    after(() => fixture.dispose());

    it('creates a user with a normalised email and an argon2id hash, and emits user.created without the password', async () => {
      const tenantId = await newTenant();
      const user = await fixture.platform.users.create({ tenantId, email: '  Ada@Example.COM ', name: 'Ada', password: goodPassword, role: 'editor' });
      assert.equal(user.email, 'ada@example.com');
      assert.equal(user.disabled, false);
      const row = await fixture.store.read('system', (tx) => tx.get<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = ?', [user.id]));
      assert.match(row?.password_hash ?? '', /^\$argon2id\$/);
      const events = await eventsOf(fixture.store, tenantId);
      assert.deepEqual(events.at(-1), {
        type: 'user.created',
        subject: user.id,
        payload: { id: user.id, email: 'ada@example.com', name: 'Ada', role: 'editor' },
      });
      assert.ok(!JSON.stringify(events).includes(goodPassword) && !JSON.stringify(events).includes('argon2'));
      assert.deepEqual(await fixture.platform.users.list(tenantId), [user]);
    });

    it('refuses a second user with the same email in a tenant, but allows it in another tenant', async () => {
      const tenantId = await newTenant();
      await fixture.platform.users.create({ tenantId, email: 'same@example.com', name: 'One', password: goodPassword, role: 'viewer' });
      await assert.rejects(
        fixture.platform.users.create({ tenantId, email: 'SAME@example.com', name: 'Two', password: goodPassword, role: 'viewer' }),
        rejectsWith('conflict'),
      );
      const elsewhere = await newTenant();
      await fixture.platform.users.create({ tenantId: elsewhere, email: 'same@example.com', name: 'Three', password: goodPassword, role: 'viewer' });
      assert.equal((await fixture.platform.users.list(tenantId)).length, 1);
    });

    it('refuses short passwords, bad emails, blank names and unknown roles, storing nothing', async () => {
      const tenantId = await newTenant();
      const before = await countRows(fixture.store, 'users');
      const base = { tenantId, email: 'ok@example.com', name: 'Ok', password: goodPassword, role: 'viewer' as Role };
      await assert.rejects(fixture.platform.users.create({ ...base, password: 'short-11chr' }), rejectsWith('validation_failed'));
      for (const email of ['not-an-email', "x'; DROP TABLE users; --@example.com", 'a@b', '']) {
        await assert.rejects(fixture.platform.users.create({ ...base, email }), rejectsWith('validation_failed'), email);
      }
      await assert.rejects(fixture.platform.users.create({ ...base, name: ' ' }), rejectsWith('validation_failed'));
      await assert.rejects(fixture.platform.users.create({ ...base, role: 'god' as Role }), rejectsWith('validation_failed'));
      await assert.rejects(fixture.platform.users.create({ ...base, tenantId: '0190a000-0000-7000-8000-00000000dead' }), rejectsWith('not_found'));
      assert.equal(await countRows(fixture.store, 'users'), before);
    });

    it('stores SQL-looking names and emails literally', async () => {
      const tenantId = await newTenant();
      const name = "Robert'); DROP TABLE users; --";
      const user = await fixture.platform.users.create({ tenantId, email: "o'brien--@example.com", name, password: goodPassword, role: 'viewer' });
      const [stored] = await fixture.platform.users.list(tenantId);
      assert.equal(stored?.name, name);
      assert.equal(stored?.email, "o'brien--@example.com");
      assert.equal(stored?.id, user.id);
    });

    it('lets only an owner grant or revoke the owner role, once the tenant has an owner', async () => {
      const tenantId = await newTenant();
      // Before the first owner exists, an admin key may appoint one.
      const owner = await fixture.platform.users.create(
        { tenantId, email: 'owner@example.com', name: 'Owner', password: goodPassword, role: 'owner' },
        adminKey(tenantId),
      );
      const admin = await fixture.platform.users.create(
        { tenantId, email: 'admin@example.com', name: 'Admin', password: goodPassword, role: 'admin' },
        adminKey(tenantId),
      );
      const asAdmin = session(tenantId, admin.id, 'admin');
      await assert.rejects(fixture.platform.users.update(tenantId, admin.id, { role: 'owner' }, asAdmin), rejectsWith('forbidden'));
      await assert.rejects(
        fixture.platform.users.create({ tenantId, email: 'o2@example.com', name: 'O2', password: goodPassword, role: 'owner' }, adminKey(tenantId)),
        rejectsWith('forbidden'),
      );
      await assert.rejects(fixture.platform.users.update(tenantId, owner.id, { disabled: true }, asAdmin), rejectsWith('forbidden'));
      await assert.rejects(fixture.platform.users.delete(tenantId, owner.id, asAdmin), rejectsWith('forbidden'));
      // An admin may still rename an owner.
      assert.equal((await fixture.platform.users.update(tenantId, owner.id, { name: 'The Owner' }, asAdmin)).name, 'The Owner');
      const promoted = await fixture.platform.users.update(tenantId, admin.id, { role: 'owner' }, session(tenantId, owner.id, 'owner'));
      assert.equal(promoted.role, 'owner');
      const demoted = await fixture.platform.users.update(tenantId, owner.id, { role: 'editor' }, session(tenantId, admin.id, 'owner'));
      assert.equal(demoted.role, 'editor');
      const events = (await eventsOf(fixture.store, tenantId)).filter((event) => event.type === 'user.updated');
      assert.deepEqual(events.at(-1)?.payload, { id: owner.id, email: 'owner@example.com', changes: { role: 'editor' } });
    });

    it('keeps at least one active owner: the last one cannot be demoted, disabled or deleted', async () => {
      const tenantId = await newTenant();
      const owner = await fixture.platform.users.create({ tenantId, email: 'last@example.com', name: 'Last', password: goodPassword, role: 'owner' });
      const asOwner = session(tenantId, owner.id, 'owner');
      await assert.rejects(fixture.platform.users.update(tenantId, owner.id, { role: 'admin' }, asOwner), rejectsWith('unprocessable'));
      await assert.rejects(fixture.platform.users.update(tenantId, owner.id, { disabled: true }, asOwner), rejectsWith('unprocessable'));
      await assert.rejects(fixture.platform.users.delete(tenantId, owner.id, asOwner), rejectsWith('unprocessable'));
      const [still] = await fixture.platform.users.list(tenantId);
      assert.deepEqual([still?.role, still?.disabled], ['owner', false]);
      const second = await fixture.platform.users.create(
        { tenantId, email: 'second@example.com', name: 'Second', password: goodPassword, role: 'owner' },
        asOwner,
      );
      await fixture.platform.users.delete(tenantId, owner.id, session(tenantId, second.id, 'owner'));
      assert.deepEqual(
        (await fixture.platform.users.list(tenantId)).map((user) => user.email),
        ['second@example.com'],
      );
      assert.equal((await eventsOf(fixture.store, tenantId)).at(-1)?.type, 'user.deleted');
    });

    it('disables and re-enables a user, and answers not_found for another tenant’s user', async () => {
      const tenantId = await newTenant();
      const user = await fixture.platform.users.create({ tenantId, email: 'dis@example.com', name: 'Dis', password: goodPassword, role: 'viewer' });
      const disabled = await fixture.platform.users.update(tenantId, user.id, { disabled: true });
      assert.equal(disabled.disabled, true);
      assert.ok(disabled.disabledAt);
      assert.equal((await fixture.platform.users.update(tenantId, user.id, { disabled: false })).disabledAt, null);
      const other = await newTenant();
      await assert.rejects(fixture.platform.users.get(other, user.id), rejectsWith('not_found'));
      await assert.rejects(fixture.platform.users.update(other, user.id, { name: 'Stolen' }), rejectsWith('not_found'));
      await assert.rejects(fixture.platform.users.delete(other, user.id), rejectsWith('not_found'));
      await assert.rejects(fixture.platform.users.get(tenantId, 'not-a-uuid'), rejectsWith('not_found'));
      assert.equal((await fixture.platform.users.get(tenantId, user.id)).name, 'Dis');
    });
  });
}
