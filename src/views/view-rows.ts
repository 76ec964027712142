/** @module The `views` table: a view's definition, status, output and lineage (SQL for both dialects). */
import { newId } from '../core/ids.js';
import { type Tx, nowIso, parseJson } from '../store/index.js';
import type { ViewDefinition, ViewKind } from './definitions.js';
import type { Lineage } from './lineage.js';

/** Where a view stands: ready (materialised), pending (a job is materialising it), failed (`error` says why). */
export type ViewStatus = 'ready' | 'pending' | 'failed';

/** A stored view. */
export interface View {
  id: string;
  name: string;
  kind: ViewKind;
  definition: ViewDefinition;
  status: ViewStatus;
  /** The dataset it writes (table kinds), by ID; its name is the view's. */
  datasetId: string | null;
  /** The source its rows cite (`view://<name>`). */
  sourceId: string | null;
  /** The record of the last materialisation; null before the first. */
  lineage: Lineage | null;
  error: string | null;
  /** The job materialising it, when one was queued. */
  jobId: string | null;
  createdAt: string;
  updatedAt: string;
  materialisedAt: string | null;
}

interface ViewRow {
  id: string;
  name: string;
  kind: ViewKind;
  definition: unknown;
  status: ViewStatus;
  dataset_id: string | null;
  source_id: string | null;
  lineage: unknown;
  error: string | null;
  job_id: string | null;
  created_at: string;
  updated_at: string;
  materialised_at: string | null;
}

const toView = (row: ViewRow): View => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  definition: parseJson(row.definition),
  status: row.status,
  datasetId: row.dataset_id,
  sourceId: row.source_id,
  lineage: row.lineage === null ? null : parseJson(row.lineage),
  error: row.error,
  jobId: row.job_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  materialisedAt: row.materialised_at,
});

/** The view of this name, or undefined. */
export async function findView(tx: Tx, tenantId: string, name: string): Promise<View | undefined> {
  const row = await tx.get<ViewRow>('SELECT * FROM views WHERE tenant_id = ? AND name = ?', [tenantId, name]);
  return row ? toView(row) : undefined;
}

/** The tenant's views by name. */
export async function listViews(tx: Tx, tenantId: string): Promise<View[]> {
  return (await tx.all<ViewRow>('SELECT * FROM views WHERE tenant_id = ? ORDER BY name', [tenantId])).map(toView);
}

/** Inserts a new view (status pending until materialised); returns it. */
export async function insertView(tx: Tx, tenantId: string, name: string, definition: ViewDefinition): Promise<View> {
  const now = nowIso();
  const id = newId();
  await tx.run(`INSERT INTO views (tenant_id, id, name, kind, definition, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`, [
    tenantId,
    id,
    name,
    definition.kind,
    JSON.stringify(definition),
    now,
    now,
  ]);
  return (await findView(tx, tenantId, name)) as View;
}

/** Records a finished materialisation: output, lineage, status ready. */
export async function recordMaterialised(
  tx: Tx,
  tenantId: string,
  id: string,
  output: { datasetId: string | null; sourceId: string | null; lineage: Lineage },
): Promise<void> {
  const now = nowIso();
  await tx.run(
    `UPDATE views SET status = 'ready', error = NULL, dataset_id = ?, source_id = ?, lineage = ?, updated_at = ?, materialised_at = ? WHERE tenant_id = ? AND id = ?`,
    [output.datasetId, output.sourceId, JSON.stringify(output.lineage), now, now, tenantId, id],
  );
}

/** Sets a view's status (and error, and the job materialising it). */
export async function setViewStatus(
  tx: Tx,
  tenantId: string,
  id: string,
  status: ViewStatus,
  fields: { error?: string | null; jobId?: string | null } = {},
): Promise<void> {
  await tx.run('UPDATE views SET status = ?, error = ?, job_id = COALESCE(?, job_id), updated_at = ? WHERE tenant_id = ? AND id = ?', [
    status,
    fields.error ?? null,
    fields.jobId ?? null,
    nowIso(),
    tenantId,
    id,
  ]);
}

/** Deletes a view's row. */
export async function deleteViewRow(tx: Tx, tenantId: string, id: string): Promise<void> {
  await tx.run('DELETE FROM views WHERE tenant_id = ? AND id = ?', [tenantId, id]);
}
