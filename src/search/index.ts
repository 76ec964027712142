/**
 * @module Search's public door: one query, answered by full-text, vector and graph-neighbourhood signals fused with
 * reciprocal rank fusion, as passages, entities and (when asked for) memories with each signal's rank and score and
 * exact citations.
 */
import { TrellisError } from '../core/errors.js';
import type { Entity, Evidence, GraphService, Passage } from '../graph/index.js';
import { type FusedItem, type RankedItem, type Signal, type SignalRank, fuse } from './fusion.js';
import type { MemoryReader, MemorySummary } from './memory-hits.js';
import type { Highlight, HitKind, SearchFilter, TextHit, VectorHit } from './types.js';

export type * from './types.js';
export type { Signal, SignalRank } from './fusion.js';
export { type MemoryReader, type MemorySummary, createMemoryReader } from './memory-hits.js';

/** How a query is answered: one signal, or all of them fused. */
export type SearchMode = 'text' | 'vector' | 'hybrid';

/** The full-text signal (src/search/text). */
export interface TextSignal {
  /** Ranked hits of the asked kinds, best first within each kind; throws a 400-class TrellisError for a query it refuses. */
  search(tenantId: string, query: string, options: { kinds: readonly HitKind[]; limit: number; filter: SearchFilter }): Promise<TextHit[]>;
}

/** The vector signal: the current embedder and the vector index (src/search/embed, src/search/vector). */
export interface VectorSignal {
  /** The embedder whose vectors the index is searched with. */
  embedderId(): string;
  embedQuery(text: string): Promise<Float32Array>;
  search(tenantId: string, embedderId: string, vector: Float32Array, options: { kind: HitKind; limit: number; filter: SearchFilter }): Promise<VectorHit[]>;
}

/** A search request, validated by the caller's schema (the route or the CLI) and again here. */
export interface SearchRequest {
  query: string;
  mode: SearchMode;
  kinds: readonly HitKind[];
  limit: number;
  filter: SearchFilter;
}

/** Where a result comes from: a source, and where in it. */
export interface Citation {
  sourceId: string;
  uri: string;
  title: string | null;
  page: number | null;
  /** Character span in the source's text. */
  start: number | null;
  end: number | null;
  /** The cited passage (the span's text, or the start of the chunk). */
  snippet: string | null;
}

/** One result: a passage, an entity or a memory, its fused score, each signal's rank and score, and its citations. */
export interface SearchResult {
  kind: HitKind;
  id: string;
  score: number;
  signals: Partial<Record<Signal, SignalRank>>;
  /** Passages: a window of the text around the match; entities: the name or alias that matched (else the name). */
  snippet: string;
  highlights: Highlight[];
  entity?: { id: string; type: string; name: string; aliases: string[] };
  passage?: { id: string; sourceId: string; ordinal: number; page: number | null; start: number; end: number };
  /** Memories: its kind of memory, title and source URI (`memory://<id>`). */
  memory?: { id: string; kind: string; title: string | null; uri: string };
  /** Passages: the passage itself; entities: up to {@link citationsPerEntity} pieces of evidence; memories: the memory itself. */
  citations: Citation[];
}

/** What one signal did for a query. */
export interface SignalReport {
  /** False when the signal was not asked for (mode) or could not run (no embedder, nothing embedded yet). */
  used: boolean;
  hits: number;
  milliseconds: number;
  /** Why a signal asked for did not run. */
  note?: string;
}

export interface SearchResponse {
  query: string;
  mode: SearchMode;
  results: SearchResult[];
  signals: Record<Signal, SignalReport>;
  milliseconds: number;
}

export interface SearchService {
  search(tenantId: string, request: SearchRequest): Promise<SearchResponse>;
  /** Stops the threads searches run in, if any (see search-threads.ts). */
  close(): Promise<void>;
}

/** Limits of a request, shared by the route schema, the CLI and the service. */
export const searchLimits = { maxQueryLength: 1000, maxLimit: 100, defaultLimit: 10 } as const;

/** Evidence shown per entity result. */
export const citationsPerEntity = 3;

/** Each signal is asked for this many candidates per kind (at least), so fusion sees items outside every single top-k. */
const candidatesPerSignal = 30;
/** Entities from the text and vector signals whose neighbourhoods the graph signal explores. */
const graphSeeds = 5;
/** Neighbours read per seed, and evidence rows per seed read for passages that cite it. */
const neighboursPerSeed = 100;
const evidencePerSeed = 50;
const snippetLength = 240;

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}

function inTimeRange(iso: string, filter: SearchFilter): boolean {
  if (filter.since !== undefined && iso < filter.since) return false;
  if (filter.until !== undefined && iso > filter.until) return false;
  return true;
}

function passageMatches(passage: Passage, filter: SearchFilter): boolean {
  if (filter.sourceIds && !filter.sourceIds.includes(passage.sourceId)) return false;
  return inTimeRange(passage.source.createdAt, filter);
}

/** The start of a text cut at a word boundary: the snippet of a passage no text match located. */
function leadSnippet(text: string): string {
  if (text.length <= snippetLength) return text;
  const cut = text.lastIndexOf(' ', snippetLength);
  return `${text.slice(0, cut > snippetLength / 2 ? cut : snippetLength)}…`;
}

function citationOf(evidence: Evidence): Citation | null {
  if (evidence.sourceId === null || evidence.source === null) return null;
  return {
    sourceId: evidence.sourceId,
    uri: evidence.source.uri,
    title: evidence.source.title,
    page: evidence.source.page,
    start: evidence.start,
    end: evidence.end,
    snippet: evidence.quote,
  };
}

/** The filter as a kind's vector search takes it: entity types do not apply to passages or memories (the index reads `types` of memories as kinds of memory). */
function filterForKind(kind: HitKind, filter: SearchFilter): SearchFilter {
  if (kind === 'entity' || filter.types === undefined) return filter;
  const { types: _ignored, ...rest } = filter;
  return rest;
}

function checkRequest(request: SearchRequest): void {
  const query = request.query.trim();
  if (query.length === 0) throw new TrellisError('bad_request', 'The query is empty');
  if (request.query.length > searchLimits.maxQueryLength)
    throw new TrellisError('bad_request', `The query has ${request.query.length} characters; the limit is ${searchLimits.maxQueryLength}`);
  if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > searchLimits.maxLimit)
    throw new TrellisError('bad_request', `limit must be an integer from 1 to ${searchLimits.maxLimit}`);
  if (request.kinds.length === 0) throw new TrellisError('bad_request', 'Ask for at least one kind of result');
  const { since, until } = request.filter;
  for (const [name, value] of [
    ['since', since],
    ['until', until],
  ] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value))) throw new TrellisError('bad_request', `${name} is not an ISO-8601 time: ${value}`);
  }
}

/** Normalises the time bounds to the stored form (ISO-8601 UTC with milliseconds), so string comparison is time order. */
function normaliseFilter(filter: SearchFilter): SearchFilter {
  return {
    ...filter,
    ...(filter.since !== undefined ? { since: new Date(filter.since).toISOString() } : {}),
    ...(filter.until !== undefined ? { until: new Date(filter.until).toISOString() } : {}),
  };
}

/**
 * The search service. The vector signal is optional (no embedder configured, or none yet): hybrid search then fuses the
 * other two and says so in `signals.vector.note`.
 * @example
 * const search = createSearchService({ graph, text, vectors });
 * const { results } = await search.search(tenantId, { query: 'who founded acme', mode: 'hybrid', kinds: ['passage', 'entity'], limit: 10, filter: {} });
 */
export function createSearchService(parts: {
  graph: GraphService;
  text: TextSignal;
  vectors?: VectorSignal | null;
  /** Reads memories to show them (kind `memory`); without it, asking for memories is refused. */
  memories?: MemoryReader;
}): SearchService {
  const { graph, text, vectors, memories } = parts;

  async function runText(tenantId: string, request: SearchRequest, limit: number): Promise<TextHit[]> {
    return text.search(tenantId, request.query, { kinds: request.kinds, limit, filter: request.filter });
  }

  async function runVector(tenantId: string, request: SearchRequest, limit: number): Promise<VectorHit[]> {
    if (!vectors) return [];
    const vector = await vectors.embedQuery(request.query);
    // A query with no feature the embedder knows (only punctuation, say) has no direction: no vector hits, not an error.
    if (vector.every((value) => value === 0)) return [];
    const lists = await Promise.all(
      request.kinds.map((kind) => vectors.search(tenantId, vectors.embedderId(), vector, { kind, limit, filter: filterForKind(kind, request.filter) })),
    );
    const hits = lists.flat();
    // The index does not know which memories are archived: they are dropped here, before fusion, like any filter.
    const memoryIds = hits.filter((hit) => hit.kind === 'memory').map((hit) => hit.id);
    if (memoryIds.length === 0 || !memories) return hits;
    const found = await memories.memories(tenantId, memoryIds);
    return hits.filter((hit) => hit.kind !== 'memory' || found.get(hit.id)?.archived === false);
  }

  /**
   * The graph signal: the best entities of the other signals are seeds; entities next to several seeds, and passages
   * that cite several seeds, rank high. A seed weighs 1 / rank among the seeds.
   */
  async function runGraph(tenantId: string, request: SearchRequest, seeds: readonly string[]): Promise<RankedItem[]> {
    if (seeds.length === 0) return [];
    const weight = new Map(seeds.map((id, index) => [id, 1 / (index + 1)]));
    const wantEntities = request.kinds.includes('entity');
    const wantPassages = request.kinds.includes('passage');
    const [neighbourhoods, evidence] = await Promise.all([
      wantEntities
        ? Promise.all(
            seeds.map((id) =>
              graph
                .neighbours(tenantId, id, {
                  depth: 1,
                  direction: 'both',
                  limit: neighboursPerSeed,
                  ...(request.filter.types ? { entityTypes: [...request.filter.types] } : {}),
                })
                .catch((error: unknown) => {
                  // A seed deleted since the signal read it has no neighbourhood; anything else is a real failure.
                  if (error instanceof TrellisError && error.code === 'not_found') return null;
                  throw error;
                }),
            ),
          )
        : [],
      wantPassages ? graph.citedPlaces(tenantId, seeds, evidencePerSeed) : [],
    ]);

    const entityScore = new Map<string, number>();
    neighbourhoods.forEach((hood, index) => {
      if (!hood) return;
      const w = weight.get(seeds[index] as string) as number;
      for (const node of hood.nodes) if (node.depth === 1) entityScore.set(node.id, (entityScore.get(node.id) ?? 0) + w);
    });
    // A seed counts once per passage however many times it is cited there.
    const passageScore = new Map<string, number>();
    const counted = new Set<string>();
    for (const place of evidence) {
      if (place.chunkId === null || counted.has(`${place.subjectId}:${place.chunkId}`)) continue;
      counted.add(`${place.subjectId}:${place.chunkId}`);
      passageScore.set(place.chunkId, (passageScore.get(place.chunkId) ?? 0) + (weight.get(place.subjectId) ?? 0));
    }

    // Filters apply before ranking: candidates are read once to check time ranges and sources.
    const [entities, passages] = await Promise.all([
      entityScore.size > 0 ? graph.entitiesByIds(tenantId, [...entityScore.keys()]) : new Map<string, Entity>(),
      passageScore.size > 0 ? graph.passages(tenantId, [...passageScore.keys()]) : new Map<string, Passage>(),
    ]);
    const sourceFilter = request.filter.sourceIds ? new Set(request.filter.sourceIds) : null;
    const cited = new Map<string, Set<string>>();
    if (sourceFilter && entities.size > 0) {
      for (const place of await graph.citedPlaces(tenantId, [...entities.keys()], evidencePerSeed)) {
        if (place.sourceId !== null) cited.set(place.subjectId, (cited.get(place.subjectId) ?? new Set()).add(place.sourceId));
      }
    }
    const items: RankedItem[] = [];
    for (const [id, score] of entityScore) {
      const entity = entities.get(id);
      if (!entity || !inTimeRange(entity.updatedAt, request.filter)) continue;
      if (request.filter.types && !request.filter.types.includes(entity.type)) continue;
      if (sourceFilter && ![...(cited.get(id) ?? [])].some((sourceId) => sourceFilter.has(sourceId))) continue;
      items.push({ kind: 'entity', id, score });
    }
    for (const [id, score] of passageScore) {
      const passage = passages.get(id);
      if (passage && passageMatches(passage, request.filter)) items.push({ kind: 'passage', id, score });
    }
    return items.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, candidatesPerSignal * request.kinds.length);
  }

  /** Turns fused items into results: reads the passages, entities, memories and citations of the ones returned. */
  async function hydrate(tenantId: string, fused: readonly FusedItem[], textHits: ReadonlyMap<string, TextHit>): Promise<SearchResult[]> {
    const passageIds = fused.filter((item) => item.kind === 'passage').map((item) => item.id);
    const entityIds = fused.filter((item) => item.kind === 'entity').map((item) => item.id);
    const memoryIds = fused.filter((item) => item.kind === 'memory').map((item) => item.id);
    const [passages, entities, evidence, memoryRows] = await Promise.all([
      graph.passages(tenantId, passageIds),
      graph.entitiesByIds(tenantId, entityIds),
      graph.citations(tenantId, entityIds, citationsPerEntity),
      memories && memoryIds.length > 0 ? memories.memories(tenantId, memoryIds) : new Map<string, MemorySummary>(),
    ]);
    const results: SearchResult[] = [];
    for (const item of fused) {
      const hit = textHits.get(`${item.kind}:${item.id}`);
      if (item.kind === 'memory') {
        const memory = memoryRows.get(item.id);
        // Deleted or archived since the signal read it: left out.
        if (!memory || memory.archived) continue;
        const snippet = hit?.snippet ?? leadSnippet(memory.searchText);
        const uri = `memory://${memory.id}`;
        results.push({
          ...item,
          snippet,
          highlights: hit?.highlights ?? [],
          memory: { id: memory.id, kind: memory.kind, title: memory.title, uri },
          citations: [{ sourceId: memory.id, uri, title: memory.title, page: null, start: null, end: null, snippet }],
        });
      } else if (item.kind === 'passage') {
        const passage = passages.get(item.id);
        // Deleted between the signal's read and this one: left out rather than shown without its text.
        if (!passage) continue;
        results.push({
          ...item,
          snippet: hit?.snippet ?? leadSnippet(passage.text),
          highlights: hit?.highlights ?? [],
          passage: { id: passage.id, sourceId: passage.sourceId, ordinal: passage.ordinal, page: passage.page, start: passage.start, end: passage.end },
          citations: [
            {
              sourceId: passage.sourceId,
              uri: passage.source.uri,
              title: passage.source.title,
              page: passage.page,
              start: passage.start,
              end: passage.end,
              snippet: hit?.snippet ?? leadSnippet(passage.text),
            },
          ],
        });
      } else {
        const entity = entities.get(item.id);
        if (!entity) continue;
        results.push({
          ...item,
          snippet: hit?.snippet ?? entity.name,
          highlights: hit?.highlights ?? [],
          entity: { id: entity.id, type: entity.type, name: entity.name, aliases: entity.aliases },
          citations: (evidence.get(item.id) ?? []).map(citationOf).filter((citation): citation is Citation => citation !== null),
        });
      }
    }
    return results;
  }

  return {
    async search(tenantId, rawRequest) {
      checkRequest(rawRequest);
      if (rawRequest.kinds.includes('memory') && !memories) throw new TrellisError('unprocessable', 'This search service cannot show memories');
      const request: SearchRequest = { ...rawRequest, filter: normaliseFilter(rawRequest.filter) };
      const started = performance.now();
      const candidates = Math.max(candidatesPerSignal, request.limit * 2);
      const report = (used: boolean, hits: number, milliseconds: number, note?: string): SignalReport => ({
        used,
        hits,
        milliseconds,
        ...(note ? { note } : {}),
      });
      const signals: Record<Signal, SignalReport> = { text: report(false, 0, 0), vector: report(false, 0, 0), graph: report(false, 0, 0) };

      const timed = async <T>(run: () => Promise<T>): Promise<{ value: T; milliseconds: number }> => {
        const start = performance.now();
        const value = await run();
        return { value, milliseconds: elapsed(start) };
      };
      const wantText = request.mode !== 'vector';
      const wantVector = request.mode !== 'text';
      if (wantVector && !vectors) {
        if (request.mode === 'vector') throw new TrellisError('unprocessable', 'Vector search needs an embedder, and none is configured');
        signals.vector = report(false, 0, 0, 'no embedder is configured');
      }
      // The vector search is started first: it scans in a worker thread while this thread runs the full-text query
      // (synchronous on SQLite).
      const vectorPending = wantVector && vectors ? timed(() => runVector(tenantId, request, candidates)) : null;
      const textPending = wantText ? timed(() => runText(tenantId, request, candidates)) : null;
      const [textRun, vectorRun] = await Promise.all([textPending, vectorPending]);
      const lists: { signal: Signal; items: RankedItem[] }[] = [];
      if (textRun) {
        signals.text = report(true, textRun.value.length, textRun.milliseconds);
        lists.push({ signal: 'text', items: textRun.value });
      }
      if (vectorRun) {
        signals.vector = report(true, vectorRun.value.length, vectorRun.milliseconds);
        lists.push({ signal: 'vector', items: vectorRun.value });
      }
      if (request.mode === 'hybrid') {
        const seeds = fuse(lists)
          .filter((item) => item.kind === 'entity')
          .slice(0, graphSeeds)
          .map((item) => item.id);
        const graphRun = await timed(() => runGraph(tenantId, request, seeds));
        signals.graph = report(true, graphRun.value.length, graphRun.milliseconds, seeds.length === 0 ? 'no entity matched to start from' : undefined);
        lists.push({ signal: 'graph', items: graphRun.value });
      }
      const textHits = new Map((textRun?.value ?? []).map((hit) => [`${hit.kind}:${hit.id}`, hit]));
      // A few more than asked, so a result deleted since its signal read it does not leave the page short.
      const fused = fuse(lists).slice(0, request.limit + 5);
      const results = (await hydrate(tenantId, fused, textHits)).slice(0, request.limit);
      return { query: request.query, mode: request.mode, results, signals, milliseconds: elapsed(started) };
    },
    async close() {},
  };
}
