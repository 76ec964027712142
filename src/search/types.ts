/**
 * @module The contracts between the search service (`src/search/index.ts`, hybrid fusion) and its signals: full-text
 * (`src/search/text/`), embeddings (`src/search/embed/`) and the vector index (`src/search/vector/`).
 */

/** What a search can return: passages and entities (the default of GET /search), and memories (`kinds=memory`). */
export type HitKind = 'passage' | 'entity' | 'memory';

/** The kinds kept in the graph's own tables and full-text indexes (memories have their own, see text/memories.ts). */
export type GraphHitKind = Exclude<HitKind, 'memory'>;

/** Filters every signal applies before ranking (never after: a filtered-out row must not take a result slot). */
export interface SearchFilter {
  /** Entity types (entity hits only); passages are not filtered by type. */
  types?: readonly string[];
  /** Passages of these sources only; entities with evidence in these sources only; memories that are these sources (a memory is its own source). */
  sourceIds?: readonly string[];
  /** ISO-8601 bounds on the source's `created_at` (passages), the entity's `updated_at` (entities) or the memory's `created_at` (memories), inclusive. */
  since?: string;
  until?: string;
}

/** A character range `[start, end)` in a snippet, where a query term matched. */
export type Highlight = readonly [start: number, end: number];

/**
 * One full-text match. `score` is higher-is-better: negated bm25 on SQLite (0 for rows the planner adds unscored from the
 * newest matches of common words), idf-weighted ts_rank_cd on PostgreSQL; see docs/search.md.
 */
export interface TextHit {
  kind: HitKind;
  /** Chunk ID for passages, entity ID for entities, memory ID for memories. */
  id: string;
  score: number;
  /** A short window of the matched text (passages: around the best match; entities: the name or alias that matched). */
  snippet: string;
  highlights: Highlight[];
}

/** One nearest neighbour. `score` is cosine similarity in [-1, 1], higher is better. */
export interface VectorHit {
  kind: HitKind;
  id: string;
  score: number;
}

/** Options of {@link Embedder.embed}. */
export interface EmbedOptions {
  signal?: AbortSignal;
}

/** Turns texts into unit-length vectors of a fixed dimension. */
export interface Embedder {
  /** Stable name that changes whenever vectors from it would differ (provider, model, dimension, version). */
  readonly id: string;
  readonly dimensions: number;
  /**
   * One vector per text, in order, each of length `dimensions` and L2 norm 1 (or all zeros for an empty text).
   * `options.signal` stops waiting (remote providers abort requests and retry sleeps); local ones may ignore it.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
  close?(): Promise<void>;
}
