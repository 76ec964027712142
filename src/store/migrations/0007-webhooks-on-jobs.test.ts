import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase } from '../../../test/support/stores.js';
import { migrationSql, migrations } from '../migrate.js';
import { openPostgresStore } from '../postgres.js';
import { openSqliteStore } from '../sqlite.js';
import type { Dialect, Store } from '../types.js';

const tenantId = '0190a000-0000-7000-8000-0000000000aa';
const endpointId = '0190a000-0000-7000-8000-0000000000e1';
const now = '2026-01-01T00:00:00.000Z';
const scheduled = '0190a000-0000-7000-8000-000000000d01';
const manual = '0190a000-0000-7000-8000-000000000d02';
const done = '0190a000-0000-7000-8000-000000000d03';
const dueAt = Date.parse('2026-01-01T00:05:00.000Z');
const upTo0006 = migrations.slice(0, migrations.findIndex((migration) => migration.id === '0006-webhooks') + 1);

/** The statements that fill a database at 0006: a tenant, an endpoint, and three deliveries of which two are queued in webhook_due. */
function rows(): [string, unknown[]][] {
  const delivery = (id: string, seq: number, status: string, attempts: number): [string, unknown[]] => [
    'INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_seq, event_type, message_id, body, status, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [tenantId, id, endpointId, seq, 'entity.created', `msg_${id}`, '{}', status, attempts, now, now],
  ];
  return [
    ['INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'old', 'Old', now]],
    [
      'INSERT INTO webhook_endpoints (tenant_id, id, url, enabled, secret, from_seq, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)',
      [tenantId, endpointId, 'http://127.0.0.1:9/hook', true, 'whsec_x', now, now],
    ],
    delivery(scheduled, 1, 'pending', 2),
    delivery(manual, 2, 'pending', 1),
    delivery(done, 3, 'succeeded', 1),
    ['INSERT INTO webhook_due (tenant_id, delivery_id, due_at, manual) VALUES (?, ?, ?, 0)', [tenantId, scheduled, dueAt]],
    ['INSERT INTO webhook_due (tenant_id, delivery_id, due_at, manual) VALUES (?, ?, ?, 1)', [tenantId, manual, dueAt]],
  ];
}

async function checkMigrated(store: Store, dialect: Dialect): Promise<void> {
  const report = await store.migrate();
  // Every migration after 0006 applies, 0007 first.
  const from = migrations.findIndex((migration) => migration.id === '0007-webhooks-on-jobs');
  assert.deepEqual(
    report.applied,
    migrations.slice(from).map((migration) => migration.id),
  );
  assert.equal(report.applied[0], '0007-webhooks-on-jobs');
  const jobs = await store.read('system', (tx) =>
    tx.all<{ id: string; tenant_id: string; type: string; payload: unknown; status: string; run_at: unknown; idempotency_key: string }>(
      'SELECT id, tenant_id, type, payload, status, run_at, idempotency_key FROM jobs ORDER BY idempotency_key',
    ),
  );
  assert.deepEqual(
    jobs.map((job) => ({
      tenantId: String(job.tenant_id),
      type: job.type,
      payload: typeof job.payload === 'string' ? JSON.parse(job.payload) : job.payload,
      status: job.status,
      runAt: new Date(job.run_at as string).toISOString(),
      key: job.idempotency_key,
    })),
    [
      {
        tenantId,
        type: 'webhooks.deliver',
        payload: { deliveryId: scheduled, attempt: 3, manual: false },
        status: 'queued',
        runAt: new Date(dueAt).toISOString(),
        key: `${scheduled}:3`,
      },
      {
        tenantId,
        type: 'webhooks.deliver',
        payload: { deliveryId: manual, attempt: 2, manual: true },
        status: 'queued',
        runAt: new Date(dueAt).toISOString(),
        key: `${manual}:2:manual`,
      },
    ],
  );
  for (const job of jobs) assert.match(String(job.id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const table =
    dialect === 'sqlite'
      ? await store.read('system', (tx) => tx.get("SELECT name FROM sqlite_master WHERE name = 'webhook_due'"))
      : await store.read('system', (tx) =>
          tx.get("SELECT to_regclass('webhook_due') AS name").then((row) => ((row as { name: unknown })?.name ? row : undefined)),
        );
  assert.equal(table, undefined, 'webhook_due is gone');
  assert.equal((await store.migrate()).applied.length, 0);
}

describe('migration 0007 (webhook attempts on the job queue)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-0007-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('turns every queued webhook_due row into the job of its next attempt and drops the table (SQLite)', async () => {
    const file = path.join(dir, 'old.db');
    const db = new Database(file);
    db.exec('CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const migration of upTo0006) {
      const { sql, checksum } = migrationSql(migration, 'sqlite');
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (id, checksum, applied_at) VALUES (?, ?, ?)').run(migration.id, checksum, now);
    }
    for (const [sql, params] of rows()) db.prepare(sql).run(...params.map((value) => (value === true ? 1 : value)));
    db.close();
    const store = openSqliteStore({ file });
    try {
      await checkMigrated(store, 'sqlite');
    } finally {
      await store.close();
    }
  });

  it('does the same on PostgreSQL, through the forced row-level security of webhook_deliveries', async () => {
    const database = await createTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL)');
      for (const migration of upTo0006) {
        const { sql, checksum } = migrationSql(migration, 'postgres');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (id, checksum, applied_at) VALUES ($1, $2, now())', [migration.id, checksum]);
      }
      await client.query("SELECT set_config('app.tenant_id', $1, false)", [tenantId]);
      for (const [sql, params] of rows()) {
        let n = 0;
        await client.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        );
      }
    } finally {
      await client.end();
    }
    const store = openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 2 });
    try {
      await checkMigrated(store, 'postgres');
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
