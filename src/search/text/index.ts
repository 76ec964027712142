/** @module Full-text search over passages, entity names and aliases, and memories: the public door of `src/search/text/`. */
import type { Store, Tx } from '../../store/index.js';
import type { GraphHitKind, TextHit } from '../types.js';
import { type CheckedFilter, type RankedRow, type TextSearchOptions, checkTextSearchOptions } from './options.js';
import { type PlannerLimits, defaultPlannerLimits } from './plan.js';
import { passageTexts as postgresPassageTexts, searchPostgres } from './postgres.js';
import { type TextQuery, parseTextQuery } from './query.js';
import { type CheckedMemoryFilter, type MemoryTextHit, type MemoryTextOptions, checkMemoryTextOptions, searchMemories } from './memories.js';
import { highlightText, passageSnippet } from './snippet.js';
import { aliasTexts, passageTexts as sqlitePassageTexts, searchSqlite } from './sqlite.js';

export { checkTextSearchOptions, maxFilterValues, maxLimit, type CheckedOptions, type TextSearchOptions } from './options.js';
export {
  type CheckedMemoryFilter,
  type MemoryTextFilter,
  type MemoryTextHit,
  type MemoryTextOptions,
  checkMemoryTextOptions,
  commonTermMatches,
  commonTermWindow,
  maxMemoryLimit,
  memoryFilterSql,
  memoryHitKinds,
  searchMemories,
} from './memories.js';
export { defaultPlannerLimits, type PlannerLimits } from './plan.js';
export { maxQueryLength, maxQueryWords, parseTextQuery, type QueryTerm, type TextQuery } from './query.js';
export { passageSnippet, snippetLength } from './snippet.js';

/** The full-text search service. */
export interface TextSearch {
  /**
   * The best full-text hits of each requested kind (memories: not archived; `since`/`until` bound their creation,
   * `sourceIds` name them), in the order of `options.kinds`; within a kind best first (score
   * descending, then ID). Scores of different kinds are not comparable (fuse them by rank). `query` is text (parsed
   * with {@link parseTextQuery}) or an already parsed query. Throws `bad_request` for a bad query or options; a
   * query without a searchable word returns no hits.
   */
  search(tenantId: string, query: string | TextQuery, options?: TextSearchOptions): Promise<TextHit[]>;
  /**
   * The best memories for a query (kind `memory`), best first, filtered by kinds of memory, tags, session and creation
   * time inside the ranking. Throws `bad_request` for a bad query or options; a query without a searchable word
   * returns no hits.
   */
  memories(tenantId: string, query: string | TextQuery, options?: MemoryTextOptions): Promise<MemoryTextHit[]>;
}

/** Options of {@link createTextSearch}. */
export interface TextSearchSettings {
  /** Bounds of the SQLite planner (see plan.ts); PostgreSQL ranks every match. @default defaultPlannerLimits */
  planner?: Partial<PlannerLimits>;
  /** Matches above which a term of a memory search is common on SQLite (see memories.ts). @default commonTermMatches */
  memoryCommonTerm?: number;
}

/** GET /search's filter as a memory filter: times bound the memory's creation, sources name memories; archived ones are left out. */
function memoryFilterOf(filter: CheckedFilter): CheckedMemoryFilter {
  return {
    ...(filter.since !== undefined ? { since: filter.since } : {}),
    ...(filter.until !== undefined ? { until: filter.until } : {}),
    ...(filter.sourceIds !== undefined ? { ids: filter.sourceIds } : {}),
  };
}

async function rankKind(tx: Tx, tenantId: string, kind: GraphHitKind, query: TextQuery, limit: number, filter: CheckedFilter, limits: PlannerLimits) {
  return tx.dialect === 'sqlite' ? searchSqlite(tx.db, tenantId, kind, query, limit, filter, limits) : searchPostgres(tx, tenantId, kind, query, limit, filter);
}

async function passageHits(tx: Tx, tenantId: string, rows: RankedRow[], query: TextQuery): Promise<TextHit[]> {
  const ids = rows.map((row) => row.id);
  const texts = tx.dialect === 'sqlite' ? sqlitePassageTexts(tx.db, tenantId, ids) : await postgresPassageTexts(tx, tenantId, ids);
  return rows.map((row) => ({ kind: 'passage', id: row.id, score: row.score, ...passageSnippet(texts.get(row.id) ?? '', query.terms) }));
}

function entityHits(tx: Tx, tenantId: string, rows: RankedRow[], query: TextQuery): TextHit[] {
  const keyed = rows.filter((row) => row.alias === undefined && row.aliasKey !== undefined) as { id: string; aliasKey: string }[];
  const texts = tx.dialect === 'sqlite' && keyed.length > 0 ? aliasTexts(tx.db, tenantId, keyed) : new Map<string, string>();
  return rows.map((row) => {
    const snippet = row.alias ?? texts.get(`${row.id}\u0000${row.aliasKey}`) ?? '';
    return { kind: 'entity', id: row.id, score: row.score, snippet, highlights: highlightText(snippet, query.terms) };
  });
}

/**
 * Builds the full-text search service over a store. The indexes are kept by the database in every writing
 * transaction (migration 0009), so a search sees every committed write.
 * @example
 * const text = createTextSearch(store);
 * const hits = await text.search(tenantId, 'zurich "central bank"', { kinds: ['passage'], limit: 10 });
 */
export function createTextSearch(store: Store, settings: TextSearchSettings = {}): TextSearch {
  const limits: PlannerLimits = { ...defaultPlannerLimits, ...settings.planner };
  return {
    async search(tenantId, input, options = {}) {
      const query = typeof input === 'string' ? parseTextQuery(input) : input;
      const { kinds, limit, filter } = checkTextSearchOptions(options);
      if (query.terms.length === 0) return [];
      return store.read({ tenantId }, async (tx) => {
        const hits: TextHit[] = [];
        for (const kind of kinds) {
          if (kind === 'memory') {
            hits.push(...(await searchMemories(tx, tenantId, query, limit, memoryFilterOf(filter), settings.memoryCommonTerm)));
            continue;
          }
          const rows = await rankKind(tx, tenantId, kind, query, limit, filter, limits);
          hits.push(...(kind === 'passage' ? await passageHits(tx, tenantId, rows, query) : entityHits(tx, tenantId, rows, query)));
        }
        return hits;
      });
    },
    async memories(tenantId, input, options = {}) {
      const query = typeof input === 'string' ? parseTextQuery(input) : input;
      const { limit, filter } = checkMemoryTextOptions(options);
      if (query.terms.length === 0) return [];
      const common = options.commonTermMatches ?? settings.memoryCommonTerm;
      return store.read({ tenantId }, (tx) => searchMemories(tx, tenantId, query, limit, filter, common));
    },
  };
}
