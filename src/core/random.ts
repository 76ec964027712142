/** @module A seeded pseudo-random generator (mulberry32), so sampled, shuffled and generated things repeat exactly for a seed. */

/**
 * Numbers in [0, 1) from a 32-bit seed; the same seed gives the same sequence on every platform.
 * @example
 * const random = seededRandom(42);
 * random(); // 0.6011037519201636
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
