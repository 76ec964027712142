/**
 * @module The checkpoint of one source: found by (tenant, uri), created as 'ingesting', marked 'ingested' when its last
 * batch has committed — through the graph service (`findSourceByUri`, `setSourceStatus`).
 */
import type { GraphService } from '../../graph/index.js';

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
export async function findSourceByUri(graph: GraphService, tenantId: string, uri: string): Promise<SourceState | undefined> {
  const source = await graph.findSourceByUri(tenantId, uri);
  return source ? { id: source.id, contentHash: source.contentHash, status: source.status } : undefined;
}

/**
 * Marks a source complete, with a `source.ingested` event (every change of a tenant's data appends one, which is what
 * keeps `store.version` honest). A kill before this commits leaves the source 'ingesting', and the next run redoes it.
 */
export async function markIngested(graph: GraphService, tenantId: string, sourceId: string, summary: Record<string, unknown>): Promise<void> {
  await graph.setSourceStatus(tenantId, sourceId, ingestedStatus, summary);
}
