/** @module Backups of the configured store: `backupStore` and `restoreStore`, choosing the SQLite or PostgreSQL way. */
import { type TrellisConfig, sqlitePath } from '../core/config.js';
import type { BackupHeader, BackupManifest, TableSummary } from './backup-archive.js';
import { backupPostgres, restorePostgres } from './backup-postgres.js';
import { type BackupReport, backupSqlite, restoreSqlite } from './backup-sqlite.js';
import { openPostgresStore } from './postgres.js';

export type { BackupHeader, BackupManifest, BackupReport, TableSummary };

/** Options of {@link restoreStore}. */
export interface RestoreOptions {
  /** Replace a target that already holds data. @default false */
  force?: boolean;
}

/**
 * Writes a backup of the configured store to `file`: SQLite through the online backup API, PostgreSQL as an
 * in-process logical dump (COPY in one snapshot). Both are safe while a server writes. The archive ends with a
 * manifest of per-table row counts and SHA-256 checksums.
 * @example
 * const { manifest } = await backupStore(loadConfig(), 'trellis.backup');
 */
export function backupStore(config: TrellisConfig, file: string): Promise<BackupReport> {
  return config.databaseUrl ? backupPostgres(config.databaseUrl, file) : backupSqlite(sqlitePath(config), file);
}

/**
 * Restores `file` into the configured store, which must be of the archive's dialect and (unless `force`) empty.
 * Counts and checksums are verified after loading; any failure leaves the target as it was. For PostgreSQL the
 * target is migrated first and must then be at the archive's migrations; for SQLite the file is replaced whole, so
 * stop the server first.
 */
export async function restoreStore(config: TrellisConfig, file: string, options: RestoreOptions = {}): Promise<BackupReport> {
  if (!config.databaseUrl) return restoreSqlite(sqlitePath(config), file, options);
  const store = openPostgresStore({ url: config.databaseUrl, role: config.databaseRole, poolSize: 2 });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  return restorePostgres(config.databaseUrl, file, options);
}
