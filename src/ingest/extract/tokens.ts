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
const digit = /^\p{N}/u;
const numeral = /^[\p{N}.,]+$/u;

/** The class of a token's first character: an upper-case or other letter, a digit, or anything else (ASCII fast). */
function classOf(value: string): 'upper' | 'lower' | 'digit' | 'other' {
  const code = value.charCodeAt(0);
  if (code >= 65 && code <= 90) return 'upper';
  if (code >= 97 && code <= 122) return 'lower';
  if (code >= 48 && code <= 57) return 'digit';
  if (code < 128) return 'other';
  if (upper.test(value)) return 'upper';
  if (letter.test(value)) return 'lower';
  return digit.test(value) ? 'digit' : 'other';
}
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
    const apostrophe = value.length > 2 && value.endsWith('s') ? value[value.length - 2] : undefined;
    const owner = apostrophe === "'" || apostrophe === '’' ? possessive.exec(value) : null;
    if (!owner) return pushToken(value, start, end);
    pushToken(owner[1]!, start, start + owner[1]!.length);
    pushToken(owner[2]!, start + owner[1]!.length, end);
  }

  function pushToken(value: string, start: number, end: number): void {
    // A blank line is a paragraph break: a sentence boundary even without a period (headings, list items). The gap
    // between two tokens is only white space, so two line breaks in it make a blank line.
    const previous = tokens[tokens.length - 1];
    if (previous && !atStart && start - previous.end >= 2) {
      const lineBreak = text.indexOf('\n', previous.end);
      if (lineBreak !== -1 && lineBreak < start) {
        const second = text.indexOf('\n', lineBreak + 1);
        if (second !== -1 && second < start) {
          sentence++;
          atStart = true;
        }
      }
    }
    const kind = classOf(value);
    const isWord = kind === 'upper' || kind === 'lower';
    const isNumber = kind === 'digit';
    tokens.push({
      text: value,
      start,
      end,
      sentence,
      sentenceStart: atStart && (isWord || isNumber),
      capitalised: kind === 'upper',
      word: isWord,
      number: isNumber && numeral.test(value),
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
