/**
 * @module Full-text search on SQLite: FTS5 bm25 over the tenant's row range, with the planner of `plan.ts` bounding
 * how many rows are scored. Every query text reaches FTS5 as quoted phrases built here, never as typed.
 */
import type Database from 'better-sqlite3';
import type { HitKind } from '../types.js';
import type { CheckedFilter, RankedRow } from './options.js';
import { type PlannerLimits, planTerms } from './plan.js';
import type { QueryTerm, TextQuery } from './query.js';

/** The FTS5 table of a kind and the map from its row numbers to keys. */
interface IndexShape {
  fts: string;
  map: string;
}

const shapes: Record<HitKind, IndexShape> = {
  passage: { fts: 'search_passages', map: 'search_passage_rows' },
  entity: { fts: 'search_aliases', map: 'search_alias_rows' },
};

/** Row numbers per tenant (migration 0009). */
const tenantBlock = 1_099_511_627_776;

/** One term as an FTS5 string: a quoted phrase (a single word is a phrase of one), `*` after it for a prefix. */
export function ftsPhrase(term: QueryTerm): string {
  return `"${term.words.join(' ').replaceAll('"', '""')}"${term.prefix ? ' *' : ''}`;
}

function anyOf(terms: readonly QueryTerm[]): string {
  return terms.length === 1 ? ftsPhrase(terms[0] as QueryTerm) : `(${terms.map(ftsPhrase).join(' OR ')})`;
}

function allOf(terms: readonly QueryTerm[]): string {
  return terms.length === 1 ? ftsPhrase(terms[0] as QueryTerm) : `(${terms.map(ftsPhrase).join(' AND ')})`;
}

/**
 * How a candidate query orders and bounds its rows: `ranked` the best by bm25 (every match is scored), `all` every
 * match with its score, `window` the newest matches with their scores, `newest` the newest matches unscored.
 */
type Mode = 'ranked' | 'all' | 'window' | 'newest';

const statementCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = statementCache.get(db);
  if (!cache) {
    cache = new Map();
    statementCache.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/** The joins and conditions of a filter, and their parameters in order. */
function filterSql(kind: HitKind, filter: CheckedFilter): { joins: string; where: string; params: unknown[] } {
  const joins: string[] = [];
  const where: string[] = [];
  const params: unknown[] = [];
  if (kind === 'passage') {
    const byTime = filter.since !== undefined || filter.until !== undefined;
    if (filter.sourceIds || byTime) joins.push('JOIN chunks c ON c.tenant_id = m.tenant_id AND c.id = m.chunk_id');
    if (byTime) joins.push('JOIN sources s ON s.tenant_id = c.tenant_id AND s.id = c.source_id');
    if (filter.sourceIds) (where.push('c.source_id IN (SELECT value FROM json_each(?))'), params.push(JSON.stringify(filter.sourceIds)));
    if (filter.since !== undefined) (where.push('s.created_at >= ?'), params.push(filter.since));
    if (filter.until !== undefined) (where.push('s.created_at <= ?'), params.push(filter.until));
  } else {
    if (filter.types || filter.since !== undefined || filter.until !== undefined)
      joins.push('JOIN entities e ON e.tenant_id = m.tenant_id AND e.id = m.entity_id');
    if (filter.types) (where.push('e.type IN (SELECT value FROM json_each(?))'), params.push(JSON.stringify(filter.types)));
    if (filter.since !== undefined) (where.push('e.updated_at >= ?'), params.push(filter.since));
    if (filter.until !== undefined) (where.push('e.updated_at <= ?'), params.push(filter.until));
    if (filter.sourceIds) {
      where.push(
        'EXISTS (SELECT 1 FROM evidence v WHERE v.tenant_id = m.tenant_id AND v.subject_id = m.entity_id AND v.source_id IN (SELECT value FROM json_each(?)))',
      );
      params.push(JSON.stringify(filter.sourceIds));
    }
  }
  return { joins: joins.join(' '), where: where.map((condition) => ` AND ${condition}`).join(''), params };
}

/** The SQL of a candidate query. Entities are grouped: each entity once, with its best-scoring alias. */
function candidateSql(kind: HitKind, mode: Mode, filter: { joins: string; where: string }): string {
  const { fts, map } = shapes[kind];
  const key = kind === 'passage' ? 'm.chunk_id AS id' : 'm.entity_id AS id, m.alias_key AS alias_key';
  const score = mode === 'newest' ? '0' : `bm25(${fts})`;
  const order = mode === 'ranked' ? ' ORDER BY rank_value LIMIT ?' : mode === 'all' ? '' : ` ORDER BY ${fts}.rowid DESC LIMIT ?`;
  const rows = `SELECT ${key}, ${score} AS rank_value FROM ${fts} CROSS JOIN ${map} m ON m.fts_rowid = ${fts}.rowid ${filter.joins}
    WHERE ${fts} MATCH ? AND ${fts}.rowid BETWEEN ? AND ? AND m.tenant_id = ?${filter.where}`;
  if (kind === 'passage') return `${rows}${order}`;
  // One row per entity: the alias with the best (lowest) bm25; SQLite takes the bare column alias_key from that row.
  // MATERIALIZED keeps the aliases query apart from the aggregate: bm25() cannot run inside a flattened GROUP BY.
  const windowed = mode === 'window' || mode === 'newest';
  return `WITH matched AS MATERIALIZED (${rows}${windowed ? order : ''})
    SELECT id, alias_key, min(rank_value) AS rank_value FROM matched GROUP BY id${windowed ? '' : order}`;
}

/** The tenant's range of row numbers in an index, or null when it has no rows there. */
function tenantRange(db: Database.Database, kind: HitKind, tenantId: string): { low: number; high: number } | null {
  const base = prepared(db, 'SELECT base FROM search_tenants WHERE tenant_id = ?').pluck().get(tenantId) as number | undefined;
  if (base === undefined) return null;
  const { map } = shapes[kind];
  // ORDER BY … DESC LIMIT 1 rather than max(): SQLite may answer max() with a range scan through another index.
  const high = prepared(db, `SELECT fts_rowid FROM ${map} WHERE fts_rowid BETWEEN ? AND ? ORDER BY fts_rowid DESC LIMIT 1`)
    .pluck()
    .get(base, base + tenantBlock - 1) as number | undefined;
  return high === undefined ? null : { low: base + 1, high };
}

/**
 * Estimated rows of the tenant matching a term: exact up to `cap`; above it, extrapolated from how far back the
 * newest `cap` matches reach. Costs at most `cap` rows of one doclist.
 */
function estimateFrequency(db: Database.Database, kind: HitKind, term: QueryTerm, range: { low: number; high: number }, cap: number): number {
  const { fts } = shapes[kind];
  const probe = prepared(
    db,
    `SELECT count(*) AS n, min(r) AS oldest FROM (SELECT rowid AS r FROM ${fts} WHERE ${fts} MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid DESC LIMIT ?)`,
  ).get(ftsPhrase(term), range.low, range.high, cap + 1) as { n: number; oldest: number | null };
  if (probe.n <= cap || probe.oldest === null) return probe.n;
  return Math.ceil((probe.n * (range.high - range.low + 1)) / (range.high - probe.oldest + 1));
}

/**
 * Ranks one kind of hit for a query on SQLite. With every term within the planner's budget this is exact bm25 over
 * all terms (OR: rows with more and rarer terms rank higher). Otherwise: every row containing one of the light
 * terms is ranked by bm25 over light and medium terms; if fewer than `limit` rows were found, the newest
 * `candidateBudget` rows containing all medium terms (then any) are ranked and added; then, unscored (score 0), the
 * newest rows containing all remaining terms (then any). Stop terms never contribute to a score.
 */
export function searchSqlite(
  db: Database.Database,
  tenantId: string,
  kind: HitKind,
  query: TextQuery,
  limit: number,
  filter: CheckedFilter,
  limits: PlannerLimits,
): RankedRow[] {
  const range = tenantRange(db, kind, tenantId);
  if (range === null || query.terms.length === 0) return [];
  // With no finite budget every term is light: nothing to estimate (the exhaustive mode the benchmark compares with).
  const frequencies = Number.isFinite(limits.candidateBudget)
    ? query.terms.map((term) => estimateFrequency(db, kind, term, range, limits.candidateBudget))
    : query.terms.map(() => 0);
  const plan = planTerms(query.terms, frequencies, limits);
  const filtered = filterSql(kind, filter);
  const excluded = query.excluded.length > 0 ? ` NOT ${anyOf(query.excluded)}` : '';
  const found = new Map<string, { score: number; aliasKey?: string }>();

  const run = (expression: string, mode: Mode, count?: number) => {
    const params: unknown[] = [excluded === '' ? expression : `(${expression})${excluded}`, range.low, range.high, tenantId, ...filtered.params];
    if (count !== undefined) params.push(count);
    const rows = prepared(db, candidateSql(kind, mode, filtered)).all(...params) as { id: string; alias_key?: string; rank_value: number }[];
    for (const row of rows) {
      if (found.has(row.id)) continue;
      // bm25() is lower-is-better; hits are higher-is-better.
      found.set(row.id, { score: row.rank_value === 0 ? 0 : -row.rank_value, aliasKey: row.alias_key });
    }
  };

  if (plan.light.length > 0) {
    const light = anyOf(plan.light);
    if (plan.medium.length > 0) {
      // Rows with a light term and a medium one get their full score first; the rest keep their light-terms score.
      run(`${light} AND ${anyOf(plan.medium)}`, 'all');
      run(light, 'ranked', limit + found.size);
    } else {
      run(light, 'ranked', limit);
    }
  }
  if (found.size < limit && plan.medium.length > 0) {
    const windows = plan.medium.length > 1 ? [allOf(plan.medium), anyOf(plan.medium)] : [allOf(plan.medium)];
    for (const expression of windows) {
      if (found.size >= limit) break;
      run(expression, 'window', limits.candidateBudget);
    }
  }
  if (found.size < limit && plan.stop.length > 0) {
    const rest = [...plan.medium, ...plan.stop];
    const fills = rest.length > 1 ? [allOf(rest), anyOf(rest)] : [allOf(rest)];
    for (const expression of fills) {
      if (found.size >= limit) break;
      run(expression, 'newest', limit + found.size);
    }
  }
  return [...found]
    .map(([id, row]) => ({ id, score: row.score, aliasKey: row.aliasKey }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit)
    .map((row) => (row.aliasKey === undefined ? { id: row.id, score: row.score } : row));
}

/** Passage texts by chunk ID, for snippets. */
export function passageTexts(db: Database.Database, tenantId: string, ids: readonly string[]): Map<string, string> {
  const rows = prepared(db, 'SELECT id, text FROM chunks WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))').all(
    tenantId,
    JSON.stringify(ids),
  ) as {
    id: string;
    text: string;
  }[];
  return new Map(rows.map((row) => [row.id, row.text]));
}

/** The alias texts of (entity, alias key) pairs, keyed `entity\0key`. */
export function aliasTexts(db: Database.Database, tenantId: string, pairs: readonly { id: string; aliasKey: string }[]): Map<string, string> {
  const rows = prepared(
    db,
    `SELECT a.entity_id, a.alias_key, a.alias FROM json_each(?) j
     CROSS JOIN entity_aliases a ON a.tenant_id = ? AND a.entity_id = json_extract(j.value, '$[0]') AND a.alias_key = json_extract(j.value, '$[1]')`,
  ).all(JSON.stringify(pairs.map((pair) => [pair.id, pair.aliasKey])), tenantId) as { entity_id: string; alias_key: string; alias: string }[];
  return new Map(rows.map((row) => [`${row.entity_id}\u0000${row.alias_key}`, row.alias]));
}
