/** @module The dispatcher: turns a tenant's committed events into deliveries, one per (endpoint, event), behind a durable per-tenant cursor. */
import type { Store, Tx } from '../../store/index.js';
import { parseJson } from '../../store/index.js';
import type { JobService } from '../jobs/index.js';
import { recordEventHandoff } from '../observability/index.js';
import { type NewDelivery, attemptJob, insertDeliveries } from './deliveries.js';
import { type EndpointWithSecrets, matchesEventTypes, selectEndpoints } from './endpoints.js';

/** Events read per transaction; a tenant with more waiting is dispatched again at once. */
export const dispatchBatch = 1000;

interface EventRow {
  seq: number;
  id: string;
  type: string;
  subject: string | null;
  payload: unknown;
  created_at: string;
}

/** The JSON body of an event's webhook message (Standard Webhooks: `type`, `timestamp`, `data`). */
export function messageBody(event: { id: string; seq: number; type: string; subject: string | null; payload: unknown; createdAt: string }): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.createdAt,
    data: parseJson<unknown>(event.payload),
    event: { id: event.id, seq: event.seq, subject: event.subject },
  });
}

async function readCursor(tx: Tx, tenantId: string): Promise<number> {
  await tx.run('INSERT INTO webhook_cursors (tenant_id, seq) VALUES (?, 0) ON CONFLICT (tenant_id) DO NOTHING', [tenantId]);
  // FOR UPDATE serialises replicas dispatching the same tenant; the unique (endpoint, event) key would catch doubles anyway.
  const row = await tx.get<{ seq: number }>(`SELECT seq FROM webhook_cursors WHERE tenant_id = ?${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [tenantId]);
  return Number(row?.seq ?? 0);
}

/** What one dispatch pass did. */
export interface DispatchResult {
  /** The cursor after the pass: every event up to it has its deliveries. */
  cursor: number;
  /** Deliveries created. */
  created: number;
  /** Whether more events were waiting beyond the batch. */
  more: boolean;
}

/**
 * One dispatch pass for a tenant, in one transaction: events after the cursor become deliveries to every enabled
 * endpoint whose filters match and which existed before the event, and the cursor moves past them. Because the
 * event sequence is gap-free and in commit order, and the cursor moves in the same transaction as the deliveries,
 * no event is skipped or dispatched twice, across restarts too. Each new delivery's first attempt is a
 * `webhooks.deliver` job enqueued in the same transaction (one multi-row statement), due now.
 */
export async function dispatchTenant(store: Store, jobs: Pick<JobService, 'enqueueMany'>, tenantId: string): Promise<DispatchResult> {
  return store.transaction({ tenantId }, async (tx) => {
    const cursor = await readCursor(tx, tenantId);
    const endpoints = (await selectEndpoints(tx, tenantId)).filter((endpoint) => endpoint.enabled);
    if (endpoints.length === 0) {
      const latest = await tx.get<{ seq: number }>('SELECT seq FROM event_counters WHERE tenant_id = ?', [tenantId]);
      const seq = Math.max(cursor, Number(latest?.seq ?? 0));
      if (seq !== cursor) await tx.run('UPDATE webhook_cursors SET seq = ? WHERE tenant_id = ?', [seq, tenantId]);
      return { cursor: seq, created: 0, more: false };
    }
    const events = await tx.all<EventRow>(
      'SELECT seq, id, type, subject, payload, created_at FROM events WHERE tenant_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      [tenantId, cursor, dispatchBatch],
    );
    if (events.length === 0) return { cursor, created: 0, more: false };
    const deliveries: NewDelivery[] = [];
    for (const row of events) {
      const seq = Number(row.seq);
      let body: string | null = null;
      for (const endpoint of endpoints as EndpointWithSecrets[]) {
        if (seq <= endpoint.fromSeq || !matchesEventTypes(endpoint.eventTypes, row.type)) continue;
        body ??= messageBody({ id: row.id, seq, type: row.type, subject: row.subject, payload: row.payload, createdAt: row.created_at });
        deliveries.push({ endpointId: endpoint.id, eventSeq: seq, eventType: row.type, messageId: `msg_${row.id}`, body });
      }
    }
    const created = await insertDeliveries(tx, tenantId, deliveries);
    const now = new Date();
    await jobs.enqueueMany(
      tx,
      created.map((deliveryId) => attemptJob({ tenantId, deliveryId, attempt: 1, manual: false }, now)),
    );
    const last = Number((events[events.length - 1] as EventRow).seq);
    await tx.run('UPDATE webhook_cursors SET seq = ? WHERE tenant_id = ?', [last, tenantId]);
    // Commit-to-dispatch delay of every event this pass handed to the queue, measured once the pass commits.
    const committedAt = events.map((row) => new Date(row.created_at).getTime());
    tx.afterCommit(() => {
      const handedOff = Date.now();
      for (const at of committedAt) if (!Number.isNaN(at)) recordEventHandoff('webhook', (handedOff - at) / 1000);
    });
    return { cursor: last, created: created.length, more: events.length === dispatchBatch };
  });
}
