/** @module Name normalisation for entity resolution: NFKC, case, punctuation, honorifics; acronyms and similarity. */
import { canonicalKey } from '../../graph/keys.js';
import { honorifics } from '../extract/lexicon.js';

const punctuation = /[\p{P}\p{S}]+/gu;
const stopWords = new Set(['of', 'the', 'and', 'for', 'de', 'du', 'la', 'le', 'von', 'van', 'der', '&', 'a', 'an']);

/**
 * The comparison key of a name: the graph's canonical key (NFKC, lower case, collapsed spaces) with punctuation
 * removed, honorifics and a leading article dropped, and accents kept (so "Müller" and "Muller" stay distinct).
 * @example
 * normaliseName('Dr. Jane  Smith, Jr.') // 'jane smith'
 */
export function normaliseName(name: string): string {
  const words = canonicalKey(name)
    .replace(/['’]s\b/g, '')
    .replace(punctuation, ' ')
    .split(' ')
    .filter(Boolean);
  while (words.length > 1 && honorifics.has(words[0]!)) words.shift();
  while (words.length > 1 && honorifics.has(words[words.length - 1]!)) words.pop();
  if (words.length > 1 && words[0] === 'the') words.shift();
  return words.join(' ');
}

/** Initials of a multi-word name's significant words ("International Business Machines" → "ibm"); "" for one word. */
export function acronymOf(name: string): string {
  const words = normaliseName(name)
    .split(' ')
    .filter((word) => !stopWords.has(word));
  return words.length < 2 ? '' : words.map((word) => word[0]).join('');
}

/** Whether a surface form looks like an acronym: 2–8 capitals, optionally dotted ("IBM", "U.S."). */
export function isAcronym(surface: string): boolean {
  return /^(?:\p{Lu}\.?){2,8}$/u.test(surface.trim()) || /^(?:\p{Lu}\.){2,8}$/u.test(surface.trim());
}

/** Jaro–Winkler similarity (0–1) of two keys: robust to small spelling variants of names. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const window = Math.max(0, (Math.max(a.length, b.length) >> 1) - 1);
  const aMatched = new Uint8Array(a.length);
  const bMatched = new Uint8Array(b.length);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = Math.max(0, i - window); j < Math.min(b.length, i + window + 1); j++) {
      if (bMatched[j] || a[i] !== b[j]) continue;
      aMatched[i] = bMatched[j] = 1;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  for (let i = 0, j = 0; i < a.length; i++) {
    if (!aMatched[i]) continue;
    while (!bMatched[j]) j++;
    if (a[i] !== b[j]) transpositions++;
    j++;
  }
  const jaro = (matches / a.length + matches / b.length + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && a[prefix] !== undefined && a[prefix] === b[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}
