/** @module CSV rows: streamed through csv-parse, the first record is the header; ragged rows are yielded with an error. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, CsvError } from 'csv-parse';
import { TrellisError } from '../../core/errors.js';
import type { SourceRow } from '../types.js';
import { messageOf, parseFailed, where } from './errors.js';
import { headerNames } from './rows.js';
import { readUtf8 } from './utf8.js';

/** Options of {@link csvRows}. */
export interface CsvOptions {
  /** Field delimiter. @default "," */
  delimiter?: string;
  /** Longest field accepted, in characters; a longer one (a runaway quote) ends the file with an error. @default 16777216 */
  maxFieldChars?: number;
}

/**
 * Rows of a CSV file, one per record (row 1 is the header, so the first data row is row 2), values as strings.
 * A record with more or fewer fields than the header is still yielded, with `error` set ("row 7 has 5 fields, the
 * header has 4") and the fields it has; the reader goes on. Broken quoting ends the file with `ingest_parse_failed`
 * naming the line. Memory: one read block plus one record.
 */
export async function* csvRows(file: string, options: CsvOptions = {}): AsyncGenerator<SourceRow> {
  const parser = parse({
    delimiter: options.delimiter ?? ',',
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: options.maxFieldChars ?? 16 * 1024 * 1024,
  });
  const feeding = pipeline(Readable.from(readUtf8(file)), parser);
  feeding.catch(() => undefined); // the same error surfaces from the iteration below
  let header: string[] | undefined;
  // The row number is the record count (what csv-parse's `info.records` gives); counted here because `info: true`
  // builds an info object per record, which cost a third of the reader's time.
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      row += 1;
      if (header === undefined) {
        header = headerNames(record);
        continue;
      }
      const values: Record<string, unknown> = {};
      const count = Math.min(header.length, record.length);
      for (let index = 0; index < count; index += 1) values[header[index]!] = record[index];
      if (record.length === header.length) yield { row, values };
      else {
        for (let index = count; index < record.length; index += 1) values[`column_${index + 1}`] = record[index];
        yield { row, values, error: `${where(file, { row })}row has ${record.length} fields, the header has ${header.length}` };
      }
    }
    await feeding;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw parseFailed(file, `malformed CSV: ${error.message}`, line === undefined ? {} : { line }, error);
    }
    if (error instanceof TrellisError) throw error;
    throw parseFailed(file, `cannot read CSV: ${messageOf(error)}`, {}, error);
  }
}
