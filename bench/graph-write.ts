/**
 * Bulk-write benchmark of the graph service alone: the synthetic graph of bench/corpus.ts built in batches, with
 * wall time and this process's CPU time per entity and relation (CPU time is steadier on a shared VM, but leaves out
 * PostgreSQL's server processes), and how long one batch holds the event loop.
 *   node --import tsx bench/graph-write.ts [--entities 100000] [--relations 500000] [--batch 10000] [--driver sqlite|postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { newId } from '../src/core/ids.js';
import { createGraphService } from '../src/graph/index.js';
import type { Store } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { buildGraph, createBenchDatabase, percentile, random } from './corpus.js';

const { values } = parseArgs({
  options: {
    entities: { type: 'string', default: '100000' },
    relations: { type: 'string', default: '500000' },
    batch: { type: 'string', default: '10000' },
    driver: { type: 'string', default: 'sqlite' },
  },
});
const counts = { entities: Number(values.entities), relations: Number(values.relations), batch: Number(values.batch) };

async function openStore(): Promise<{ store: Store; close(): Promise<void> }> {
  if (values.driver === 'postgres') {
    const database = await createBenchDatabase('trellis_bench');
    const store = openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 4 });
    await store.migrate();
    return { store, close: async () => (await store.close(), await database.stop()) };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-write-'));
  const store = openSqliteStore({ file: path.join(dir, 'trellis.db') });
  await store.migrate();
  return { store, close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
}

const { store, close } = await openStore();
const graph = createGraphService(store);
const tenantId = newId();
await store.transaction('system', (tx) =>
  tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'bench', 'bench', new Date().toISOString()]),
);

const batches = { entities: [] as number[], relations: [] as number[] };
const cpuAt = { start: process.cpuUsage(), entitiesDone: process.cpuUsage() };
let last = performance.now();
const built = await buildGraph(graph, tenantId, counts, (phase, done) => {
  const now = performance.now();
  batches[phase].push(now - last);
  last = now;
  if (phase === 'entities' && done === counts.entities) cpuAt.entitiesDone = process.cpuUsage();
});
const cpuEnd = process.cpuUsage();
const cpuMicros = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) => to.user - from.user + (to.system - from.system);

console.log(`driver ${values.driver}, ${counts.entities} entities, ${counts.relations} relations, batches of ${counts.batch}, node ${process.version}`);
for (const [phase, seconds, cpu, count] of [
  ['entities', built.entitySeconds, cpuMicros(cpuAt.start, cpuAt.entitiesDone), counts.entities],
  ['relations', built.relationSeconds, cpuMicros(cpuAt.entitiesDone, cpuEnd), counts.relations],
] as const) {
  const sorted = [...batches[phase]].sort((a, b) => a - b);
  console.log(
    `${phase.padEnd(9)} ${Math.round(count / seconds).toLocaleString('en')}/s  wall ${((seconds * 1e6) / count).toFixed(2)} µs, this process's CPU ${(cpu / count).toFixed(2)} µs per item;` +
      ` one batch p50 ${percentile(sorted, 50).toFixed(0)} ms, max ${(sorted[sorted.length - 1] ?? 0).toFixed(0)} ms`,
  );
}

// How long one bulk call keeps the event loop from other work (timers, sockets): a 1 ms interval runs beside five
// more relation batches, with a turn of the loop between them, and the longest gap between its ticks is the answer.
let longest = 0;
let tick = performance.now();
const timer = setInterval(() => {
  const now = performance.now();
  longest = Math.max(longest, now - tick);
  tick = now;
}, 1);
await new Promise((resolve) => setTimeout(resolve, 20));
for (let round = 0; round < 5; round++) {
  const batch = Array.from({ length: counts.batch }, () => ({
    type: 'MENTIONS',
    from: built.ids[Math.floor(random() * counts.entities)] as string,
    to: built.ids[Math.floor(random() * counts.entities)] as string,
  }));
  await graph.upsertRelations(tenantId, batch);
  await new Promise((resolve) => setTimeout(resolve, 20));
}
clearInterval(timer);
console.log(`one call of ${counts.batch} relations kept the event loop from other work for up to ${longest.toFixed(0)} ms`);
await close();
