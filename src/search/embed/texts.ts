/** @module What text an owner is embedded from, cleaned and cut by one documented rule, and the hash that says it changed. */
import { createHash } from 'node:crypto';

/** The longest text any embedder is given, in characters (UTF-16 code units); longer texts are cut (see {@link prepareText}). @default 8192 */
export const defaultMaxChars = 8192;

/** How far back from the limit a cut looks for whitespace, so a word is not split when a space is near. */
const cutWindow = 200;

/**
 * The text an embedder is given: NUL and other control characters (except tab, newline and carriage return) become
 * spaces, unpaired surrogates become U+FFFD, and a text longer than `maxChars` is cut to its first `maxChars`
 * characters — at the last whitespace in the final 200 characters when there is one, and never inside a surrogate pair.
 * @example
 * prepareText('a\u0000b', 10) // 'a b'
 */
export function prepareText(text: string, maxChars: number = defaultMaxChars): string {
  // eslint-disable-next-line no-control-regex
  let clean = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ');
  clean = clean.isWellFormed() ? clean : clean.toWellFormed();
  if (clean.length <= maxChars) return clean;
  let cut = maxChars;
  const space = clean.slice(maxChars - Math.min(cutWindow, maxChars), maxChars + 1).search(/\s\S*$/);
  if (space > 0) cut = maxChars - Math.min(cutWindow, maxChars) + space;
  const code = clean.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return clean.slice(0, cut);
}

/** Whether a text has nothing to embed (empty or only whitespace): its vector is all zeros without asking a provider. */
export function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** The hash stored beside a vector: the first 128 bits of SHA-256 of the embedded text, in hex. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** What an entity is embedded from. */
export interface EntityTextInput {
  name: string;
  type: string;
  aliases: readonly string[];
}

/** Aliases beyond this many are left out of an entity's text (an entity merged from thousands of surfaces stays short). */
export const maxEntityAliases = 32;

/**
 * An entity's text: its name, its type in parentheses, then its other aliases (sorted, at most 32).
 * @example
 * entityText({ name: 'Barack Obama', type: 'PER', aliases: ['Obama', 'Barack Obama'] }) // 'Barack Obama (PER); Obama'
 */
export function entityText(entity: EntityTextInput): string {
  const others = [...new Set(entity.aliases)].filter((alias) => alias !== entity.name).sort();
  const head = `${entity.name} (${entity.type})`;
  return others.length === 0 ? head : `${head}; ${others.slice(0, maxEntityAliases).join('; ')}`;
}
