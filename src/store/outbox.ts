/** @module The event outbox: every mutation appends its events in the same transaction, with a per-tenant sequence. */
import { newId } from '../core/ids.js';
import type { Tx } from './types.js';
import { nowIso } from './values.js';

/** An event to append. */
export interface EventInput {
  /** Dotted event type, e.g. `entity.created`. */
  type: string;
  /** The ID of the thing the event is about, when there is one. */
  subject?: string | null;
  payload: Record<string, unknown>;
}

const bumpCounter =
  'INSERT INTO event_counters (tenant_id, seq) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET seq = event_counters.seq + ? RETURNING tenant_id, seq';

/** PostgreSQL also announces the new sequence on `trellis_changes`; NOTIFY is delivered at commit, never on rollback. */
const bumpCounterAndNotify = `WITH bumped AS (${bumpCounter})
  SELECT seq, pg_notify('trellis_changes', tenant_id::text || ':' || seq) FROM bumped`;

/**
 * Appends events for the transaction's tenant and returns their sequence numbers.
 * The counter row is locked until commit, so sequence order is commit order and has no gaps.
 */
export async function appendEvent(tx: Tx, events: EventInput | EventInput[]): Promise<number[]> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0) return [];
  const tenantId = tx.tenantId;
  if (!tenantId) throw new Error('appendEvent needs a tenant-scoped transaction');
  const counter = await tx.get<{ seq: number }>(tx.dialect === 'sqlite' ? bumpCounter : bumpCounterAndNotify, [tenantId, list.length, list.length]);
  const last = Number(counter?.seq);
  tx.noteEvents(last);
  const first = last - list.length + 1;
  const createdAt = nowIso();
  const sequence: number[] = [];
  for (let offset = 0; offset < list.length; offset++) {
    const event = list[offset] as EventInput;
    const seq = first + offset;
    await tx.run('INSERT INTO events (tenant_id, seq, id, type, subject, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      tenantId,
      seq,
      newId(),
      event.type,
      event.subject ?? null,
      JSON.stringify(event.payload),
      createdAt,
    ]);
    sequence.push(seq);
  }
  return sequence;
}
