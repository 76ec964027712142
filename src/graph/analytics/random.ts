/** @module Seeded randomness for the analytics: the generator (src/core/random.ts) and a shuffle, so sampled and shuffled algorithms repeat exactly for a seed. */
export { seededRandom } from '../../core/random.js';

/** Shuffles `items` in place (Fisher–Yates) with `random`. */
export function shuffle(items: Uint32Array, random: () => number): Uint32Array {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    const held = items[index] as number;
    items[index] = items[other] as number;
    items[other] = held;
  }
  return items;
}
