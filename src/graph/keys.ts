/** @module Canonical keys: the normalisation that decides when two names are the same entity. */

const whitespace = /\s+/g;

/**
 * Normalises a name to its canonical key: Unicode NFKC, lower case, collapsed whitespace, trimmed.
 * @example
 * canonicalKey('  ACME\u00a0 Corp ') // 'acme corp'
 */
export function canonicalKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(whitespace, ' ').trim();
}
