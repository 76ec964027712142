/**
 * Views benchmark: materialising views over a generated graph, through the views service, in one process.
 *   node --import tsx bench/views.ts [--entities 100000] [--relations 300000] [--driver sqlite|postgres] [--batch 10000]
 * Builds the corpus of bench/corpus.ts, then times (rows/s and the event loop's worst delay meanwhile): a nodes view of
 * every entity with a property and its degree; its refresh with nothing changed (re-derive and compare every row);
 * an edges view and a joined-edge view of every relation; and a table → graph view turning the nodes view's rows
 * back into entities citing them. For PostgreSQL it starts an embedded server unless TRELLIS_BENCH_DATABASE_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/core/config.js';
import { newId } from '../src/core/ids.js';
import { createServices } from '../src/server/services.js';
import type { Store } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { ViewDefinition } from '../src/views/index.js';
import { buildGraph, createBenchDatabase } from './corpus.js';

const { values } = parseArgs({
  options: {
    entities: { type: 'string', default: '100000' },
    relations: { type: 'string', default: '300000' },
    driver: { type: 'string', default: 'sqlite' },
    batch: { type: 'string', default: '10000' },
  },
});
const entityCount = Number(values.entities);
const relationCount = Number(values.relations);

async function openStore(): Promise<{ store: Store; databaseUrl?: string; close(): Promise<void> }> {
  if (values.driver === 'postgres') {
    const database = await createBenchDatabase('trellis_bench_views');
    const store = openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 4 });
    await store.migrate();
    return { store, databaseUrl: database.url, close: async () => (await store.close(), await database.stop()) };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-views-'));
  const store = openSqliteStore({ file: path.join(dir, 'trellis.db') });
  await store.migrate();
  return { store, close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
}

const { store, databaseUrl, close } = await openStore();
const config = loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'silent', graphProjection: 'off', ...(databaseUrl ? { databaseUrl } : {}) } });
const services = createServices(config, store);
const tenantId = newId();
await store.transaction('system', (tx) =>
  tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'bench', 'bench', new Date().toISOString()]),
);
console.log(`driver ${values.driver}, ${entityCount} entities, ${relationCount} relations, node ${process.version}`);
const built = await buildGraph(services.graph, tenantId, { entities: entityCount, relations: relationCount, batch: Number(values.batch) });
console.log(`graph built in ${(built.entitySeconds + built.relationSeconds).toFixed(1)} s`);

const entityTypes = ['Person', 'Organization', 'Place', 'Project', 'Product'];
const relationTypes = ['WORKS_FOR', 'LOCATED_IN', 'PART_OF', 'MANAGES', 'MENTIONS'];

/** Runs `work`, printing its time, rows/s and the event loop's worst delay meanwhile. */
async function timed(label: string, rows: number, work: () => Promise<unknown>): Promise<void> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  loop.disable();
  console.log(
    `${label.padEnd(44)} ${seconds.toFixed(2)} s  ${Math.round(rows / seconds).toLocaleString('en')} rows/s  event loop max delay ${(loop.max / 1e6).toFixed(0)} ms`,
  );
}

const create = (name: string, definition: ViewDefinition) => services.views.create(tenantId, name, definition, { inline: true });
await timed(`nodes view (${entityCount} rows, property + degree)`, entityCount, () =>
  create('nodes', { kind: 'nodes', entityTypes, properties: ['rank'], metrics: ['degree'] }),
);
await timed('refresh, nothing changed (compare every row)', entityCount, () => services.views.refresh(tenantId, 'nodes', { inline: true }));
await timed(`edges view (${relationCount} rows)`, relationCount, () => create('edges', { kind: 'edges', relationTypes }));
await timed(`joined edge view (${relationCount} rows)`, relationCount, () =>
  create('joined', { kind: 'edge_join', relationTypes, fromProperties: ['rank'], toProperties: ['rank'] }),
);
await timed(`table → graph view (${entityCount} rows → entities)`, entityCount, () =>
  create('copies', { kind: 'graph', datasets: [{ dataset: 'nodes', entities: [{ type: 'Copy', name: 'name', key: 'id' }] }] }),
);
const memory = process.memoryUsage();
console.log(`process RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB`);
await services.embeddings.close();
await close();
