/** @module Plain text: streamed in bounded blocks, as decoded (BOM dropped, CRLF kept), so offsets are into the text as read. */
import type { ParsedDocument, TextBlock } from '../types.js';
import { unsupported } from './errors.js';
import { readUtf8 } from './utf8.js';

/**
 * Blocks of a UTF-8 file's text, contiguous, each at most one read block long (a huge line is split across blocks).
 * A NUL character refuses the file as binary.
 */
export async function* textBlocks(file: string, source: AsyncIterable<string> = readUtf8(file)): AsyncGenerator<TextBlock> {
  let start = 0;
  for await (const text of source) {
    const nul = text.indexOf('\0');
    if (nul >= 0) throw unsupported(file, `binary file with a text extension (NUL character at offset ${start + nul})`);
    yield { text, start };
    start += text.length;
  }
}

/**
 * A .txt file as a document. An empty file is an empty document (no blocks).
 * @example
 * const doc = parseText('a.txt'); for await (const block of doc.blocks) …
 */
export function parseText(file: string): ParsedDocument {
  return { info: { kind: 'txt', metadata: {} }, blocks: textBlocks(file) };
}
