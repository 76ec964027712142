/**
 * @module A read-only connection holding one snapshot for a whole export, opened inside the export worker: the SQLite
 * file read-only in a deferred transaction (one WAL snapshot until it ends), or PostgreSQL as the row-level-security
 * role in a REPEATABLE READ READ ONLY transaction with the tenant set.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { postgresTypes, toPostgresPlaceholders } from '../store/postgres.js';
import type { SqlValue } from '../store/index.js';
import type { SqlSource } from './export-reader.js';

/** Where a worker reads from: the SQLite file, or a PostgreSQL URL and the role row-level security applies to. */
export type SnapshotSource = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string; role: string };

/** A snapshot connection and how to end it. */
export interface Snapshot extends SqlSource {
  close(): Promise<void>;
}

function sqliteSnapshot(file: string): Snapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.exec('BEGIN');
  const statements = new Map<string, Database.Statement>();
  const rawStatements = new Map<string, Database.Statement>();
  const values = (params: readonly SqlValue[]) => params.map((value) => (typeof value === 'boolean' ? Number(value) : value));
  return {
    dialect: 'sqlite',
    async all<Row>(sql: string, params: readonly SqlValue[]): Promise<Row[]> {
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = db.prepare(sql)));
      return statement.all(...values(params)) as Row[];
    },
    async raw(sql: string, params: readonly SqlValue[]): Promise<unknown[][]> {
      let statement = rawStatements.get(sql);
      if (!statement) rawStatements.set(sql, (statement = db.prepare(sql).raw(true)));
      return statement.all(...values(params)) as unknown[][];
    },
    async close() {
      if (db.inTransaction) db.exec('COMMIT');
      db.close();
    },
  };
}

async function postgresSnapshot(url: string, role: string, tenantId: string): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, types: postgresTypes });
  await client.connect();
  try {
    const quotedRole = `"${role.replace(/"/g, '""')}"`;
    await client.query(`${role === '' ? '' : `SET ROLE ${quotedRole}; `}BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`);
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    dialect: 'postgres',
    async all<Row>(sql: string, params: readonly SqlValue[]): Promise<Row[]> {
      return (await client.query(toPostgresPlaceholders(sql), params as unknown[])).rows as Row[];
    },
    async raw(sql: string, params: readonly SqlValue[]): Promise<unknown[][]> {
      return (await client.query({ text: toPostgresPlaceholders(sql), values: params as unknown[], rowMode: 'array' })).rows as unknown[][];
    },
    async close() {
      await client.query('COMMIT').catch(() => undefined);
      await client.end();
    },
  };
}

/** Opens a snapshot of the store for one tenant's export. */
export function openSnapshot(source: SnapshotSource, tenantId: string): Promise<Snapshot> {
  return source.dialect === 'sqlite' ? Promise.resolve(sqliteSnapshot(source.file)) : postgresSnapshot(source.url, source.role, tenantId);
}
