/** @module Small hash helpers shared by modules that hash words and signatures in hot loops. */

/** MurmurHash3's 32-bit finaliser: spreads every input bit over the output (an unsigned 32-bit integer). */
export function mix32(value: number): number {
  let hash = value >>> 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
