/** @module Webhook deliveries at rest: one row per (endpoint, event), its attempts, and the `webhooks.deliver` jobs that make them. */
import { isId, newId } from '../../core/ids.js';
import { type SqlValue, type Tx, nowIso, parseJson } from '../../store/index.js';
import type { EnqueueInput } from '../jobs/index.js';

/** The job type of one delivery attempt. */
export const deliverJobType = 'webhooks.deliver';

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

/** A delivery to insert. */
export interface NewDelivery {
  endpointId: string;
  eventSeq: number | null;
  eventType: string;
  messageId: string;
  body: string;
}

/** One attempt to make: the payload of a `webhooks.deliver` job. */
export interface AttemptRequest {
  tenantId: string;
  deliveryId: string;
  /** The attempt's number in the delivery log (1-based); a delivery that has this many attempts already is left alone. */
  attempt: number;
  /** A ping or a redelivery: sent whatever the endpoint's state, never retried. */
  manual: boolean;
}

/**
 * The job of one attempt, due at `runAt`. Its idempotency key names the delivery and the attempt number, so the
 * same attempt is never queued twice (a manual one has a key of its own beside the scheduled one).
 */
export function attemptJob(request: AttemptRequest, runAt: string | Date, runSooner = false): EnqueueInput {
  return {
    type: deliverJobType,
    tenantId: request.tenantId,
    payload: { deliveryId: request.deliveryId, attempt: request.attempt, manual: request.manual },
    runAt,
    idempotencyKey: `${request.deliveryId}:${request.attempt}${request.manual ? ':manual' : ''}`,
    ...(runSooner ? { runSooner } : {}),
  };
}

/** Reads a `webhooks.deliver` job's payload back into a request. */
export function attemptRequest(tenantId: string | null, payload: Record<string, unknown>): AttemptRequest | null {
  const { deliveryId, attempt, manual } = payload;
  if (!tenantId || typeof deliveryId !== 'string' || typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1) return null;
  return { tenantId, deliveryId, attempt, manual: manual === true };
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
 * Inserts deliveries (one per endpoint and event: a repeat is skipped). Returns the IDs inserted, in input order of
 * the rows that were new; the caller enqueues their first attempts in the same transaction.
 */
export async function insertDeliveries(tx: Tx, tenantId: string, deliveries: readonly NewDelivery[]): Promise<string[]> {
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
    for (const { id } of created) inserted.push(String(id));
  }
  return inserted;
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
