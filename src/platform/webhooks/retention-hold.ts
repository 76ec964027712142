/** @module Webhook dispatch's claim on the event log: retention keeps what the dispatcher has not yet turned into deliveries. */
import type { Tx } from '../../store/index.js';

/**
 * The oldest event sequence webhook dispatch still needs for a tenant: the one after its dispatch cursor, while the
 * tenant has an enabled endpoint (a tenant whose endpoints are all disabled or deleted holds nothing back, or its
 * log could never shrink). Registered with `events.holdRetention` in `createServices`.
 */
export async function webhookRetentionHold(tx: Tx, tenantId: string): Promise<number | null> {
  const row = await tx.get<{ seq: number | string }>(
    `SELECT c.seq FROM webhook_cursors c
      WHERE c.tenant_id = ? AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.tenant_id = c.tenant_id AND e.enabled = ?)`,
    [tenantId, true],
  );
  return row === undefined ? null : Number(row.seq) + 1;
}
