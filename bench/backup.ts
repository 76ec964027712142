/**
 * Backup and restore throughput on a generated graph, for both drivers.
 *   node --import tsx bench/backup.ts [--entities 100000] [--relations 500000] [--driver sqlite|postgres|both] [--batch 10000]
 * Builds the graph through the graph service (bench/corpus.ts), then times `backupStore` and `restoreStore` into a
 * fresh, empty store, and prints rows, archive size and rows per second.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/core/config.js';
import { newId } from '../src/core/ids.js';
import { createGraphService } from '../src/graph/index.js';
import { backupStore, restoreStore } from '../src/store/backup.js';
import type { Dialect, Store } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { insertTenant } from '../src/platform/tenants.js';
import { buildGraph, createBenchDatabase } from './corpus.js';

const { values } = parseArgs({
  options: {
    entities: { type: 'string', default: '100000' },
    relations: { type: 'string', default: '500000' },
    driver: { type: 'string', default: 'both' },
    batch: { type: 'string', default: '10000' },
  },
});
const counts = { entities: Number(values.entities), relations: Number(values.relations), batch: Number(values.batch) };
const drivers: Dialect[] = values.driver === 'both' ? ['sqlite', 'postgres'] : [values.driver as Dialect];

async function run(dialect: Dialect): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-backup-'));
  const database = dialect === 'postgres' ? await createBenchDatabase('trellis_bench_backup') : null;
  const target = dialect === 'postgres' ? await createBenchDatabase('trellis_bench_restore') : null;
  const sourceConfig = loadConfig({
    env: {},
    file: undefined,
    overrides: dialect === 'sqlite' ? { dataDir: path.join(dir, 'source') } : { databaseUrl: database?.url },
  });
  const targetConfig = loadConfig({
    env: {},
    file: undefined,
    overrides: dialect === 'sqlite' ? { dataDir: path.join(dir, 'target') } : { databaseUrl: target?.url },
  });
  const store: Store =
    dialect === 'sqlite'
      ? openSqliteStore({ file: path.join(dir, 'source', 'trellis.db') })
      : openPostgresStore({ url: database?.url ?? '', role: 'trellis_app', poolSize: 4 });
  try {
    await store.migrate();
    const tenantId = newId();
    await store.transaction({ tenantId }, (tx) => insertTenant(tx, { slug: 'bench', name: 'Bench' }));
    const graph = createGraphService(store, { projection: { source: null, maxRelations: 0 } });
    const built = await buildGraph(graph, tenantId, counts);
    await graph.close();
    await store.close();
    const archive = path.join(dir, 'bench.backup');
    let started = performance.now();
    const backup = await backupStore(sourceConfig, archive);
    const backupSeconds = (performance.now() - started) / 1000;
    const rows = backup.manifest.tables.reduce((sum, table) => sum + table.rows, 0);
    started = performance.now();
    await restoreStore(targetConfig, archive);
    const restoreSeconds = (performance.now() - started) / 1000;
    const bytes = statSync(archive).size;
    console.log(
      [
        `${dialect}: ${counts.entities} entities, ${counts.relations} relations (built in ${(built.entitySeconds + built.relationSeconds).toFixed(1)} s), ${rows} rows in all tables`,
        `  archive ${(bytes / 1024 / 1024).toFixed(1)} MiB (gzip)`,
        `  backup  ${backupSeconds.toFixed(2)} s  ${Math.round(rows / backupSeconds)} rows/s  ${(bytes / 1024 / 1024 / backupSeconds).toFixed(1)} MiB/s of archive`,
        `  restore ${restoreSeconds.toFixed(2)} s  ${Math.round(rows / restoreSeconds)} rows/s  (verified: counts and checksums re-read)`,
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await database?.stop();
    await target?.stop();
  }
}

for (const dialect of drivers) await run(dialect);
