/**
 * @module Datasets inside a caller's transaction: derived datasets written whole (views), rows read in key order with
 * the file they came from, one row by key, and a dataset's removal. SQL for both dialects.
 */
import { newId } from '../../core/ids.js';
import { type Tx, nowIso, parseJson } from '../../store/index.js';
import type { ColumnDefinition } from './config.js';
import { storeRows } from './datasets.js';

/** The stored definition of a dataset a view derives: columns, key, and the view it comes from. */
export interface DerivedDefinition {
  columns: Record<string, ColumnDefinition>;
  key: string[];
  gazetteer: null;
  view: { name: string; kind: string };
}

/** A dataset as a transaction sees it. */
export interface DatasetHead {
  id: string;
  name: string;
  sourceId: string | null;
  definition: Record<string, unknown>;
  rowCount: number;
  updatedAt: string;
}

/** The dataset of this name with its row count, or undefined. */
export async function datasetHead(tx: Tx, tenantId: string, name: string): Promise<DatasetHead | undefined> {
  const row = await tx.get<{ id: string; name: string; source_id: string | null; definition: unknown; updated_at: string; rows: number }>(
    `SELECT d.id, d.name, d.source_id, d.definition, d.updated_at,
            (SELECT count(*) FROM dataset_rows r WHERE r.tenant_id = d.tenant_id AND r.dataset_id = d.id) AS rows
       FROM datasets d WHERE d.tenant_id = ? AND d.name = ?`,
    [tenantId, name],
  );
  if (!row) return undefined;
  return {
    id: row.id,
    name: row.name,
    sourceId: row.source_id,
    definition: parseJson(row.definition),
    rowCount: Number(row.rows),
    updatedAt: String(row.updated_at),
  };
}

/**
 * Writes a derived dataset whole: creates it (or takes the one of this name), deletes its rows and stores `rows`
 * (distinct keys), all inside the caller's transaction, so readers see the old rows or the new, never a mix.
 * Returns the dataset's ID.
 */
export async function replaceDerivedDataset(
  tx: Tx,
  tenantId: string,
  input: { name: string; sourceId: string; definition: DerivedDefinition; rows: { keys: string[]; rows: number[]; values: string[] } },
): Promise<string> {
  const now = nowIso();
  const found = await tx.get<{ id: string }>(
    `INSERT INTO datasets (tenant_id, id, name, source_id, definition, row_count, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, name) DO UPDATE SET source_id = excluded.source_id, definition = excluded.definition, row_count = excluded.row_count, updated_at = excluded.updated_at
     RETURNING id`,
    [tenantId, newId(), input.name, input.sourceId, JSON.stringify(input.definition), input.rows.keys.length, now, now],
  );
  const datasetId = (found as { id: string }).id;
  await deleteRows(tx, tenantId, datasetId);
  // Slices of 2,000 rows with a turn of the event loop between them: other requests (reads on SQLite's reader
  // connection) are served while a big view is written.
  for (let start = 0; start < input.rows.keys.length; start += 2000) {
    if (start > 0) await turn();
    const end = start + 2000;
    await storeRows(tx, tenantId, datasetId, input.sourceId, {
      keys: input.rows.keys.slice(start, end),
      rows: input.rows.rows.slice(start, end),
      values: input.rows.values.slice(start, end),
    });
  }
  return datasetId;
}

/** A stored row with the file (source title, else URI) it came from. */
export interface SourcedRow {
  key: string;
  row: number;
  values: Record<string, unknown>;
  sourceId: string;
  file: string;
  uri: string;
  title: string | null;
}

type SourcedRowRecord = { row_key: string; row_number: number; values_json: unknown; source_id: string; uri: string; title: string | null };

const toSourced = (row: SourcedRowRecord): SourcedRow => ({
  key: row.row_key,
  row: Number(row.row_number),
  values: parseJson(row.values_json),
  sourceId: row.source_id,
  file: row.title ?? row.uri,
  uri: row.uri,
  title: row.title,
});

/** Up to `limit` rows of a dataset after the key `after` (keyset paging), each with its source. */
export async function sourcedRows(tx: Tx, tenantId: string, datasetId: string, after: string | null, limit: number): Promise<SourcedRow[]> {
  const rows = await tx.all<SourcedRowRecord>(
    `SELECT r.row_key, r.row_number, r.values_json, r.source_id, s.uri, s.title FROM dataset_rows r
       JOIN sources s ON s.tenant_id = r.tenant_id AND s.id = r.source_id
      WHERE r.tenant_id = ? AND r.dataset_id = ?${after === null ? '' : ' AND r.row_key > ?'} ORDER BY r.row_key LIMIT ?`,
    after === null ? [tenantId, datasetId, limit] : [tenantId, datasetId, after, limit],
  );
  return rows.map(toSourced);
}

/** One row of a dataset by key, with its source; undefined when there is none. */
export async function sourcedRow(tx: Tx, tenantId: string, datasetId: string, key: string): Promise<SourcedRow | undefined> {
  const row = await tx.get<SourcedRowRecord>(
    `SELECT r.row_key, r.row_number, r.values_json, r.source_id, s.uri, s.title FROM dataset_rows r
       JOIN sources s ON s.tenant_id = r.tenant_id AND s.id = r.source_id
      WHERE r.tenant_id = ? AND r.dataset_id = ? AND r.row_key = ?`,
    [tenantId, datasetId, key],
  );
  return row ? toSourced(row) : undefined;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Deletes a dataset's rows in slices of 2,000 keys with a turn of the event loop between them: one statement for 100,000
 * rows (each firing the trigger that deletes its vector) held SQLite's synchronous writer for seconds (4.7 s of
 * event-loop delay measured in bench/views.ts under load).
 */
async function deleteRows(tx: Tx, tenantId: string, datasetId: string): Promise<void> {
  for (;;) {
    const deleted = await tx.run(
      `DELETE FROM dataset_rows WHERE tenant_id = ? AND dataset_id = ? AND row_key IN
         (SELECT row_key FROM dataset_rows WHERE tenant_id = ? AND dataset_id = ? ORDER BY row_key LIMIT 2000)`,
      [tenantId, datasetId, tenantId, datasetId],
    );
    if (deleted < 2000) return;
    await turn();
  }
}

/** Deletes a dataset and its rows (their quarantine entries keep their file and row, with no dataset). */
export async function deleteDataset(tx: Tx, tenantId: string, datasetId: string): Promise<void> {
  await deleteRows(tx, tenantId, datasetId);
  await tx.run('UPDATE quarantine SET dataset_id = NULL WHERE tenant_id = ? AND dataset_id = ?', [tenantId, datasetId]);
  await tx.run('DELETE FROM datasets WHERE tenant_id = ? AND id = ?', [tenantId, datasetId]);
}
