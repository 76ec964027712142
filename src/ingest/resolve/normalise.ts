/** @module Name normalisation for entity resolution: NFKC, case, punctuation, honorifics; acronyms and similarity. */
import { canonicalKey } from '../../graph/keys.js';
import * as lexicon from '../extract/lexicon.js';

const punctuation = /[\p{P}\p{S}]+/gu;
const stopWords = new Set(['of', 'the', 'and', 'for', 'on', 'in', 'at', 'to', 'de', 'du', 'des', 'la', 'le', 'von', 'van', 'der', '&', 'a', 'an']);
const organizationWords = new Set([...lexicon.organizationWords, ...lexicon.clubSuffixes].map((word) => word.toLowerCase().replace(/\./g, '')));

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
  while (words.length > 1 && lexicon.honorifics.has(words[0]!)) words.shift();
  while (words.length > 1 && lexicon.honorifics.has(words[words.length - 1]!)) words.pop();
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

/** The initials a multi-word name may be abbreviated to: without its small words, and with them ("cfr", "cofr"). */
export function acronymsOf(name: string): string[] {
  const words = normaliseName(name).split(' ');
  if (words.length < 2) return [];
  return [...new Set([acronymOf(name), words.map((word) => word[0]).join('')])].filter(Boolean);
}

/** Whether a normalised word is an organisation word ("corporation", "fc", "records"). */
export function isOrganizationWord(word: string): boolean {
  return organizationWords.has(word);
}

/** Whether a name is a known place ("San Antonio", "Kansas City"). */
export function isPlaceName(name: string): boolean {
  return lexicon.cities.has(name) || lexicon.divisions.has(name) || lexicon.countries.has(name) || lexicon.regions.has(name);
}

/**
 * Whether two keys may be compared for a fuzzy match: not when their numbers differ ("Boeing 747", "Boeing 777"), nor
 * when one word is the other plus an ending ("Canada", "Canadian"; "Spring", "Springer"), nor when multi-word names
 * differ in length or in a whole word ("Battle of Chiari", "Battle of Carpi").
 */
export function comparable(a: string, b: string): boolean {
  if ((a.match(/\p{N}+/gu) ?? []).join(' ') !== (b.match(/\p{N}+/gu) ?? []).join(' ')) return false;
  const aWords = a.split(' ');
  const bWords = b.split(' ');
  if (aWords.length !== bWords.length) return false;
  return aWords.every((word, index) => {
    const other = bWords[index]!;
    if (word === other || unaccented(word) === unaccented(other)) return true;
    const stem = Math.min(word.length, other.length) - 1;
    if (stem >= 3 && word.slice(0, stem) === other.slice(0, stem)) return false;
    return similarity(word, other) >= 0.92;
  });
}

const unaccented = (word: string): string => word.normalize('NFD').replace(/\p{M}+/gu, '');

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
