/** @module The store's contract: dialect-neutral queries and transactions that both drivers implement. */
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';

/** The two supported SQL dialects. */
export type Dialect = 'sqlite' | 'postgres';

/** A parameter value accepted by both drivers. */
export type SqlValue = string | number | bigint | boolean | null | Buffer;

/**
 * Queries shared by both drivers. SQL uses `?` placeholders; the PostgreSQL driver rewrites them to `$1…`.
 * Write SQL that both dialects accept here, or branch on `dialect` and keep each dialect's SQL beside the code.
 */
export interface Queryable {
  readonly dialect: Dialect;
  all<Row = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  get<Row = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /**
   * Runs `callback` once the transaction has committed (never when it rolls back; at once for reads).
   * For work that must not happen unless the data is durable: waking workers, publishing to live streams.
   */
  afterCommit(callback: () => void): void;
  /** Told by `appendEvent` the tenant's last event sequence written in this transaction, so that the store's {@link Store.version} moves at commit. */
  noteEvents(lastSeq: number): void;
}

/** A transaction on SQLite; `db` gives synchronous access for hot loops (prepared statements). */
export interface SqliteTx extends Queryable {
  readonly dialect: 'sqlite';
  readonly db: BetterSqlite3.Database;
  /** The tenant the transaction is scoped to, or null for platform-level work. */
  readonly tenantId: string | null;
}

/** A transaction on PostgreSQL; `client` is the pooled connection with `app.tenant_id` set. */
export interface PostgresTx extends Queryable {
  readonly dialect: 'postgres';
  readonly client: pg.PoolClient;
  readonly tenantId: string | null;
}

/** A transaction of either driver. */
export type Tx = SqliteTx | PostgresTx;

/** Whom a transaction acts for: one tenant (row-level security applies) or the platform itself. */
export type Scope = { tenantId: string } | 'system';

/** What a migration run did. */
export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

/** State of one migration, for `trellis doctor` and `/ready`. */
export interface MigrationState {
  id: string;
  appliedAt: string | null;
}

/** Told a tenant's latest committed event sequence (see {@link Store.onCommit}); must not throw. */
export type CommitListener = (tenantId: string, seq: number) => void;

/** A connected store: transactions, reads, migrations. */
export interface Store {
  readonly dialect: Dialect;
  /** Where the data lives, without credentials (a file path or host/database). */
  readonly location: string;
  /** Runs `fn` in one write transaction; it commits when `fn` resolves and rolls back when it throws. */
  transaction<T>(scope: Scope, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs `fn` for reading. On SQLite it uses a separate reader connection and never waits for writers. */
  read<T>(scope: Scope, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * The tenant's latest committed event sequence number (0 before its first event). Every mutation appends an
   * event in its transaction, so a changed number means changed data: a cache stamps what it reads with the
   * number read *before* the data and compares on use. SQLite answers from memory unless another connection
   * committed (`PRAGMA data_version`); PostgreSQL answers from memory kept current by LISTEN/NOTIFY, so other
   * replicas' writes show up within the notification delay, this process's own writes at once.
   */
  version(tenantId: string): Promise<number>;
  /**
   * Calls `listener(tenantId, lastSeq)` when a tenant's committed event sequence moves: at once after this store's
   * own commits; on PostgreSQL also for other processes' commits announced on `trellis_changes`. SQLite cannot
   * hear other processes, so a follower also polls {@link Store.version}. Returns the unsubscribe function.
   */
  onCommit(listener: CommitListener): () => void;
  /** Round-trip time to the database in milliseconds; throws `store_unavailable` when it cannot answer. */
  ping(): Promise<number>;
  /** Applies pending migrations. */
  migrate(): Promise<MigrationReport>;
  /** Every known migration and when it was applied. */
  migrationStatus(): Promise<MigrationState[]>;
  close(): Promise<void>;
}
