/**
 * @module Which terms of a query SQLite ranks exhaustively and which only in a bounded window: bm25 in FTS5 scores
 * every row the expression matches (about 1.1 µs a row here) and first reads each phrase's whole doclist to count its
 * documents (about 35 ns a row), so a term in hundreds of thousands of passages cannot be ranked within milliseconds.
 */
import type { QueryTerm } from './query.js';

/** Bounds of the SQLite planner. Both are row counts, since the costs they bound are per row. */
export interface PlannerLimits {
  /**
   * Most rows an exhaustively ranked expression may match (estimated): the rarest terms up to this many matching
   * rows together are ranked over all their matches. @default 1000
   */
  candidateBudget: number;
  /** Terms matching more rows than this (estimated) are never scored: their bm25 weight is small and counting them is not. @default 30000 */
  stopFrequency: number;
}

/** The limits measured to keep text search under 15 ms at p95 on 1,000,000 passages (bench/search-text.ts). */
export const defaultPlannerLimits: PlannerLimits = { candidateBudget: 1000, stopFrequency: 30_000 };

/** A term's estimates, in rows of the tenant. */
export interface TermEstimate {
  /** Rows the term matches. */
  frequency: number;
  /**
   * Rows of its words together: the doclist entries FTS5 steps through to match it. FTS5 reads a doclist one entry
   * at a time, even to reach a given row (measured: 64 ms to reach the middle of a word's million rows), so a phrase
   * or an AND with a common word costs that word's every row.
   */
  entries: number;
}

/** The terms of a query split by how many rows they match. */
export interface TermPlan {
  /** The rarest terms, together within the candidate budget: every row matching one of them is ranked. */
  light: QueryTerm[];
  /** Terms within the stop frequency but over the budget: they add to the score of light terms' rows, and fill the results from a window of the newest rows. */
  medium: QueryTerm[];
  /** Terms over the stop frequency, and phrases whose words together are: only used to fill the results with the newest rows that contain them, unscored. */
  stop: QueryTerm[];
}

/**
 * Splits terms by their estimates: rarest first into `light` while their sum stays within the budget, the rest into
 * `medium` or `stop` by the stop frequency; a phrase with a common word is `stop` whatever its own frequency.
 * @example
 * planTerms([zurich, bank, the], [40, 9000, 800000].map((n) => ({ frequency: n, entries: n })), defaultPlannerLimits)
 * // { light: [zurich], medium: [bank], stop: [the] }
 */
export function planTerms(terms: readonly QueryTerm[], estimates: readonly TermEstimate[], limits: PlannerLimits): TermPlan {
  const order = terms.map((_, index) => index).sort((a, b) => (estimates[a] as TermEstimate).frequency - (estimates[b] as TermEstimate).frequency);
  const plan: TermPlan = { light: [], medium: [], stop: [] };
  let total = 0;
  for (const index of order) {
    const { frequency, entries } = estimates[index] as TermEstimate;
    const term = terms[index] as QueryTerm;
    if (frequency > limits.stopFrequency || entries > limits.stopFrequency) plan.stop.push(term);
    else if (total + frequency <= limits.candidateBudget) {
      plan.light.push(term);
      total += frequency;
    } else plan.medium.push(term);
  }
  return plan;
}
