/** @module Queries for recall and find-error: what a person typed, or the words of an error message as a plain any-word query. */
import { TrellisError } from '../core/errors.js';
import { stopwords } from '../search/embed/stopwords.js';
import { type QueryTerm, type TextQuery, maxQueryWords, parseTextQuery } from '../search/text/index.js';
import { foldedWords, isUnspacedWord, tokenize } from '../search/text/tokens.js';

const stopwordSet: ReadonlySet<string> = new Set(stopwords);

/**
 * The distinct words of a text (stopwords left out unless nothing else is left), at most `max` of them, as a query
 * matching any of them: no quote, `-` or `*` in the text is read as syntax (an error message's `--flag` is a word).
 * @example
 * wordsQuery("TypeError: Cannot read properties of undefined (reading 'x')").terms.map((term) => term.text)
 * // ['TypeError', 'Cannot', 'read', 'properties', 'undefined', 'reading', 'x']
 */
export function wordsQuery(text: string, max = maxQueryWords): TextQuery {
  const seen = new Set<string>();
  const all: QueryTerm[] = [];
  for (const token of tokenize(text)) {
    if (seen.has(token.folded)) continue;
    seen.add(token.folded);
    all.push({ text: token.text, words: [token.text], folded: [token.folded], prefix: isUnspacedWord(token.text) });
  }
  const content = all.filter((term) => !stopwordSet.has(term.folded[0] as string));
  return { text, terms: (content.length > 0 ? content : all).slice(0, max), excluded: [] };
}

/**
 * A recall query: the text parsed with the search syntax (words, "phrases", -excluded, prefix*); a text with more
 * words than a search takes falls back to its first distinct words, so any query up to the length limit works.
 */
export function recallQuery(text: string): TextQuery {
  try {
    return parseTextQuery(text);
  } catch (error) {
    if (error instanceof TrellisError && /words; at most/.test(error.message)) return wordsQuery(text);
    throw error;
  }
}

/** The distinct folded words of a text without stopwords: what find-error compares messages by. */
export function contentWords(text: string): Set<string> {
  const words = new Set(foldedWords(text));
  for (const word of stopwordSet) words.delete(word);
  return words;
}
