/**
 * Graph benchmark: bulk upsert rates through the graph service, then traversal latency on a large graph.
 *   node --import tsx bench/graph.ts [--entities 1000000] [--relations 5000000] [--driver sqlite|postgres] [--queries 1000] [--batch 10000]
 *     [--query-count 200] [--sql-query-count 30] [--skip-traversals] [--keep-dir DIR]
 * Prints entities/s, relations/s, and p50/p95/p99 of neighbours (depth 2, 3) and shortest path (depth ≤ 6), first on
 * the SQL path, then on the in-memory projection (built lazily by the first traversal; the bench waits for the build
 * before timing and prints its time, size and the event loop's worst delay meanwhile), with the same query picks.
 * Then the graph queries: k = 5 shortest paths (≤ 6 hops) and subgraphs of 10 seeds at depth 2, without and with a
 * property filter, `--sql-query-count` of each on SQL and `--query-count` on the projection. The k paths run twice: between
 * random pairs (on a sparse graph mostly more than 6 hops apart: the search is exhaustive) and between pairs 4 random
 * steps apart (connected). With `--keep-dir` (SQLite) the database is kept there and a later run with the same counts
 * reuses the graph instead of building it again.
 * For PostgreSQL it starts an embedded server unless TRELLIS_BENCH_DATABASE_URL is set.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { newId } from '../src/core/ids.js';
import { type GraphService, type ProjectionSource, createGraphService } from '../src/graph/index.js';
import type { Store } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { buildGraph, createBenchDatabase, percentile, random } from './corpus.js';

const { values } = parseArgs({
  options: {
    entities: { type: 'string', default: '1000000' },
    relations: { type: 'string', default: '5000000' },
    driver: { type: 'string', default: 'sqlite' },
    queries: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '10000' },
    'query-count': { type: 'string', default: '200' },
    'sql-query-count': { type: 'string', default: '30' },
    'skip-traversals': { type: 'boolean', default: false },
    'keep-dir': { type: 'string' },
  },
});
const entityCount = Number(values.entities);
const relationCount = Number(values.relations);
const queryCount = Number(values.queries);
const batchSize = Number(values.batch);

function summary(label: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(34)} p50 ${percentile(sorted, 50).toFixed(3)} ms  p95 ${percentile(sorted, 95).toFixed(3)} ms  p99 ${percentile(sorted, 99).toFixed(3)} ms`,
  );
}

async function openStore(): Promise<{ store: Store; source: ProjectionSource; close(): Promise<void> }> {
  if (values.driver === 'postgres') {
    const database = await createBenchDatabase('trellis_bench');
    const store = openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 4 });
    await store.migrate();
    return {
      store,
      source: { dialect: 'postgres', url: database.url, role: 'trellis_app' },
      async close() {
        await store.close();
        await database.stop();
      },
    };
  }
  const kept = values['keep-dir'];
  if (kept) mkdirSync(kept, { recursive: true });
  const dir = kept ?? mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-'));
  const store = openSqliteStore({ file: path.join(dir, 'trellis.db') });
  await store.migrate();
  return {
    store,
    source: { dialect: 'sqlite', file: store.location },
    async close() {
      await store.close();
      if (!kept) rmSync(dir, { recursive: true, force: true });
    },
  };
}

const { store, source, close } = await openStore();
const sqlGraph = createGraphService(store);
const graph = createGraphService(store, { projection: { source } });
console.log(`driver ${values.driver}, ${entityCount} entities, ${relationCount} relations, batches of ${batchSize}, node ${process.version}`);
// A kept database built with the same counts is reused (its marker names the tenant).
const marker = values['keep-dir'] ? path.join(values['keep-dir'], 'bench-graph.json') : null;
const previous = marker && existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { tenantId: string; entities: number; relations: number }) : null;
let tenantId: string;
let ids: string[];
if (previous && previous.entities === entityCount && previous.relations === relationCount) {
  tenantId = previous.tenantId;
  ids = (await store.read({ tenantId }, (tx) => tx.all<{ id: string }>('SELECT id FROM entities WHERE tenant_id = ? ORDER BY seq', [tenantId]))).map(
    (row) => row.id,
  );
  // Building drew two numbers per relation from the generator; draw them again so the query picks are those of a build.
  for (let draw = 0; draw < 2 * relationCount; draw++) random();
  console.log(`reusing the graph in ${values['keep-dir']} (${ids.length} entities)`);
} else {
  tenantId = newId();
  await store.transaction('system', (tx) =>
    tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [
      tenantId,
      `bench-${tenantId.slice(-8)}`,
      'bench',
      new Date().toISOString(),
    ]),
  );
  const built = await buildGraph(graph, tenantId, { entities: entityCount, relations: relationCount, batch: batchSize });
  ids = built.ids;
  console.log(
    `bulk upsert entities                 ${Math.round(entityCount / built.entitySeconds).toLocaleString('en')} entities/s (${built.entitySeconds.toFixed(1)} s, each with one evidence row and its alias)`,
  );
  console.log(
    `bulk upsert relations                ${Math.round(relationCount / built.relationSeconds).toLocaleString('en')} relations/s (${built.relationSeconds.toFixed(1)} s, each with one evidence row)`,
  );
  if (marker) writeFileSync(marker, JSON.stringify({ tenantId, entities: entityCount, relations: relationCount }));
}

// One list of picks, replayed for both paths, so they answer the same queries.
const picks = Array.from({ length: queryCount * 4 }, () => ids[Math.floor(random() * entityCount)] as string);

async function traversals(label: string, service: GraphService): Promise<void> {
  let next = 0;
  const pick = () => picks[next++] as string;
  const counts = service.traversalCounts();
  for (const depth of [2, 3]) {
    const samples: number[] = [];
    let nodes = 0;
    for (let query = 0; query < queryCount; query++) {
      const begin = performance.now();
      const result = await service.neighbours(tenantId, pick(), { depth, direction: 'both', limit: 100_000 });
      samples.push(performance.now() - begin);
      nodes += result.nodes.length;
    }
    summary(`${label} neighbours depth ${depth} (both, ~${Math.round(nodes / queryCount)} nodes)`, samples);
  }
  const samples: number[] = [];
  let found = 0;
  let length = 0;
  for (let query = 0; query < queryCount; query++) {
    const begin = performance.now();
    const result = await service.path(tenantId, pick(), pick(), { maxDepth: 6, direction: 'both' });
    samples.push(performance.now() - begin);
    if (result.found) {
      found++;
      length += result.length ?? 0;
    }
  }
  summary(`${label} shortest path ≤ 6 (${found}/${queryCount} found, mean ${(length / Math.max(1, found)).toFixed(1)} hops)`, samples);
  const after = service.traversalCounts();
  if (label !== 'SQL')
    console.log(`${label} served ${after.projection - counts.projection} of ${queryCount * 3} traversals (SQL fallback ${after.sql - counts.sql})`);
}

/** Pairs of entities 4 random steps apart (fewer where a walk reaches a dead end), the same for every run of the queries. */
const walkedPairs: [string, string][] = [];
let walkStart = Math.floor(picks.length / 2);
async function connectedPairs(count: number): Promise<[string, string][]> {
  while (walkedPairs.length < count) {
    const from = picks[walkStart++ % picks.length] as string;
    let at = from;
    for (let step = 0; step < 4; step++) {
      const around = await sqlGraph.neighbours(tenantId, at, { depth: 1, direction: 'both', limit: 100_000 });
      const others = around.nodes.filter((node) => node.id !== at && node.id !== from);
      if (others.length === 0) break;
      at = (others[Math.floor(random() * others.length)] as { id: string }).id;
    }
    if (at !== from) walkedPairs.push([from, at]);
  }
  return walkedPairs.slice(0, count);
}

/** k shortest paths and subgraphs, `count` of each, on `service`. */
async function graphQueries(label: string, service: GraphService, count: number): Promise<void> {
  let next = 0;
  const pick = () => picks[next++ % picks.length] as string;
  const pairs = await connectedPairs(count);
  for (const connected of [false, true]) {
    const samples: number[] = [];
    let found = 0;
    let paths = 0;
    let truncated = 0;
    let hops = 0;
    for (let query = 0; query < count; query++) {
      const [from, to] = connected ? (pairs[query] as [string, string]) : [pick(), pick()];
      const begin = performance.now();
      const result = await service.paths(tenantId, from, to, { k: 5, maxDepth: 6, direction: 'both' });
      samples.push(performance.now() - begin);
      if (result.found) found++;
      paths += result.paths.length;
      hops += result.paths[0]?.length ?? 0;
      if (result.truncated) truncated++;
    }
    summary(
      `${label} k=5 shortest paths ≤ 6, ${connected ? 'pairs 4 steps apart' : 'random pairs'} (${found}/${count} found, mean ${(paths / count).toFixed(1)} paths, shortest ${(hops / Math.max(1, found)).toFixed(1)} hops, ${truncated} truncated)`,
      samples,
    );
  }
  for (const where of [undefined, { rank: { lt: entityCount / 2 } }]) {
    const times: number[] = [];
    let nodes = 0;
    let edges = 0;
    for (let query = 0; query < count; query++) {
      const seeds = Array.from({ length: 10 }, pick);
      const begin = performance.now();
      const result = await service.subgraph(tenantId, seeds, { depth: 2, direction: 'both', maxNodes: 10_000, maxEdges: 50_000, where });
      times.push(performance.now() - begin);
      nodes += result.nodes.length;
      edges += result.edges.length;
    }
    summary(
      `${label} subgraph 10 seeds depth 2${where ? ' where rank < N/2' : ''} (~${Math.round(nodes / count)} nodes, ~${Math.round(edges / count)} relations)`,
      times,
    );
  }
}

if (!values['skip-traversals']) await traversals('SQL', sqlGraph);
await graphQueries('SQL', sqlGraph, Number(values['sql-query-count']));

// The projection is built lazily by a tenant's first traversal (answered by SQL); wait for it before timing.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const buildStart = performance.now();
await graph.neighbours(tenantId, ids[0] as string, { depth: 1, direction: 'both', limit: 10 });
const info = await graph.projectionReady(tenantId);
const waited = performance.now() - buildStart;
loop.disable();
if (!info) throw new Error('The projection was not built');
const relationBytes = info.bytes - info.entityBytes;
console.log(
  `projection built in ${(info.buildMilliseconds / 1000).toFixed(1)} s in a worker (${(waited / 1000).toFixed(1)} s until ready, event loop max delay meanwhile ${(loop.max / 1e6).toFixed(1)} ms): ` +
    `${info.entities} entities, ${info.relations} relations, ${(info.bytes / 2 ** 20).toFixed(0)} MiB ` +
    `(${(relationBytes / info.relations).toFixed(1)} bytes per relation, ${(info.entityBytes / info.entities).toFixed(1)} bytes per entity incl. its name)`,
);
if (!values['skip-traversals']) await traversals('projection', graph);
await graphQueries('projection', graph, Number(values['query-count']));
const memory = process.memoryUsage();
console.log(`process RSS ${(memory.rss / 2 ** 20).toFixed(0)} MiB`);
await graph.close();
await close();
