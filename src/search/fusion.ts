/** @module Reciprocal rank fusion: ranked lists from several signals become one ranking that keeps each signal's rank and score. */
import type { HitKind } from './types.js';

/** The signals hybrid search fuses. */
export type Signal = 'text' | 'vector' | 'graph';

/** One item of a signal's ranked list (best first). */
export interface RankedItem {
  kind: HitKind;
  id: string;
  score: number;
}

/** Where an item stood in one signal: its 1-based rank and that signal's own score. */
export interface SignalRank {
  rank: number;
  score: number;
}

/** A fused item: the RRF score and where it stood in each signal that returned it. */
export interface FusedItem {
  kind: HitKind;
  id: string;
  score: number;
  signals: Partial<Record<Signal, SignalRank>>;
}

/**
 * The constant `k` of RRF (Cormack, Clarke and Büttcher 2009): an item at rank r of a list adds 1 / (k + r). 60 is the
 * paper's value and what Elasticsearch, OpenSearch and Graphiti use; it keeps one signal's top hit from drowning out items
 * that several signals agree on.
 */
export const rrfK = 60;

/**
 * Fuses ranked lists. Each list is one signal's ranking of one or more kinds; an item's rank is its position among the
 * items of the same kind in that list, so a signal that returns 50 passages and 5 entities ranks both from 1. Ties in the
 * fused score keep the order of the best single rank, then kind and ID, so the result is deterministic.
 */
export function fuse(lists: readonly { signal: Signal; items: readonly RankedItem[]; weight?: number }[]): FusedItem[] {
  const fused = new Map<string, FusedItem & { best: number }>();
  for (const { signal, items, weight = 1 } of lists) {
    const rankOfKind = new Map<HitKind, number>();
    for (const item of items) {
      const key = `${item.kind}:${item.id}`;
      const rank = (rankOfKind.get(item.kind) ?? 0) + 1;
      rankOfKind.set(item.kind, rank);
      let entry = fused.get(key);
      if (!entry) {
        entry = { kind: item.kind, id: item.id, score: 0, signals: {}, best: rank };
        fused.set(key, entry);
      }
      // A list may name an item twice (two kinds share nothing, but a caller may concatenate): the first rank counts.
      if (entry.signals[signal]) continue;
      entry.signals[signal] = { rank, score: item.score };
      entry.score += weight / (rrfK + rank);
      entry.best = Math.min(entry.best, rank);
    }
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(({ best: _best, ...item }) => item);
}
