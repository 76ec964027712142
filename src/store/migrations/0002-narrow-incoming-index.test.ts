import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createGraphService } from '../../graph/index.js';
import { migrationSql, migrations } from '../migrate.js';
import { openSqliteStore } from '../sqlite.js';

const tenantId = '0190a000-0000-7000-8000-0000000000aa';
const now = '2026-01-01T00:00:00.000Z';
const entityIds = ['0190a000-0000-7000-8000-000000000001', '0190a000-0000-7000-8000-000000000002', '0190a000-0000-7000-8000-000000000003'];

/** A database as 0001 left it, with a small graph written by hand: a → b, c → b (KNOWS) and a → c (LIKES). */
function databaseAt0001(file: string): void {
  const db = new Database(file);
  const foundation = migrations[0] ?? assert.fail('no migrations');
  const { sql, checksum } = migrationSql(foundation, 'sqlite');
  db.exec(sql);
  db.exec('CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)');
  db.prepare('INSERT INTO schema_migrations (id, checksum, applied_at) VALUES (?, ?, ?)').run(foundation.id, checksum, now);
  db.prepare('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)').run(tenantId, 'old', 'Old', now);
  const entity = db.prepare(
    "INSERT INTO entities (seq, tenant_id, id, type, name, canonical_key, properties, confidence, created_at, updated_at) VALUES (?, ?, ?, 'Person', ?, ?, '{}', 1, ?, ?)",
  );
  entityIds.forEach((id, index) => entity.run(index + 1, tenantId, id, `P${index}`, `p${index}`, now, now));
  const relation = db.prepare(
    'INSERT INTO relations (tenant_id, id, from_seq, type, to_seq, properties, confidence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, \'{"since":1}\', 0.5, ?, ?)',
  );
  relation.run(tenantId, '0190a000-0000-7000-8000-000000000011', 1, 'KNOWS', 2, now, now);
  relation.run(tenantId, '0190a000-0000-7000-8000-000000000012', 3, 'KNOWS', 2, now, now);
  relation.run(tenantId, '0190a000-0000-7000-8000-000000000013', 1, 'LIKES', 3, now, now);
  db.close();
}

describe('migration 0002 (SQLite incoming index on to_seq)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-0002-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('applies to a database filled under 0001, keeps every relation reachable both ways, and upserts still merge', async () => {
    const file = path.join(dir, 'old.db');
    databaseAt0001(file);
    const store = openSqliteStore({ file });
    try {
      const report = await store.migrate();
      assert.deepEqual(
        report.applied,
        migrations.slice(1).map((migration) => migration.id),
      );
      assert.equal(report.applied[0], '0002-narrow-incoming-index');
      const columns = await store.read('system', (tx) => tx.all<{ name: string }>("SELECT name FROM pragma_index_info('relations_incoming')"));
      assert.deepEqual(
        columns.map((column) => column.name),
        ['to_seq'],
      );

      const graph = createGraphService(store);
      const [a, b, c] = entityIds as [string, string, string];
      const incoming = await graph.neighbours(tenantId, b, { depth: 1, direction: 'in', limit: 100 });
      assert.deepEqual(incoming.nodes.map((node) => node.id).sort(), [a, b, c]);
      const likes = await graph.neighbours(tenantId, c, { depth: 1, direction: 'in', relationTypes: ['LIKES'], limit: 100 });
      assert.deepEqual(
        likes.edges.map((edge) => edge.id),
        ['0190a000-0000-7000-8000-000000000013'],
      );

      // The relation written before the migration is found by the upsert and merged, not duplicated.
      const again = await graph.upsertRelations(tenantId, [
        { type: 'KNOWS', from: a, to: b, properties: { until: 2 }, confidence: 0.9 },
        { type: 'KNOWS', from: b, to: a },
      ]);
      assert.deepEqual(again.ids[0], '0190a000-0000-7000-8000-000000000011');
      assert.equal(again.created, 1);
      const merged = await graph.getRelation(tenantId, again.ids[0] as string);
      assert.deepEqual(merged.properties, { since: 1, until: 2 });
      assert.equal(merged.confidence, 0.9);
      assert.equal((await store.migrate()).applied.length, 0);
    } finally {
      await store.close();
    }
  });
});
