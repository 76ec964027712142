/** @module bm25 computed in JavaScript over texts at hand: for a small candidate set, where FTS5 would read whole doclists to find and score it. */
import { type QueryTerm, type TextQuery, wordMatches } from './query.js';
import { foldedWords } from './tokens.js';

/** FTS5's bm25 parameters. */
const k1 = 1.2;
const b = 0.75;

/** FTS5's idf: ln((N − n + 0.5) / (n + 0.5)), at least 10⁻⁶, for a term in `n` of `N` rows. */
export function idf(rows: number, matching: number): number {
  return Math.max(Math.log((rows - matching + 0.5) / (matching + 0.5)), 1e-6);
}

/** How often a term occurs in a text's folded words (a phrase as consecutive words, overlapping occurrences counted). */
function occurrences(folded: readonly string[], term: QueryTerm): number {
  let count = 0;
  const length = term.folded.length;
  for (let at = 0; at + length <= folded.length; at++) {
    let all = true;
    for (let position = 0; position < length && all; position++) all = wordMatches(term, position, folded[at + position] as string);
    if (all) count++;
  }
  return count;
}

/**
 * Matches the query against each text as the index would (any term, no excluded one) and scores the matches with
 * bm25 as FTS5 computes it (k1 1.2, b 0.75), with `weights[i]` the idf of `query.terms[i]` and the texts' own mean
 * length as the average; null for a text that does not match. Higher is better (FTS5's bm25() is the negation).
 */
export function matchAndScore(texts: readonly string[], query: TextQuery, weights: readonly number[]): (number | null)[] {
  const words = texts.map(foldedWords);
  const average = Math.max(1, words.reduce((sum, list) => sum + list.length, 0) / Math.max(1, words.length));
  return words.map((folded) => {
    if (query.excluded.some((term) => occurrences(folded, term) > 0)) return null;
    let score = 0;
    let matched = false;
    query.terms.forEach((term, index) => {
      const frequency = occurrences(folded, term);
      if (frequency === 0) return;
      matched = true;
      score += (weights[index] as number) * ((frequency * (k1 + 1)) / (frequency + k1 * (1 - b + (b * folded.length) / average)));
    });
    return matched ? score : null;
  });
}
