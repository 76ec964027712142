/** @module JSON and JSON Lines rows: a .json file is an array of objects, a .jsonl file one object per line. */
import { stat } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import type { SourceRow } from '../types.js';
import { parseFailed, unsupported, where } from './errors.js';
import { readUtf8 } from './utf8.js';

/** Options of the JSON readers. */
export interface JsonOptions {
  /** Largest .json file read (it is parsed whole; use .jsonl beyond), in bytes. @default 268435456 (256 MiB) */
  maxJsonBytes?: number;
  /** Longest .jsonl line, in characters; a longer one is a row error and the line is skipped. @default 16777216 */
  maxLineChars?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Line and column (1-based) of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = text.indexOf('\n'); index >= 0 && index < offset; index = text.indexOf('\n', index + 1)) {
    line += 1;
    lineStart = index + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Offset of the first character where `text` stops being valid JSON, or -1 (Node 20's JSON.parse does not always say).
 * Only called after JSON.parse has failed, so speed does not matter.
 */
export function jsonErrorOffset(text: string): number {
  let at = 0;
  const space = (): void => {
    while (at < text.length && ' \t\r\n'.includes(text[at]!)) at += 1;
  };
  const fail = (): never => {
    throw at;
  };
  const value = (): void => {
    space();
    const character = text[at];
    if (character === '{' || character === '[') {
      const close = character === '{' ? '}' : ']';
      at += 1;
      space();
      if (text[at] === close) {
        at += 1;
        return;
      }
      for (;;) {
        if (close === '}') {
          space();
          if (text[at] !== '"') fail();
          value();
          space();
          if (text[at] !== ':') fail();
          at += 1;
        }
        value();
        space();
        if (text[at] === ',') at += 1;
        else if (text[at] === close) {
          at += 1;
          return;
        } else fail();
      }
    }
    if (character === '"') {
      at += 1;
      while (at < text.length && text[at] !== '"') {
        if (text.charCodeAt(at) < 0x20) fail();
        at += text[at] === '\\' ? 2 : 1;
      }
      if (at >= text.length) fail();
      at += 1;
      return;
    }
    const literal = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(at, at + 400));
    if (literal === null) fail();
    at += literal![0].length;
  };
  try {
    value();
    space();
    return at < text.length ? at : -1;
  } catch (offset) {
    return typeof offset === 'number' ? Math.min(offset, text.length) : -1;
  }
}

/**
 * Rows of a .json file holding an array of objects (or one object: one row); `row` is the element's 1-based position.
 * An element that is not an object is a row with `error`. Invalid JSON throws `ingest_parse_failed` with line and column.
 * The file is parsed whole (no streaming JSON parser is available), so it is capped by `maxJsonBytes`.
 */
export async function* jsonRows(file: string, options: JsonOptions = {}): AsyncGenerator<SourceRow> {
  const limit = options.maxJsonBytes ?? 256 * 1024 * 1024;
  const { size } = await stat(file);
  if (size > limit) throw unsupported(file, `a .json file larger than ${limit} bytes is not read whole; write it as .jsonl (one object per line)`);
  let text = '';
  for await (const block of readUtf8(file)) text += block;
  if (text.trim() === '') return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const offset = jsonErrorOffset(text);
    const place = offset < 0 ? {} : lineAndColumn(text, offset);
    throw parseFailed(file, `invalid JSON: ${error instanceof Error ? error.message : String(error)}`, place, error);
  }
  text = '';
  const items = Array.isArray(parsed) ? parsed : [parsed];
  for (const [index, item] of items.entries()) {
    const row = index + 1;
    if (isRecord(item)) yield { row, values: item };
    else
      yield {
        row,
        values: { value: item },
        error: `${where(file, { row })}element is ${item === null ? 'null' : Array.isArray(item) ? 'an array' : `a ${typeof item}`}, not an object`,
      };
  }
}

/**
 * Rows of a .jsonl file: one JSON object per line, `row` is the line number; blank lines are skipped. A line that is
 * not valid JSON or not an object is a row with `error` (and `values: {}`); the reader goes on. Memory: one line.
 */
export async function* jsonlRows(file: string, options: JsonOptions = {}): AsyncGenerator<SourceRow> {
  const maxLine = options.maxLineChars ?? 16 * 1024 * 1024;
  let pending = '';
  let tooLong = false;
  let line = 0;
  const parseLine = (text: string): SourceRow | undefined => {
    line += 1;
    if (tooLong || text.length > maxLine) {
      tooLong = false;
      return { row: line, values: {}, error: `${where(file, { line })}line longer than ${maxLine} characters` };
    }
    if (text.trim() === '') return undefined;
    try {
      const value: unknown = JSON.parse(text);
      if (isRecord(value)) return { row: line, values: value };
      return { row: line, values: {}, error: `${where(file, { line })}line is not a JSON object` };
    } catch (error) {
      return { row: line, values: {}, error: `${where(file, { line })}invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
  for await (const block of readUtf8(file)) {
    let from = 0;
    for (let newline = block.indexOf('\n'); newline >= 0; newline = block.indexOf('\n', from)) {
      const text = pending + block.slice(from, newline);
      pending = '';
      from = newline + 1;
      const row = parseLine(text);
      if (row !== undefined) yield row;
    }
    if (!tooLong) pending += block.slice(from);
    if (pending.length > maxLine) {
      tooLong = true;
      pending = '';
    }
  }
  if (pending !== '' || tooLong) {
    const row = parseLine(pending);
    if (row !== undefined) yield row;
  }
}
