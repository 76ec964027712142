/** @module Reading the event log: pages of a tenant's events after a sequence, filtered, and the retention floor. */
import { type Store, type Tx, parseJson } from '../../store/index.js';
import { type EventFilter, filterClause } from './filters.js';

/** One event of the log, as the API shows it. */
export interface LoggedEvent {
  /** Per-tenant sequence number, gap-free in commit order; the SSE `id` and the cursor. */
  seq: number;
  id: string;
  type: string;
  subject: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

interface EventRow {
  seq: number | string;
  id: string;
  type: string;
  subject: string | null;
  payload: unknown;
  created_at: string;
}

const columns = 'seq, id, type, subject, payload, created_at';

function toEvent(row: EventRow): LoggedEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    type: row.type,
    subject: row.subject,
    payload: typeof row.payload === 'string' ? parseJson(row.payload) : (row.payload as Record<string, unknown>),
    createdAt: row.created_at,
  };
}

/**
 * Events of the tenant with `after < seq <= upTo` that pass the filter, oldest first, at most `limit`.
 * `upTo` bounds the read to sequences known committed, so a caller can advance its position to `upTo` when fewer
 * than `limit` come back.
 */
export async function readEvents(tx: Tx, tenantId: string, after: number, upTo: number, filter: EventFilter, limit: number): Promise<LoggedEvent[]> {
  const clause = filterClause(filter);
  const rows = await tx.all<EventRow>(`SELECT ${columns} FROM events WHERE tenant_id = ? AND seq > ? AND seq <= ?${clause.sql} ORDER BY seq LIMIT ?`, [
    tenantId,
    after,
    upTo,
    ...clause.params,
    limit,
  ]);
  return rows.map(toEvent);
}

/** The oldest retained sequence of the tenant (its retention floor), or null when it has no events. */
export async function oldestRetained(tx: Tx, tenantId: string): Promise<number | null> {
  const row = await tx.get<{ seq: number | string | null }>('SELECT MIN(seq) AS seq FROM events WHERE tenant_id = ?', [tenantId]);
  return row?.seq === null || row?.seq === undefined ? null : Number(row.seq);
}

/** A position in the tenant's log and whether events after a cursor were already deleted by retention. */
export interface CursorCheck {
  /** The tenant's latest committed sequence. */
  latest: number;
  /** The oldest retained sequence when events after the cursor were deleted, else null. */
  expiredFloor: number | null;
}

/**
 * Checks a cursor against the log: it is expired when the event right after it is gone (retention deleted it).
 * A cursor above the latest sequence is not expired (it may be another replica's newer view).
 */
export async function checkCursor(store: Store, tenantId: string, after: number): Promise<CursorCheck> {
  const latest = await store.version(tenantId);
  if (after >= latest) return { latest, expiredFloor: null };
  const floor = await store.read({ tenantId }, (tx) => oldestRetained(tx, tenantId));
  return { latest, expiredFloor: floor !== null && floor > after + 1 ? floor : null };
}

/** Serialises an event once for every stream that sends it. */
export function eventJson(event: LoggedEvent): string {
  return JSON.stringify(event);
}
