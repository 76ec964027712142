import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { newId } from '../src/core/ids.js';
import { appendEvent } from '../src/store/index.js';
import { type PlatformFixture, createPlatformFixture } from './platform-support.js';

describe('PostgreSQL row-level security isolates tenants', () => {
  let fixture: PlatformFixture;
  let tenantA: string;
  let tenantB: string;
  before(async () => {
    fixture = await createPlatformFixture('postgres');
    tenantA = (await fixture.platform.tenants.create({ slug: 'tenant-a', name: 'A' })).id;
    tenantB = (await fixture.platform.tenants.create({ slug: 'tenant-b', name: 'B' })).id;
    await fixture.store.transaction({ tenantId: tenantB }, (tx) => appendEvent(tx, { type: 'secret.thing', payload: { owner: 'B' } }));
  });
  after(() => fixture.dispose());

  it('runs requests as a role that owns no tables and cannot bypass row-level security', async () => {
    const role = await fixture.store.read({ tenantId: tenantA }, (tx) =>
      tx.get<{ user: string; bypass: boolean; owns: number }>(
        'SELECT current_user AS user, (SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user) AS bypass, (SELECT COUNT(*) FROM pg_tables WHERE tableowner = current_user) AS owns',
      ),
    );
    assert.deepEqual(role, { user: 'trellis_app', bypass: false, owns: 0 });
  });

  it('shows tenant A only its own events: tenant B’s rows are invisible, even when asked for by tenant_id', async () => {
    const visible = await fixture.store.read({ tenantId: tenantA }, (tx) => tx.all<{ tenant_id: string; type: string }>('SELECT tenant_id, type FROM events'));
    assert.ok(visible.length > 0, 'tenant A sees its own tenant.created event');
    assert.ok(visible.every((row) => row.tenant_id === tenantA));
    const asked = await fixture.store.read({ tenantId: tenantA }, (tx) => tx.all('SELECT * FROM events WHERE tenant_id = ?', [tenantB]));
    assert.deepEqual(asked, []);
    // The rows exist: the table owner, who is not subject to the policy, sees them.
    const owner = new pg.Client({ connectionString: fixture.location });
    await owner.connect();
    try {
      const { rows } = await owner.query<{ type: string }>('SELECT type FROM events WHERE tenant_id = $1 ORDER BY seq', [tenantB]);
      assert.deepEqual(
        rows.map((row) => row.type),
        ['tenant.created', 'secret.thing'],
      );
    } finally {
      await owner.end();
    }
  });

  it('shows no rows at all when no tenant is set', async () => {
    const rows = await fixture.store.read('system', (tx) => tx.all('SELECT * FROM events'));
    assert.deepEqual(rows, []);
    const counters = await fixture.store.read('system', (tx) => tx.all('SELECT * FROM event_counters'));
    assert.deepEqual(counters, []);
  });

  it('refuses to insert a row carrying another tenant’s ID (WITH CHECK)', async () => {
    await assert.rejects(
      fixture.store.transaction({ tenantId: tenantA }, (tx) =>
        tx.run('INSERT INTO events (tenant_id, seq, id, type, subject, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
          tenantB,
          999,
          newId(),
          'forged.event',
          null,
          '{}',
          new Date().toISOString(),
        ]),
      ),
      /row-level security/,
    );
    await assert.rejects(
      fixture.store.transaction({ tenantId: tenantA }, (tx) => tx.run('UPDATE events SET tenant_id = ? WHERE tenant_id = ?', [tenantB, tenantA])),
      /row-level security/,
    );
    const forged = await fixture.store.read({ tenantId: tenantB }, (tx) => tx.all("SELECT * FROM events WHERE type = 'forged.event'"));
    assert.deepEqual(forged, []);
  });
});
