/**
 * @module Full-text search on SQLite: FTS5 bm25 over the tenant's row range, with the planner of `plan.ts` bounding
 * how many rows are scored. Every query text reaches FTS5 as quoted phrases built here, never as typed.
 */
import type Database from 'better-sqlite3';
import type { GraphHitKind } from '../types.js';
import type { CheckedFilter, RankedRow } from './options.js';
import { type PlannerLimits, type TermEstimate, planTerms } from './plan.js';
import { type Range, allOf, anyOf, ftsPhrase, passageRows, prepared, shapes, tenantBlock } from './fts.js';
import { rankWithinSources } from './sqlite-sources.js';
import type { QueryTerm, TextQuery } from './query.js';

/**
 * How a candidate query orders and bounds its rows: `ranked` the best by bm25 (every match is scored), `all` every
 * match with its score, `window` the newest matches with their scores, `newest` the newest matches unscored.
 */
type Mode = 'ranked' | 'all' | 'window' | 'newest';

/** The joins and conditions of a filter, and their parameters in order; `joins` is empty when nothing is filtered. */
interface FilterSql {
  joins: string;
  where: string;
  params: unknown[];
}

function filterSql(kind: GraphHitKind, filter: CheckedFilter): FilterSql {
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

/**
 * The SQL of a candidate query, with `?` for: the MATCH expression, the range's low and high, then (when it joins the
 * map) the tenant and the filter's parameters, then the LIMIT. Passages are keyed by row number and joined to the
 * map only to filter; entities are grouped, each once with its best-scoring alias. Ties go to the newest row.
 */
function candidateSql(kind: GraphHitKind, mode: Mode, filter: FilterSql, direction: 'ASC' | 'DESC'): string {
  const { fts, map } = shapes[kind];
  const score = mode === 'newest' ? '0' : `bm25(${fts})`;
  const bounded = mode === 'window' || mode === 'newest';
  const where = `${fts} MATCH ? AND ${fts}.rowid BETWEEN ? AND ?`;
  if (kind === 'passage') {
    const join = filter.joins === '' ? '' : ` CROSS JOIN ${map} m ON m.fts_rowid = ${fts}.rowid ${filter.joins}`;
    const check = filter.joins === '' ? '' : ` AND m.tenant_id = ?${filter.where}`;
    const order = mode === 'ranked' ? ' ORDER BY rank_value, key DESC LIMIT ?' : bounded ? ` ORDER BY ${fts}.rowid ${direction} LIMIT ?` : '';
    return `SELECT ${fts}.rowid AS key, ${score} AS rank_value FROM ${fts}${join} WHERE ${where}${check}${order}`;
  }
  // CROSS JOIN keeps FTS5 the outer loop (bm25() needs its cursor); MATERIALIZED keeps bm25() out of the aggregate.
  const rows = `SELECT m.entity_id AS key, m.alias_key AS alias_key, ${score} AS rank_value FROM ${fts} CROSS JOIN ${map} m ON m.fts_rowid = ${fts}.rowid ${filter.joins}
    WHERE ${where} AND m.tenant_id = ?${filter.where}`;
  return `WITH matched AS MATERIALIZED (${rows}${bounded ? ` ORDER BY ${fts}.rowid ${direction} LIMIT ?` : ''})
    SELECT key, alias_key, min(rank_value) AS rank_value FROM matched GROUP BY key${mode === 'ranked' ? ' ORDER BY rank_value, key LIMIT ?' : ''}`;
}

/** The tenant's range of row numbers in an index, or null when it has no rows there. */
function tenantRange(db: Database.Database, kind: GraphHitKind, tenantId: string): Range | null {
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
 * Estimated rows of the range matching a term: exact up to `cap`; above it, extrapolated from how far back the newest
 * `cap` matches reach. Reads at most `cap` matches of the term.
 */
function estimateFrequency(db: Database.Database, kind: GraphHitKind, term: QueryTerm, range: Range, cap: number): number {
  const { fts } = shapes[kind];
  const probe = prepared(
    db,
    `SELECT count(*) AS n, min(r) AS oldest FROM (SELECT rowid AS r FROM ${fts} WHERE ${fts} MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid DESC LIMIT ?)`,
  ).get(ftsPhrase(term), range.low, range.high, cap + 1) as { n: number; oldest: number | null };
  if (probe.n <= cap || probe.oldest === null) return probe.n;
  return Math.ceil((probe.n * (range.high - range.low + 1)) / (range.high - probe.oldest + 1));
}

/**
 * Each term's estimate. A phrase's words are estimated first: a phrase with a common word is not probed itself.
 */
export function estimateTerms(db: Database.Database, kind: GraphHitKind, terms: readonly QueryTerm[], range: Range, limits: PlannerLimits): TermEstimate[] {
  // With no finite budget every term is light: nothing to estimate (the exhaustive mode the benchmark compares with).
  if (!Number.isFinite(limits.candidateBudget)) return terms.map(() => ({ frequency: 0, entries: 0 }));
  return terms.map((term) => {
    if (term.words.length === 1) {
      const frequency = estimateFrequency(db, kind, term, range, limits.candidateBudget);
      return { frequency, entries: frequency };
    }
    const last = term.words.length - 1;
    const entries = term.words
      .map((word, index) =>
        estimateFrequency(
          db,
          kind,
          { text: word, words: [word], folded: [term.folded[index] as string], prefix: term.prefix && index === last },
          range,
          limits.candidateBudget,
        ),
      )
      .reduce((sum, frequency) => sum + frequency, 0);
    // Probing the phrase itself would step through all of its words' rows: a phrase with a common word stays a stop term.
    if (entries > limits.stopFrequency) return { frequency: entries, entries };
    return { frequency: estimateFrequency(db, kind, term, range, limits.candidateBudget), entries };
  });
}

/** Doclist entries a fill reads at most (about 1 ms). */
const fillEntriesFactor = 10;

/**
 * The part of `range` at its newest end (or oldest, for `ASC`) where terms that together have `total` entries are
 * expected to have about `wanted`: windows and fills read no further, even when a filter rejects what they read.
 */
function windowOf(range: Range, wanted: number, total: number, direction: 'ASC' | 'DESC'): Range {
  const span = Math.ceil(((range.high - range.low + 1) * wanted) / Math.max(wanted, total));
  return direction === 'DESC'
    ? { low: Math.max(range.low, range.high - span + 1), high: range.high }
    : { low: range.low, high: Math.min(range.high, range.low + span - 1) };
}

/** A row found, keyed by row number (passages) or entity ID; its score is higher-is-better, 0 when unscored. */
interface Found {
  score: number;
  aliasKey?: string;
}

/**
 * Ranks one kind of hit for a query on SQLite. With every term within the planner's budget this is exact bm25 over
 * all terms (OR: rows with more and rarer terms rank higher). Otherwise: every row containing one of the light
 * terms is ranked by bm25 over light and medium terms; if fewer than `limit` rows were found, the newest rows
 * containing all medium terms (then any) — max(budget / 2, limit) of them — are ranked and added; then, unscored
 * (score 0), the newest rows containing all remaining terms (then any), reading at most about 10 × budget doclist
 * entries. Stop terms never contribute to a score. With only an `until` time filter, windows start from the oldest
 * rows instead. Passages filtered to a few sources are ranked in JavaScript (sqlite-sources.ts).
 */
export function searchSqlite(
  db: Database.Database,
  tenantId: string,
  kind: GraphHitKind,
  query: TextQuery,
  limit: number,
  filter: CheckedFilter,
  limits: PlannerLimits,
): RankedRow[] {
  const range = tenantRange(db, kind, tenantId);
  if (range === null || query.terms.length === 0) return [];
  const estimates = estimateTerms(db, kind, query.terms, range, limits);
  if (kind === 'passage' && filter.sourceIds) {
    const ranked = rankWithinSources(db, tenantId, query, limit, filter, range, estimates, limits);
    if (ranked) return ranked;
  }
  const plan = planTerms(query.terms, estimates, limits);
  const estimateOf = (term: QueryTerm) => estimates[query.terms.indexOf(term)] as TermEstimate;
  const sum = (terms: readonly QueryTerm[], field: keyof TermEstimate) => terms.reduce((total, term) => total + estimateOf(term)[field], 0);
  const filtered = filterSql(kind, filter);
  const direction = filter.until !== undefined && filter.since === undefined ? 'ASC' : 'DESC';
  const excluded = query.excluded.length > 0 ? ` NOT ${anyOf(query.excluded)}` : '';
  const found = new Map<string | number, Found>();

  const run = (expression: string, mode: Mode, within: Range, count?: number) => {
    const params: unknown[] = [excluded === '' ? expression : `(${expression})${excluded}`, within.low, within.high];
    if (kind === 'entity' || filtered.joins !== '') params.push(tenantId, ...filtered.params);
    if (count !== undefined) params.push(count);
    const rows = prepared(db, candidateSql(kind, mode, filtered, direction)).all(...params) as {
      key: string | number;
      alias_key?: string;
      rank_value: number;
    }[];
    for (const row of rows) {
      if (found.has(row.key)) continue;
      // bm25() is lower-is-better; hits are higher-is-better.
      found.set(row.key, { score: row.rank_value === 0 ? 0 : -row.rank_value, aliasKey: row.alias_key });
    }
  };

  if (plan.light.length > 0) {
    const light = anyOf(plan.light);
    if (plan.medium.length > 0) {
      // Rows with a light term and a medium one get their full score first; the rest keep their light-terms score.
      run(`${light} AND ${anyOf(plan.medium)}`, 'all', range);
      run(light, 'ranked', range, limit + found.size);
    } else {
      run(light, 'ranked', range, limit);
    }
  }
  if (found.size < limit && plan.medium.length > 0) {
    // The newest rows with the medium terms, about half the budget of them: what one query can score within bounds.
    const size = Math.max(Math.ceil(limits.candidateBudget / 2), limit);
    const within = windowOf(range, size, sum(plan.medium, 'frequency'), direction);
    const windows = plan.medium.length > 1 ? [allOf(plan.medium), anyOf(plan.medium)] : [allOf(plan.medium)];
    for (const expression of windows) {
      if (found.size >= limit) break;
      run(expression, 'window', within, size);
    }
  }
  if (found.size < limit && plan.stop.length > 0) {
    const rest = [...plan.medium, ...plan.stop];
    const within = windowOf(range, Math.max(fillEntriesFactor * limits.candidateBudget, limit), sum(rest, 'entries'), direction);
    const fills = rest.length > 1 ? [allOf(rest), anyOf(rest)] : [allOf(rest)];
    for (const expression of fills) {
      if (found.size >= limit) break;
      run(expression, 'newest', within, limit + found.size);
    }
  }
  const best = [...found]
    .sort(([keyA, a], [keyB, b]) => b.score - a.score || (typeof keyA === 'number' ? (keyB as number) - keyA : keyA < keyB ? -1 : keyA > keyB ? 1 : 0))
    .slice(0, limit);
  if (kind === 'entity') return best.map(([key, row]) => ({ id: key as string, score: row.score, aliasKey: row.aliasKey }));
  return passageRows(db, tenantId, best as [number, Found][]);
}

/** Passage texts by chunk ID, for snippets. */
export function passageTexts(db: Database.Database, tenantId: string, ids: readonly string[]): Map<string, string> {
  const rows = prepared(db, 'SELECT c.id, c.text FROM json_each(?) j CROSS JOIN chunks c ON c.tenant_id = ? AND c.id = j.value').all(
    JSON.stringify(ids),
    tenantId,
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
