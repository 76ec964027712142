/** @module Versioned migrations: one list, SQL for each dialect side by side, applied in order inside a transaction. */
import { createHash } from 'node:crypto';
import { TrellisError } from '../core/errors.js';
import { migration as foundation } from './migrations/0001-foundation.js';
import { migration as narrowIncomingIndex } from './migrations/0002-narrow-incoming-index.js';
import { migration as jobs } from './migrations/0003-jobs.js';
import { migration as audit } from './migrations/0005-audit.js';
import { migration as webhooks } from './migrations/0006-webhooks.js';
import { migration as webhooksOnJobs } from './migrations/0007-webhooks-on-jobs.js';
import { migration as datasets } from './migrations/0008-datasets.js';
import { migration as searchText } from './migrations/0009-search-text.js';
import { migration as embeddings } from './migrations/0010-embeddings.js';
import { migration as views } from './migrations/0012-views.js';
import { migration as memories } from './migrations/0013-memories.js';
import { migration as memoryExtraction } from './migrations/0014-memory-extraction.js';
import { migration as memoryVisibility } from './migrations/0015-memory-visibility-index.js';
import { migration as memoryEmbeddingPending } from './migrations/0016-memory-embedding-pending.js';
import type { Dialect, MigrationReport, MigrationState } from './types.js';

/** One schema change, written for both dialects. */
export interface Migration {
  /** Sortable identifier, `NNNN-name`. */
  id: string;
  sqlite: string;
  postgres: string;
}

/** Every migration, oldest first. Append only: never edit one that has shipped. */
export const migrations: readonly Migration[] = [
  foundation,
  narrowIncomingIndex,
  jobs,
  audit,
  webhooks,
  webhooksOnJobs,
  datasets,
  searchText,
  embeddings,
  views,
  memories,
  memoryExtraction,
  memoryVisibility,
  memoryEmbeddingPending,
];

/** The SQL to run for a migration in a dialect, and its checksum (to spot edited migrations). */
export function migrationSql(migration: Migration, dialect: Dialect): { sql: string; checksum: string } {
  const sql = dialect === 'sqlite' ? migration.sqlite : migration.postgres;
  return { sql, checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16) };
}

/** The minimal operations the migrator needs from a driver. */
export interface MigrationTarget {
  dialect: Dialect;
  /** Creates `schema_migrations` if missing and returns the applied rows. */
  applied(): Promise<Map<string, { checksum: string; appliedAt: string }>>;
  /** Runs one migration's SQL and records it, atomically. */
  apply(id: string, sql: string, checksum: string): Promise<void>;
}

/** Applies every pending migration in order; refuses when an applied migration was edited. */
export async function runMigrations(target: MigrationTarget): Promise<MigrationReport> {
  const applied = await target.applied();
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    const { sql, checksum } = migrationSql(migration, target.dialect);
    const done = applied.get(migration.id);
    if (done) {
      if (done.checksum !== checksum) {
        throw new TrellisError('migration_failed', `Migration ${migration.id} was changed after it was applied (checksum ${done.checksum} ≠ ${checksum})`);
      }
      report.alreadyApplied.push(migration.id);
      continue;
    }
    try {
      await target.apply(migration.id, sql, checksum);
    } catch (error) {
      throw new TrellisError(
        'migration_failed',
        `Migration ${migration.id} failed: ${(error as Error).message}`,
        { migration: migration.id },
        { cause: error },
      );
    }
    report.applied.push(migration.id);
  }
  return report;
}

/** Every known migration with its applied time (null when pending). */
export async function migrationStates(target: MigrationTarget): Promise<MigrationState[]> {
  const applied = await target.applied();
  return migrations.map((migration) => ({ id: migration.id, appliedAt: applied.get(migration.id)?.appliedAt ?? null }));
}
