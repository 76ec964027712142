/** @module The MCP resources' reads: the latest decisions (newest first) and the patterns. */
import { type Memory, findMemories } from '../rows.js';
import type { McpServices } from './server.js';

/** Decisions `trellis://decisions/recent` shows. */
export const recentDecisionCount = 20;
/** Patterns `trellis://patterns` shows at most. */
export const patternCount = 100;

/** The tenant's latest decisions, newest first (IDs are time-ordered UUIDv7, so the newest have the highest IDs). */
export async function recentDecisions(services: McpServices, tenantId: string): Promise<Memory[]> {
  return services.store.read({ tenantId }, async (tx) => {
    const rows = await tx.all<{ id: string }>("SELECT id FROM memories WHERE tenant_id = ? AND kind = 'decision' ORDER BY id DESC LIMIT ?", [
      tenantId,
      recentDecisionCount,
    ]);
    const ids = rows.map((row) => String(row.id));
    const found = await findMemories(tx, tenantId, ids);
    return ids.flatMap((id) => found.get(id) ?? []);
  });
}

/** The tenant's patterns, oldest first, up to {@link patternCount}. */
export async function patterns(services: McpServices, tenantId: string): Promise<Memory[]> {
  return (await services.memory.list(tenantId, { kind: 'pattern', limit: patternCount })).items;
}
