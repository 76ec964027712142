/** @module The PostgreSQL driver: a pg pool whose sessions run as a role subject to row-level security. */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { TrellisError } from '../core/errors.js';
import { type MigrationTarget, migrationStates, runMigrations } from './migrate.js';
import { announce } from './commit-listeners.js';
import type { CommitListener, MigrationReport, MigrationState, PostgresTx, Scope, SqlValue, Store } from './types.js';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  url: string;
  /** Role switched to on every connection (`SET ROLE`), so that row-level security applies; "" to stay as the login role. */
  role: string;
  poolSize: number;
}

/** Rewrites `?` placeholders to `$1, $2, …` (Trellis SQL never has `?` inside string literals). */
export function toPostgresPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}

const statementCache = new Map<string, { name: string; text: string }>();

/**
 * A named prepared statement for a query text: PostgreSQL parses and plans it once per connection instead of
 * on every call. The set of texts is bounded (queries are built from fixed fragments), and so is the cache.
 */
function statement(sql: string): { name: string; text: string } | string {
  let found = statementCache.get(sql);
  if (found === undefined) {
    const text = toPostgresPlaceholders(sql);
    if (statementCache.size >= 2000) return text;
    found = { name: `t_${createHash('sha1').update(text).digest('base64url')}`, text };
    statementCache.set(sql, found);
  }
  return found;
}

/** Type parsers that make PostgreSQL rows look like SQLite's: ISO timestamps and numeric bigints (the store and its readers, e.g. export snapshots). */
export const postgresTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 1184 || oid === 1114) return (value: string) => new Date(value).toISOString();
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** Callbacks to run after a commit; null for reads, which run them at once. */
type Pending = (() => void)[] | null;

/** The channel every committed event batch is announced on, as `<tenant id>:<last seq>` (see `appendEvent`). */
export const changesChannel = 'trellis_changes';

function makeTx(client: pg.PoolClient, tenantId: string | null, pending: Pending, noted: { lastSeq: number }): PostgresTx {
  const query = (sql: string, params?: readonly SqlValue[]) => {
    const prepared = statement(sql);
    const values = params as unknown[] | undefined;
    return typeof prepared === 'string' ? client.query(prepared, values) : client.query({ name: prepared.name, text: prepared.text, values });
  };
  return {
    dialect: 'postgres',
    client,
    tenantId,
    afterCommit(callback) {
      if (pending) pending.push(callback);
      else callback();
    },
    noteEvents(lastSeq) {
      noted.lastSeq = Math.max(noted.lastSeq, lastSeq);
    },
    async all<Row>(sql: string, params?: readonly SqlValue[]) {
      return (await query(sql, params)).rows as Row[];
    },
    async get<Row>(sql: string, params?: readonly SqlValue[]) {
      return (await query(sql, params)).rows[0] as Row | undefined;
    },
    async run(sql: string, params?: readonly SqlValue[]) {
      return (await query(sql, params)).rowCount ?? 0;
    },
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Where a PostgreSQL URL points, without its password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'postgres (unparseable URL)';
  }
}

/** Opens a PostgreSQL store. Call `migrate()` before use: it also creates the row-level-security role. */
export function openPostgresStore(options: PostgresStoreOptions): Store {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize, types: postgresTypes, connectionTimeoutMillis: 10_000 });
  let roleReady = options.role === '';
  pool.on('connect', (client) => {
    // Every Trellis query is keyed by tenant and an indexed column, so the generic plan (index scans) is right;
    // custom plans for large `= ANY($1)` frontiers chose hash joins and sequential scans (measured: depth-3
    // neighbourhood p50 13 ms with generic plans, 189 ms when every execution was custom-planned).
    // One simple-protocol query with both settings: pg queues it before any query of the checkout.
    const role = roleReady && options.role !== '' ? `SET ROLE ${quoteIdentifier(options.role)}; ` : '';
    client.query(`${role}SET plan_cache_mode = force_generic_plan`).catch(() => undefined);
  });
  // Idle clients that lose their connection emit errors; the pool replaces them.
  pool.on('error', () => undefined);

  async function connect(): Promise<pg.PoolClient> {
    try {
      return await pool.connect();
    } catch (error) {
      throw new TrellisError('store_unavailable', `Cannot connect to PostgreSQL at ${describeUrl(options.url)}: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
  }

  async function within<T>(scope: Scope, fn: (tx: PostgresTx) => Promise<T>): Promise<T> {
    const client = await connect();
    const tenantId = scope === 'system' ? null : scope.tenantId;
    let broken = false;
    const pending: (() => void)[] = [];
    const noted = { lastSeq: 0 };
    try {
      await client.query('BEGIN');
      await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId ?? '']);
      const result = await fn(makeTx(client, tenantId, pending, noted));
      await client.query('COMMIT');
      // This process's own writes move its version at once; other replicas learn them by notification.
      if (tenantId && noted.lastSeq > 0) {
        advance(tenantId, noted.lastSeq);
        announce(commitListeners, tenantId, noted.lastSeq);
      }
      for (const callback of pending) {
        try {
          callback();
        } catch (error) {
          process.emitWarning(`afterCommit callback failed: ${(error as Error).message}`);
        }
      }
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Reads run without BEGIN/COMMIT: the tenant is set for the session (`set_config(…, false)`) on every checkout,
   * so a read costs one round trip plus its queries, not three plus its queries. Each statement sees its own
   * snapshot, as SQLite's reader connection does.
   */
  async function reading<T>(scope: Scope, fn: (tx: PostgresTx) => Promise<T>): Promise<T> {
    const client = await connect();
    const tenantId = scope === 'system' ? null : scope.tenantId;
    try {
      await client.query({ name: 'trellis_set_tenant', text: "SELECT set_config('app.tenant_id', $1, false)", values: [tenantId ?? ''] });
      return await fn(makeTx(client, tenantId, null, { lastSeq: 0 }));
    } finally {
      client.release();
    }
  }

  // Tenant versions (see Store.version): one connection LISTENs on the changes channel and keeps the highest
  // sequence announced per tenant. A tenant not yet known is read once after LISTEN is active, so no commit can
  // fall between the read and the notifications. While the listener is down every call reads the counter.
  const versions = new Map<string, number>();
  const commitListeners = new Set<CommitListener>();
  let listener: Promise<pg.Client | null> | null = null;
  let listening = false;
  let closing = false;
  function listen(): Promise<pg.Client | null> {
    listener ??= (async () => {
      const client = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: 10_000 });
      const lost = () => {
        listening = false;
        versions.clear();
        listener = null;
        client.end().catch(() => undefined);
      };
      client.on('error', lost);
      client.on('end', lost);
      client.on('notification', (message) => {
        const [tenantId, seq] = (message.payload ?? '').split(':');
        if (!tenantId || seq === undefined) return;
        advance(tenantId, Number(seq));
        announce(commitListeners, tenantId, Number(seq));
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${changesChannel}`);
      } catch {
        lost();
        return null;
      }
      if (closing) {
        await client.end().catch(() => undefined);
        return null;
      }
      listening = true;
      return client;
    })();
    return listener;
  }
  function advance(tenantId: string, seq: number): void {
    if (!listening) return;
    const known = versions.get(tenantId);
    if (known === undefined || seq > known) versions.set(tenantId, seq);
  }
  async function tenantVersion(tenantId: string): Promise<number> {
    const known = versions.get(tenantId);
    if (known !== undefined && listening) return known;
    await listen();
    const row = await reading({ tenantId }, (tx) => tx.get<{ seq: number }>('SELECT seq FROM event_counters WHERE tenant_id = ?', [tenantId]));
    const seq = Number(row?.seq ?? 0);
    advance(tenantId, seq);
    return versions.get(tenantId) ?? seq;
  }

  /** Migrations run as the login role (the owner), never as the restricted role. */
  async function asOwner<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await connect();
    try {
      await client.query('RESET ROLE');
      return await fn(client);
    } finally {
      client.release(true);
    }
  }

  const target: MigrationTarget = {
    dialect: 'postgres',
    applied: () =>
      asOwner(async (client) => {
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL)');
        const { rows } = await client.query<{ id: string; checksum: string; applied_at: string }>('SELECT id, checksum, applied_at FROM schema_migrations');
        return new Map(rows.map((row) => [row.id, { checksum: row.checksum, appliedAt: row.applied_at }]));
      }),
    apply: (id, sql, checksum) =>
      asOwner(async (client) => {
        await client.query('BEGIN');
        try {
          // Serialise concurrent migrators (several replicas starting at once).
          await client.query('SELECT pg_advisory_xact_lock(7420001)');
          const { rowCount } = await client.query('SELECT 1 FROM schema_migrations WHERE id = $1', [id]);
          if (!rowCount) {
            await client.query(sql);
            await client.query('INSERT INTO schema_migrations (id, checksum, applied_at) VALUES ($1, $2, now())', [id, checksum]);
          }
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
  };

  /** Creates the restricted role if needed and grants it the data privileges; idempotent. */
  async function ensureRole(): Promise<void> {
    if (options.role === '') return;
    const role = quoteIdentifier(options.role);
    await asOwner(async (client) => {
      await client.query('SELECT pg_advisory_lock(7420002)');
      try {
        const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [options.role]);
        if (!rowCount) await client.query(`CREATE ROLE ${role} NOLOGIN NOBYPASSRLS`);
        const { rows } = await client.query<{ member: boolean }>("SELECT pg_has_role(current_user, $1, 'MEMBER') AS member", [options.role]);
        if (!rows[0]?.member) await client.query(`GRANT ${role} TO CURRENT_USER`);
        const schemaRow = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
        const schema = quoteIdentifier(schemaRow.rows[0]?.schema ?? 'public');
        await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
        await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
      } finally {
        await client.query('SELECT pg_advisory_unlock(7420002)');
      }
    });
    roleReady = true;
  }

  return {
    dialect: 'postgres',
    location: describeUrl(options.url),
    transaction: (scope, fn) => within(scope, fn as (tx: PostgresTx) => Promise<never>),
    read: (scope, fn) => reading(scope, fn as (tx: PostgresTx) => Promise<never>),
    version: tenantVersion,
    onCommit(commitListener: CommitListener): () => void {
      commitListeners.add(commitListener);
      // Other replicas' commits arrive as notifications, so listening starts with the first follower.
      void listen();
      return () => commitListeners.delete(commitListener);
    },
    async ping(): Promise<number> {
      const started = performance.now();
      const client = await connect();
      try {
        await client.query('SELECT 1');
      } finally {
        client.release();
      }
      return performance.now() - started;
    },
    async migrate(): Promise<MigrationReport> {
      const report = await runMigrations(target);
      await ensureRole();
      return report;
    },
    migrationStatus(): Promise<MigrationState[]> {
      return migrationStates(target);
    },
    async close(): Promise<void> {
      closing = true;
      const client = listener ? await listener : null;
      if (client) {
        listening = false;
        client.removeAllListeners('end');
        await client.end().catch(() => undefined);
      }
      await pool.end();
    },
  };
}
