/** @module The vector index's own types: owner kinds, search options and results, and what an index reports. */
import type { SearchFilter, VectorHit } from '../types.js';

/** What a stored vector belongs to: a passage (chunk), an entity, a dataset row, or a memory. */
export type OwnerKind = 'passage' | 'entity' | 'row' | 'memory';

export const ownerKinds: readonly OwnerKind[] = ['passage', 'entity', 'row', 'memory'];

/** Which path answered a search. */
export type VectorPath =
  /** The in-memory index scanned every vector (below `vectorExactBelow`): exact. */
  | 'flat'
  /** The in-memory IVF index: approximate, 4-bit scan of the probed lists, rescored in float32 from the store. */
  | 'ivf'
  /** Exact search in the store (sqlite-vec; PostgreSQL scored in a worker): asked for, or while the index builds, or for a selective filter. */
  | 'exact';

/** Options of one search. */
export interface VectorSearchOptions<K extends OwnerKind = OwnerKind> {
  kind: K;
  /** How many hits, 1 to 10,000. */
  limit: number;
  filter?: SearchFilter;
  /** Skip the in-memory index and search the store exhaustively (the reference answer). @default false */
  exact?: boolean;
  /** IVF lists to scan for this search, 1 to 65,535 (tuning and benchmarks). @default the index's `probes` */
  probes?: number;
}

/** A hit of any owner kind: passages, entities and memories are {@link VectorHit}s; rows have kind `row` and ID `<datasetId>:<rowKey>`. */
export interface OwnerHit<K extends OwnerKind = OwnerKind> extends Omit<VectorHit, 'kind'> {
  kind: K;
}

/** The hits, best first (cosine similarity; ties by owner ID), and how they were found. */
export interface VectorSearchResult<K extends OwnerKind = OwnerKind> {
  hits: OwnerHit<K>[];
  path: VectorPath;
  /** Why the exact path answered, when it did. */
  reason?: 'asked' | 'building' | 'filter' | 'no-index';
  /** Vectors whose score was computed (4-bit or float32), for benchmarks. */
  scanned: number;
  /** Index paths: milliseconds waiting for the workers' scan, and reading (and rescoring) the candidates from the store. */
  timings?: { scan: number; store: number };
}

/** What one in-memory index holds, for benchmarks and operations. */
export interface VectorIndexInfo {
  tenantId: string;
  embedderId: string;
  kind: OwnerKind;
  shape: 'flat' | 'ivf';
  dimensions: number;
  /** Live vectors (stored minus those found deleted). */
  vectors: number;
  /** Vectors appended since the build (scanned whole on every search). */
  appended: number;
  /** Vectors found deleted and skipped. */
  deleted: number;
  lists: number;
  /** The shared memory the index occupies. */
  bytes: number;
  version: number;
  buildMilliseconds: number;
}
