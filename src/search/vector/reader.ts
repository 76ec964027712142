/**
 * @module The build and exact-search workers' own store connections: the SQLite file opened read-only (with
 * sqlite-vec loaded), or a PostgreSQL client acting as the row-level-security role for one tenant. A reader can hold
 * one snapshot across several statements, so a build's passes see the same rows.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import * as sqliteVec from 'sqlite-vec';
import type { SqlValue } from '../../store/index.js';
import type { Statement } from './sql.js';

/** Where a worker reads the store: the SQLite file, or a PostgreSQL URL and the role row-level security applies to. */
export type VectorSource = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string; role: string };

/** Rows in batches; each row an array of column values. */
export type Batches = AsyncIterable<unknown[][]>;

export interface SnapshotReader {
  readonly dialect: 'sqlite' | 'postgres';
  all(statement: Statement): Promise<unknown[][]>;
  batches(statement: Statement): Batches;
  /** Starts a snapshot that lasts until {@link SnapshotReader.end} (a read transaction; REPEATABLE READ on PostgreSQL). */
  begin(): Promise<void>;
  end(): Promise<void>;
  close(): Promise<void>;
}

const batchSize = 4096;

/** Opens a read-only SQLite connection with sqlite-vec, sized for scans (memory-mapped, large page cache). */
export function openSqliteReader(file: string): SnapshotReader {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  sqliteVec.load(db);
  db.pragma('busy_timeout = 5000');
  // Scans read through the memory map (file pages the kernel can reclaim); a small page cache keeps the worker's own
  // heap small, since freed native memory is not always handed back to the system.
  db.pragma('mmap_size = 8589934592');
  db.pragma('cache_size = -16384');
  const params = (statement: Statement) => statement.params as unknown[];
  return {
    dialect: 'sqlite',
    all: async (statement) =>
      db
        .prepare(statement.sql)
        .raw()
        .all(...params(statement)) as unknown[][],
    async *batches(statement) {
      let batch: unknown[][] = [];
      for (const row of db
        .prepare(statement.sql)
        .raw()
        .iterate(...params(statement)) as Iterable<unknown[]>) {
        batch.push(row);
        if (batch.length === batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
    // A deferred transaction holds one WAL snapshot from its first read to COMMIT.
    begin: async () => void db.exec('BEGIN'),
    end: async () => void (db.inTransaction && db.exec('COMMIT')),
    async close() {
      if (db.inTransaction) db.exec('COMMIT');
      db.close();
    },
  };
}

/** `?` placeholders to `$1…` (the statements here hold no literal question marks). */
function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

/** A PostgreSQL client as `role` for `tenantId`; every statement runs inside a transaction with `app.tenant_id` set. */
export async function openPostgresReader(url: string, role: string, tenantId: string): Promise<SnapshotReader> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  if (role !== '') await client.query(`SET ROLE "${role.replace(/"/g, '""')}"`);
  let open = false;
  let cursors = 0;
  const inTransaction = async <T>(work: () => Promise<T>): Promise<T> => {
    if (open) return work();
    await client.query('BEGIN READ ONLY');
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
    try {
      return await work();
    } finally {
      await client.query('COMMIT');
    }
  };
  const query = (statement: Statement) => ({ text: numbered(statement.sql), values: statement.params as SqlValue[], rowMode: 'array' as const });
  return {
    dialect: 'postgres',
    all: (statement) => inTransaction(async () => (await client.query<unknown[]>(query(statement))).rows),
    async *batches(statement) {
      const owned = !open;
      if (owned) {
        await client.query('BEGIN READ ONLY');
        await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      }
      try {
        const name = `vectors_${++cursors}`;
        const { text, values } = query(statement);
        await client.query({ text: `DECLARE ${name} NO SCROLL CURSOR FOR ${text}`, values });
        for (;;) {
          const { rows } = await client.query<unknown[]>({ text: `FETCH ${batchSize} FROM ${name}`, rowMode: 'array' });
          if (rows.length === 0) break;
          yield rows;
        }
        await client.query(`CLOSE ${name}`);
      } finally {
        if (owned) await client.query('COMMIT').catch(() => undefined);
      }
    },
    async begin() {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
      open = true;
    },
    async end() {
      open = false;
      await client.query('COMMIT');
    },
    async close() {
      if (open) await client.query('COMMIT').catch(() => undefined);
      await client.end();
    },
  };
}

/** Opens the reader a source names. */
export function openReader(source: VectorSource, tenantId: string): Promise<SnapshotReader> {
  return source.dialect === 'sqlite' ? Promise.resolve(openSqliteReader(source.file)) : openPostgresReader(source.url, source.role, tenantId);
}

/** Copies a stored vector (raw little-endian float32 bytes) into `out`. */
export function readVector(bytes: unknown, out: Float32Array): void {
  const buffer = bytes as Uint8Array;
  new Uint8Array(out.buffer, out.byteOffset, Math.min(out.byteLength, buffer.byteLength)).set(buffer.subarray(0, out.byteLength));
}

/** A stored time (ISO text on SQLite, a Date from PostgreSQL) as epoch milliseconds; NaN when absent. */
export function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return Date.parse(value);
  return Number.NaN;
}
