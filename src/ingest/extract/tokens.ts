/** @module Tokens and sentences of a text, with exact offsets: the units the built-in recogniser works on. */

/** A word, number or punctuation mark of the text. */
export interface Token {
  text: string;
  start: number;
  end: number;
  /** Index of the sentence it belongs to. */
  sentence: number;
  /** First of its sentence (ignoring opening quotes and brackets). */
  sentenceStart: boolean;
  /** Starts with an upper-case letter. */
  capitalised: boolean;
  /** Starts with a letter. */
  word: boolean;
  /** Only digits, with , or . between. */
  number: boolean;
}

/** Words whose trailing period belongs to them (so it never ends a sentence). */
const abbreviations = new Set(
  'mr mrs ms dr prof st jr sr inc corp ltd co no vs etc mt gen col capt lt sgt adm gov sen rep rev fr jan feb mar apr jun jul aug sep sept oct nov dec est approx dept univ ave blvd fig vol ed eds op cf al'.split(
    ' ',
  ),
);

// Initialisms (U.S., U.K.), words with inner apostrophes/hyphens, numbers with separators, a possessive 's, any other
// non-space character.
const tokenPattern = /(?:\p{Lu}\.){2,}|[\p{L}\p{M}][\p{L}\p{M}\p{N}]*(?:['’\-][\p{L}\p{M}\p{N}]+)*\.?|\p{N}+(?:[.,]\p{N}+)*|['’]s\b|\S/gu;
// The possessive ending is a token of its own, so "Obama's" is the name "Obama" followed by "'s".
const possessive = /^(.+)(['’]s)$/u;
const upper = /^\p{Lu}/u;
const letter = /^\p{L}/u;
const openers = new Set(['"', '“', '‘', "'", '(', '[', '«']);

/**
 * Splits text into tokens and assigns sentences. A period ends a sentence unless it belongs to a known abbreviation
 * or a single capital letter (an initial: "J. Smith").
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let sentence = 0;
  let atStart = true;
  for (const match of text.matchAll(tokenPattern)) {
    let value = match[0];
    const start = match.index;
    let end = start + value.length;
    if (value.length > 1 && value.endsWith('.') && !value.slice(0, -1).includes('.')) {
      const stem = value.slice(0, -1);
      // Keep the period on abbreviations and initials; otherwise it is its own token (a sentence end).
      if (!(abbreviations.has(stem.toLowerCase()) || (stem.length === 1 && upper.test(stem)))) {
        value = stem;
        end -= 1;
        pushWord(stem, start, end);
        pushToken('.', end, end + 1);
        continue;
      }
    }
    pushWord(value, start, end);
  }
  return tokens;

  function pushWord(value: string, start: number, end: number): void {
    const owner = possessive.exec(value);
    if (!owner) return pushToken(value, start, end);
    pushToken(owner[1]!, start, start + owner[1]!.length);
    pushToken(owner[2]!, start + owner[1]!.length, end);
  }

  function pushToken(value: string, start: number, end: number): void {
    // A blank line is a paragraph break: a sentence boundary even without a period (headings, list items).
    const previous = tokens[tokens.length - 1];
    if (previous && !atStart && /\n\s*\n/.test(text.slice(previous.end, start))) {
      sentence++;
      atStart = true;
    }
    const isWord = letter.test(value);
    tokens.push({
      text: value,
      start,
      end,
      sentence,
      sentenceStart: atStart && (isWord || /^\p{N}/u.test(value)),
      capitalised: upper.test(value),
      word: isWord,
      number: /^\p{N}/u.test(value) && /^[\p{N}.,]+$/u.test(value),
    });
    if (value === '.' || value === '!' || value === '?') {
      sentence++;
      atStart = true;
    } else if (!openers.has(value)) atStart = false;
  }
}

/** Start and end offsets of each sentence, by sentence index. */
export function sentenceSpans(tokens: readonly Token[]): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (const token of tokens) {
    const span = spans[token.sentence];
    if (span) span.end = token.end;
    else spans[token.sentence] = { start: token.start, end: token.end };
  }
  return spans;
}
