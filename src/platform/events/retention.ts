/** @module Event retention: deletes each tenant's events past an age and a count, in small batches, never its newest event. */
import type { Store, Tx } from '../../store/index.js';

/** Limits of {@link applyRetention}; 0 turns a limit off. */
export interface RetentionLimits {
  /** Events older than this many days go. */
  maxAgeDays: number;
  /** At most this many events stay (the newest). */
  maxEvents: number;
}

/** What a retention pass deleted. */
export interface RetentionReport {
  tenants: number;
  deleted: number;
}

/**
 * A consumer's claim on the log: the oldest sequence of the tenant it still needs (events from it on are kept), or
 * null when it needs nothing. Webhook dispatch registers one so that retention never deletes an event it has not yet
 * turned into deliveries.
 */
export type RetentionHold = (tx: Tx, tenantId: string) => Promise<number | null>;

/** Rows deleted per transaction, so a large backlog never holds the writer for long. */
const batchSize = 5000;

async function newestSeq(tx: Tx, tenantId: string): Promise<number | null> {
  const row = await tx.get<{ seq: number | string | null }>('SELECT MAX(seq) AS seq FROM events WHERE tenant_id = ?', [tenantId]);
  return row?.seq === null || row?.seq === undefined ? null : Number(row.seq);
}

/**
 * One batch for one tenant: deletes the oldest events below the count floor, or old by age, up to `batchSize`;
 * returns how many went. Age is judged in sequence order (oldest first) and stops at the first event young enough,
 * so a pass reads only what it deletes plus one page.
 */
async function deleteBatch(store: Store, tenantId: string, limits: RetentionLimits, cutoff: string | null, holds: readonly RetentionHold[]): Promise<number> {
  return store.transaction({ tenantId }, async (tx) => {
    const newest = await newestSeq(tx, tenantId);
    if (newest === null) return 0;
    // Never the newest event (it carries the tenant's position for every cursor), nor one a consumer still needs.
    let keepFrom = newest;
    for (const hold of holds) {
      const needed = await hold(tx, tenantId);
      if (needed !== null) keepFrom = Math.min(keepFrom, needed);
    }
    let below = newest;
    if (limits.maxEvents > 0) below = Math.min(below, newest - limits.maxEvents + 1);
    const oldest = await tx.all<{ seq: number | string; created_at: string }>(
      'SELECT seq, created_at FROM events WHERE tenant_id = ? AND seq < ? ORDER BY seq LIMIT ?',
      [tenantId, keepFrom, batchSize],
    );
    let upTo = 0;
    for (const row of oldest) {
      const seq = Number(row.seq);
      const byCount = seq < below;
      const byAge = cutoff !== null && new Date(row.created_at).toISOString() < cutoff;
      if (!byCount && !byAge) break;
      upTo = seq;
    }
    if (upTo === 0) return 0;
    return tx.run('DELETE FROM events WHERE tenant_id = ? AND seq <= ?', [tenantId, upTo]);
  });
}

/**
 * Applies the limits to every tenant. The retention floor (oldest retained sequence) follows from what is left:
 * streams compare a client's cursor with it and tell the client when events after its cursor are gone.
 * @example
 * await applyRetention(store, { maxAgeDays: 30, maxEvents: 1_000_000 });
 */
export async function applyRetention(
  store: Store,
  limits: RetentionLimits,
  now: Date = new Date(),
  holds: readonly RetentionHold[] = [],
): Promise<RetentionReport> {
  if (limits.maxAgeDays === 0 && limits.maxEvents === 0) return { tenants: 0, deleted: 0 };
  const cutoff = limits.maxAgeDays > 0 ? new Date(now.getTime() - limits.maxAgeDays * 86_400_000).toISOString() : null;
  const tenants = await store.read('system', (tx) => tx.all<{ id: string }>('SELECT id FROM tenants ORDER BY id'));
  let deleted = 0;
  for (const { id } of tenants) {
    for (;;) {
      const count = await deleteBatch(store, id, limits, cutoff, holds);
      deleted += count;
      if (count < batchSize) break;
    }
  }
  return { tenants: tenants.length, deleted };
}
