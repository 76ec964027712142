/**
 * @module Recall: the memories that answer a question, ranked by relevance (full-text, vector and graph signals fused
 * with reciprocal rank fusion), then by recency and importance, each with why it ranked and what it cites.
 */
import { TrellisError } from '../core/errors.js';
import { isId } from '../core/ids.js';
import { rrfK } from '../search/fusion.js';
import type { CheckedMemoryFilter, MemoryTextHit, TextSearch } from '../search/text/index.js';
import { checkMemoryTextOptions } from '../search/text/index.js';
import type { Signal, SignalRank } from '../search/fusion.js';
import type { Store, Tx } from '../store/index.js';
import type { Importance, MemoryKind } from './kinds.js';
import { recallQuery } from './recall-query.js';
import { startedFirst } from './recall-vectors.js';
import { type Memory, findMemories } from './rows.js';

/** Limits of a recall request, shared by the route schema and the service. */
export const recallLimits = { maxQueryLength: 1000, maxLimit: 100, defaultLimit: 10 } as const;

/** Half-life of the recency factor, in days of a memory's `updated_at` age. */
export const recencyHalfLifeDays = 30;

/** The importance factor of each level. */
export const importanceFactors: Record<Importance, number> = { critical: 1.5, high: 1.2, normal: 1, low: 0.8, ephemeral: 0.6 };

/** Candidates asked of each signal (at least; more for a larger limit), so fusion sees items outside every single top-k. */
const candidatesPerSignal = 30;
/** Entities matching the query whose citing memories the graph signal ranks. */
const graphSeeds = 5;
/** Evidence rows read per seed entity. */
const evidencePerSeed = 50;
/** Evidence rows read for a request's `entityId`: the memories it cites are all the candidates. */
const entityEvidenceLimit = 2000;

/** A recall request (POST /recall). */
export interface RecallRequest {
  query: string;
  kinds?: MemoryKind[];
  /** 1 to 100. @default 10 */
  limit?: number;
  /** Memories carrying every one of these tags. */
  tags?: string[];
  sessionId?: string;
  /** ISO-8601 bounds on a memory's creation time, inclusive. */
  since?: string;
  until?: string;
  /** Archived memories too (status `archived`, or `archived_at` set). @default false */
  includeArchived?: boolean;
  /** Only memories that evidence of this entity cites (the entity side of recall); the query ranks them. */
  entityId?: string;
}

/** Where a recall result's text comes from: the memory's own source, or a span of it an entity's evidence cites. */
export interface RecallCitation {
  sourceId: string;
  uri: string;
  title: string | null;
  /** Character span in the memory's search text. */
  start: number | null;
  end: number | null;
  snippet: string | null;
  /** For evidence: the entity that cites this span. */
  entityId?: string;
}

/** Why a result ranked: each signal's rank and score, and the two factors its fused score was multiplied by. */
export interface RecallWhy {
  text?: SignalRank;
  vector?: SignalRank;
  graph?: SignalRank;
  /** 0.5 + 0.5 × 2^(−age / 30 days): 1 for a memory updated now, 0.75 at 30 days, towards 0.5 for old ones. */
  recency: number;
  /** critical 1.5, high 1.2, normal 1, low 0.8, ephemeral 0.6. */
  importance: number;
}

export interface RecallResult {
  memory: Memory;
  /** RRF score × recency × importance. */
  score: number;
  why: RecallWhy;
  citations: RecallCitation[];
}

export interface RecallResponse {
  query: string;
  results: RecallResult[];
  milliseconds: number;
}

/** The vector signal over memories, when memories are embedded (optional: recall works on text and graph alone). */
export interface MemoryVectorSignal {
  /** The nearest memories to a query text, best first (cosine similarity); empty when nothing is embedded. */
  search(tenantId: string, query: string, options: { limit: number; filter: CheckedMemoryFilter }): Promise<{ id: string; score: number }[]>;
}

/** What recall needs. */
export interface RecallOptions {
  store: Store;
  text: TextSearch;
  vectors?: MemoryVectorSignal;
  /** The clock (tests). @default Date.now */
  now?: () => number;
}

export interface RecallService {
  recall(tenantId: string, request: RecallRequest): Promise<RecallResponse>;
}

function bad(message: string, parameter: string): TrellisError {
  return new TrellisError('bad_request', message, { parameter });
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}

/** Checks a recall request (the route's schema checks it first; the service is also called in-process). */
export function checkRecallRequest(request: RecallRequest): { query: string; limit: number; filter: CheckedMemoryFilter; entityId?: string } {
  if (request === null || typeof request !== 'object') throw bad('The request must be an object', 'body');
  const { query } = request;
  if (typeof query !== 'string' || query.trim() === '') throw bad('query must be non-empty text', 'query');
  if (query.length > recallLimits.maxQueryLength) throw bad(`query is longer than ${recallLimits.maxQueryLength} characters`, 'query');
  const limit = request.limit ?? recallLimits.defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > recallLimits.maxLimit) throw bad(`limit must be an integer from 1 to ${recallLimits.maxLimit}`, 'limit');
  const { filter } = checkMemoryTextOptions({
    limit: 1,
    filter: {
      ...(request.kinds === undefined ? {} : { kinds: request.kinds }),
      ...(request.tags === undefined ? {} : { tags: request.tags }),
      ...(request.sessionId === undefined ? {} : { sessionId: request.sessionId }),
      ...(request.since === undefined ? {} : { since: request.since }),
      ...(request.until === undefined ? {} : { until: request.until }),
      ...(request.includeArchived === undefined ? {} : { includeArchived: request.includeArchived }),
    },
  });
  if (request.entityId !== undefined && !isId(request.entityId)) throw bad('entityId must be an entity ID (a UUID)', 'entityId');
  return { query, limit, filter, ...(request.entityId === undefined ? {} : { entityId: request.entityId.toLowerCase() }) };
}

/** The recency factor of a memory updated at `updatedAt` (ISO), at time `now` (ms). */
export function recencyFactor(updatedAt: string, now: number): number {
  const ageDays = Math.max(0, now - Date.parse(updatedAt)) / 86_400_000;
  return 0.5 + 0.5 * 2 ** (-ageDays / recencyHalfLifeDays);
}

/** Whether a memory passes a checked filter (for memories the graph signal reaches, which no SQL filtered). */
export function memoryMatches(memory: Memory, filter: CheckedMemoryFilter): boolean {
  if (filter.kinds && !filter.kinds.includes(memory.kind)) return false;
  if (filter.tags && !filter.tags.every((tag) => memory.tags.includes(tag))) return false;
  if (filter.sessionId !== undefined && memory.sessionId !== filter.sessionId) return false;
  const created = new Date(memory.createdAt).toISOString();
  if (filter.since !== undefined && created < filter.since) return false;
  if (filter.until !== undefined && created > filter.until) return false;
  if (filter.includeArchived !== true && (memory.archivedAt !== null || memory.status === 'archived')) return false;
  return true;
}

interface GraphCitation {
  memoryId: string;
  entityId: string;
  start: number | null;
  end: number | null;
  quote: string | null;
}

/** Evidence of the seed entities whose source is a memory of the tenant, seeds in order. */
async function evidenceInMemories(tx: Tx, tenantId: string, seeds: readonly string[], perSeed = evidencePerSeed): Promise<GraphCitation[]> {
  const out: GraphCitation[] = [];
  for (const seed of seeds) {
    const rows = await tx.all<{ source_id: string; start_offset: number | null; end_offset: number | null; quote: string | null }>(
      `SELECT v.source_id, v.start_offset, v.end_offset, v.quote FROM evidence v
       JOIN memories m ON m.tenant_id = v.tenant_id AND m.id = v.source_id
       WHERE v.tenant_id = ? AND v.subject_id = ? ORDER BY v.source_id LIMIT ?`,
      [tenantId, seed, perSeed],
    );
    for (const row of rows)
      out.push({
        memoryId: String(row.source_id),
        entityId: seed,
        start: row.start_offset === null ? null : Number(row.start_offset),
        end: row.end_offset === null ? null : Number(row.end_offset),
        quote: row.quote,
      });
  }
  return out;
}

/**
 * Creates the recall service. A result's score is Σ 1 / (60 + rank) over the signals that returned it (text: bm25 /
 * ts_rank_cd over the memory's search text; vector: cosine similarity of its embedding, when memories are embedded;
 * graph: memories cited as evidence by the entities whose names match the query, ranked by the entity's rank),
 * multiplied by the recency and importance factors.
 */
export function createRecallService({ store, text, vectors, now = Date.now }: RecallOptions): RecallService {
  return {
    async recall(tenantId, request) {
      const started = performance.now();
      const { query: queryText, limit, filter, entityId } = checkRecallRequest(request);
      const query = recallQuery(queryText);
      const candidates = Math.max(candidatesPerSignal, limit * 2);
      // The vector scan runs in worker threads while the full-text query holds this thread.
      const { pending } = await startedFirst(async () => (vectors ? vectors.search(tenantId, queryText, { limit: candidates, filter }) : []));
      const textHits: MemoryTextHit[] = query.terms.length === 0 ? [] : await text.memories(tenantId, query, { limit: candidates, filter });
      const vectorHits = await pending;
      // With an entity, it is the graph signal's one seed and every result must be a memory its evidence cites.
      const seeds = entityId
        ? [entityId]
        : query.terms.length === 0
          ? []
          : (await text.search(tenantId, query, { kinds: ['entity'], limit: graphSeeds })).map((hit) => hit.id);

      const lists: { signal: Signal; ids: string[]; scores: number[] }[] = [
        { signal: 'text', ids: textHits.map((hit) => hit.id), scores: textHits.map((hit) => hit.score) },
        { signal: 'vector', ids: vectorHits.map((hit) => hit.id), scores: vectorHits.map((hit) => hit.score) },
      ];
      return store.read({ tenantId }, async (tx) => {
        const evidence = await evidenceInMemories(tx, tenantId, seeds, entityId ? entityEvidenceLimit : evidencePerSeed);
        if (entityId) {
          const cited = new Set(evidence.map((item) => item.memoryId));
          for (const list of lists) {
            const kept = list.ids.flatMap((id, index) => (cited.has(id) ? [index] : []));
            [list.ids, list.scores] = [kept.map((index) => list.ids[index] as string), kept.map((index) => list.scores[index] as number)];
          }
        }
        // The graph signal's ranking: memories by the best rank of an entity citing them (seed order), then by how many cite them.
        const graphOrder = new Map<string, { seed: number; count: number }>();
        for (const item of evidence) {
          const seed = seeds.indexOf(item.entityId);
          const entry = graphOrder.get(item.memoryId);
          if (!entry) graphOrder.set(item.memoryId, { seed, count: 1 });
          else entry.count += 1;
        }
        const graphIds = [...graphOrder].sort(([a, x], [b, y]) => x.seed - y.seed || y.count - x.count || (a < b ? -1 : 1)).map(([id]) => id);

        const ids = new Set([...lists.flatMap((list) => list.ids), ...graphIds]);
        const memories = await findMemories(tx, tenantId, [...ids]);
        // Graph-reached memories were not filtered in SQL; a filtered-out memory takes no rank.
        const graphKept = graphIds.filter((id) => {
          const memory = memories.get(id);
          return memory !== undefined && memoryMatches(memory, filter);
        });
        lists.push({ signal: 'graph', ids: graphKept, scores: graphKept.map((id) => 1 / (1 + (graphOrder.get(id)?.seed ?? 0))) });

        const fused = new Map<string, { rrf: number; signals: Partial<Record<Signal, SignalRank>> }>();
        for (const list of lists) {
          list.ids.forEach((id, index) => {
            if (!memories.has(id)) return;
            const entry = fused.get(id) ?? { rrf: 0, signals: {} };
            if (entry.signals[list.signal]) return;
            entry.signals[list.signal] = { rank: index + 1, score: list.scores[index] as number };
            entry.rrf += 1 / (rrfK + index + 1);
            fused.set(id, entry);
          });
        }
        const at = now();
        const snippets = new Map(textHits.map((hit) => [hit.id, hit]));
        const results: RecallResult[] = [...fused].map(([id, entry]) => {
          const memory = memories.get(id) as Memory;
          const recency = Math.round(recencyFactor(memory.updatedAt, at) * 10_000) / 10_000;
          const importance = importanceFactors[memory.importance] ?? 1;
          const hit = snippets.get(id);
          const citations: RecallCitation[] = [
            { sourceId: id, uri: memory.sourceUri, title: memory.title, start: null, end: null, snippet: hit?.snippet ?? memory.body.slice(0, 240) },
          ];
          for (const item of evidence)
            if (item.memoryId === id)
              citations.push({
                sourceId: id,
                uri: memory.sourceUri,
                title: memory.title,
                start: item.start,
                end: item.end,
                snippet: item.quote,
                entityId: item.entityId,
              });
          return { memory, score: entry.rrf * recency * importance, why: { ...entry.signals, recency, importance }, citations };
        });
        results.sort((a, b) => b.score - a.score || (a.memory.id < b.memory.id ? -1 : 1));
        return { query: queryText, results: results.slice(0, limit), milliseconds: elapsed(started) };
      });
    },
  };
}
