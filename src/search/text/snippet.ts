/** @module Snippets: the window of a passage where the query's terms are densest, cut at word boundaries, with the ranges where terms matched. */
import type { Highlight } from '../types.js';
import { type QueryTerm, wordMatches } from './query.js';
import { type Token, isWordCharacterAt, tokenize } from './tokens.js';

/** Target length of a passage snippet, in characters. */
export const snippetLength = 200;
/** How far a cut may move to reach a word boundary before it cuts through the word. */
const boundarySearch = 30;

/** Where one term matched: the character range and which term. */
interface Match {
  start: number;
  end: number;
  term: number;
}

/**
 * Every match of the terms in a text's words, in text order, without overlaps; a phrase matches as one range over its
 * words, and where terms compete for a word the longest phrase wins.
 */
export function findMatches(tokens: readonly Token[], terms: readonly QueryTerm[]): Match[] {
  const order = terms.map((_, index) => index).sort((a, b) => (terms[b] as QueryTerm).folded.length - (terms[a] as QueryTerm).folded.length);
  const matches: Match[] = [];
  for (let at = 0; at < tokens.length; at++) {
    for (const term of order) {
      const candidate = terms[term] as QueryTerm;
      const length = candidate.folded.length;
      if (at + length > tokens.length) continue;
      let all = true;
      for (let position = 0; position < length && all; position++) all = wordMatches(candidate, position, (tokens[at + position] as Token).folded);
      if (all) {
        matches.push({ start: (tokens[at] as Token).start, end: (tokens[at + length - 1] as Token).end, term });
        at += length - 1;
        break;
      }
    }
  }
  return matches;
}

/** Highlights of every match in a short text shown whole (an entity's name or alias). */
export function highlightText(text: string, terms: readonly QueryTerm[]): Highlight[] {
  return findMatches(tokenize(text), terms).map((match) => [match.start, match.end] as const);
}

/** The first `from..to` range of matches that fits in the target length with the most distinct terms, then the most matches. */
function densestRun(matches: readonly Match[], length: number): { first: number; last: number } {
  let best = { first: 0, last: 0, terms: 0, count: 0 };
  for (let first = 0; first < matches.length; first++) {
    const seen = new Set<number>();
    let last = first;
    for (let next = first; next < matches.length && (matches[next] as Match).end - (matches[first] as Match).start <= length; next++) {
      seen.add((matches[next] as Match).term);
      last = next;
    }
    const count = last - first + 1;
    if (seen.size > best.terms || (seen.size === best.terms && count > best.count)) best = { first, last, terms: seen.size, count };
  }
  return best;
}

/** Moves a cut at `index` to a word boundary, towards `direction`, by at most {@link boundarySearch} characters and never past `limit`. */
function toBoundary(text: string, index: number, direction: 1 | -1, limit: number): number {
  const inWord = (at: number) => isWordCharacterAt(text, at - 1) && isWordCharacterAt(text, at);
  let moved = index;
  for (let step = 0; step < boundarySearch && inWord(moved) && moved !== limit; step++) moved += direction;
  if (inWord(moved)) moved = index;
  // Never split a surrogate pair.
  const code = text.charCodeAt(moved);
  if (moved > 0 && moved < text.length && code >= 0xdc00 && code <= 0xdfff) moved += direction === 1 ? 1 : -1;
  return moved;
}

/**
 * The snippet of a passage for a query: about {@link snippetLength} characters around the densest run of matches, cut
 * at word boundaries and trimmed of spaces, with the `[start, end)` ranges of the matches inside it (relative to the
 * snippet). A passage no longer than the target is returned whole. The snippet is always an exact substring of the
 * passage.
 * @example
 * passageSnippet('Banks in Zürich.', parseTextQuery('zurich').terms)
 * // { snippet: 'Banks in Zürich.', highlights: [[9, 15]] }
 */
export function passageSnippet(text: string, terms: readonly QueryTerm[], length = snippetLength): { snippet: string; highlights: Highlight[] } {
  const matches = findMatches(tokenize(text), terms);
  let start = 0;
  let end = text.length;
  if (text.length > length) {
    if (matches.length === 0) {
      end = toBoundary(text, length, -1, 0);
    } else {
      const run = densestRun(matches, length);
      const from = (matches[run.first] as Match).start;
      const to = (matches[run.last] as Match).end;
      const spare = Math.max(0, length - (to - from));
      start = Math.max(0, from - Math.floor(spare / 2));
      end = Math.min(text.length, start + Math.max(length, to - from));
      start = Math.max(0, Math.min(start, end - length));
      start = toBoundary(text, start, 1, from);
      end = toBoundary(text, end, -1, to);
    }
  }
  while (start < end && /\s/u.test(text[start] as string)) start++;
  while (end > start && /\s/u.test(text[end - 1] as string)) end--;
  const highlights = matches.filter((match) => match.start >= start && match.end <= end).map((match) => [match.start - start, match.end - start] as const);
  return { snippet: text.slice(start, end), highlights };
}
