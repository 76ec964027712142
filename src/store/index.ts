/** @module The store's public door: open the configured driver. */
import { type TrellisConfig, sqlitePath } from '../core/config.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export type { CommitListener, Dialect, MigrationReport, MigrationState, PostgresTx, Queryable, Scope, SqlValue, SqliteTx, Store, Tx } from './types.js';
export { migrations } from './migrate.js';
export { appendEvent, type EventInput } from './outbox.js';
export { inList, parseJson, nowIso } from './values.js';

/**
 * Opens the store the configuration names: PostgreSQL when `databaseUrl` is set, SQLite otherwise.
 * @example
 * const store = openStore(loadConfig());
 * await store.migrate();
 */
export function openStore(config: TrellisConfig): Store {
  if (config.databaseUrl) {
    return openPostgresStore({ url: config.databaseUrl, role: config.databaseRole, poolSize: config.databasePoolSize });
  }
  return openSqliteStore({ file: sqlitePath(config) });
}
