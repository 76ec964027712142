import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTestStore, dialects } from '../../test/support/stores.js';
import { TrellisError } from '../core/errors.js';
import { appendEvent, migrations } from './index.js';
import { migrationSql } from './migrate.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';

for (const dialect of dialects) {
  describe(`store conformance (${dialect})`, () => {
    let test: TestStore;
    before(async () => {
      test = await createTestStore(dialect);
    });
    after(() => test.dispose());

    it('applies migrations once and reports them', async () => {
      const again = await test.store.migrate();
      assert.deepEqual(again.applied, []);
      assert.ok(again.alreadyApplied.includes('0001-foundation'));
      const status = await test.store.migrationStatus();
      assert.ok(status.every((migration) => migration.appliedAt !== null));
    });

    it('commits a transaction and rolls back a failed one, losing nothing', async () => {
      const tenantId = '0190a000-0000-7000-8000-000000000001';
      await test.store.transaction('system', (tx) =>
        tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'a', 'A', new Date().toISOString()]),
      );
      await assert.rejects(
        test.store.transaction('system', async (tx) => {
          await tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [
            '0190a000-0000-7000-8000-000000000002',
            'b',
            'B',
            new Date().toISOString(),
          ]);
          throw new Error('boom');
        }),
        /boom/,
      );
      const rows = await test.store.read('system', (tx) => tx.all<{ slug: string }>('SELECT slug FROM tenants ORDER BY slug'));
      assert.deepEqual(
        rows.map((row) => row.slug),
        ['a'],
      );
    });

    it('numbers events per tenant without gaps, in commit order', async () => {
      const tenantId = '0190a000-0000-7000-8000-000000000001';
      const first = await test.store.transaction({ tenantId }, (tx) =>
        appendEvent(tx, [
          { type: 'x.one', payload: {} },
          { type: 'x.two', payload: { n: 2 } },
        ]),
      );
      await assert.rejects(
        test.store.transaction({ tenantId }, async (tx) => {
          await appendEvent(tx, { type: 'x.lost', payload: {} });
          throw new Error('rolled back');
        }),
      );
      const second = await test.store.transaction({ tenantId }, (tx) => appendEvent(tx, { type: 'x.three', payload: {} }));
      assert.deepEqual([...first, ...second], [1, 2, 3]);
      const events = await test.store.read({ tenantId }, (tx) =>
        tx.all<{ seq: number; type: string }>('SELECT seq, type FROM events WHERE tenant_id = ? ORDER BY seq', [tenantId]),
      );
      assert.deepEqual(
        events.map((event) => [Number(event.seq), event.type]),
        [
          [1, 'x.one'],
          [2, 'x.two'],
          [3, 'x.three'],
        ],
      );
    });

    it('refuses to run when an applied migration was edited afterwards', async () => {
      await test.store.transaction('system', (tx) => tx.run("UPDATE schema_migrations SET checksum = 'edited' WHERE id = '0001-foundation'"));
      await assert.rejects(
        test.store.migrate(),
        (error: unknown) => error instanceof TrellisError && error.code === 'migration_failed' && /was changed after it was applied/.test(error.message),
      );
      const [state] = await test.store.migrationStatus();
      await test.store.transaction('system', (tx) =>
        tx.run('UPDATE schema_migrations SET checksum = ? WHERE id = ?', [migrationSql(migrations[0]!, dialect).checksum, state!.id]),
      );
      assert.deepEqual((await test.store.migrate()).applied, []);
    });

    it('moves a tenant version on commit only, and runs afterCommit callbacks after the commit', async () => {
      const tenantId = '0190a000-0000-7000-8000-000000000003';
      await test.store.transaction('system', (tx) =>
        tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'versions', 'V', new Date().toISOString()]),
      );
      assert.equal(await test.store.version(tenantId), 0);
      const seen: string[] = [];
      await assert.rejects(
        test.store.transaction({ tenantId }, async (tx) => {
          await appendEvent(tx, { type: 'x.lost', payload: {} });
          tx.afterCommit(() => seen.push('rolled back'));
          throw new Error('rolled back');
        }),
      );
      assert.equal(await test.store.version(tenantId), 0);
      const [seq] = await test.store.transaction({ tenantId }, async (tx) => {
        tx.afterCommit(() => seen.push('committed'));
        const written = await appendEvent(tx, [
          { type: 'x.one', payload: {} },
          { type: 'x.two', payload: {} },
        ]);
        assert.deepEqual(seen, [], 'callbacks wait for the commit');
        return written;
      });
      assert.deepEqual(seen, ['committed']);
      assert.equal(seq, 1);
      assert.equal(await test.store.version(tenantId), 2, "the process's own commit shows at once");
      assert.equal(await test.store.version('0190a000-0000-7000-8000-0000000000ff'), 0, 'an unknown tenant has version 0');
    });

    it('sees the version move when another connection commits', async () => {
      const tenantId = '0190a000-0000-7000-8000-000000000003';
      const before = await test.store.version(tenantId);
      const other =
        dialect === 'sqlite' ? openSqliteStore({ file: test.location }) : openPostgresStore({ url: test.location, role: 'trellis_app', poolSize: 1 });
      try {
        await other.migrate();
        await other.transaction({ tenantId }, (tx) => appendEvent(tx, { type: 'x.elsewhere', payload: {} }));
        // SQLite sees it at once (data_version); PostgreSQL within the notification delay.
        const deadline = Date.now() + 5000;
        let now = await test.store.version(tenantId);
        while (now === before && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          now = await test.store.version(tenantId);
        }
        assert.equal(now, before + 1);
      } finally {
        await other.close();
      }
    });

    it('answers ping', async () => {
      assert.ok((await test.store.ping()) >= 0);
    });
  });
}

describe('SQLite planner statistics', () => {
  it("refreshes them at the 1,000th commit, so a tenant's rows are searched by the narrower index, not scanned", async () => {
    const store = openSqliteStore({ file: ':memory:' });
    await store.migrate();
    const plan = () =>
      store.read('system', async (tx) =>
        (await tx.all<{ detail: string }>('EXPLAIN QUERY PLAN SELECT note FROM planned WHERE tenant_id = ? AND source_id = ?', ['t', 's']))
          .map((row) => row.detail)
          .join(' | '),
      );
    // Commits 1 and 2 create the table and its index; 3 to 1,000 fill it.
    await store.transaction('system', (tx) =>
      tx.run('CREATE TABLE planned (tenant_id TEXT NOT NULL, id INTEGER NOT NULL, source_id TEXT, note TEXT, PRIMARY KEY (tenant_id, id)) WITHOUT ROWID'),
    );
    await store.transaction('system', (tx) => tx.run('CREATE INDEX planned_by_source ON planned (tenant_id, source_id)'));
    // Without statistics SQLite takes `tenant_id = ?` as selective and scans the tenant by primary key.
    assert.match(await plan(), /USING PRIMARY KEY \(tenant_id=\?\)/);
    for (let id = 3; id <= 1000; id++)
      await store.transaction('system', (tx) => tx.run('INSERT INTO planned VALUES (?, ?, ?, ?)', ['t', id, `s${id % 300}`, 'x']));
    await store.transaction('system', async () => undefined); // the refresh queued by the 1,000th commit has run
    assert.match(await plan(), /USING INDEX planned_by_source \(tenant_id=\? AND source_id=\?\)/);
    await store.close();
  });
});
