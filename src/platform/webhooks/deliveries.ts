/** @module Webhook deliveries at rest: one row per (endpoint, event), its attempts, and the due queue the worker claims from. */
import { isId, newId } from '../../core/ids.js';
import { type SqlValue, type Tx, nowIso, parseJson } from '../../store/index.js';

/** The state of a delivery. */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** A delivery as the API lists it. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  /** The event's per-tenant sequence number; null for a test ping. */
  eventSeq: number | null;
  eventType: string;
  /** The `webhook-id` header, the same on every attempt (receivers dedupe on it). */
  messageId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One attempt of a delivery. */
export interface DeliveryAttempt {
  attempt: number;
  /** `scheduled` (the retry schedule) or `manual` (a test ping or a redelivery). */
  trigger: 'scheduled' | 'manual';
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  /** The response body's first 1,024 characters. */
  responseBody: string | null;
}

/** A delivery with its payload and every attempt. */
export interface WebhookDeliveryDetail extends WebhookDelivery {
  payload: unknown;
  attemptLog: DeliveryAttempt[];
}

/** A delivery with what sending needs. */
export interface DeliveryWithBody extends WebhookDelivery {
  body: string;
}

/** A delivery new to the due queue. */
export interface NewDelivery {
  endpointId: string;
  eventSeq: number | null;
  eventType: string;
  messageId: string;
  body: string;
}

/** A claimed due row. */
export interface DueDelivery {
  tenantId: string;
  deliveryId: string;
  manual: boolean;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_seq: number | null;
  event_type: string;
  message_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  body?: string;
}

const listColumns =
  'id, endpoint_id, event_seq, event_type, message_id, status, attempts, next_attempt_at, last_status_code, last_error, created_at, updated_at';

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    eventSeq: row.event_seq === null ? null : Number(row.event_seq),
    eventType: row.event_type,
    messageId: row.message_id,
    status: row.status,
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const insertChunk = 200;

/**
 * Inserts deliveries (one per endpoint and event: a repeat is skipped) and queues each due at `dueAt` (ms).
 * Returns the IDs inserted, in input order of the rows that were new.
 */
export async function insertDeliveries(tx: Tx, tenantId: string, deliveries: readonly NewDelivery[], dueAt: number, manual = false): Promise<string[]> {
  const inserted: string[] = [];
  const now = nowIso();
  for (let start = 0; start < deliveries.length; start += insertChunk) {
    const chunk = deliveries.slice(start, start + insertChunk);
    const params: SqlValue[] = [];
    const rows: string[] = [];
    for (const delivery of chunk) {
      rows.push("(?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)");
      params.push(tenantId, newId(), delivery.endpointId, delivery.eventSeq, delivery.eventType, delivery.messageId, delivery.body, now, now, now);
    }
    const created = await tx.all<{ id: string }>(
      `INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_seq, event_type, message_id, body, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES ${rows.join(', ')} ON CONFLICT (tenant_id, endpoint_id, event_seq) DO NOTHING RETURNING id`,
      params,
    );
    if (created.length === 0) continue;
    const dueParams: SqlValue[] = [];
    for (const { id } of created) dueParams.push(tenantId, id, dueAt, manual ? 1 : 0);
    await tx.run(`INSERT INTO webhook_due (tenant_id, delivery_id, due_at, manual) VALUES ${created.map(() => '(?, ?, ?, ?)').join(', ')}`, dueParams);
    for (const { id } of created) inserted.push(id);
  }
  return inserted;
}

/**
 * Claims up to `limit` due rows across tenants by moving their due time to `leaseUntil`: a process that dies
 * mid-attempt leaves the row to come due again when the lease ends, so the attempt is retried (same message ID).
 */
export async function claimDue(tx: Tx, now: number, leaseUntil: number, limit: number): Promise<DueDelivery[]> {
  const lock = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  const rows = await tx.all<{ tenant_id: string; delivery_id: string; manual: number }>(
    `UPDATE webhook_due SET due_at = ? WHERE (tenant_id, delivery_id) IN (
       SELECT tenant_id, delivery_id FROM webhook_due WHERE due_at <= ? ORDER BY due_at LIMIT ?${lock}
     ) RETURNING tenant_id, delivery_id, manual`,
    [leaseUntil, now, limit],
  );
  return rows.map((row) => ({ tenantId: row.tenant_id, deliveryId: row.delivery_id, manual: Number(row.manual) === 1 }));
}

/** Queues a delivery (again) at `dueAt`; `manual` marks a one-off attempt outside the schedule. */
export async function scheduleDue(tx: Tx, tenantId: string, deliveryId: string, dueAt: number, manual: boolean): Promise<void> {
  await tx.run(
    'INSERT INTO webhook_due (tenant_id, delivery_id, due_at, manual) VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, delivery_id) DO UPDATE SET due_at = excluded.due_at, manual = excluded.manual',
    [tenantId, deliveryId, dueAt, manual ? 1 : 0],
  );
}

/** Takes a delivery off the due queue. */
export async function removeDue(tx: Tx, tenantId: string, deliveryId: string): Promise<void> {
  await tx.run('DELETE FROM webhook_due WHERE tenant_id = ? AND delivery_id = ?', [tenantId, deliveryId]);
}

/** One delivery with its body, or undefined. */
export async function findDeliveryWithBody(tx: Tx, tenantId: string, deliveryId: string): Promise<DeliveryWithBody | undefined> {
  const row = await tx.get<DeliveryRow>(`SELECT ${listColumns}, body FROM webhook_deliveries WHERE tenant_id = ? AND id = ?`, [tenantId, deliveryId]);
  return row ? { ...toDelivery(row), body: row.body as string } : undefined;
}

/** A page of an endpoint's deliveries, newest first. */
export async function selectDeliveries(
  tx: Tx,
  tenantId: string,
  endpointId: string,
  options: { before: string | null; limit: number; status?: DeliveryStatus },
): Promise<WebhookDelivery[]> {
  const where = ['tenant_id = ?', 'endpoint_id = ?'];
  const params: SqlValue[] = [tenantId, endpointId];
  if (options.before) {
    where.push('id < ?');
    params.push(options.before);
  }
  if (options.status) {
    where.push('status = ?');
    params.push(options.status);
  }
  params.push(options.limit + 1);
  const rows = await tx.all<DeliveryRow>(`SELECT ${listColumns} FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, params);
  return rows.map(toDelivery);
}

/** One delivery of an endpoint with its payload and attempts, or undefined (also for another endpoint's or tenant's). */
export async function findDeliveryDetail(tx: Tx, tenantId: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryDetail | undefined> {
  if (!isId(deliveryId)) return undefined;
  const row = await tx.get<DeliveryRow>(`SELECT ${listColumns}, body FROM webhook_deliveries WHERE tenant_id = ? AND endpoint_id = ? AND id = ?`, [
    tenantId,
    endpointId,
    deliveryId,
  ]);
  if (!row) return undefined;
  const attempts = await tx.all<{
    attempt: number;
    trigger: 'scheduled' | 'manual';
    started_at: string;
    duration_ms: number;
    status_code: number | null;
    error: string | null;
    response_body: string | null;
  }>(
    'SELECT attempt, trigger, started_at, duration_ms, status_code, error, response_body FROM webhook_attempts WHERE tenant_id = ? AND delivery_id = ? ORDER BY attempt',
    [tenantId, deliveryId],
  );
  return {
    ...toDelivery(row),
    payload: parseJson<unknown>(row.body as string),
    attemptLog: attempts.map((attempt) => ({
      attempt: Number(attempt.attempt),
      trigger: attempt.trigger,
      startedAt: attempt.started_at,
      durationMs: Number(attempt.duration_ms),
      statusCode: attempt.status_code,
      error: attempt.error,
      responseBody: attempt.response_body,
    })),
  };
}

/**
 * Records an attempt and the delivery's new state; the attempt number is taken from the row inside the
 * transaction, so a redelivery racing a scheduled attempt still numbers both attempts apart.
 */
export async function recordAttempt(
  tx: Tx,
  tenantId: string,
  deliveryId: string,
  attempt: Omit<DeliveryAttempt, 'attempt'>,
  next: { status: DeliveryStatus; nextAttemptAt: string | null },
): Promise<number> {
  const row = await tx.get<{ attempts: number }>(
    'UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_status_code = ?, last_error = ?, updated_at = ? WHERE tenant_id = ? AND id = ? RETURNING attempts',
    [next.status, next.nextAttemptAt, attempt.statusCode, attempt.error, nowIso(), tenantId, deliveryId],
  );
  if (!row) return 0;
  const number = Number(row.attempts);
  await tx.run(
    'INSERT INTO webhook_attempts (tenant_id, delivery_id, attempt, trigger, started_at, duration_ms, status_code, error, response_body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [tenantId, deliveryId, number, attempt.trigger, attempt.startedAt, attempt.durationMs, attempt.statusCode, attempt.error, attempt.responseBody],
  );
  return number;
}

/** Marks a delivery pending again, due now, for a manual redelivery. */
export async function markForRedelivery(tx: Tx, tenantId: string, deliveryId: string): Promise<void> {
  const now = nowIso();
  await tx.run("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?", [
    now,
    now,
    tenantId,
    deliveryId,
  ]);
}
