/** @module CSV rows: decoded text through the CSV tokenizer, the first record is the header; ragged rows are yielded with an error. */
import { TrellisError } from '../../core/errors.js';
import type { SourceRow } from '../types.js';
import { CsvSyntaxError, csvRecords } from './csv-records.js';
import { messageOf, parseFailed, where } from './errors.js';
import { headerNames } from './rows.js';
import { readUtf8 } from './utf8.js';

/** Options of {@link csvRows}. */
export interface CsvOptions {
  /** Field delimiter: one character, not a quote or a line end. @default "," */
  delimiter?: string;
  /** Longest record accepted, in characters; a longer one (a runaway quote) ends the file with an error. @default 16777216 */
  maxFieldChars?: number;
}

/**
 * Rows of a CSV file, one per record (row 1 is the header, so the first data row is row 2), values as strings.
 * A record with more or fewer fields than the header is still yielded, with `error` set ("row 7 has 5 fields, the
 * header has 4") and the fields it has; the reader goes on. Broken quoting ends the file with `ingest_parse_failed`
 * naming the line. Memory: one read block plus its records.
 */
export async function* csvRows(file: string, options: CsvOptions = {}): AsyncGenerator<SourceRow> {
  for await (const rows of csvRowBlocks(file, options)) yield* rows;
}

/**
 * The rows of {@link csvRows} a read block at a time: for a consumer that goes through millions of rows, one await
 * per block instead of one per row.
 */
export async function* csvRowBlocks(file: string, options: CsvOptions = {}): AsyncGenerator<SourceRow[]> {
  let header: string[] | undefined;
  let row = 0;
  /** The rows of completed records (the header's record gives none). */
  const rowsOf = (records: string[][]): SourceRow[] => {
    const out: SourceRow[] = [];
    for (const record of records) {
      row += 1;
      if (header === undefined) {
        header = headerNames(record);
        continue;
      }
      const values: Record<string, unknown> = {};
      const count = Math.min(header.length, record.length);
      for (let index = 0; index < count; index += 1) values[header[index]!] = record[index];
      if (record.length === header.length) out.push({ row, values });
      else {
        for (let index = count; index < record.length; index += 1) values[`column_${index + 1}`] = record[index];
        out.push({ row, values, error: `${where(file, { row })}row has ${record.length} fields, the header has ${header.length}` });
      }
    }
    return out;
  };
  try {
    const records = csvRecords(options.delimiter ?? ',', options.maxFieldChars ?? 16 * 1024 * 1024);
    // One read block's rows at a time: memory is a block plus its records.
    for await (const text of readUtf8(file)) yield rowsOf(records.push(text));
    yield rowsOf(records.end());
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw parseFailed(file, `malformed CSV: ${error.message}`, { line: error.line }, error);
    if (error instanceof TrellisError) throw error;
    throw parseFailed(file, `cannot read CSV: ${messageOf(error)}`, {}, error);
  }
}
