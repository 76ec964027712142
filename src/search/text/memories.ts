/**
 * @module Full-text search over memories (migration 0013): FTS5 bm25 over `search_memories` on SQLite (row-number
 * blocks per tenant, like passages), the memories' `search_vector` with ts_rank_cd on PostgreSQL. The memory filters
 * (kinds, tags, session, creation time, archived) are conditions of the ranking query, never applied afterwards, so a
 * filtered-out memory never takes a result slot.
 */
import type Database from 'better-sqlite3';
import { isId, normaliseId } from '../../core/ids.js';
import { type Dialect, type PostgresTx, type Tx, inList } from '../../store/index.js';
import type { Highlight } from '../types.js';
import { allOf, anyOf, prepared, tenantBlock } from './fts.js';
import { bad, listOf, timeOf } from './options.js';
import { termSql } from './postgres.js';
import type { QueryTerm, TextQuery } from './query.js';
import { passageSnippet } from './snippet.js';

/** The kinds of memory (src/memory/kinds.ts), repeated here so search does not depend on the memory module. */
export const memoryHitKinds = ['note', 'decision', 'mistake', 'pattern', 'session'] as const;

/** Most memories one memory search returns. */
export const maxMemoryLimit = 1000;

/** Filters of a memory search; every one given must hold. */
export interface MemoryTextFilter {
  /** Kinds of memory (note, decision, mistake, pattern, session). */
  kinds?: readonly string[];
  /** Memories carrying every one of these tags. */
  tags?: readonly string[];
  /** Memories of this session. */
  sessionId?: string;
  /** ISO-8601 bounds on the memory's `created_at`, inclusive. */
  since?: string;
  until?: string;
  /** Archived memories too (status `archived`, or `archived_at` set); they are left out otherwise. @default false */
  includeArchived?: boolean;
}

/** Options of a memory search. */
export interface MemoryTextOptions {
  /** 1 to {@link maxMemoryLimit}. @default 10 */
  limit?: number;
  filter?: MemoryTextFilter;
  /**
   * Matches above which a term is common on SQLite, for this search (1 to 1,000,000): a lower budget ranks fewer
   * matches of the rare terms (find-error, whose queries are long messages). @default the service's `memoryCommonTerm`
   */
  commonTermMatches?: number;
}

/** A checked memory filter: IDs lower case, times ISO-8601 UTC. */
export interface CheckedMemoryFilter {
  kinds?: string[];
  tags?: string[];
  sessionId?: string;
  since?: string;
  until?: string;
  includeArchived?: boolean;
  /** These memories only (GET /search's `sources`: a memory is its own source); set by callers, not checked here. */
  ids?: string[];
}

/** One memory that matched: its ID, the score (higher is better; comparable within one search only) and a snippet of its search text. */
export interface MemoryTextHit {
  kind: 'memory';
  id: string;
  score: number;
  snippet: string;
  highlights: Highlight[];
}

/**
 * Checks a memory search's options: throws `bad_request` naming the parameter for a limit out of range, an unknown
 * kind, a session that is not an ID, a malformed time or `since` after `until`. Unknown tags match nothing.
 */
export function checkMemoryTextOptions(options: MemoryTextOptions = {}): { limit: number; filter: CheckedMemoryFilter } {
  const limit = options.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxMemoryLimit) throw bad(`limit must be an integer from 1 to ${maxMemoryLimit}`, 'limit');
  const common = options.commonTermMatches;
  if (common !== undefined && (!Number.isInteger(common) || common < 1 || common > 1_000_000))
    throw bad('commonTermMatches must be an integer from 1 to 1000000', 'commonTermMatches');
  const filter = options.filter ?? {};
  if (filter === null || typeof filter !== 'object') throw bad('filter must be an object', 'filter');
  const checked: CheckedMemoryFilter = {};
  const kinds = listOf(filter.kinds, 'kinds');
  if (kinds) {
    const unknown = kinds.find((kind) => !(memoryHitKinds as readonly string[]).includes(kind));
    if (unknown !== undefined || kinds.length === 0)
      throw bad(
        `kinds must list one or more of ${memoryHitKinds.join(', ')}${unknown === undefined ? '' : ` (not ${JSON.stringify(unknown.slice(0, 50))})`}`,
        'kinds',
      );
    checked.kinds = kinds;
  }
  const tags = listOf(filter.tags, 'tags');
  if (tags) checked.tags = tags;
  if (filter.sessionId !== undefined) {
    const id = typeof filter.sessionId === 'string' ? normaliseId(filter.sessionId) : '';
    if (!isId(id)) throw bad('sessionId must be a memory ID (a UUID)', 'sessionId');
    checked.sessionId = id;
  }
  const since = timeOf(filter.since, 'since');
  const until = timeOf(filter.until, 'until');
  if (since !== undefined && until !== undefined && since > until) throw bad('since must not be after until', 'since');
  if (since) checked.since = since;
  if (until) checked.until = until;
  if (filter.includeArchived !== undefined) {
    if (typeof filter.includeArchived !== 'boolean') throw bad('includeArchived must be true or false', 'includeArchived');
    if (filter.includeArchived) checked.includeArchived = true;
  }
  return { limit, filter: checked };
}

/**
 * The filter's conditions on `alias` (the memories table), with `?` parameters, in either dialect: kinds, tags,
 * session, creation time, IDs, and — unless `includeArchived` — not archived (a non-decision's status `archived`, or,
 * for any kind, `archived_at` set). The one translation of a memory filter into SQL, for full-text and vector search.
 */
export function memoryFilterSql(dialect: Dialect, filter: CheckedMemoryFilter, alias = 'mem'): { where: string; params: unknown[] } {
  const sqlite = dialect === 'sqlite';
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, ...values: unknown[]) => {
    where.push(condition);
    params.push(...values);
  };
  if (filter.kinds)
    add(sqlite ? `${alias}.kind IN (SELECT value FROM json_each(?))` : `${alias}.kind = ANY(?::text[])`, sqlite ? JSON.stringify(filter.kinds) : filter.kinds);
  for (const tag of filter.tags ?? [])
    add(sqlite ? `EXISTS (SELECT 1 FROM json_each(${alias}.tags) WHERE value = ?)` : `${alias}.tags @> ?::jsonb`, sqlite ? tag : JSON.stringify([tag]));
  if (filter.sessionId !== undefined) add(`${alias}.session_id = ?${sqlite ? '' : '::uuid'}`, filter.sessionId);
  if (filter.since !== undefined) add(`${alias}.created_at >= ?${sqlite ? '' : '::timestamptz'}`, filter.since);
  if (filter.until !== undefined) add(`${alias}.created_at <= ?${sqlite ? '' : '::timestamptz'}`, filter.until);
  if (filter.includeArchived !== true) add(`${alias}.archived_at IS NULL AND ${alias}.status <> 'archived'`);
  if (filter.ids) {
    const list = inList(dialect, `${alias}.id`, 'uuid');
    add(list.sql, list.param(filter.ids));
  }
  return { where: where.map((condition) => ` AND ${condition}`).join(''), params };
}

/** Matches above which a term is common on SQLite: it is not ranked over all its matches (bm25 costs about 1 µs a match). */
export const commonTermMatches = 5000;
/** Newest matches of common terms ranked when a query has no other term. */
export const commonTermWindow = 2000;

/** Most common terms a memory search requires all of (each adds its every match to the AND's cost). */
const maxAllTerms = 3;

/**
 * Most common terms the newest window is searched for, the first in the query (each adds its newest matches to the
 * OR's cost: find-error's 32-word messages spent 50–150 ms there at 1M memories, against 20 ms without it).
 */
const maxWindowTerms = 6;

/**
 * Counts of at least this many matches are kept for {@link countTtlMs}: counting steps through every match up to the
 * cap (about 3 ms a query at 1M memories for common words), and a common word's count barely moves in a minute. Smaller
 * counts are cheap and are always counted afresh, so a small tenant's searches see every write at once.
 */
const cachedCountFloor = 500;
const countTtlMs = 60_000;
/** Most counts kept per connection (the oldest go first). */
const maxCachedCounts = 10_000;
const countCache = new WeakMap<Database.Database, Map<string, { count: number; cap: number; at: number }>>();

/** How many of the tenant's rows match a term, counted up to `cap + 1`. */
function countUpTo(db: Database.Database, expression: string, low: number, high: number, cap: number): number {
  let cache = countCache.get(db);
  if (!cache) countCache.set(db, (cache = new Map()));
  const key = `${low}:${expression}`;
  const now = Date.now();
  const kept = cache.get(key);
  // A kept count answers when it is fresh and says as much as this cap asks: exact below its own cap, or over this one.
  if (kept && now - kept.at < countTtlMs && (kept.count <= kept.cap || cap <= kept.cap)) return Math.min(kept.count, cap + 1);
  const count = prepared(
    db,
    'SELECT count(*) FROM (SELECT rowid FROM search_memories WHERE search_memories MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid DESC LIMIT ?)',
  )
    .pluck()
    .get(expression, low, high, cap + 1) as number;
  if (count >= cachedCountFloor) {
    cache.delete(key);
    cache.set(key, { count, cap, at: now });
    if (cache.size > maxCachedCounts) cache.delete(cache.keys().next().value as string);
  } else if (kept) cache.delete(key);
  return count;
}

/** FTS rows with their bm25 (lower is better). */
interface RankedRow {
  r: number;
  rank_value: number;
}

/**
 * The first `limit` of `ranked` (best first) that pass the filter. A memory's row is wide (its text, fields and search
 * text), so reading it costs more than ranking: the rows are checked in rank order, a batch at a time, until `limit`
 * pass, and only the rows near the top are read.
 */
function passingInOrder(
  db: Database.Database,
  ranked: readonly RankedRow[],
  tenantId: string,
  filtered: { where: string; params: unknown[] },
  limit: number,
): { id: string; rank_value: number }[] {
  // CROSS JOIN and the unary + keep the planner on the rowid lookups of the batch, not on every row of the tenant;
  // the narrow index memories_visible (migration 0015) answers the filter without reading the wide rows.
  const check = prepared(
    db,
    `SELECT m.fts_rowid AS r, m.memory_id AS id FROM search_memory_rows m CROSS JOIN memories mem INDEXED BY memories_visible ON mem.tenant_id = m.tenant_id AND mem.id = m.memory_id
      WHERE m.fts_rowid IN (SELECT value FROM json_each(?)) AND +m.tenant_id = ?${filtered.where}`,
  );
  const out: { id: string; rank_value: number }[] = [];
  // A first batch large enough for a filter passing one match in four; later batches grow.
  for (let from = 0, size = Math.max(64, limit * 4); from < ranked.length && out.length < limit; from += size, size *= 2) {
    const batch = ranked.slice(from, from + size);
    const passing = new Map(
      (check.all(JSON.stringify(batch.map((row) => row.r)), tenantId, ...filtered.params) as { r: number; id: string }[]).map((row) => [row.r, row.id]),
    );
    for (const row of batch) {
      const id = passing.get(row.r);
      if (id !== undefined && out.length < limit) out.push({ id, rank_value: row.rank_value });
    }
  }
  return out;
}

/** Every match of an FTS5 expression in the range, ranked by the full-text index alone (ties to the newest row). */
function rankAll(db: Database.Database, expression: string, low: number, high: number): RankedRow[] {
  return prepared(
    db,
    'SELECT rowid AS r, bm25(search_memories) AS rank_value FROM search_memories WHERE search_memories MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rank_value, rowid DESC',
  ).all(expression, low, high) as RankedRow[];
}

/**
 * The newest `window` matches of an FTS5 expression in the range, those holding more of `terms` first, then the newest;
 * unscored (0). Not bm25: its statistics read every match of every term in the index, about 25 ms a query for two
 * common words at 1M memories, whatever the window.
 */
function newestByTerms(db: Database.Database, expression: string, terms: readonly QueryTerm[], low: number, high: number, window: number): RankedRow[] {
  const rows = prepared(db, 'SELECT rowid FROM search_memories WHERE search_memories MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid DESC LIMIT ?')
    .pluck()
    .all(expression, low, high, window) as number[];
  if (rows.length === 0) return [];
  const held = new Map(rows.map((row) => [row, 0]));
  if (terms.length > 1) {
    // Each term's matches within the window's rows only (it reaches back no further than its oldest).
    const oldest = rows[rows.length - 1] as number;
    const within = prepared(db, 'SELECT rowid FROM search_memories WHERE search_memories MATCH ? AND rowid BETWEEN ? AND ?').pluck();
    for (const term of terms)
      for (const row of within.all(anyOf([term]), oldest, high) as number[]) {
        const count = held.get(row);
        if (count !== undefined) held.set(row, count + 1);
      }
  }
  return rows
    .map((row) => ({ r: row, rank_value: 0, held: held.get(row) as number }))
    .sort((a, b) => b.held - a.held || b.r - a.r)
    .map(({ r, rank_value }) => ({ r, rank_value }));
}

/**
 * SQLite: bm25 over the tenant's row range. The rarest terms, together matching at most `common`
 * ({@link commonTermMatches}) memories, are ranked over all their matches (exact when every term fits); when that finds
 * fewer than `limit`, the newest {@link commonTermWindow} memories containing all the other terms (when there are at
 * most 3; then any of them, the first {@link maxWindowTerms}) are added, unscored: those holding more of the terms
 * first, then the newest (see {@link newestByTerms}). The filter is checked on the ranked matches, best first (see
 * {@link passingInOrder}); the newest window counts matches before the filter.
 * Ties go to the newest row.
 */
function searchMemoriesSqlite(
  db: Database.Database,
  tenantId: string,
  query: TextQuery,
  limit: number,
  filter: CheckedMemoryFilter,
  common: number,
): { id: string; score: number }[] {
  const base = prepared(db, 'SELECT base FROM search_tenants WHERE tenant_id = ?').pluck().get(tenantId) as number | undefined;
  if (base === undefined) return [];
  const low = base + 1;
  const high = base + tenantBlock - 1;
  // The rarest terms, together within `common` matches, are ranked over all their matches; the rest are common.
  const counts = query.terms.map((term) => countUpTo(db, anyOf([term]), low, high, common));
  const order = query.terms.map((_, index) => index).sort((a, b) => (counts[a] as number) - (counts[b] as number));
  const rare: QueryTerm[] = [];
  let budget = common;
  for (const index of order) {
    const count = counts[index] as number;
    if (count > budget) break;
    budget -= count;
    rare.push(query.terms[index] as QueryTerm);
  }
  const frequent = query.terms.filter((term) => !rare.includes(term)).slice(0, maxWindowTerms);
  const excluded = query.excluded.length > 0 ? ` NOT ${anyOf(query.excluded)}` : '';
  const filtered = memoryFilterSql('sqlite', filter);
  const found = new Map<string, number>();
  const take = (rows: { id: string; rank_value: number }[]) => {
    // bm25() is lower-is-better; hits are higher-is-better (0 for the newest window's unscored rows).
    for (const row of rows) if (!found.has(row.id)) found.set(row.id, row.rank_value === 0 ? 0 : -row.rank_value);
  };
  if (rare.length > 0) take(passingInOrder(db, rankAll(db, `(${anyOf(rare)})${excluded}`, low, high), tenantId, filtered, limit));
  if (found.size < limit && frequent.length > 0) {
    // All of a few common terms first (an AND steps through every one of their matches: a few only), then any.
    const expressions = frequent.length > 1 && frequent.length <= maxAllTerms ? [allOf(frequent), anyOf(frequent)] : [anyOf(frequent)];
    for (const expression of expressions) {
      if (found.size >= limit) break;
      // Rows of an AND hold every term: only an OR's rows are told apart by how many they hold.
      const counted = expression === anyOf(frequent) ? frequent : [];
      take(passingInOrder(db, newestByTerms(db, `(${expression})${excluded}`, counted, low, high, commonTermWindow), tenantId, filtered, limit + found.size));
    }
  }
  return [...found]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([id, score]) => ({ id, score }));
}

/** PostgreSQL: every matching memory of the tenant scored by ts_rank_cd over the query's terms, best first, ties by ID. */
async function searchMemoriesPostgres(
  tx: PostgresTx,
  tenantId: string,
  query: TextQuery,
  limit: number,
  filter: CheckedMemoryFilter,
): Promise<{ id: string; score: number }[]> {
  const params: unknown[] = [tenantId, limit];
  const param = (value: unknown, cast = '') => {
    params.push(value);
    return `$${params.length}${cast}`;
  };
  const positive = `(${query.terms.map((term) => termSql(term, param)).join(' || ')})`;
  const match = query.excluded.length > 0 ? `(${positive} && !!(${query.excluded.map((term) => termSql(term, param)).join(' || ')}))` : positive;
  // This query numbers its own parameters ($n, through the client): the filter's `?` take the next numbers.
  const filtered = memoryFilterSql('postgres', filter);
  let next = 0;
  const conditions = filtered.where.replace(/\?/g, () => param(filtered.params[next++]));
  const { rows } = await tx.client.query<{ id: string; score: number }>(
    `WITH q AS MATERIALIZED (SELECT ${positive} AS terms, ${match} AS query)
     SELECT mem.id, ts_rank_cd(mem.search_vector, q.terms, 1) AS score FROM memories mem CROSS JOIN q
     WHERE mem.tenant_id = $1 AND mem.search_vector @@ q.query${conditions}
     ORDER BY score DESC, mem.id LIMIT $2`,
    params,
  );
  return rows.map((row) => ({ id: String(row.id), score: Number(row.score) }));
}

/** Search texts of memories by ID, for snippets. */
async function searchTexts(tx: Tx, tenantId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const list = inList(tx.dialect, 'id', 'uuid');
  const rows = await tx.all<{ id: string; search_text: string }>(`SELECT id, search_text FROM memories WHERE tenant_id = ? AND ${list.sql}`, [
    tenantId,
    list.param(ids),
  ]);
  return new Map(rows.map((row) => [String(row.id), row.search_text]));
}

/**
 * The best memories for a parsed query within a read transaction of the tenant, each with a snippet of its search
 * text and highlights. A query without terms matches nothing.
 */
export async function searchMemories(
  tx: Tx,
  tenantId: string,
  query: TextQuery,
  limit: number,
  filter: CheckedMemoryFilter,
  common = commonTermMatches,
): Promise<MemoryTextHit[]> {
  if (query.terms.length === 0) return [];
  const rows =
    tx.dialect === 'sqlite'
      ? searchMemoriesSqlite(tx.db, tenantId, query, limit, filter, common)
      : await searchMemoriesPostgres(tx, tenantId, query, limit, filter);
  const texts = await searchTexts(
    tx,
    tenantId,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({ kind: 'memory', id: row.id, score: row.score, ...passageSnippet(texts.get(row.id) ?? '', query.terms) }));
}
