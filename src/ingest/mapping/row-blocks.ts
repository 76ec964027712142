/** @module A structured file's rows in blocks (csv: a read block's rows at a time), each reader imported only when needed. */
import { TrellisError } from '../../core/errors.js';
import type { RowOptions } from '../parse/index.js';
import type { SourceKind, SourceRow } from '../types.js';

/** Rows in blocks: one await per block instead of one per row. */
export type RowBlocks = AsyncIterable<readonly SourceRow[]>;

/** Rows one at a time as blocks of one. */
export async function* inBlocks(rows: AsyncIterable<SourceRow>): AsyncGenerator<readonly SourceRow[]> {
  for await (const row of rows) yield [row];
}

/**
 * The file's rows in blocks, through its reader alone: the parsers' index loads every format's library (over a
 * second), which a worker thread that reads one csv should not pay.
 */
export async function* fileBlocks(file: string, kind: SourceKind, options: RowOptions): AsyncGenerator<readonly SourceRow[]> {
  switch (kind) {
    case 'csv':
      yield* (await import('../parse/csv.js')).csvRowBlocks(file, options);
      return;
    case 'json':
      yield* inBlocks((await import('../parse/json.js')).jsonRows(file, options));
      return;
    case 'jsonl':
      yield* inBlocks((await import('../parse/json.js')).jsonlRows(file, options));
      return;
    case 'xlsx':
      yield* inBlocks((await import('../parse/xlsx.js')).xlsxRows(file, options));
      return;
    default:
      throw new TrellisError('ingest_unsupported', `${file}: ${kind} is a document kind: read it with parseDocument, not as rows`, { file });
  }
}
