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

const tenantId = '0190a000-0000-7000-8000-0000000000aa';
const sourceId = '0190a000-0000-7000-8000-0000000000b1';
const chunkId = '0190a000-0000-7000-8000-0000000000c1';
const now = '2026-01-01T00:00:00.000Z';
const upTo0012 = migrations.slice(0, migrations.findIndex((migration) => migration.id === '0012-views') + 1);

function embedding(seq: number, ownerKind: string, ownerId: string): [string, unknown[]] {
  return [
    'INSERT INTO embeddings (seq, tenant_id, owner_kind, owner_id, embedder, dimensions, vector, content_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [seq, tenantId, ownerKind, ownerId, 'test', 1, Buffer.alloc(4), 'h', now],
  ];
}

describe('migration 0013 (memories, memory embeddings)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-0013-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rebuilds SQLite embeddings with owner kind memory, keeping rows, the seq counter and the owner triggers', async () => {
    const file = path.join(dir, 'old.db');
    const db = new Database(file);
    db.exec('CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const migration of upTo0012) {
      const { sql, checksum } = migrationSql(migration, 'sqlite');
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (id, checksum, applied_at) VALUES (?, ?, ?)').run(migration.id, checksum, now);
    }
    db.prepare('INSERT INTO sources (tenant_id, id, uri, kind, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      tenantId,
      sourceId,
      'file://a',
      'text',
      'ingested',
      now,
      now,
    );
    db.prepare('INSERT INTO chunks (tenant_id, id, source_id, ordinal, text, start_offset, end_offset) VALUES (?, ?, ?, 0, ?, 0, 5)').run(
      tenantId,
      chunkId,
      sourceId,
      'hello',
    );
    for (const [sql, params] of [embedding(1, 'passage', chunkId), embedding(2, 'entity', 'e'), embedding(3, 'entity', 'gone')]) db.prepare(sql).run(...params);
    db.prepare('DELETE FROM embeddings WHERE seq = 3').run();
    assert.throws(() => db.prepare(embedding(9, 'memory', 'm')[0]).run(...embedding(9, 'memory', 'm')[1]), /CHECK/);
    db.close();

    const store = openSqliteStore({ file });
    try {
      assert.equal((await store.migrate()).applied[0], '0013-memories');
      await store.transaction({ tenantId }, async (tx) => {
        assert.deepEqual(
          (await tx.all<{ seq: number; owner_kind: string }>('SELECT seq, owner_kind FROM embeddings ORDER BY seq')).map((row) => [row.seq, row.owner_kind]),
          [
            [1, 'passage'],
            [2, 'entity'],
          ],
        );
        await tx.run(
          "INSERT INTO embeddings (tenant_id, owner_kind, owner_id, embedder, dimensions, vector, content_hash, updated_at) VALUES (?, 'memory', 'm', 'test', 1, ?, 'h', ?)",
          [tenantId, Buffer.alloc(4), now],
        );
        const memory = await tx.get<{ seq: number }>("SELECT seq FROM embeddings WHERE owner_kind = 'memory'");
        assert.equal(memory?.seq, 4, 'a deleted seq is never handed out again');
        await tx.run('DELETE FROM chunks WHERE tenant_id = ? AND id = ?', [tenantId, chunkId]);
        assert.equal(await tx.get("SELECT seq FROM embeddings WHERE owner_kind = 'passage'"), undefined, 'the chunk trigger survived the rebuild');
        const index = await tx.get("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'embeddings_by_embedder'");
        assert.ok(index);
      });
    } finally {
      await store.close();
    }
  });

  it('swaps the PostgreSQL CHECK constraint and puts memories under forced row-level security', async () => {
    const database = await createTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL)');
      for (const migration of upTo0012) {
        const { sql, checksum } = migrationSql(migration, 'postgres');
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (id, checksum, applied_at) VALUES ($1, $2, now())', [migration.id, checksum]);
      }
    } finally {
      await client.end();
    }
    const store = openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 2 });
    try {
      assert.equal((await store.migrate()).applied[0], '0013-memories');
      await store.transaction({ tenantId }, (tx) =>
        tx.run(
          "INSERT INTO embeddings (tenant_id, owner_kind, owner_id, embedder, dimensions, vector, content_hash, updated_at) VALUES (?, 'memory', 'm', 'test', 1, ?, 'h', ?)",
          [tenantId, Buffer.alloc(4), now],
        ),
      );
      const security = await store.read('system', (tx) =>
        tx.get<{ relrowsecurity: boolean; relforcerowsecurity: boolean }>(
          "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'memories'",
        ),
      );
      assert.deepEqual(security, { relrowsecurity: true, relforcerowsecurity: true });
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
