import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TrellisError } from '../core/errors.js';
import { type PlatformFixture, countRows, createPlatformFixture, eventsOf } from '../../test/platform-support.js';
import { dialects } from '../../test/support/stores.js';

const rejectsWith = (code: string) => (error: unknown) => error instanceof TrellisError && error.code === code;

for (const dialect of dialects) {
  describe(`platform tenants (${dialect})`, () => {
    let fixture: PlatformFixture;
    before(async () => {
      fixture = await createPlatformFixture(dialect);
    });
    after(() => fixture.dispose());

    it('creates a tenant, finds it by ID and by slug, lists it, and records tenant.created in its own event log', async () => {
      const tenant = await fixture.platform.tenants.create({ slug: 'acme', name: '  Acme Research ' });
      assert.equal(tenant.name, 'Acme Research');
      assert.deepEqual(await fixture.platform.tenants.get(tenant.id), tenant);
      assert.deepEqual(await fixture.platform.tenants.get('acme'), tenant);
      assert.ok((await fixture.platform.tenants.list()).some((listed) => listed.id === tenant.id));
      const events = await eventsOf(fixture.store, tenant.id);
      assert.deepEqual(events, [{ type: 'tenant.created', subject: tenant.id, payload: { id: tenant.id, slug: 'acme', name: 'Acme Research' } }]);
    });

    it('refuses a duplicate slug with conflict and stores nothing', async () => {
      await fixture.platform.tenants.create({ slug: 'dup-slug', name: 'One' });
      const before = await countRows(fixture.store, 'tenants');
      await assert.rejects(fixture.platform.tenants.create({ slug: 'dup-slug', name: 'Two' }), rejectsWith('conflict'));
      assert.equal(await countRows(fixture.store, 'tenants'), before);
    });

    it('refuses malformed slugs and names, including SQL, without touching the tables', async () => {
      const before = await countRows(fixture.store, 'tenants');
      for (const slug of ['A', 'x', 'Upper', '-lead', 'has space', "x'; DROP TABLE tenants; --", 'a'.repeat(64), '']) {
        await assert.rejects(fixture.platform.tenants.create({ slug, name: 'N' }), rejectsWith('validation_failed'), slug);
      }
      await assert.rejects(fixture.platform.tenants.create({ slug: 'okay', name: '   ' }), rejectsWith('validation_failed'));
      assert.equal(await countRows(fixture.store, 'tenants'), before);
    });

    it('stores an SQL-looking tenant name literally', async () => {
      const name = "Robert'); DROP TABLE tenants; --";
      const tenant = await fixture.platform.tenants.create({ slug: 'bobby', name });
      assert.equal((await fixture.platform.tenants.get('bobby')).name, name);
      assert.equal(tenant.name, name);
    });

    it('answers not_found for an unknown ID or slug, and for a string that is neither', async () => {
      await assert.rejects(fixture.platform.tenants.get('0190a000-0000-7000-8000-00000000dead'), rejectsWith('not_found'));
      await assert.rejects(fixture.platform.tenants.get('no-such-tenant'), rejectsWith('not_found'));
      await assert.rejects(fixture.platform.tenants.get("' OR 1=1 --"), rejectsWith('not_found'));
    });

    it('creates a tenant together with an admin key that authenticates for that tenant only', async () => {
      const { tenant, key, apiKey } = await fixture.platform.tenants.createWithAdminKey({ slug: 'with-key', name: 'With key' });
      assert.deepEqual(apiKey.scopes, ['read', 'write', 'admin']);
      const auth = await fixture.platform.authenticateApiKey(key);
      assert.equal(auth.tenantId, tenant.id);
      assert.equal(auth.scopes.has('system'), false);
      const events = await eventsOf(fixture.store, tenant.id);
      assert.deepEqual(
        events.map((event) => event.type),
        ['tenant.created', 'api_key.created'],
      );
    });
  });
}
