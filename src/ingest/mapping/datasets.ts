/** @module Dataset storage: datasets, their rows with provenance, the quarantine, and gazetteer entries from stored rows (SQL for both dialects). */
import type Database from 'better-sqlite3';
import { newId } from '../../core/ids.js';
import { type Store, type Tx, nowIso, parseJson } from '../../store/index.js';
import { datasetDefinition, type FileMapping, type GazetteerMapping } from './config.js';

/** A stored dataset. */
export interface Dataset {
  id: string;
  name: string;
  /** The source of the latest ingest into it. */
  sourceId: string | null;
  definition: ReturnType<typeof datasetDefinition>;
  /** Rows stored now (counted when read, so it is right after a source is deleted). */
  rowCount: number;
  createdAt: string;
  updatedAt: string;
}

/** A dataset row ready to store. */
export interface RowDraft {
  key: string;
  row: number;
  values: Record<string, unknown>;
}

/** A quarantined row (or part of a row: an entity or relation it could not give). */
export interface QuarantineDraft {
  file: string;
  row: number;
  column: string | null;
  reason: string;
  values: Record<string, unknown>;
}

/** A stored quarantine entry. */
export interface QuarantineEntry extends QuarantineDraft {
  id: string;
  sourceId: string;
  datasetId: string | null;
  createdAt: string;
}

/** Creates the dataset or updates its definition (the latest mapping wins); returns its ID. */
export async function ensureDataset(tx: Tx, tenantId: string, entry: FileMapping, sourceId: string): Promise<string> {
  const now = nowIso();
  const row = await tx.get<{ id: string }>(
    `INSERT INTO datasets (tenant_id, id, name, source_id, definition, row_count, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)
     ON CONFLICT (tenant_id, name) DO UPDATE SET source_id = excluded.source_id, definition = excluded.definition, updated_at = excluded.updated_at
     RETURNING id`,
    [tenantId, newId(), entry.dataset, sourceId, JSON.stringify(datasetDefinition(entry)), now, now],
  );
  return (row as { id: string }).id;
}

/** Rows bound per SQLite INSERT: one statement per row cost more than the row itself; 200 rows use 600 of its 32,766 parameters. */
const rowsPerStatement = 200;

const insertStatements = new WeakMap<Database.Database, Map<number, Database.Statement>>();

/** The cached multi-row upsert of `count` rows (a batch uses the full size and at most one other). */
function insertStatement(db: Database.Database, count: number): Database.Statement {
  let bySize = insertStatements.get(db);
  if (!bySize) insertStatements.set(db, (bySize = new Map()));
  let statement = bySize.get(count);
  if (!statement) {
    statement = db.prepare(
      `INSERT INTO dataset_rows (tenant_id, dataset_id, row_key, row_number, values_json, source_id) VALUES ${Array.from({ length: count }, () => '(@tenant, @dataset, ?, ?, ?, @source)').join(', ')}
       ON CONFLICT (tenant_id, dataset_id, row_key) DO UPDATE SET row_number = excluded.row_number, values_json = excluded.values_json, source_id = excluded.source_id
       WHERE dataset_rows.source_id <> excluded.source_id`,
    );
    if (bySize.size < 8) bySize.set(count, statement);
  }
  return statement;
}

/** Rows to store: parallel arrays of keys, row numbers and values as JSON text (see `PreparedBatch`). */
export interface RowColumns {
  keys: readonly string[];
  rows: readonly number[];
  values: readonly string[];
}

/** A row that was not stored because an earlier row of the same source has its key. */
export interface DuplicateRow {
  /** Its index in the rows given. */
  index: number;
  /** The row number of the stored row with that key. */
  firstRow: number;
}

/**
 * Stores rows. A key stored by another source (an earlier file) is replaced, with the new provenance; a key this
 * source already stored (an earlier batch of the same file) is left as it is, and the row comes back as a duplicate:
 * so duplicate keys are found by the store, with no per-file set of keys in memory. The keys given must be distinct.
 * SQLite: multi-row upserts of {@link rowsPerStatement} rows; PostgreSQL: one unnest upsert.
 */
export async function storeRows(tx: Tx, tenantId: string, datasetId: string, sourceId: string, rows: RowColumns): Promise<DuplicateRow[]> {
  const count = rows.keys.length;
  if (count === 0) return [];
  let changed = 0;
  if (tx.dialect === 'sqlite') {
    const names = { tenant: tenantId, dataset: datasetId, source: sourceId };
    for (let start = 0; start < count; start += rowsPerStatement) {
      const end = Math.min(count, start + rowsPerStatement);
      const params: (string | number)[] = new Array((end - start) * 3);
      for (let index = start, at = 0; index < end; index++, at += 3) {
        params[at] = rows.keys[index] as string;
        params[at + 1] = rows.rows[index] as number;
        params[at + 2] = rows.values[index] as string;
      }
      changed += insertStatement(tx.db, end - start).run(...params, names).changes;
    }
  } else {
    changed = await tx.run(
      `INSERT INTO dataset_rows (tenant_id, dataset_id, row_key, row_number, values_json, source_id)
       SELECT ?::uuid, ?::uuid, k, n, v::jsonb, ?::uuid FROM unnest(?::text[], ?::int4[], ?::text[]) AS t(k, n, v)
       ON CONFLICT (tenant_id, dataset_id, row_key) DO UPDATE SET row_number = excluded.row_number, values_json = excluded.values_json, source_id = excluded.source_id
       WHERE dataset_rows.source_id <> excluded.source_id`,
      [tenantId, datasetId, sourceId, rows.keys as unknown as string, rows.rows as unknown as string, rows.values as unknown as string],
    );
  }
  if (changed === count) return [];
  // Some keys were this source's already: the stored row numbers say which rows were not stored.
  const list = tx.dialect === 'sqlite' ? 'row_key IN (SELECT value FROM json_each(?))' : 'row_key = ANY(?::text[])';
  const stored = await tx.all<{ row_key: string; row_number: number }>(
    `SELECT row_key, row_number FROM dataset_rows WHERE tenant_id = ? AND dataset_id = ? AND ${list}`,
    [tenantId, datasetId, tx.dialect === 'sqlite' ? JSON.stringify(rows.keys) : (rows.keys as unknown as string)],
  );
  const firstRows = new Map(stored.map((row) => [row.row_key, Number(row.row_number)]));
  const duplicates: DuplicateRow[] = [];
  for (let index = 0; index < count; index++) {
    const firstRow = firstRows.get(rows.keys[index] as string);
    if (firstRow !== undefined && firstRow !== rows.rows[index]) duplicates.push({ index, firstRow });
  }
  return duplicates;
}

/** A value as both stores can hold it in JSON: U+0000 and unpaired surrogates (in keys too) become U+FFFD. */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.isWellFormed() && !value.includes('\u0000') ? value : value.toWellFormed().replaceAll('\u0000', '\uFFFD');
  if (Array.isArray(value)) return value.map(storable);
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storable(key) as string, storable(item)]));
  }
  return value;
}

/** The JSON of a quarantined row's values as read: kept as they were, except text neither store can hold. */
function quarantineJson(values: Record<string, unknown>): string {
  const json = JSON.stringify(values);
  // JSON.stringify writes U+0000 and unpaired surrogates as \u escapes; only then is the slow path needed.
  return json.includes('\\u0000') || /\\ud[89a-f]/i.test(json) ? JSON.stringify(storable(values)) : json;
}

const quarantineStatements = new WeakMap<Database.Database, Database.Statement>();

/** Stores quarantine entries: SQLite one prepared statement in a loop, PostgreSQL one unnest insert. */
export async function storeQuarantine(
  tx: Tx,
  tenantId: string,
  sourceId: string,
  datasetId: string | null,
  entries: readonly QuarantineDraft[],
): Promise<void> {
  if (entries.length === 0) return;
  const now = nowIso();
  if (tx.dialect === 'sqlite') {
    let statement = quarantineStatements.get(tx.db);
    if (!statement) {
      statement = tx.db.prepare(
        'INSERT INTO quarantine (tenant_id, id, source_id, dataset_id, file, row_number, column_name, reason, raw_values, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      quarantineStatements.set(tx.db, statement);
    }
    for (const entry of entries) {
      statement.run(tenantId, newId(), sourceId, datasetId, entry.file, entry.row, entry.column, entry.reason, quarantineJson(entry.values), now);
    }
    return;
  }
  await tx.run(
    `INSERT INTO quarantine (tenant_id, id, source_id, dataset_id, file, row_number, column_name, reason, raw_values, created_at)
     SELECT ?::uuid, i, ?::uuid, ?::uuid, f, n, c, r, v::jsonb, ?::timestamptz FROM unnest(?::uuid[], ?::text[], ?::int4[], ?::text[], ?::text[], ?::text[]) AS t(i, f, n, c, r, v)`,
    [
      tenantId,
      sourceId,
      datasetId,
      now,
      entries.map(() => newId()) as unknown as string,
      entries.map((entry) => entry.file) as unknown as string,
      entries.map((entry) => entry.row) as unknown as string,
      entries.map((entry) => entry.column) as unknown as string,
      entries.map((entry) => entry.reason) as unknown as string,
      entries.map((entry) => quarantineJson(entry.values)) as unknown as string,
    ],
  );
}

/**
 * Lets SQLite give back the memory of the pages an ingest has written. The writer connection caches up to 1 GiB of
 * pages, and a big file's rows fill it with pages it will not read again (a 1 GB csv left 1.3 GB of anonymous
 * memory). PostgreSQL: nothing to do (the server holds its buffers).
 */
export function releaseCache(tx: Tx): void {
  if (tx.dialect === 'sqlite') tx.db.pragma('shrink_memory');
}

/** Marks a dataset as updated after an ingest (its row count is counted when read). */
export async function touchDataset(tx: Tx, tenantId: string, datasetId: string): Promise<void> {
  await tx.run('UPDATE datasets SET updated_at = ? WHERE tenant_id = ? AND id = ?', [nowIso(), tenantId, datasetId]);
}

/** A source's stored rows of a dataset with the given row numbers. */
export async function rowsByNumber(
  tx: Tx,
  tenantId: string,
  datasetId: string,
  sourceId: string,
  rowNumbers: readonly number[],
): Promise<{ key: string; row: number; values: Record<string, unknown> }[]> {
  if (rowNumbers.length === 0) return [];
  const list = tx.dialect === 'sqlite' ? 'row_number IN (SELECT value FROM json_each(?))' : 'row_number = ANY(?::int4[])';
  const rows = await tx.all<{ row_key: string; row_number: number; values_json: unknown }>(
    `SELECT row_key, row_number, values_json FROM dataset_rows WHERE tenant_id = ? AND source_id = ? AND dataset_id = ? AND ${list}`,
    [tenantId, sourceId, datasetId, tx.dialect === 'sqlite' ? JSON.stringify(rowNumbers) : (rowNumbers as unknown as string)],
  );
  return rows.map((row) => ({ key: row.row_key, row: Number(row.row_number), values: parseJson(row.values_json) }));
}

/** A stored row found by key, with where it came from. */
export interface StoredRow {
  values: Record<string, unknown>;
  sourceId: string;
  row: number;
  file: string;
}

/** Rows of a dataset (by name) with the given keys; keys not stored are absent from the map. */
export async function rowsByKey(tx: Tx, tenantId: string, dataset: string, keys: readonly string[]): Promise<Map<string, StoredRow>> {
  const out = new Map<string, StoredRow>();
  if (keys.length === 0) return out;
  const list = tx.dialect === 'sqlite' ? 'r.row_key IN (SELECT value FROM json_each(?))' : 'r.row_key = ANY(?::text[])';
  const rows = await tx.all<{ row_key: string; values_json: unknown; source_id: string; row_number: number; title: string | null; uri: string }>(
    `SELECT r.row_key, r.values_json, r.source_id, r.row_number, s.title, s.uri
       FROM datasets d
       JOIN dataset_rows r ON r.tenant_id = d.tenant_id AND r.dataset_id = d.id
       JOIN sources s ON s.tenant_id = r.tenant_id AND s.id = r.source_id
      WHERE d.tenant_id = ? AND d.name = ? AND ${list}`,
    [tenantId, dataset, tx.dialect === 'sqlite' ? JSON.stringify(keys) : (keys as unknown as string)],
  );
  for (const row of rows) {
    out.set(row.row_key, { values: parseJson(row.values_json), sourceId: row.source_id, row: Number(row.row_number), file: row.title ?? row.uri });
  }
  return out;
}

interface DatasetRow {
  id: string;
  name: string;
  source_id: string | null;
  definition: unknown;
  rows: number;
  created_at: string;
  updated_at: string;
}

const datasetColumns =
  'd.id, d.name, d.source_id, d.definition, d.created_at, d.updated_at, (SELECT count(*) FROM dataset_rows r WHERE r.tenant_id = d.tenant_id AND r.dataset_id = d.id) AS rows';

function toDataset(row: DatasetRow): Dataset {
  return {
    id: row.id,
    name: row.name,
    sourceId: row.source_id,
    definition: parseJson(row.definition),
    rowCount: Number(row.rows),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The tenant's datasets, by name. */
export function listDatasets(store: Store, tenantId: string): Promise<Dataset[]> {
  return store.read({ tenantId }, async (tx) =>
    (await tx.all<DatasetRow>(`SELECT ${datasetColumns} FROM datasets d WHERE d.tenant_id = ? ORDER BY d.name`, [tenantId])).map(toDataset),
  );
}

/** One dataset by name, or undefined. */
export function getDataset(store: Store, tenantId: string, name: string): Promise<Dataset | undefined> {
  return store.read({ tenantId }, async (tx) => {
    const row = await tx.get<DatasetRow>(`SELECT ${datasetColumns} FROM datasets d WHERE d.tenant_id = ? AND d.name = ?`, [tenantId, name]);
    return row ? toDataset(row) : undefined;
  });
}

/** A stored row of a dataset, with its provenance. */
export interface DatasetRowItem {
  key: string;
  row: number;
  sourceId: string;
  values: Record<string, unknown>;
}

async function rowsOf(tx: Tx, tenantId: string, name: string, limit: number, after: string | undefined): Promise<DatasetRowItem[]> {
  const rows = await tx.all<{ row_key: string; row_number: number; source_id: string; values_json: unknown }>(
    `SELECT r.row_key, r.row_number, r.source_id, r.values_json FROM datasets d
       JOIN dataset_rows r ON r.tenant_id = d.tenant_id AND r.dataset_id = d.id
      WHERE d.tenant_id = ? AND d.name = ?${after === undefined ? '' : ' AND r.row_key > ?'} ORDER BY r.row_key LIMIT ?`,
    after === undefined ? [tenantId, name, limit] : [tenantId, name, after, limit],
  );
  return rows.map((row) => ({ key: row.row_key, row: Number(row.row_number), sourceId: row.source_id, values: parseJson(row.values_json) }));
}

/** Rows of a dataset in key order, with their provenance; `after` continues after that key (keyset paging). */
export function datasetRows(store: Store, tenantId: string, name: string, limit = 1000, after?: string): Promise<DatasetRowItem[]> {
  return store.read({ tenantId }, (tx) => rowsOf(tx, tenantId, name, limit, after));
}

/**
 * Like {@link datasetRows}, but undefined when the tenant has no dataset of that name (so "no such dataset" and "no
 * rows" differ), in one read and without counting the dataset's rows as {@link getDataset} does.
 */
export function datasetRowsIfAny(store: Store, tenantId: string, name: string, limit: number, after?: string): Promise<DatasetRowItem[] | undefined> {
  return store.read({ tenantId }, async (tx) =>
    (await tx.get('SELECT 1 AS found FROM datasets WHERE tenant_id = ? AND name = ?', [tenantId, name])) ? rowsOf(tx, tenantId, name, limit, after) : undefined,
  );
}

/** The quarantine entries of a source, in row order. */
export function quarantineOf(store: Store, tenantId: string, sourceId: string): Promise<QuarantineEntry[]> {
  return store.read({ tenantId }, async (tx) => {
    const rows = await tx.all<{
      id: string;
      source_id: string;
      dataset_id: string | null;
      file: string;
      row_number: number;
      column_name: string | null;
      reason: string;
      raw_values: unknown;
      created_at: string;
    }>('SELECT * FROM quarantine WHERE tenant_id = ? AND source_id = ? ORDER BY row_number, created_at, id', [tenantId, sourceId]);
    return rows.map((row) => ({
      id: row.id,
      sourceId: row.source_id,
      datasetId: row.dataset_id,
      file: row.file,
      row: Number(row.row_number),
      column: row.column_name,
      reason: row.reason,
      values: parseJson(row.raw_values),
      createdAt: row.created_at,
    }));
  });
}

/** A name the extractor's gazetteers should know, from a mapped column. */
export interface GazetteerEntry {
  type: string;
  name: string;
  dataset: string;
}

/**
 * Gazetteer entries from stored datasets: for each dataset whose mapping has `gazetteer: { column, type }`, the
 * distinct non-empty values of that column as names of that type.
 */
export function gazetteerEntries(store: Store, tenantId: string): Promise<GazetteerEntry[]> {
  return store.read({ tenantId }, async (tx) => {
    const datasets = await tx.all<{ id: string; name: string; definition: unknown }>(
      'SELECT id, name, definition FROM datasets WHERE tenant_id = ? ORDER BY name',
      [tenantId],
    );
    const out: GazetteerEntry[] = [];
    for (const dataset of datasets) {
      const gazetteer = parseJson<{ gazetteer?: GazetteerMapping | null }>(dataset.definition).gazetteer;
      if (!gazetteer) continue;
      const value = tx.dialect === 'sqlite' ? 'json_extract(values_json, ?)' : 'values_json ->> ?';
      const path = tx.dialect === 'sqlite' ? `$."${gazetteer.column.replace(/"/g, '""')}"` : gazetteer.column;
      const rows = await tx.all<{ name: unknown }>(`SELECT DISTINCT ${value} AS name FROM dataset_rows WHERE tenant_id = ? AND dataset_id = ? ORDER BY 1`, [
        path,
        tenantId,
        dataset.id,
      ]);
      for (const row of rows) {
        if (row.name === null || row.name === undefined || String(row.name).trim() === '') continue;
        out.push({ type: gazetteer.type, name: String(row.name), dataset: dataset.name });
      }
    }
    return out;
  });
}
