/**
 * @module What a user types, parsed into words, "quoted phrases", `-excluded` terms and `prefix*` terms. The parsed
 * form is all the engines ever see: each driver quotes every word itself, so no query text is ever read as FTS5 or
 * tsquery syntax.
 */
import { TrellisError } from '../../core/errors.js';
import { isUnspacedWord, tokenize } from './tokens.js';

/** Longest query accepted, in characters (UTF-16 code units). */
export const maxQueryLength = 1000;
/** Most words a query may hold (each word of a phrase counts). */
export const maxQueryWords = 64;

/** One term of a query: a word, or a phrase of words that must appear in this order, next to each other. */
export interface QueryTerm {
  /** The term as typed (without quotes, `-` or a trailing `*`): PostgreSQL's parser reads it as it read the text. */
  text: string;
  /** The words as typed (each engine folds them the way its index folds text). */
  words: string[];
  /** The words folded (see `fold` in tokens.ts): what snippets compare text against. */
  folded: string[];
  /** The last word matches any word it begins (`data*`, and every word of a script written without spaces). */
  prefix: boolean;
}

/** A parsed query. */
export interface TextQuery {
  /** The text as given. */
  text: string;
  /** Terms a match may contain; more of them and rarer ones rank higher. Distinct, in the order typed. */
  terms: QueryTerm[];
  /** Terms no match may contain. */
  excluded: QueryTerm[];
}

function badQuery(message: string): TrellisError {
  return new TrellisError('bad_request', message, { parameter: 'q' });
}

/** Control characters (NUL included) separate words like spaces; unpaired surrogates become U+FFFD, which separates too. */
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/g;
const space = /\s/u;

function termOf(body: string, prefix: boolean): QueryTerm | undefined {
  const tokens = tokenize(body);
  if (tokens.length === 0) return undefined;
  const last = tokens[tokens.length - 1]?.text as string;
  const text = prefix && body.endsWith('*') ? body.replace(/\*+$/u, '') : body;
  return { text, words: tokens.map((token) => token.text), folded: tokens.map((token) => token.folded), prefix: prefix || isUnspacedWord(last) };
}

/**
 * Parses a query. Accepted syntax: words (any language, matched without case or diacritics); `"a phrase"` (an
 * unclosed quote runs to the end); `-word` and `-"a phrase"` to exclude; `word*` for a prefix. A word with inner
 * punctuation (`e-mail`, `U.S.A.`) is a phrase of its parts. Every other character — `AND OR NOT NEAR ^ : ( ) { } +`,
 * quotes in odd places, emoji — is either a plain word or a separator, never an operator.
 *
 * Throws `bad_request` for a query that is not a string, is empty or only spaces, is longer than
 * {@link maxQueryLength} characters or has more than {@link maxQueryWords} words. A query without any word (only
 * punctuation or emoji, or only exclusions) parses to no terms: it matches nothing.
 * @example
 * parseTextQuery('zürich "central bank" -bitcoin infla*').terms.map((term) => term.folded.join(' '))
 * // ['zurich', 'central bank', 'infla']
 */
export function parseTextQuery(input: unknown): TextQuery {
  if (typeof input !== 'string') throw badQuery('The query must be text');
  if (input.length > maxQueryLength) throw badQuery(`The query is longer than ${maxQueryLength} characters`);
  const text = input.toWellFormed().replace(controlCharacters, ' ');
  if (text.trim() === '') throw badQuery('The query is empty');
  const terms: QueryTerm[] = [];
  const excluded: QueryTerm[] = [];
  let index = 0;
  while (index < text.length) {
    while (index < text.length && space.test(text[index] as string)) index++;
    if (index >= text.length) break;
    let exclude = false;
    if (text[index] === '-' && index + 1 < text.length && !space.test(text[index + 1] as string)) {
      exclude = true;
      index++;
    }
    let body: string;
    let prefix = false;
    if (text[index] === '"') {
      const close = text.indexOf('"', index + 1);
      const end = close < 0 ? text.length : close;
      body = text.slice(index + 1, end);
      index = end + 1;
      if (text[index] === '*') {
        prefix = true;
        index++;
      }
    } else {
      const start = index;
      while (index < text.length && text[index] !== '"' && !space.test(text[index] as string)) index++;
      body = text.slice(start, index);
      prefix = body.endsWith('*');
    }
    const term = termOf(body, prefix);
    if (term) (exclude ? excluded : terms).push(term);
  }
  const words = [...terms, ...excluded].reduce((sum, term) => sum + term.words.length, 0);
  if (words > maxQueryWords) throw badQuery(`The query has ${words} words; at most ${maxQueryWords} are allowed`);
  return { text: input, terms: distinct(terms), excluded: distinct(excluded) };
}

/** The key two terms are the same search by. */
export function termKey(term: QueryTerm): string {
  return `${term.folded.join(' ')}${term.prefix ? '*' : ''}`;
}

function distinct(terms: QueryTerm[]): QueryTerm[] {
  const seen = new Set<string>();
  return terms.filter((term) => {
    const key = termKey(term);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether a folded word matches a term's folded word at a position (the prefix rule applies to the term's last word). */
export function wordMatches(term: QueryTerm, position: number, folded: string): boolean {
  const want = term.folded[position] as string;
  return term.prefix && position === term.folded.length - 1 ? folded.startsWith(want) : folded === want;
}
