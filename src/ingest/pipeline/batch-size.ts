/** @module Adaptive batch size: chunks per commit, grown or shrunk toward a target commit latency. */

/** Options of {@link createBatchSizer}. */
export interface BatchSizerOptions {
  /** Chunks in the first batch. @default 32 */
  initial?: number;
  /** @default 4 */
  min?: number;
  /** @default 2048 */
  max?: number;
  /** Commit latency aimed at, in milliseconds: below the band the batch grows, above it shrinks. @default [100, 250] */
  targetMs?: readonly [number, number];
}

/** Chooses how many chunks the next batch commits, from how long the last commits took. */
export interface BatchSizer {
  /** Chunks for the next batch. */
  readonly size: number;
  /** Records how long a batch of `chunks` chunks took to commit. */
  record(chunks: number, milliseconds: number): void;
}

/**
 * Multiplicative steps, bounded: a commit faster than the band scales the batch up (at most ×2), a slower one scales
 * it down in proportion (at least ÷2), so a slow store or a cheap corpus settles in a few batches. Batches smaller
 * than the current size (the end of a document) say little about latency and only move the size when too slow.
 * @example
 * const sizer = createBatchSizer();
 * sizer.record(32, 20); sizer.size // 64
 */
export function createBatchSizer(options: BatchSizerOptions = {}): BatchSizer {
  const min = options.min ?? 4;
  const max = options.max ?? 2048;
  const [low, high] = options.targetMs ?? [100, 250];
  let size = Math.min(max, Math.max(min, options.initial ?? 32));
  return {
    get size() {
      return size;
    },
    record(chunks, milliseconds) {
      if (chunks <= 0) return;
      const target = (low + high) / 2;
      if (milliseconds > high) {
        size = Math.max(min, Math.floor(Math.min(size, chunks) * Math.max(0.5, target / milliseconds)));
      } else if (milliseconds < low && chunks >= size) {
        const factor = milliseconds <= 0 ? 2 : Math.min(2, target / milliseconds);
        size = Math.min(max, Math.max(size + 1, Math.floor(size * factor)));
      }
    },
  };
}
