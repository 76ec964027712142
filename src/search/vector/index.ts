/**
 * @module The vector index: nearest neighbours over the stored embeddings of one tenant, embedder and owner kind.
 * An in-memory index per (tenant, kind, embedder) is built lazily in a worker, stamped with the tenant's store
 * version, caught up from the store after commits (vectors written since are appended; owners found deleted are
 * tombstoned) and rebuilt in the background when its appended tail or its tombstones grow — the approach of the graph
 * traversal projection. It never answers for an older version than the store's; until it is built, and when asked,
 * exact search in the store answers.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { TrellisConfig } from '../../core/config.js';
import type { Store } from '../../store/index.js';
import { TrellisError } from '../../core/errors.js';
import { type BuildRequest, type BuildResult, type BuiltIndex, metadataTable, normalise } from './build.js';
import { type ExactHit, type ExactWorker, compareHits, cosine, createExactWorker, exactInline } from './exact.js';
import type { WasmMemory } from './kernels.js';
import { type IndexLayout, type IndexViews, viewsOf } from './layout.js';
import { encode } from './quantise.js';
import { type OwnerMetadata, lookupMetadata } from './metadata.js';
import { type VectorSource, readVector } from './reader.js';
import { type SearchPool, createSearchPool } from './search-pool.js';
import { type Statement, type VectorScope, ownersBySeq, rowsAfter, rowsOfSeqs, storedDimensions } from './sql.js';
import type { OwnerHit, OwnerKind, VectorIndexInfo, VectorPath, VectorSearchOptions, VectorSearchResult } from './types.js';
import { type CheckedFilter, checkEmbedderId, checkFilter, checkKind, checkLimit, checkProbes, checkQuery, filterFor, isEmptyFilter } from './validate.js';
import { startWorker } from '../../core/workers.js';

export type * from './types.js';
export type { VectorSource } from './reader.js';
export { vectorLimits } from './validate.js';

/** Options of {@link createVectorIndex}; the server takes them from the configuration (`vector*` settings). */
export interface VectorIndexOptions {
  store: Store;
  /** Where the workers read the store; null (an in-memory SQLite store) keeps every search exact and inline. */
  source: VectorSource | null;
  /** False: no in-memory indexes, every search is exact in the store. @default true */
  indexes?: boolean;
  /** Scopes with fewer vectors are held flat (exact scan); more get an IVF index. @default 20000 */
  exactBelow?: number;
  /** IVF lists scanned per query. @default 128 */
  probes?: number;
  /** IVF candidates rescored with their float32 vectors from the store. @default 100 */
  rescore?: number;
  /** A filter leaving at most this many vectors is answered by exact search over them. @default 5000 */
  filterExactBelow?: number;
  /** Bytes all in-memory indexes may take together; the least recently used are dropped to make room. @default 2147483648 */
  maxBytes?: number;
  /** Search worker threads. @default min(2, available cores) */
  threads?: number;
  /** IVF lists; 0 chooses √vectors. @default 0 */
  lists?: number;
  /** An index unused this long is dropped, in ms. @default 900000 */
  idleMs?: number;
  /** Vector·dimension products a query scans above which the scan is split over every search worker (tests lower it). @default 4000000 */
  splitAbove?: number;
}

/** Nearest-neighbour search over stored vectors. */
export interface VectorIndex {
  /**
   * The `limit` stored vectors of `kind` closest to `query` by cosine similarity, among those embedded by
   * `embedderId` (vectors of other embedders are never compared), passing `filter`. Throws a 400 TrellisError for
   * bad input (a query of another dimension than the stored vectors, NaN, a zero vector, limit outside 1…10,000,
   * an unknown kind, a malformed filter).
   */
  search<K extends OwnerKind>(tenantId: string, embedderId: string, query: Float32Array, options: VectorSearchOptions<K>): Promise<VectorSearchResult<K>>;
  /** Builds the scope's in-memory index if needed and waits until it is current; null when there is none (no vectors, too large, no source). */
  ready(tenantId: string, embedderId: string, kind: OwnerKind): Promise<VectorIndexInfo | null>;
  /**
   * Builds, one after another, the passage, entity and memory indexes of every tenant with vectors of `embedderId`, so the
   * first searches after a start do not wait for them (the server calls it at start). Stops once the indexes held
   * take {@link VectorIndexOptions.maxBytes} × 0.8 or the index is closed; returns what it built.
   */
  warm(embedderId: string): Promise<VectorIndexInfo[]>;
  /** The indexes held, their bytes, and how many searches each path answered. */
  stats(): { indexes: VectorIndexInfo[]; bytes: number; searches: Record<VectorPath, number> };
  close(): Promise<void>;
}

/**
 * The index's options from the configuration (`vector*` settings).
 * @example
 * const vectors = createVectorIndex({ store, source, ...vectorIndexSettings(config) });
 */
export function vectorIndexSettings(config: TrellisConfig): Omit<VectorIndexOptions, 'store' | 'source'> {
  return {
    indexes: config.vectorIndex === 'on',
    exactBelow: config.vectorExactBelow,
    probes: config.vectorProbes,
    rescore: config.vectorRescore,
    filterExactBelow: config.vectorFilterExactBelow,
    maxBytes: config.vectorIndexMaxBytes,
    ...(config.vectorSearchThreads > 0 ? { threads: config.vectorSearchThreads } : {}),
  };
}

/** An index in service: its shared memory and what the event loop tracks about it. */
interface LiveIndex {
  id: number;
  memory: WasmMemory;
  layout: IndexLayout;
  views: IndexViews;
  version: number;
  maxSeq: number;
  /** Slots filled; slots from `built` on were appended after the build. */
  count: number;
  built: number;
  deleted: number;
  table: ReturnType<typeof metadataTable>;
  /** The build's seqs, ascending, and seqs appended since: what the index holds (PostgreSQL's late-commit check). */
  builtSeqs: Float64Array;
  appendedSeqs: Set<number>;
  /** No room left for appends: the index cannot be brought up to date until a rebuild replaces it. */
  full: boolean;
  /** Searches using the index now; a replaced or dropped index leaves the workers only once none is left. */
  users: number;
  retired: boolean;
  buildMilliseconds: number;
}

interface ScopeState {
  scope: VectorScope;
  index: LiveIndex | null;
  building: Promise<void> | null;
  catchingUp: Promise<void> | null;
  lastUsed: number;
  /** No build before this time (too large, or a build failed). */
  retryAfter: number;
}

const retryMs = 60_000;
/** Rows read per catch-up statement: small enough that one page costs the event loop well under a millisecond. */
const catchUpPage = 256;
/** PostgreSQL assigns seqs at insert, not at commit: a catch-up rechecks this many seqs below the newest it has seen. */
const lateCommitWindow = 65_536;
/** Rescoring reads candidates in statements of at most this many seqs. */
const seqBatch = 500;

function runBuild(request: BuildRequest, workers: Set<Worker>): Promise<BuildResult & { milliseconds: number }> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(import.meta.url, 'build-worker', request);
    workers.add(worker);
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
      if (!settled) reject(new Error(`Vector index build worker exited with code ${code}`));
    });
  });
}

function hasSeq(index: LiveIndex, seq: number): boolean {
  if (index.appendedSeqs.has(seq)) return true;
  const seqs = index.builtSeqs;
  let low = 0;
  let high = seqs.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const value = seqs[middle] as number;
    if (value === seq) return true;
    if (value < seq) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/**
 * Creates the vector index over a store.
 * @example
 * const vectors = createVectorIndex({ store, source: { dialect: 'sqlite', file: store.location } });
 * const { hits, path } = await vectors.search(tenantId, embedder.id, queryVector, { kind: 'passage', limit: 10 });
 */
export function createVectorIndex(options: VectorIndexOptions): VectorIndex {
  const { store, source } = options;
  const exactBelow = options.exactBelow ?? 20_000;
  const probes = options.probes ?? 128;
  const indexes = options.indexes ?? true;
  const rescore = options.rescore ?? 100;
  const filterExactBelow = options.filterExactBelow ?? 5000;
  const maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
  const threads = Math.max(1, options.threads ?? Math.min(2, os.availableParallelism()));
  const lists = options.lists ?? 0;
  const idleMs = options.idleMs ?? 15 * 60_000;
  // Below this many vector·dimension products one worker scans alone: splitting costs more than it saves.
  const splitAbove = options.splitAbove ?? 4_000_000;
  const buildWorkers = new Set<Worker>();
  const states = new Map<string, ScopeState>();
  const searches: Record<VectorPath, number> = { flat: 0, ivf: 0, exact: 0 };
  let pool: SearchPool | null = null;
  let exactWorker: ExactWorker | null = null;
  let nextIndexId = 1;
  let closed = false;

  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const [key, state] of states) {
        if (state.building || now - state.lastUsed <= idleMs) continue;
        drop(state);
        states.delete(key);
      }
    },
    Math.min(idleMs, 60_000),
  );
  sweeper.unref();

  /** Takes an index out of service; the workers release it once no search still scans it. */
  function retire(index: LiveIndex): void {
    index.retired = true;
    if (index.users === 0) pool?.drop(index.id);
  }

  function drop(state: ScopeState): void {
    if (state.index) retire(state.index);
    state.index = null;
  }

  function heldBytes(): number {
    let total = 0;
    for (const state of states.values()) total += state.index?.layout.bytes ?? 0;
    return total;
  }

  /** Drops the least recently used indexes (other than `keep`) until `bytes` more fit under the cap. */
  function makeRoom(bytes: number, keep: ScopeState): void {
    const others = [...states.values()].filter((state) => state !== keep && state.index).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const state of others) {
      if (heldBytes() + bytes <= maxBytes) return;
      drop(state);
    }
  }

  function stateOf(scope: VectorScope): ScopeState {
    const key = [scope.tenantId, scope.kind, scope.embedderId, scope.dimensions].join('\n');
    let state = states.get(key);
    if (!state) {
      state = { scope, index: null, building: null, catchingUp: null, lastUsed: Date.now(), retryAfter: 0 };
      states.set(key, state);
    }
    return state;
  }

  function install(state: ScopeState, built: BuiltIndex, milliseconds: number): void {
    const previous = state.index;
    const id = nextIndexId++;
    pool ??= createSearchPool(threads);
    pool.register(id, built.memory, built.layout);
    const views = viewsOf(built.memory, built.layout);
    state.index = {
      id,
      memory: built.memory,
      layout: built.layout,
      views,
      version: built.version,
      maxSeq: built.maxSeq,
      count: built.count,
      built: built.count,
      deleted: 0,
      table: metadataTable(built.metadata),
      builtSeqs: built.sortedSeqs,
      appendedSeqs: new Set(),
      full: false,
      users: 0,
      retired: false,
      buildMilliseconds: milliseconds,
    };
    if (previous) retire(previous);
  }

  function build(state: ScopeState): void {
    if (state.building || closed || !source || Date.now() < state.retryAfter) return;
    state.building = (async () => {
      try {
        const estimate = (state.index?.layout.bytes ?? 0) * 1.2;
        if (estimate > 0) makeRoom(estimate, state);
        const result = await runBuild(
          { source, scope: state.scope, exactBelow, workers: threads, maxBytes: maxBytes - (heldBytes() - (state.index?.layout.bytes ?? 0)), lists },
          buildWorkers,
        );
        if (closed) return;
        if ('tooLarge' in result) {
          state.retryAfter = Date.now() + retryMs;
          drop(state);
          return;
        }
        makeRoom(result.index.layout.bytes, state);
        install(state, result.index, result.milliseconds);
      } catch (error) {
        state.retryAfter = Date.now() + retryMs;
        const storeOpen = await store.ping().then(
          () => true,
          () => false,
        );
        if (!closed && storeOpen) process.emitWarning(`Vector index build failed for tenant ${state.scope.tenantId}: ${(error as Error).message}`);
      } finally {
        state.building = null;
      }
    })();
  }

  /** Appends one stored row to the index; false when there is no room. */
  function append(index: LiveIndex, seq: number, bytes: unknown, metadata: OwnerMetadata, scratch: Float32Array): boolean {
    if (index.count >= index.layout.capacity) return false;
    const { layout, views } = index;
    const slot = index.count;
    readVector(bytes, scratch);
    normalise(scratch, layout.dimensions);
    if (layout.shape === 'flat') views.floats.set(scratch, slot * layout.padded);
    else encode(scratch, layout.dimensions, layout.padded, views.quantOffsets, views.quantSteps, views.codes, slot * layout.codeBytes);
    views.seqs[slot] = seq;
    views.meta[slot] = index.table.of(metadata.name, metadata.time);
    views.dead[slot] = 0;
    index.appendedSeqs.add(seq);
    index.count = slot + 1;
    if (seq > index.maxSeq) index.maxSeq = seq;
    return true;
  }

  /** Reads what was committed since the index's version and appends it; marks the index full when it does not fit. */
  async function catchUp(state: ScopeState, index: LiveIndex, version: number): Promise<void> {
    const { scope } = state;
    const scratch = new Float32Array(index.layout.padded);
    const read = (statement: Statement) =>
      store
        .read({ tenantId: scope.tenantId }, (tx) => tx.all<Record<string, unknown>>(statement.sql, statement.params))
        .then((rows) => rows.map((row) => Object.values(row)));
    /** Appends rows [seq, owner_id, vector] with their owners' metadata; false when the index is full. */
    const add = async (rows: unknown[][]) => {
      const metadataOf = await lookupMetadata(
        read,
        store.dialect,
        scope.kind,
        scope.tenantId,
        rows.map((row) => String(row[1])),
      );
      for (const [seq, owner, vector] of rows) {
        if (!append(index, Number(seq), vector, metadataOf(String(owner)), scratch)) {
          index.full = true;
          return false;
        }
      }
      return true;
    };
    if (store.dialect === 'postgres' && index.maxSeq > 0) {
      // A transaction that took its seqs before a later one committed becomes visible after the index moved past
      // them: look for stored seqs in the window below the newest that the index does not hold.
      const low = Math.max(0, index.maxSeq - lateCommitWindow);
      const present = await store.read({ tenantId: scope.tenantId }, (tx) =>
        tx.all<{ seq: unknown }>(
          'SELECT seq FROM embeddings WHERE tenant_id = ? AND embedder = ? AND owner_kind = ? AND dimensions = ? AND seq > ? AND seq <= ?',
          [scope.tenantId, scope.embedderId, scope.kind, scope.dimensions, low, index.maxSeq],
        ),
      );
      const missing = present.map((row) => Number(row.seq)).filter((seq) => !hasSeq(index, seq));
      for (let from = 0; from < missing.length; from += seqBatch) {
        if (!(await add(await read(rowsOfSeqs('postgres', scope, missing.slice(from, from + seqBatch)))))) return;
      }
    }
    for (;;) {
      const rows = await read(rowsAfter(store.dialect, scope, index.maxSeq, catchUpPage));
      if (!(await add(rows))) return;
      if (rows.length < catchUpPage) break;
    }
    if (version > index.version) index.version = version;
  }

  /** Whether the index should be rebuilt in the background (its tail half full, or many tombstones). */
  function wornOut(index: LiveIndex): boolean {
    return index.count - index.built > (index.layout.capacity - index.built) / 2 || index.deleted > index.count / 5;
  }

  /** The scope's index brought up to the store's current version, or null (not built yet, full, or off). */
  async function current(state: ScopeState): Promise<LiveIndex | null> {
    if (!source || closed) return null;
    state.lastUsed = Date.now();
    const version = await store.version(state.scope.tenantId);
    for (let attempt = 0; attempt < 3; attempt++) {
      const index = state.index;
      if (!index) {
        build(state);
        return null;
      }
      if (index.full) {
        build(state);
        return null;
      }
      if (index.version >= version) {
        if (wornOut(index)) build(state);
        return index;
      }
      if (!state.catchingUp) {
        state.catchingUp = catchUp(state, index, version).finally(() => {
          state.catchingUp = null;
        });
      }
      await state.catchingUp;
    }
    return null;
  }

  /** Exact search in the store: in the exact worker, or inline when there is no source. */
  async function exactSearch(scope: VectorScope, filter: CheckedFilter, query: Float32Array, limit: number): Promise<ExactHit[]> {
    const request = { scope, filter: { types: filter.types, sourceIds: filter.sourceIds, since: filter.since, until: filter.until }, query, limit };
    if (!source) return store.read({ tenantId: scope.tenantId }, (tx) => exactInline(tx, request));
    exactWorker ??= createExactWorker(source);
    return exactWorker.search(request);
  }

  /** Allowed metadata numbers for a filter the index can apply itself, with the number of vectors they cover. */
  function allowedFor(index: LiveIndex, kind: OwnerKind, filter: CheckedFilter): { allowed: Uint8Array; vectors: number } {
    const { names, times, counts } = index.table.metadata;
    const allowed = new Uint8Array(Math.max(1, names.length));
    const wanted = kind === 'entity' || kind === 'memory' ? new Set(filter.types) : filter.sourceIds ? new Set(filter.sourceIds) : null;
    let vectors = 0;
    for (let number = 0; number < names.length; number++) {
      const name = names[number] as string;
      if (name === '') continue;
      if (wanted && !wanted.has(name)) continue;
      const time = times[number] as number;
      if (filter.sinceMs !== undefined && !(time >= filter.sinceMs)) continue;
      if (filter.untilMs !== undefined && !(time <= filter.untilMs)) continue;
      allowed[number] = 1;
      vectors += counts[number] as number;
    }
    return { allowed, vectors };
  }

  /** Reads the candidates' owners (and vectors, to rescore) and tombstones those no longer stored. */
  async function resolve(
    index: LiveIndex,
    scope: VectorScope,
    slots: Float64Array,
    scores: Float64Array,
    query: Float32Array,
  ): Promise<{ hits: ExactHit[]; gone: number }> {
    const ivf = index.layout.shape === 'ivf';
    const slotOf = new Map<number, number>();
    const scoreOf = new Map<number, number>();
    for (let at = 0; at < slots.length; at++) {
      const slot = slots[at] as number;
      const seq = index.views.seqs[slot] as number;
      slotOf.set(seq, slot);
      scoreOf.set(seq, scores[at] as number);
    }
    const seqs = [...slotOf.keys()];
    const hits: ExactHit[] = [];
    const vector = new Float32Array(scope.dimensions);
    for (let from = 0; from < seqs.length; from += seqBatch) {
      const statement = ownersBySeq(store.dialect, scope, seqs.slice(from, from + seqBatch), ivf);
      const rows = await store.read({ tenantId: scope.tenantId }, (tx) =>
        tx.all<{ seq: unknown; owner_id: unknown; vector?: unknown }>(statement.sql, statement.params),
      );
      for (const row of rows) {
        const seq = Number(row.seq);
        if (!slotOf.has(seq)) continue;
        let score = scoreOf.get(seq) as number;
        if (ivf) {
          readVector(row.vector, vector);
          score = cosine(query, vector, scope.dimensions);
        }
        hits.push({ seq, id: String(row.owner_id), score });
        slotOf.delete(seq);
      }
    }
    // What is left was deleted (or re-embedded under a new seq) since the index read it.
    for (const slot of slotOf.values()) {
      if (index.views.dead[slot] === 0) {
        index.views.dead[slot] = 1;
        index.deleted++;
        const number = index.views.meta[slot] as number;
        index.table.metadata.counts[number] = Math.max(0, (index.table.metadata.counts[number] as number) - 1);
      }
    }
    return { hits, gone: slotOf.size };
  }

  function result<K extends OwnerKind>(
    kind: K,
    hits: ExactHit[],
    path: VectorPath,
    scanned: number,
    reason?: VectorSearchResult['reason'],
  ): VectorSearchResult<K> {
    searches[path]++;
    const owned: OwnerHit<K>[] = hits.map((hit) => ({ kind, id: hit.id, score: hit.score }));
    return reason ? { hits: owned, path, reason, scanned } : { hits: owned, path, scanned };
  }

  /** The dimension of the scope's stored vectors (null: none stored), remembered until the tenant's version moves. */
  const dimensionsSeen = new Map<string, { version: number; dimensions: number | null }>();
  async function dimensionsOf(tenantId: string, embedderId: string, kind: OwnerKind): Promise<number | null> {
    const key = [tenantId, kind, embedderId].join('\n');
    const version = await store.version(tenantId);
    const seen = dimensionsSeen.get(key);
    if (seen && seen.version === version) return seen.dimensions;
    const statement = storedDimensions({ tenantId, embedderId, kind });
    const row = await store.read({ tenantId }, (tx) => tx.get<{ dimensions: unknown }>(statement.sql, statement.params));
    const dimensions = row ? Number(row.dimensions) : null;
    if (dimensionsSeen.size > 10_000) dimensionsSeen.clear();
    dimensionsSeen.set(key, { version, dimensions });
    return dimensions;
  }

  /** A search on an in-memory index: the workers' scan, then the candidates read (and rescored) from the store. */
  async function searchIndex<K extends OwnerKind>(
    index: LiveIndex,
    scope: VectorScope,
    query: Float32Array,
    kind: K,
    limit: number,
    filter: CheckedFilter,
    probesAsked: number | undefined,
    exact: (reason: NonNullable<VectorSearchResult['reason']>) => Promise<VectorSearchResult<K>>,
  ): Promise<VectorSearchResult<K>> {
    let allowed: Uint8Array | null = null;
    if (!isEmptyFilter(filter)) {
      const selection = allowedFor(index, kind, filter);
      if (selection.vectors === 0) return result(kind, [], index.layout.shape, 0);
      if (index.layout.shape === 'ivf' && selection.vectors <= filterExactBelow) return exact('filter');
      allowed = selection.allowed;
    }
    const ivf = index.layout.shape === 'ivf';
    const live = index.count - index.deleted;
    const keep = Math.min(Math.max(live, 1), ivf ? Math.max(rescore, limit) : limit + 16);
    const averageList = ivf ? index.built / index.layout.lists : 0;
    // A large limit needs more lists than the default probes hold: scan enough for eight candidates per hit. A filter
    // scores only its matches, so a filtered search can afford twice the lists, which keeps its recall where an
    // unfiltered search has it (the nearest matches are rarely all in the nearest lists).
    const wanted = (probesAsked ?? probes) * (allowed ? 2 : 1);
    const listsToScan = ivf ? Math.min(index.layout.lists, Math.max(wanted, Math.ceil((limit * 8) / Math.max(1, averageList)))) : 0;
    const work = (ivf ? listsToScan * averageList + (index.count - index.built) : index.count) * index.layout.padded;
    const parts = work >= splitAbove ? threads : 1;
    let scanned = 0;
    const timings = { scan: 0, store: 0 };
    for (let attempt = 0; ; attempt++) {
      const scanStarted = performance.now();
      const found = await (pool as SearchPool).scan(
        index.id,
        {
          query,
          count: index.count,
          built: index.built,
          keep,
          probes: listsToScan,
          allowed,
          anyDead: index.deleted > 0,
          minimumScanned: Math.ceil(Math.max(keep * 10, (listsToScan * averageList) / 10) / parts),
        },
        parts,
      );
      scanned += found.scanned;
      const storeStarted = performance.now();
      timings.scan += storeStarted - scanStarted;
      const { hits, gone } = await resolve(index, scope, found.slots, found.scores, query);
      timings.store += performance.now() - storeStarted;
      // Candidates found deleted are tombstoned now; search again if too few were left to fill the limit.
      if (gone > 0 && hits.length < Math.min(limit, live - gone) && attempt < 3) continue;
      return { ...result(kind, hits.sort(compareHits).slice(0, limit), index.layout.shape, scanned), timings };
    }
  }

  return {
    async search(tenantId, embedderId, rawQuery, searchOptions) {
      if (closed) throw new TrellisError('store_unavailable', 'The vector index is closed');
      checkEmbedderId(embedderId);
      if (typeof searchOptions !== 'object' || searchOptions === null) throw new TrellisError('bad_request', 'Search options { kind, limit } are required');
      const kind = checkKind(searchOptions.kind) as typeof searchOptions.kind;
      const limit = checkLimit(searchOptions.limit);
      const query = checkQuery(rawQuery);
      if (searchOptions.probes !== undefined) checkProbes(searchOptions.probes);
      const filter = filterFor(kind, checkFilter(searchOptions.filter));
      if (filter.sourceIds?.length === 0 || filter.types?.length === 0) return result(kind, [], 'exact', 0, 'filter');
      if (filter.sinceMs !== undefined && filter.untilMs !== undefined && filter.sinceMs > filter.untilMs) return result(kind, [], 'exact', 0, 'filter');

      const dimensions = await dimensionsOf(tenantId, embedderId, kind);
      if (dimensions === null) return result(kind, [], 'exact', 0, 'no-index');
      if (dimensions !== query.length)
        throw new TrellisError(
          'bad_request',
          `The query vector has ${query.length} dimensions; the ${kind} vectors of embedder ${JSON.stringify(embedderId)} have ${dimensions}`,
          {
            expected: dimensions,
            received: query.length,
          },
        );
      const scope: VectorScope = { tenantId, embedderId, kind, dimensions };
      const exact = async (reason: NonNullable<VectorSearchResult['reason']>) =>
        result(kind, await exactSearch(scope, filter, query, limit), 'exact', 0, reason);

      if (searchOptions.exact === true) return exact('asked');
      if (!source || !indexes) return exact('no-index');
      // Filters the index does not hold (an entity's evidence and update time, a row's source, a memory's ID and
      // creation time) are applied in SQL; the index holds an entity's type and a memory's kind.
      const indexable =
        kind === 'passage' ||
        ((kind === 'entity' || kind === 'memory') && filter.sourceIds === undefined && filter.since === undefined && filter.until === undefined) ||
        isEmptyFilter(filter);
      if (!indexable) return exact('filter');
      const state = stateOf(scope);
      const index = await current(state);
      if (!index) return exact('building');
      index.users++;
      try {
        return await searchIndex(index, scope, query, kind, limit, filter, searchOptions.probes, exact);
      } finally {
        index.users--;
        if (index.retired && index.users === 0) pool?.drop(index.id);
      }
    },

    async ready(tenantId, embedderId, kind) {
      const dimensions = await dimensionsOf(tenantId, checkEmbedderId(embedderId), checkKind(kind));
      if (dimensions === null || !source || !indexes) return null;
      const state = stateOf({ tenantId, embedderId, kind, dimensions });
      for (;;) {
        const index = await current(state);
        if (index) return infoOf(state, index);
        if (!state.building) return null;
        await state.building;
      }
    },

    async warm(embedderId) {
      const built: VectorIndexInfo[] = [];
      if (!source || !indexes) return built;
      const tenants = await store.read('system', (tx) => tx.all<{ id: string }>('SELECT id FROM tenants ORDER BY created_at, id'));
      for (const { id } of tenants) {
        for (const kind of ['passage', 'entity', 'memory'] as const) {
          if (closed || heldBytes() > maxBytes * 0.8) return built;
          const info = await this.ready(id, embedderId, kind);
          if (info) built.push(info);
        }
      }
      return built;
    },

    stats() {
      const indexes: VectorIndexInfo[] = [];
      for (const state of states.values()) if (state.index) indexes.push(infoOf(state, state.index));
      return { indexes, bytes: heldBytes(), searches: { ...searches } };
    },

    async close() {
      closed = true;
      clearInterval(sweeper);
      await Promise.all([...buildWorkers].map((worker) => worker.terminate()));
      await Promise.all([...states.values()].map((state) => state.building?.catch(() => undefined)));
      states.clear();
      await pool?.close();
      await exactWorker?.close();
    },
  };
}

function infoOf(state: ScopeState, index: LiveIndex): VectorIndexInfo {
  return {
    tenantId: state.scope.tenantId,
    embedderId: state.scope.embedderId,
    kind: state.scope.kind,
    shape: index.layout.shape,
    dimensions: index.layout.dimensions,
    vectors: index.count - index.deleted,
    appended: index.count - index.built,
    deleted: index.deleted,
    lists: index.layout.lists,
    bytes: index.layout.bytes,
    version: index.version,
    buildMilliseconds: Math.round(index.buildMilliseconds),
  };
}
