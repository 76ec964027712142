/** @module The SQLite driver: better-sqlite3 in WAL mode, one writer connection behind a queue and one reader connection. */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type Checkpointer, type CheckpointerOptions, startCheckpointer } from './sqlite-checkpointer.js';
import { TrellisError } from '../core/errors.js';
import { announce } from './commit-listeners.js';
import { type MigrationTarget, migrationStates, runMigrations } from './migrate.js';
import type { CommitListener, MigrationReport, MigrationState, Scope, SqlValue, SqliteTx, Store } from './types.js';

type Db = Database.Database;

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file, or ":memory:". */
  file: string;
  /** How the checkpoint thread works (see sqlite-checkpointer.ts). */
  checkpoints?: CheckpointerOptions;
  /**
   * One read-only connection to an existing file, for reader threads beside the process's own store (the search
   * workers): `read` and `version` work, `transaction` and `migrate` throw. @default false
   */
  readOnly?: boolean;
}

/** A read-only connection's settings: the page cache and memory map of {@link configure}, nothing that writes. */
function configureReadOnly(db: Db): void {
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -262144');
  db.pragma('temp_store = MEMORY');
  db.pragma('mmap_size = 8589934592');
}

function configure(db: Db): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -1048576');
  db.pragma('temp_store = MEMORY');
  // Checkpoints run in a thread of their own (sqlite-checkpointer.ts); a connection checkpoints by itself only past
  // 1 GiB of WAL, a safety valve for a WAL that thread cannot keep down.
  db.pragma('wal_autocheckpoint = 262144');
  db.pragma('mmap_size = 8589934592');
}

/** How often the writer refreshes the planner's statistics (see {@link optimize}). */
const optimizeEveryMs = 5 * 60_000;

/**
 * Refreshes the query planner's statistics (`sqlite_stat1`) where they are missing or stale: SQLite's
 * `PRAGMA optimize` over every table (0x10000), sampling about 1,000 rows per index (`analysis_limit`), so it takes
 * milliseconds at any size. Without statistics SQLite takes an equality on an index's first column to select about
 * ten rows, and every index here starts with `tenant_id`: it then prefers scanning a tenant's rows by primary key to
 * a narrower index, e.g. all of a tenant's evidence to find one source's (8 ms instead of 0.02 ms at 200,000 rows).
 */
function optimize(db: Db): void {
  db.exec('PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002');
}

/** Statement cache per connection: preparing is the costly part of a small query. */
function cachedPrepare(db: Db): (sql: string) => Database.Statement {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  };
}

function normalise(params: readonly SqlValue[] | undefined): unknown[] {
  if (!params) return [];
  return params.map((value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value));
}

/** Callbacks to run after a commit; null for reads, which run them at once. */
type Pending = (() => void)[] | null;

function makeTx(db: Db, prepare: (sql: string) => Database.Statement, tenantId: string | null, pending: Pending, noted = { lastSeq: 0 }): SqliteTx {
  return {
    dialect: 'sqlite',
    db,
    tenantId,
    afterCommit(callback) {
      if (pending) pending.push(callback);
      else callback();
    },
    // Any commit clears the version memory (see openSqliteStore); the note only feeds commit listeners.
    noteEvents(lastSeq) {
      noted.lastSeq = Math.max(noted.lastSeq, lastSeq);
    },
    async all<Row>(sql: string, params?: readonly SqlValue[]) {
      return prepare(sql).all(...normalise(params)) as Row[];
    },
    async get<Row>(sql: string, params?: readonly SqlValue[]) {
      return prepare(sql).get(...normalise(params)) as Row | undefined;
    },
    async run(sql: string, params?: readonly SqlValue[]) {
      return prepare(sql).run(...normalise(params)).changes;
    },
  };
}

/** Opens (creating if needed) a SQLite store. Call `migrate()` before use. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const memory = options.file === ':memory:';
  const readOnly = options.readOnly === true;
  if (readOnly && memory) throw new TrellisError('bad_request', 'A read-only store needs a database file, not :memory:');
  if (!memory && !readOnly) mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
  let writer: Db;
  try {
    writer = readOnly ? new Database(options.file, { readonly: true, fileMustExist: true }) : new Database(options.file);
    if (readOnly) configureReadOnly(writer);
    else configure(writer);
  } catch (error) {
    throw new TrellisError('store_unavailable', `Cannot open SQLite database ${options.file}: ${(error as Error).message}`, undefined, { cause: error });
  }
  // An in-memory database is private to its connection, so reads share the writer there; a read-only store has only
  // the one connection.
  const reader = memory || readOnly ? writer : new Database(options.file);
  if (reader !== writer) configure(reader);
  // The checkpoint thread starts once the WAL passes 4 MiB (SQLite's own default threshold), so the many small stores
  // of tools and tests never start one.
  let checkpointer: Checkpointer | undefined;
  const walFile = `${path.resolve(options.file)}-wal`;
  const startCheckpointsWhenDue = () => {
    if (checkpointer || memory || closed) return;
    let size = 0;
    try {
      size = statSync(walFile).size;
    } catch {
      return;
    }
    if (size > 4 * 1024 * 1024) checkpointer = startCheckpointer(path.resolve(options.file), options.checkpoints);
  };
  const prepareWrite = cachedPrepare(writer);
  const prepareRead = memory ? prepareWrite : cachedPrepare(reader);
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  // Statistics: after migrating, every few minutes, and after the 1,000th, 10,000th, … commit, so a new database that
  // fills fast is planned with its statistics before the first timer fires.
  let optimizer: NodeJS.Timeout | undefined;
  let commits = 0;
  let optimizeAtCommit = 1000;
  const optimizeSoon = () => {
    exclusive(async () => {
      if (!closed) optimize(writer);
    }).catch((error: unknown) => process.emitWarning(`PRAGMA optimize failed: ${(error as Error).message}`));
  };

  const tenantOf = (scope: Scope): string | null => (scope === 'system' ? null : scope.tenantId);

  // Tenant versions (see Store.version): counters read once and kept until any connection commits. The reader's
  // `PRAGMA data_version` changes when another connection (this process's writer included) commits; an in-memory
  // database has one connection, so its own commits clear the memory too.
  const versions = new Map<string, number>();
  let seenDataVersion: unknown = null;
  let versionStatements: { dataVersion: Database.Statement; counter: Database.Statement } | null = null;
  function tenantVersion(tenantId: string): number {
    versionStatements ??= {
      dataVersion: reader.prepare('PRAGMA data_version').pluck(),
      counter: reader.prepare('SELECT seq FROM event_counters WHERE tenant_id = ?').pluck(),
    };
    const dataVersion = versionStatements.dataVersion.get();
    if (dataVersion !== seenDataVersion) {
      versions.clear();
      seenDataVersion = dataVersion;
    }
    let version = versions.get(tenantId);
    if (version === undefined) {
      version = Number(versionStatements.counter.get(tenantId) ?? 0);
      versions.set(tenantId, version);
    }
    return version;
  }

  const commitListeners = new Set<CommitListener>();

  function runAfterCommit(pending: (() => void)[]): void {
    for (const callback of pending) {
      try {
        callback();
      } catch (error) {
        // The data is committed; a failing follower must not turn the commit into an error.
        process.emitWarning(`afterCommit callback failed: ${(error as Error).message}`);
      }
    }
  }

  /** Serialises write transactions: the callback may await, so SQLite's own lock is not enough. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = queue.then(work, work);
    queue = result.catch(() => undefined);
    return result;
  }

  const target: MigrationTarget = {
    dialect: 'sqlite',
    async applied() {
      writer.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const rows = writer.prepare('SELECT id, checksum, applied_at FROM schema_migrations').all() as { id: string; checksum: string; applied_at: string }[];
      return new Map(rows.map((row) => [row.id, { checksum: row.checksum, appliedAt: row.applied_at }]));
    },
    async apply(id, sql, checksum) {
      writer
        .transaction(() => {
          writer.exec(sql);
          writer.prepare('INSERT INTO schema_migrations (id, checksum, applied_at) VALUES (?, ?, ?)').run(id, checksum, new Date().toISOString());
        })
        .immediate();
    },
  };

  return {
    dialect: 'sqlite',
    location: memory ? ':memory:' : path.resolve(options.file),
    transaction<T>(scope: Scope, fn: (tx: SqliteTx) => Promise<T>): Promise<T> {
      return exclusive(async () => {
        if (closed) throw new TrellisError('store_unavailable', 'The store is closed');
        if (readOnly) throw new TrellisError('store_unavailable', 'This store connection is read-only');
        writer.exec('BEGIN IMMEDIATE');
        const pending: (() => void)[] = [];
        const noted = { lastSeq: 0 };
        try {
          const tenantId = tenantOf(scope);
          const result = await fn(makeTx(writer, prepareWrite, tenantId, pending, noted));
          writer.exec('COMMIT');
          versions.clear();
          startCheckpointsWhenDue();
          if (++commits === optimizeAtCommit) {
            optimizeAtCommit *= 10;
            optimizeSoon();
          }
          if (tenantId && noted.lastSeq > 0) announce(commitListeners, tenantId, noted.lastSeq);
          runAfterCommit(pending);
          return result;
        } catch (error) {
          if (writer.inTransaction) writer.exec('ROLLBACK');
          throw error;
        }
      });
    },
    async read<T>(scope: Scope, fn: (tx: SqliteTx) => Promise<T>): Promise<T> {
      if (closed) throw new TrellisError('store_unavailable', 'The store is closed');
      if (memory) return exclusive(() => fn(makeTx(reader, prepareRead, tenantOf(scope), null)));
      return fn(makeTx(reader, prepareRead, tenantOf(scope), null));
    },
    async version(tenantId: string): Promise<number> {
      if (closed) throw new TrellisError('store_unavailable', 'The store is closed');
      return tenantVersion(tenantId);
    },
    onCommit(listener: CommitListener): () => void {
      commitListeners.add(listener);
      return () => commitListeners.delete(listener);
    },
    async ping(): Promise<number> {
      const started = performance.now();
      try {
        reader.prepare('SELECT 1').get();
      } catch (error) {
        throw new TrellisError('store_unavailable', `SQLite does not answer: ${(error as Error).message}`, undefined, { cause: error });
      }
      return performance.now() - started;
    },
    migrate(): Promise<MigrationReport> {
      if (readOnly) return Promise.reject(new TrellisError('store_unavailable', 'This store connection is read-only'));
      return exclusive(async () => {
        const report = await runMigrations(target);
        optimize(writer);
        optimizer ??= setInterval(optimizeSoon, optimizeEveryMs).unref();
        return report;
      });
    },
    migrationStatus(): Promise<MigrationState[]> {
      return migrationStates(target);
    },
    async close(): Promise<void> {
      clearInterval(optimizer);
      await exclusive(async () => {
        closed = true;
      });
      await checkpointer?.stop();
      if (reader !== writer) reader.close();
      writer.close();
    },
  } as Store;
}
