/** @module Titles in quotation marks (songs, episodes, stories): one name of their own, whatever capitalised words they hold. */
import type { Token } from './tokens.js';

const opening = new Set(['"', '“']);
const closing = new Set(['"', '”']);
const isName = (token: Token | undefined): boolean => token !== undefined && token.word && token.capitalised;

/**
 * Token ranges (inclusive) of quoted titles: 1–12 tokens between quotation marks in one sentence, starting with a
 * capital and in title case ("Does Your Mother Know", not "a great deal"). A quoted nickname inside a name
 * (`Wilfried " Willi " Schneider`) is not a title; trailing punctuation inside the quotes is left out.
 */
export function quotedTitles(tokens: Token[]): [number, number][] {
  const found: [number, number][] = [];
  for (let open = 0; open < tokens.length; open++) {
    if (!opening.has(tokens[open]!.text)) continue;
    let close = open + 1;
    while (close < tokens.length && close - open <= 14 && !closing.has(tokens[close]!.text)) close++;
    if (!closing.has(tokens[close]?.text ?? '') || close - open > 14) continue;
    const first = open + 1;
    let last = close - 1;
    while (last >= first && !tokens[last]!.word && !tokens[last]!.number) last--;
    const nickname = isName(tokens[open - 1]) && isName(tokens[close + 1]) && last - first <= 1;
    open = close;
    if (nickname || last < first || last - first > 11 || !isName(tokens[first])) continue;
    if (tokens.slice(first, last + 1).some((token) => token.sentence !== tokens[first]!.sentence)) continue;
    const words = tokens.slice(first, last + 1).filter((token) => token.word);
    const long = words.filter((token) => token.text.length >= 4);
    const capitalised = (long.length > 0 ? long : words).filter((token) => token.capitalised).length;
    if (capitalised * 2 < (long.length > 0 ? long : words).length) continue;
    found.push([first, last]);
  }
  return found;
}
