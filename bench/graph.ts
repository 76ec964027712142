/**
 * Graph benchmark: bulk upsert rates through the graph service, then traversal latency on a large graph.
 *   node --import tsx bench/graph.ts [--entities 1000000] [--relations 5000000] [--driver sqlite|postgres] [--queries 1000]
 * Prints entities/s, relations/s, and p50/p95/p99 of neighbours (depth 2, 3) and shortest path (depth ≤ 6).
 * For PostgreSQL it starts an embedded server unless TRELLIS_BENCH_DATABASE_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { newId } from '../src/core/ids.js';
import { type EntityInput, type RelationInput, createGraphService } from '../src/graph/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/index.js';
// @ts-expect-error plain ESM helper without types
import { startTestPostgres } from '../scripts/test-postgres.mjs';

const { values } = parseArgs({
  options: {
    entities: { type: 'string', default: '1000000' },
    relations: { type: 'string', default: '5000000' },
    driver: { type: 'string', default: 'sqlite' },
    queries: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '10000' },
  },
});
const entityCount = Number(values.entities);
const relationCount = Number(values.relations);
const queryCount = Number(values.queries);
const batchSize = Number(values.batch);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function summary(label: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(34)} p50 ${percentile(sorted, 50).toFixed(3)} ms  p95 ${percentile(sorted, 95).toFixed(3)} ms  p99 ${percentile(sorted, 99).toFixed(3)} ms`,
  );
}

// A deterministic generator so runs are comparable.
let seed = 42;
function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

async function openStore(): Promise<{ store: Store; close(): Promise<void> }> {
  if (values.driver === 'postgres') {
    let server: { url: string; stop(): Promise<void> } | undefined;
    let adminUrl = process.env.TRELLIS_BENCH_DATABASE_URL;
    if (!adminUrl) {
      server = await startTestPostgres();
      adminUrl = server!.url;
    }
    const name = `trellis_bench_${Date.now()}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl!);
    url.pathname = `/${name}`;
    const store = openPostgresStore({ url: url.toString(), role: 'trellis_app', poolSize: 4 });
    await store.migrate();
    return {
      store,
      async close() {
        await store.close();
        await server?.stop();
      },
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-'));
  const store = openSqliteStore({ file: path.join(dir, 'trellis.db') });
  await store.migrate();
  return {
    store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const { store, close } = await openStore();
const graph = createGraphService(store);
const tenantId = newId();
await store.transaction('system', (tx) =>
  tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'bench', 'bench', new Date().toISOString()]),
);
const source = await graph.createSource(tenantId, { uri: 'bench://corpus', kind: 'text', chunks: [{ text: 'x'.repeat(1000) }] });
const chunkId = source.chunks[0]!.id;
const types = ['Person', 'Organization', 'Place', 'Project', 'Product'];
const relationTypes = ['WORKS_FOR', 'LOCATED_IN', 'PART_OF', 'MANAGES', 'MENTIONS'];

console.log(`driver ${values.driver}, ${entityCount} entities, ${relationCount} relations, batches of ${batchSize}, node ${process.version}`);

const ids: string[] = new Array(entityCount);
let started = performance.now();
for (let offset = 0; offset < entityCount; offset += batchSize) {
  const batch: EntityInput[] = [];
  for (let index = offset; index < Math.min(entityCount, offset + batchSize); index++) {
    batch.push({
      type: types[index % types.length]!,
      name: `Entity ${index}`,
      properties: { rank: index },
      evidence: [{ sourceId: source.id, chunkId, start: index % 900, end: (index % 900) + 10, extractor: 'bench' }],
    });
  }
  const result = await graph.upsertEntities(tenantId, batch);
  for (let index = 0; index < result.ids.length; index++) ids[offset + index] = result.ids[index]!;
}
let seconds = (performance.now() - started) / 1000;
console.log(
  `bulk upsert entities                 ${Math.round(entityCount / seconds).toLocaleString('en')} entities/s (${seconds.toFixed(1)} s, each with one evidence row and its alias)`,
);

started = performance.now();
for (let offset = 0; offset < relationCount; offset += batchSize) {
  const batch: RelationInput[] = [];
  for (let index = offset; index < Math.min(relationCount, offset + batchSize); index++) {
    batch.push({
      type: relationTypes[index % relationTypes.length]!,
      from: ids[Math.floor(random() * entityCount)]!,
      to: ids[Math.floor(random() * entityCount)]!,
      evidence: [{ sourceId: source.id, chunkId, start: 0, end: 20, extractor: 'bench' }],
    });
  }
  await graph.upsertRelations(tenantId, batch);
}
seconds = (performance.now() - started) / 1000;
console.log(
  `bulk upsert relations                ${Math.round(relationCount / seconds).toLocaleString('en')} relations/s (${seconds.toFixed(1)} s, each with one evidence row)`,
);

const pick = () => ids[Math.floor(random() * entityCount)]!;
for (const depth of [2, 3]) {
  const samples: number[] = [];
  let nodes = 0;
  for (let query = 0; query < queryCount; query++) {
    const begin = performance.now();
    const result = await graph.neighbours(tenantId, pick(), { depth, direction: 'both', limit: 100_000 });
    samples.push(performance.now() - begin);
    nodes += result.nodes.length;
  }
  summary(`neighbours depth ${depth} (both, ~${Math.round(nodes / queryCount)} nodes)`, samples);
}
{
  const samples: number[] = [];
  let found = 0;
  let length = 0;
  for (let query = 0; query < queryCount; query++) {
    const begin = performance.now();
    const result = await graph.path(tenantId, pick(), pick(), { maxDepth: 6, direction: 'both' });
    samples.push(performance.now() - begin);
    if (result.found) {
      found++;
      length += result.length ?? 0;
    }
  }
  summary(`shortest path ≤ 6 (${found}/${queryCount} found, mean ${(length / Math.max(1, found)).toFixed(1)} hops)`, samples);
}
const memory = process.memoryUsage();
console.log(`process RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB`);
await close();
