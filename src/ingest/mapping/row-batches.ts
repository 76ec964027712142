/** @module Row validation in batches: rows as read → keys and typed values as JSON text, or quarantine entries. No store: it runs inline or in a worker. */
import type { SourceRow } from '../types.js';
import type { RowBlocks } from './row-blocks.js';
import { coerceCell, invalidCell, invalidReason, isEmpty } from './coerce.js';
import type { ColumnType, FileMapping } from './config.js';
import type { QuarantineDraft } from './datasets.js';

/** What validation needs of a mapping entry: plain data, so it can be posted to a worker. */
export interface RowPlan {
  /** The file as named in quarantine entries (relative to the ingest root). */
  file: string;
  /** The mapped sheet (xlsx); rows of other sheets are skipped. */
  sheet: string | null;
  columns: readonly { name: string; type: ColumnType; required: boolean }[];
  key: readonly string[];
}

/** Validated rows of a stretch of the file, ready to store; the arrays are parallel. */
export interface PreparedBatch {
  /** Rows read in this stretch (of the mapped sheet), valid or not. */
  read: number;
  keys: string[];
  rows: number[];
  /** Each valid row's values as validated, as JSON text (what `dataset_rows.values_json` stores). */
  values: string[];
  /** Rows that are not stored: failed validation, or repeat a key of this batch. */
  quarantine: QuarantineDraft[];
}

/** Options of {@link preparedBatches}. */
export interface BatchLimits {
  /** Valid rows per batch. */
  rows: number;
  /** Characters of values JSON per batch, so that huge cells do not make a batch huge. @default 8388608 */
  chars?: number;
}

/** The plan of a mapping entry for a file. */
export function rowPlan(mapping: FileMapping, file: string): RowPlan {
  const keyColumns = new Set(mapping.key);
  return {
    file,
    sheet: mapping.sheet,
    columns: Object.entries(mapping.columns).map(([name, column]) => ({ name, type: column.type, required: column.required || keyColumns.has(name) })),
    key: [...mapping.key],
  };
}

/** A row's key as stored: the value of a one-column key, or the JSON array of a composite key's values. */
export function rowKey(columns: readonly string[], values: Record<string, unknown>): string {
  if (columns.length === 1) return String(values[columns[0] as string]);
  return JSON.stringify(columns.map((column) => values[column]));
}

/** The typed values of a row, or why it is quarantined: [column, reason]. */
function validate(row: SourceRow, columns: RowPlan['columns']): Record<string, unknown> | [string | null, string] {
  if (row.error !== undefined) return [null, `ragged row: ${row.error}`];
  const raw = row.values;
  const values: Record<string, unknown> = {};
  for (let index = 0; index < columns.length; index++) {
    const { name, type, required } = columns[index] as RowPlan['columns'][number];
    const value = raw[name];
    if (value === undefined && !(name in raw)) {
      if (required) return [name, `missing column: the file has no column "${name}"`];
      values[name] = null;
    } else if (isEmpty(value)) {
      if (required) return [name, `missing value: "${name}" is required`];
      values[name] = null;
    } else {
      const coerced = coerceCell(value, type);
      if (coerced === invalidCell) return [name, `invalid value: ${invalidReason(value, type)} (column "${name}" is ${type})`];
      values[name] = coerced;
    }
  }
  return values;
}

/**
 * Validates and coerces rows in batches. A bad cell quarantines its row with file, row, column and reason (keeping
 * the values as read); a key already seen in the same batch quarantines the later row as a duplicate (keeping its
 * values as validated). Keys repeated across batches are found by the store (see `storeRows`), so memory stays
 * bounded by one batch whatever the file's size.
 */
export async function* preparedBatches(blocks: RowBlocks, plan: RowPlan, limits: BatchLimits): AsyncGenerator<PreparedBatch> {
  const maxChars = limits.chars ?? 8 * 1024 * 1024;
  const keyColumn = plan.key.join(',');
  let batch: PreparedBatch = { read: 0, keys: [], rows: [], values: [], quarantine: [] };
  let firstRows = new Map<string, number>();
  let chars = 0;
  for await (const block of blocks) {
    for (const row of block) {
      if (plan.sheet !== null && row.sheet !== undefined && row.sheet !== plan.sheet) continue;
      batch.read++;
      const result = validate(row, plan.columns);
      if (Array.isArray(result)) {
        batch.quarantine.push({ file: plan.file, row: row.row, column: result[0], reason: result[1], values: row.values });
      } else {
        const key = rowKey(plan.key, result);
        const first = firstRows.get(key);
        if (first !== undefined) {
          batch.quarantine.push({ file: plan.file, row: row.row, column: keyColumn, reason: duplicateReason(key, first), values: result });
        } else {
          const json = JSON.stringify(result);
          firstRows.set(key, row.row);
          batch.keys.push(key);
          batch.rows.push(row.row);
          batch.values.push(json);
          chars += json.length;
        }
      }
      if (batch.keys.length >= limits.rows || batch.quarantine.length >= limits.rows || chars >= maxChars) {
        yield batch;
        batch = { read: 0, keys: [], rows: [], values: [], quarantine: [] };
        firstRows = new Map();
        chars = 0;
      }
    }
  }
  if (batch.read > 0) yield batch;
}

/** The quarantine reason of a repeated key. */
export function duplicateReason(key: string, firstRow: number): string {
  return `duplicate key: ${key} was first seen in row ${firstRow}`;
}
