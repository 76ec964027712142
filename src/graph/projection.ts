/**
 * @module Per-tenant in-memory graph projections: built lazily in a worker thread on a tenant's first traversal,
 * kept current by this process's committed changes, never used when the store's version says otherwise.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../core/workers.js';
import type { Store } from '../store/index.js';
import type { BuildResult, ProjectionSource } from './projection-build.js';
import type { ProjectionArrays } from './projection-data.js';
import { type GraphDelta, type GraphProjection, applyDelta, createGraphProjection, projectionBytes } from './projection-graph.js';

export type { ProjectionSource } from './projection-build.js';
export type { GraphDelta } from './projection-graph.js';

/** Options of {@link createProjections}. */
export interface ProjectionOptions {
  /** Where the build worker reads; null turns projections off (an in-memory SQLite store, say). */
  source: ProjectionSource | null;
  /** Tenants with more relations than this are served by SQL. @default 20000000 */
  maxRelations?: number;
  /** A tenant's projection is dropped after this long without a traversal, in ms. @default 900000 (15 minutes) */
  idleMs?: number;
}

/** What a projection holds, for benchmarks and operations. */
export interface ProjectionInfo {
  version: number;
  entities: number;
  relations: number;
  bytes: number;
  /** Of `bytes`, what the per-entity arrays take (row numbers, IDs, types, names, adjacency offsets). */
  entityBytes: number;
  buildMilliseconds: number;
  overlayChanges: number;
}

/** Per-tenant projections over one store. */
export interface Projections {
  /** The tenant's projection if it matches the store's current version; else null, and a build starts in the background. */
  current(tenantId: string): Promise<GraphProjection | null>;
  /** Records a change committed in events `first…last` of the tenant (call from `tx.afterCommit`). */
  committed(tenantId: string, seqs: readonly number[], delta: GraphDelta): void;
  /** Starts a build if needed and waits until the tenant's projection is current (or cannot be built); for benchmarks and tests. */
  ready(tenantId: string): Promise<ProjectionInfo | null>;
  /** Traversals answered by a projection and by SQL since start. */
  counts(): { projection: number; sql: number };
  /** Notes which path answered a traversal. */
  served(byProjection: boolean): void;
  close(): Promise<void>;
}

interface TenantState {
  projection: GraphProjection | null;
  /** No further changes may be applied: the projection missed one. */
  stale: boolean;
  building: Promise<void> | null;
  /** Changes committed while a build runs, replayed on top of what it returns. */
  log: { first: number; last: number; delta: GraphDelta }[];
  lastUsed: number;
  /** No build before this time (the tenant is above the cap, or a build failed). */
  retryAfter: number;
}

const retryMs = 60_000;

function entityBytes(arrays: ProjectionArrays): number {
  return [
    arrays.entitySeqs,
    arrays.entityIds,
    arrays.entityIdOrder,
    arrays.entityTypes,
    arrays.nameOffsets,
    arrays.nameBytes,
    arrays.outStart,
    arrays.inStart,
  ].reduce((sum, array) => sum + array.byteLength, 0);
}

function runBuild(source: ProjectionSource, tenantId: string, maxRelations: number, workers: Set<Worker>): Promise<BuildResult & { milliseconds: number }> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(import.meta.url, 'projection-worker', { source, tenantId, maxRelations });
    workers.add(worker);
    worker.unref();
    let settled = false;
    worker.on('message', (message: (BuildResult & { milliseconds: number }) | { error: string }) => {
      settled = true;
      if ('error' in message) reject(new Error(message.error));
      else resolve(message);
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      workers.delete(worker);
      if (!settled) reject(new Error(`Projection worker exited with code ${code}`));
    });
  });
}

/**
 * Projections for the tenants of one store.
 * @example
 * const projections = createProjections(store, { source: { dialect: 'sqlite', file: store.location } });
 * const projection = await projections.current(tenantId); // null until built, and whenever stale
 */
export function createProjections(store: Store, options: ProjectionOptions): Projections {
  const states = new Map<string, TenantState>();
  const workers = new Set<Worker>();
  const maxRelations = options.maxRelations ?? 20_000_000;
  const idleMs = options.idleMs ?? 15 * 60_000;
  const tally = { projection: 0, sql: 0 };
  let closed = false;

  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const [tenantId, state] of states) if (!state.building && now - state.lastUsed > idleMs) states.delete(tenantId);
    },
    Math.min(idleMs, 60_000),
  );
  sweeper.unref();

  function stateOf(tenantId: string): TenantState {
    let state = states.get(tenantId);
    if (!state) {
      state = { projection: null, stale: true, building: null, log: [], lastUsed: Date.now(), retryAfter: 0 };
      states.set(tenantId, state);
    }
    return state;
  }

  function apply(state: TenantState, first: number, last: number, delta: GraphDelta): void {
    const projection = state.projection;
    if (!projection || state.stale) return;
    if (first !== projection.version + 1) {
      state.stale = true;
      return;
    }
    applyDelta(projection, delta);
    projection.version = last;
  }

  function build(tenantId: string, state: TenantState): void {
    if (state.building || closed || !options.source || Date.now() < state.retryAfter) return;
    const source = options.source;
    state.log = [];
    state.building = (async () => {
      try {
        const result = await runBuild(source, tenantId, maxRelations, workers);
        if ('tooLarge' in result) {
          state.retryAfter = Date.now() + retryMs;
          state.projection = null;
          return;
        }
        state.projection = createGraphProjection(result.arrays as ProjectionArrays, result.milliseconds);
        state.stale = false;
        for (const entry of state.log) if (entry.last > state.projection.version) apply(state, entry.first, entry.last, entry.delta);
      } catch (error) {
        state.retryAfter = Date.now() + retryMs;
        // A store closed mid-build (shutdown, a test's clean-up) makes the build fail as expected: no warning then.
        const storeOpen = await store.ping().then(
          () => true,
          () => false,
        );
        if (!closed && storeOpen) process.emitWarning(`Graph projection build failed for tenant ${tenantId}: ${(error as Error).message}`);
      } finally {
        state.log = [];
        state.building = null;
      }
    })();
  }

  async function current(tenantId: string): Promise<GraphProjection | null> {
    if (!options.source || closed) return null;
    const version = await store.version(tenantId);
    const state = stateOf(tenantId);
    state.lastUsed = Date.now();
    const projection = state.projection;
    if (projection && !state.stale && projection.version === version) {
      // A large overlay is folded into fresh arrays by a background rebuild; this one serves meanwhile.
      if (projection.changes > Math.max(10_000, projection.arrays.relationCount / 20)) build(tenantId, state);
      return projection;
    }
    state.stale = true;
    build(tenantId, state);
    return null;
  }

  return {
    current,

    committed(tenantId, seqs, delta) {
      const state = states.get(tenantId);
      if (!state || seqs.length === 0) return;
      const first = seqs[0] as number;
      const last = seqs[seqs.length - 1] as number;
      if (state.building) state.log.push({ first, last, delta });
      apply(state, first, last, delta);
    },

    async ready(tenantId) {
      for (;;) {
        const projection = await current(tenantId);
        const state = stateOf(tenantId);
        if (projection) {
          return {
            version: projection.version,
            entities: projection.arrays.entityCount,
            relations: projection.arrays.relationCount,
            bytes: projectionBytes(projection),
            entityBytes: entityBytes(projection.arrays),
            buildMilliseconds: projection.builtMilliseconds,
            overlayChanges: projection.changes,
          };
        }
        if (!state.building) return null;
        await state.building;
      }
    },

    counts: () => ({ ...tally }),

    served(byProjection) {
      if (byProjection) tally.projection++;
      else tally.sql++;
    },

    async close() {
      closed = true;
      clearInterval(sweeper);
      states.clear();
      await Promise.all([...workers].map((worker) => worker.terminate()));
    },
  };
}
