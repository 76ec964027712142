/** @module Excel workbooks (.xlsx): rows streamed through exceljs's WorkbookReader, typed cells, the first row of each sheet as header. */
import ExcelJS from 'exceljs';
import { TrellisError } from '../../core/errors.js';
import type { SourceRow } from '../types.js';
import { messageOf, parseFailed, where } from './errors.js';
import { headerNames } from './rows.js';

/** Options of {@link xlsxRows}. */
export interface XlsxOptions {
  /** Read only the sheet of this name; the others are skipped. @default undefined (every sheet) */
  sheet?: string;
}

/**
 * A cell's value as plain data: numbers, strings and booleans as they are, dates as ISO strings, a formula as its
 * cached result, rich text and hyperlinks as their text, empty as null. An error cell ("#DIV/0!") is returned as
 * `{ error }` so the row can be reported.
 */
export function cellValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value !== 'object') return value;
  const cell = value as Record<string, unknown>;
  if ('result' in cell || 'formula' in cell || 'sharedFormula' in cell) return cellValue(cell.result);
  if (Array.isArray(cell.richText)) return (cell.richText as { text?: string }[]).map((run) => run.text ?? '').join('');
  if ('text' in cell) return cellValue(cell.text);
  if ('error' in cell) return { error: String(cell.error) };
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/**
 * Rows of an .xlsx workbook, sheet by sheet (`sheet` set on every row). In each sheet the first non-empty row is the
 * header (`row` is the sheet's row number, so data rows start at 2 when the header is row 1). A row with an error
 * cell, or with values beyond the header's columns, is yielded with `error`. A corrupt or truncated file throws
 * `ingest_parse_failed`. Memory: the shared strings table plus one row.
 */
export async function* xlsxRows(file: string, options: XlsxOptions = {}): AsyncGenerator<SourceRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache', // needed to tell dates from numbers
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let sheet: string | undefined;
  let lastRow: number | undefined;
  try {
    for await (const worksheet of reader) {
      sheet = (worksheet as unknown as { name: string }).name;
      lastRow = undefined;
      const wanted = options.sheet === undefined || options.sheet === sheet;
      let header: string[] | undefined;
      for await (const row of worksheet) {
        if (!wanted) continue;
        lastRow = row.number;
        // row.values is 1-based: index 0 is always empty.
        const cells = (row.values as unknown[]).slice(1).map(cellValue);
        if (header === undefined) {
          if (cells.every((cell) => cell === null || cell === '')) continue;
          header = headerNames(cells);
          continue;
        }
        const values: Record<string, unknown> = {};
        const problems: string[] = [];
        cells.forEach((cell, index) => {
          const name = header![index] ?? `column_${index + 1}`;
          if (index >= header!.length && cell !== null) problems.push(`a value in column ${index + 1}, beyond the header's ${header!.length} columns`);
          if (cell !== null && typeof cell === 'object' && 'error' in cell)
            problems.push(`error cell ${(cell as { error: string }).error} in column "${name}"`);
          values[name] = cell;
        });
        for (const name of header) if (!(name in values)) values[name] = null;
        const place = { sheet, row: row.number };
        yield problems.length === 0
          ? { row: row.number, sheet, values }
          : { row: row.number, sheet, values, error: `${where(file, place)}${problems.join('; ')}` };
      }
    }
  } catch (error) {
    if (error instanceof TrellisError) throw error;
    const place = { ...(sheet === undefined ? {} : { sheet }), ...(lastRow === undefined ? {} : { row: lastRow }) };
    throw parseFailed(file, `corrupt or truncated xlsx: ${messageOf(error)}`, place, error);
  }
}
