/**
 * @module The checkpoint of one source: found by (tenant, uri), created as 'ingesting', marked 'ingested' when its last
 * batch has committed. The graph service has no status update, so the one statement lives here (see docs/ingestion.md).
 */
import { type Store, appendEvent, nowIso } from '../../store/index.js';

/** The stored state of a source, as the pipeline needs it. */
export interface SourceState {
  id: string;
  contentHash: string | null;
  status: string;
}

/** Status of a source whose every batch has committed. */
export const ingestedStatus = 'ingested';
/** Status of a source being written: found at start-up, it means a run stopped half-way and the source is redone. */
export const ingestingStatus = 'ingesting';

/** The source with this URI in the tenant, if any. */
export async function findSourceByUri(store: Store, tenantId: string, uri: string): Promise<SourceState | undefined> {
  return store.read({ tenantId }, async (tx) => {
    const row = await tx.get<{ id: string; content_hash: string | null; status: string }>(
      'SELECT id, content_hash, status FROM sources WHERE tenant_id = ? AND uri = ?',
      [tenantId, uri],
    );
    return row ? { id: row.id, contentHash: row.content_hash, status: row.status } : undefined;
  });
}

/**
 * Marks a source complete, with a `source.ingested` event (every change of a tenant's data appends one, which is what
 * keeps `store.version` honest). A kill before this commits leaves the source 'ingesting', and the next run redoes it.
 */
export async function markIngested(store: Store, tenantId: string, sourceId: string, summary: Record<string, unknown>): Promise<void> {
  await store.transaction({ tenantId }, async (tx) => {
    await tx.run('UPDATE sources SET status = ?, updated_at = ? WHERE tenant_id = ? AND id = ?', [ingestedStatus, nowIso(), tenantId, sourceId]);
    await appendEvent(tx, { type: 'source.ingested', subject: sourceId, payload: { id: sourceId, ...summary } });
  });
}
