/**
 * @module Passages of a few sources on SQLite, ranked among themselves: a source's chunks are inserted in one
 * transaction and so hold consecutive row numbers, and FTS5 finds the matches in each run of them at once. They are
 * scored with bm25 in JavaScript (score.ts) rather than FTS5's bm25(), which would first read every matching doclist
 * whole, once per run.
 */
import type Database from 'better-sqlite3';
import type { CheckedFilter, RankedRow } from './options.js';
import { type Range, anyOf, passageRows, prepared, shapes } from './fts.js';
import type { PlannerLimits, TermEstimate } from './plan.js';
import type { TextQuery } from './query.js';
import { bm25Scores, idf } from './score.js';

/** Most runs of consecutive row numbers searched one by one; more sources go the general way. */
const maxRuns = 200;

/** Consecutive row numbers as runs `[first, last]`, from sorted row numbers. */
function runsOf(rowids: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const rowid of rowids) {
    const last = runs[runs.length - 1];
    if (last && rowid === last[1] + 1) last[1] = rowid;
    else runs.push([rowid, rowid]);
  }
  return runs;
}

/**
 * The best passages of the filter's sources (and time range), or null when those sources hold more than
 * `candidateBudget` passages or too many runs of them (the general path then ranks with the filter inside its
 * queries). Every term counts, common ones too; idf comes from the planner's estimates over the tenant's rows.
 */
export function rankWithinSources(
  db: Database.Database,
  tenantId: string,
  query: TextQuery,
  limit: number,
  filter: CheckedFilter,
  range: Range,
  estimates: readonly TermEstimate[],
  limits: PlannerLimits,
): RankedRow[] | null {
  if (!Number.isFinite(limits.candidateBudget)) return null;
  const byTime = filter.since !== undefined || filter.until !== undefined;
  const params: unknown[] = [tenantId, JSON.stringify(filter.sourceIds)];
  if (filter.since !== undefined) params.push(filter.since);
  if (filter.until !== undefined) params.push(filter.until);
  const candidates = prepared(
    db,
    `SELECT m.fts_rowid FROM chunks c ${byTime ? 'JOIN sources s ON s.tenant_id = c.tenant_id AND s.id = c.source_id' : ''}
     CROSS JOIN search_passage_rows m ON m.tenant_id = c.tenant_id AND m.chunk_id = c.id
     WHERE c.tenant_id = ? AND c.source_id IN (SELECT value FROM json_each(?))${filter.since !== undefined ? ' AND s.created_at >= ?' : ''}${
       filter.until !== undefined ? ' AND s.created_at <= ?' : ''
     }
     LIMIT ?`,
  )
    .pluck()
    .all(...params, limits.candidateBudget + 1) as number[];
  if (candidates.length > limits.candidateBudget) return null;
  const runs = runsOf(candidates.sort((a, b) => a - b));
  if (runs.length > maxRuns) return null;
  const { fts } = shapes.passage;
  const excluded = query.excluded.length > 0 ? ` NOT ${anyOf(query.excluded)}` : '';
  const expression = excluded === '' ? anyOf(query.terms) : `(${anyOf(query.terms)})${excluded}`;
  const match = prepared(db, `SELECT rowid FROM ${fts} WHERE ${fts} MATCH ? AND rowid BETWEEN ? AND ?`).pluck();
  const matched = runs.flatMap(([first, last]) => match.all(expression, first, last) as number[]);
  if (matched.length === 0) return [];
  const texts = prepared(
    db,
    `SELECT m.fts_rowid AS rowid, c.text FROM json_each(?) j
     CROSS JOIN search_passage_rows m ON m.fts_rowid = j.value
     JOIN chunks c ON c.tenant_id = m.tenant_id AND c.id = m.chunk_id WHERE m.tenant_id = ?`,
  ).all(JSON.stringify(matched), tenantId) as { rowid: number; text: string }[];
  const rows = range.high - range.low + 1;
  const weights = estimates.map((estimate) => idf(Math.max(rows, estimate.frequency), estimate.frequency));
  const scores = bm25Scores(
    texts.map((row) => row.text),
    query.terms,
    weights,
  );
  const ranked = texts
    .map((row, index) => [row.rowid, { score: scores[index] as number }] as [number, { score: number }])
    .sort(([rowidA, a], [rowidB, b]) => b.score - a.score || rowidB - rowidA)
    .slice(0, limit);
  return passageRows(db, tenantId, ranked);
}
