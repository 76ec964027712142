/** @module Parsers: the public door. detectKind picks a parser, parseDocument reads documents, openRows reads structured files. */
import { open } from 'node:fs/promises';
import type { ParsedDocument, SourceKind, SourceRow } from '../types.js';
import { csvRows, type CsvOptions } from './csv.js';
import { DETECT_BYTES } from './detect.js';
import { parseDocx } from './docx.js';
import { unsupported } from './errors.js';
import { parseHtml } from './html.js';
import { jsonlRows, jsonRows, type JsonOptions } from './json.js';
import { parseMarkdown } from './markdown.js';
import { parsePdf } from './pdf.js';
import { parseText } from './txt.js';
import { xlsxRows, type XlsxOptions } from './xlsx.js';

export { detectKind, kindByExtension, DETECT_BYTES } from './detect.js';
export { parseFailed, unsupported, where, type FilePlace } from './errors.js';
export { firstInvalidUtf8, readUtf8 } from './utf8.js';
export type { CsvOptions, JsonOptions, XlsxOptions };

/** Kinds {@link parseDocument} reads; the others are structured and go through {@link openRows} and a mapping. */
export const documentKinds: readonly SourceKind[] = ['txt', 'md', 'html', 'pdf', 'docx'];

/** Kinds {@link openRows} reads. */
export const rowKinds: readonly SourceKind[] = ['csv', 'xlsx', 'json', 'jsonl'];

/** Options of {@link openRows}, per format. */
export type RowOptions = CsvOptions & JsonOptions & XlsxOptions;

/**
 * The first bytes of a file, for {@link detectKind}.
 * @example
 * const kind = detectKind(file, await readFirstBytes(file));
 */
export async function readFirstBytes(file: string, length = DETECT_BYTES): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Reads a document (txt, md, html, pdf, docx) as its info and a stream of contiguous text blocks. Structured kinds
 * are refused with `ingest_unsupported`: their rows reach the graph only through a mapping ({@link openRows}).
 * An empty file is an empty document (no blocks). Errors name the file and the place (`ingest_parse_failed`).
 * @example
 * const doc = await parseDocument('report.pdf', 'pdf');
 * for await (const chunk of chunkBlocks(doc.blocks)) …
 */
export async function parseDocument(file: string, kind: SourceKind): Promise<ParsedDocument> {
  switch (kind) {
    case 'txt':
      return parseText(file);
    case 'md':
      return parseMarkdown(file);
    case 'html':
      return parseHtml(file);
    case 'pdf':
      return parsePdf(file);
    case 'docx':
      return parseDocx(file);
    default:
      throw unsupported(file, `${kind} is a structured kind: read it with openRows and a mapping, not as a document`);
  }
}

/**
 * Reads the rows of a structured file (csv, xlsx, json, jsonl). A row that cannot be read in the file's shape is
 * yielded with `error` set (see SourceRow) so the caller can quarantine it and go on; damage that ends the file
 * throws `ingest_parse_failed`.
 * @example
 * for await (const row of openRows('people.csv', 'csv')) if (row.error) quarantine(row); else map(row);
 */
export function openRows(file: string, kind: SourceKind, options: RowOptions = {}): AsyncIterable<SourceRow> {
  switch (kind) {
    case 'csv':
      return csvRows(file, options);
    case 'xlsx':
      return xlsxRows(file, options);
    case 'json':
      return jsonRows(file, options);
    case 'jsonl':
      return jsonlRows(file, options);
    default:
      throw unsupported(file, `${kind} is a document kind: read it with parseDocument, not as rows`);
  }
}
