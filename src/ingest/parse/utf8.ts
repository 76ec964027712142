/** @module Reading a file as UTF-8 text in bounded blocks, refusing invalid UTF-8 with the byte offset of the first bad sequence. */
import { createReadStream } from 'node:fs';
import { parseFailed } from './errors.js';

/** Bytes read from disk at a time; a decoded block is at most this many UTF-16 code units, so a huge line is split. @default 65536 */
export const READ_BLOCK_BYTES = 64 * 1024;

/**
 * Index of the first byte that does not start or continue a valid UTF-8 sequence (WHATWG rules: no overlongs, no
 * surrogates, nothing above U+10FFFF), or -1. A sequence cut off by the end of `bytes` counts as invalid only when `final`.
 * Used only after TextDecoder has refused a block, to name the place: TextDecoder does not say where.
 */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0, final = true): number {
  let index = from;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index += 1;
      continue;
    }
    let needed: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) needed = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      needed = 2;
      if (lead === 0xe0) lower = 0xa0;
      if (lead === 0xed) upper = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      needed = 3;
      if (lead === 0xf0) lower = 0x90;
      if (lead === 0xf4) upper = 0x8f;
    } else return index;
    for (let k = 1; k <= needed; k += 1) {
      if (index + k >= bytes.length) return final ? index : -1;
      const next = bytes[index + k]!;
      if (next < lower || next > upper) return index;
      lower = 0x80;
      upper = 0xbf;
    }
    index += needed + 1;
  }
  return -1;
}

/**
 * The file's text as UTF-8, decoded in blocks of at most {@link READ_BLOCK_BYTES} bytes (a BOM is dropped; CRLF kept).
 * Invalid UTF-8 throws `ingest_parse_failed` naming the byte offset.
 * @example
 * for await (const text of readUtf8(file)) total += text.length;
 */
export async function* readUtf8(file: string, blockBytes = READ_BLOCK_BYTES): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  let previous: Uint8Array = new Uint8Array(0);
  let older: Uint8Array = new Uint8Array(0);
  const fail = (current: Uint8Array, final: boolean, cause: unknown): never => {
    // The previous block decoded, so any error starts in its undecoded tail or in the current block: scan both.
    const joined = new Uint8Array(previous.length + current.length);
    joined.set(previous);
    joined.set(current, previous.length);
    let start = 0;
    while (start < Math.min(3, joined.length) && offset - previous.length + start > 0 && (joined[start]! & 0xc0) === 0x80) start += 1;
    const at = firstInvalidUtf8(joined, start, final);
    const byte = offset - previous.length + Math.max(at, 0);
    throw parseFailed(file, `invalid UTF-8 at byte ${byte}`, { byte }, cause);
  };
  for await (const chunk of createReadStream(file, { highWaterMark: blockBytes })) {
    const bytes = chunk as Buffer;
    let text = '';
    try {
      text = decoder.decode(bytes, { stream: true });
    } catch (error) {
      fail(bytes, false, error);
    }
    older = previous;
    previous = bytes;
    offset += bytes.length;
    if (text !== '') yield text;
  }
  let rest = '';
  try {
    rest = decoder.decode();
  } catch (error) {
    // A sequence cut off by the end of the file: it may start in the block before the last.
    const last = previous;
    offset -= last.length;
    previous = older;
    fail(last, true, error);
  }
  if (rest !== '') yield rest;
}
