/**
 * @module Passages of a few sources on SQLite, ranked among themselves in JavaScript. FTS5 does not skip through a
 * doclist to a row number (a `rowid BETWEEN` reads the doclist from one end, measured: 64 ms to reach the middle of a
 * word's million rows), so finding matches among a source's chunks with FTS5 costs as much as the whole word; reading
 * the chunks' text and matching it as the index would costs about 12 µs a chunk.
 */
import type Database from 'better-sqlite3';
import type { CheckedFilter, RankedRow } from './options.js';
import { type Range, passageRows, prepared } from './fts.js';
import type { PlannerLimits, TermEstimate } from './plan.js';
import type { TextQuery } from './query.js';
import { idf, matchAndScore } from './score.js';

/**
 * The best passages of the filter's sources (and time range), or null when those sources hold more than
 * `candidateBudget` passages (the general path then ranks with the filter inside its queries). Every term counts,
 * common ones too; idf comes from the planner's estimates over the tenant's rows.
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
  // The source list drives (CROSS JOIN) through chunks' (tenant, source, ordinal) key; without `ordinal >= 0` SQLite
  // (no statistics) reads the tenant's chunks by primary key instead and tests each source ID.
  const params: unknown[] = [JSON.stringify(filter.sourceIds), tenantId];
  if (filter.since !== undefined) params.push(filter.since);
  if (filter.until !== undefined) params.push(filter.until);
  const candidates = prepared(
    db,
    `SELECT m.fts_rowid AS rowid, c.text FROM json_each(?) j
     CROSS JOIN chunks c ON c.tenant_id = ? AND c.source_id = j.value AND c.ordinal >= 0
     ${byTime ? 'JOIN sources s ON s.tenant_id = c.tenant_id AND s.id = c.source_id' : ''}
     CROSS JOIN search_passage_rows m ON m.tenant_id = c.tenant_id AND m.chunk_id = c.id
     WHERE 1${filter.since !== undefined ? ' AND s.created_at >= ?' : ''}${filter.until !== undefined ? ' AND s.created_at <= ?' : ''}
     LIMIT ?`,
  ).all(...params, limits.candidateBudget + 1) as { rowid: number; text: string }[];
  if (candidates.length > limits.candidateBudget) return null;
  const rows = range.high - range.low + 1;
  const scores = matchAndScore(
    candidates.map((candidate) => candidate.text),
    query,
    estimates.map((estimate) => idf(Math.max(rows, estimate.frequency), estimate.frequency)),
  );
  const ranked: [number, { score: number }][] = [];
  candidates.forEach((candidate, index) => {
    const score = scores[index];
    if (score !== null && score !== undefined) ranked.push([candidate.rowid, { score }]);
  });
  ranked.sort(([rowidA, a], [rowidB, b]) => b.score - a.score || rowidB - rowidA);
  return passageRows(db, tenantId, ranked.slice(0, limit));
}
