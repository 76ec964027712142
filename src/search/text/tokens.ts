/** @module Words as the full-text indexes see them: where they are in a text and the folded form they are compared in. */

/**
 * A word: a run of letters, digits, combining marks and private-use characters — the token characters of SQLite's
 * `unicode61` tokenizer as migration 0009 configures it (`categories 'L* N* Co M*'`). Everything else (spaces,
 * punctuation, symbols, emoji) separates words.
 */
const wordPattern = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;
const wordCharacter = /[\p{L}\p{N}\p{M}\p{Co}]/u;
const combiningDiacritics = /[\u0300-\u036f]/g;
const ascii = /^[\u0000-\u007f]*$/;

/** Scripts written without spaces between words (and Korean, whose words carry particles): their words match as prefixes. */
const unspacedScript =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/** One word of a text, with its UTF-16 offsets `[start, end)` and its folded form. */
export interface Token {
  text: string;
  start: number;
  end: number;
  folded: string;
}

/**
 * The form words are compared in: lower case, combining diacritics (U+0300–U+036F) removed after canonical
 * decomposition, then recomposed.
 * So "Zürich", "ZURICH" and "zu\u0308rich" all fold to "zurich", as both indexes fold them.
 * @example
 * fold('Zürich') // 'zurich'
 */
export function fold(word: string): string {
  const lower = word.toLowerCase();
  // Most words are ASCII, which has nothing to decompose: skipping two normalisations makes tokenize 4× faster.
  return ascii.test(lower) ? lower : lower.normalize('NFD').replace(combiningDiacritics, '').normalize('NFC');
}

/** The words of a text, in order. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(wordPattern)) {
    const start = match.index;
    tokens.push({ text: match[0], start, end: start + match[0].length, folded: fold(match[0]) });
  }
  return tokens;
}

/** The folded words of a text, in order: {@link tokenize} without offsets, for scoring. */
export function foldedWords(text: string): string[] {
  const words = text.match(wordPattern) ?? [];
  for (let index = 0; index < words.length; index++) words[index] = fold(words[index] as string);
  return words;
}

/** Whether the character at `index` is part of a word (false outside the text). */
export function isWordCharacterAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const code = text.codePointAt(index) as number;
  // A low surrogate belongs to the character before it.
  if (code >= 0xdc00 && code <= 0xdfff && index > 0) return isWordCharacterAt(text, index - 1);
  return wordCharacter.test(String.fromCodePoint(code));
}

/** Whether a word is in a script written without spaces (Chinese, Japanese, Thai …) or Korean. */
export function isUnspacedWord(word: string): boolean {
  return unspacedScript.test(word);
}
