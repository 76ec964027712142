/** @module A minimal csv row reader for the mapping engine, until the shared readers (src/ingest/parse) export openRows. */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { SourceRow } from '../types.js';

/**
 * Reads a csv file with a header row as {@link SourceRow}s (row 1 is the header). A row with more or fewer cells than
 * the header is yielded with `error` set rather than thrown, so the engine can quarantine it and go on.
 */
export async function* readCsvRows(file: string): AsyncIterable<SourceRow & { error?: string }> {
  const parser = createReadStream(file).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true }));
  let header: string[] | null = null;
  let row = 0;
  for await (const record of parser as AsyncIterable<string[]>) {
    row++;
    if (header === null) {
      header = record.map((name) => name.trim());
      continue;
    }
    const values: Record<string, unknown> = {};
    const count = Math.min(header.length, record.length);
    for (let index = 0; index < count; index++) values[header[index] as string] = record[index];
    yield record.length === header.length
      ? { row, values }
      : { row, values, error: `row ${row} has ${record.length} cells where the header has ${header.length}` };
  }
}
