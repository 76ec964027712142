/**
 * Shared by the benchmarks: a deterministic random generator, a fresh PostgreSQL database for a run, and the
 * synthetic graph (typed entities with one evidence row each, random typed relations citing a passage) built
 * through the graph service in bulk batches.
 */
import type { EntityInput, GraphService, RelationInput } from '../src/graph/index.js';
import { createDatabase } from '../test/support/stores.js';
// @ts-expect-error plain ESM helper without types
import { startTestPostgres } from '../scripts/test-postgres.mjs';

let seed = 42;

/** A deterministic generator (LCG), so runs are comparable. */
export function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

/** Percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * A new, empty database on `TRELLIS_BENCH_DATABASE_URL`, or on an embedded PostgreSQL started for the run.
 * `stop` stops the embedded server (the database is left for inspection on an external server).
 */
export async function createBenchDatabase(prefix: string): Promise<{ url: string; stop(): Promise<void> }> {
  let server: { url: string; stop(): Promise<void> } | undefined;
  let adminUrl = process.env.TRELLIS_BENCH_DATABASE_URL;
  if (!adminUrl) {
    server = (await startTestPostgres()) as { url: string; stop(): Promise<void> };
    adminUrl = server.url;
  }
  const { url } = await createDatabase(adminUrl, prefix);
  return { url, stop: async () => server?.stop() };
}

const types = ['Person', 'Organization', 'Place', 'Project', 'Product'];
const relationTypes = ['WORKS_FOR', 'LOCATED_IN', 'PART_OF', 'MANAGES', 'MENTIONS'];

/** What {@link buildGraph} measured. */
export interface BuiltGraph {
  ids: string[];
  entitySeconds: number;
  relationSeconds: number;
}

/**
 * Builds the benchmark graph in `tenantId` through the graph service: `entities` entities of five types, each
 * citing a span of one source chunk, then `relations` random relations of five types, each citing a passage.
 * `progress` is called after every batch with the phase and how many items are done.
 */
export async function buildGraph(
  graph: GraphService,
  tenantId: string,
  counts: { entities: number; relations: number; batch: number },
  progress: (phase: 'entities' | 'relations', done: number, started: number) => void = () => undefined,
): Promise<BuiltGraph> {
  const source = await graph.createSource(tenantId, { uri: 'bench://corpus', kind: 'text', chunks: [{ text: 'x'.repeat(1000) }] });
  const sourceId = source.id;
  const chunkId = source.chunks[0]?.id as string;
  const ids: string[] = new Array(counts.entities);
  let started = performance.now();
  for (let offset = 0; offset < counts.entities; offset += counts.batch) {
    const batch: EntityInput[] = [];
    for (let index = offset; index < Math.min(counts.entities, offset + counts.batch); index++) {
      batch.push({
        type: types[index % types.length] as string,
        name: `Entity ${index}`,
        properties: { rank: index },
        evidence: [{ sourceId, chunkId, start: index % 900, end: (index % 900) + 10, extractor: 'bench' }],
      });
    }
    const result = await graph.upsertEntities(tenantId, batch);
    for (let index = 0; index < result.ids.length; index++) ids[offset + index] = result.ids[index] as string;
    progress('entities', Math.min(counts.entities, offset + counts.batch), started);
  }
  const entitySeconds = (performance.now() - started) / 1000;
  started = performance.now();
  for (let offset = 0; offset < counts.relations; offset += counts.batch) {
    const batch: RelationInput[] = [];
    for (let index = offset; index < Math.min(counts.relations, offset + counts.batch); index++) {
      batch.push({
        type: relationTypes[index % relationTypes.length] as string,
        from: ids[Math.floor(random() * counts.entities)] as string,
        to: ids[Math.floor(random() * counts.entities)] as string,
        evidence: [{ sourceId, chunkId, start: 0, end: 20, extractor: 'bench' }],
      });
    }
    await graph.upsertRelations(tenantId, batch);
    progress('relations', Math.min(counts.relations, offset + counts.batch), started);
  }
  return { ids, entitySeconds, relationSeconds: (performance.now() - started) / 1000 };
}
