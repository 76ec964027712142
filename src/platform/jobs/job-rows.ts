/** @module Job rows: validation of what is enqueued, the row mapper, and the SQL that both dialects share or branch on. */
import { TrellisError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Dialect, SqlValue, Tx } from '../../store/index.js';
import { nowIso } from '../../store/values.js';
import type { EnqueueInput, EnqueueResult, Job, JobStatus } from './types.js';

/** Job types are dotted lower-case names, e.g. `webhooks.deliver`. */
export const jobTypePattern = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/** A payload larger than this (as JSON) is refused: jobs carry references, not data. */
export const maxPayloadBytes = 64 * 1024;

/** The JSON parameter of a statement: text on SQLite, cast to jsonb on PostgreSQL. */
export function json(tx: Tx): string {
  return tx.dialect === 'sqlite' ? '?' : '?::jsonb';
}

/** The expression the idempotency index is built on (see migration 0003). */
export function tenantKey(tx: Tx): string {
  return tx.dialect === 'sqlite' ? "COALESCE(tenant_id, '')" : "COALESCE(tenant_id::text, '')";
}

function bad(message: string, details?: Record<string, unknown>): TrellisError {
  return new TrellisError('validation_failed', message, details);
}

/** Checks a job type name; throws `validation_failed`. */
export function validateJobType(type: unknown): string {
  if (typeof type !== 'string' || type.length === 0 || type.length > 100 || !jobTypePattern.test(type)) {
    throw bad(`Job type ${JSON.stringify(type)} must be a dotted lower-case name of at most 100 characters, e.g. "jobs.prune"`, { field: 'type' });
  }
  return type;
}

/** Serialises a payload object, refusing anything that is not a plain object or is too large. */
export function serialisePayload(payload: unknown): string {
  if (payload === undefined) return '{}';
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw bad('A job payload must be a JSON object', { field: 'payload' });
  const text = JSON.stringify(payload);
  if (Buffer.byteLength(text) > maxPayloadBytes) throw bad(`A job payload must be at most ${maxPayloadBytes} bytes as JSON`, { field: 'payload' });
  return text;
}

function integerIn(value: unknown, min: number, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(`${field} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}`, { field });
  }
  return value;
}

function isoTime(value: string | Date | undefined, field: string): string {
  if (value === undefined) return nowIso();
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw bad(`${field} must be an ISO-8601 time; got ${JSON.stringify(value)}`, { field });
  return date.toISOString();
}

/** Inserts a job in the caller's transaction; an existing job with the same (tenant, type, idempotency key) is returned instead. */
export async function insertJob(tx: Tx, input: EnqueueInput): Promise<EnqueueResult> {
  return (await insertJobs(tx, [input]))[0] as EnqueueResult;
}

interface JobValues {
  id: string;
  tenantId: string | null;
  type: string;
  payload: string;
  priority: number;
  maxAttempts: number | null;
  runAt: string;
  key: string | null;
  scheduleId: string | null;
  runSooner: boolean;
}

function jobValues(input: EnqueueInput): JobValues {
  const type = validateJobType(input.type);
  const payload = serialisePayload(input.payload);
  const maxAttempts = input.maxAttempts === undefined ? null : integerIn(input.maxAttempts, 1, 1000, 'maxAttempts');
  const priority = input.priority === undefined ? 0 : integerIn(input.priority, -1000, 1000, 'priority');
  const runAt = isoTime(input.runAt, 'runAt');
  const key = input.idempotencyKey ?? null;
  if (key !== null && (typeof key !== 'string' || key.length === 0 || key.length > 200)) {
    throw bad('idempotencyKey must be a string of 1 to 200 characters', { field: 'idempotencyKey' });
  }
  return {
    id: newId(),
    tenantId: input.tenantId ?? null,
    type,
    payload,
    priority,
    maxAttempts,
    runAt,
    key,
    scheduleId: input.scheduleId ?? null,
    runSooner: input.runSooner === true,
  };
}

/** Rows per INSERT on SQLite (11 parameters a row, well under its 32,766-parameter limit). */
const sqliteChunk = 500;

/** Inserts the rows; answers the IDs that were new (the others met an existing idempotency key). */
async function insertRows(tx: Tx, rows: readonly JobValues[], now: string): Promise<Set<string>> {
  const created = new Set<string>();
  if (tx.dialect === 'postgres') {
    // One statement for the whole batch: each column as an array, zipped by unnest.
    const column = <T>(pick: (row: JobValues) => T) => rows.map(pick) as unknown as SqlValue;
    const inserted = await tx.all<{ id: string }>(
      `INSERT INTO jobs (id, tenant_id, type, payload, status, priority, max_attempts, run_at, idempotency_key, schedule_id, created_at, updated_at)
       SELECT id, tenant_id, type, payload::jsonb, 'queued', priority, max_attempts, run_at, idempotency_key, schedule_id, ?, ?
       FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::int[], ?::int[], ?::timestamptz[], ?::text[], ?::uuid[])
         AS t(id, tenant_id, type, payload, priority, max_attempts, run_at, idempotency_key, schedule_id)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        now,
        now,
        column((row) => row.id),
        column((row) => row.tenantId),
        column((row) => row.type),
        column((row) => row.payload),
        column((row) => row.priority),
        column((row) => row.maxAttempts),
        column((row) => row.runAt),
        column((row) => row.key),
        column((row) => row.scheduleId),
      ],
    );
    for (const { id } of inserted) created.add(String(id));
    return created;
  }
  for (let start = 0; start < rows.length; start += sqliteChunk) {
    const chunk = rows.slice(start, start + sqliteChunk);
    const params: SqlValue[] = [];
    for (const row of chunk)
      params.push(row.id, row.tenantId, row.type, row.payload, row.priority, row.maxAttempts, row.runAt, row.key, row.scheduleId, now, now);
    if (chunk.length === 1) {
      // The common single enqueue: a plain INSERT reports through its change count, without RETURNING.
      const changed = await tx.run(
        `INSERT INTO jobs (id, tenant_id, type, payload, status, priority, max_attempts, run_at, idempotency_key, schedule_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        params,
      );
      if (changed === 1) created.add((chunk[0] as JobValues).id);
      continue;
    }
    const inserted = await tx.all<{ id: string }>(
      `INSERT INTO jobs (id, tenant_id, type, payload, status, priority, max_attempts, run_at, idempotency_key, schedule_id, created_at, updated_at)
       VALUES ${chunk.map(() => "(?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)").join(', ')} ON CONFLICT DO NOTHING RETURNING id`,
      params,
    );
    for (const { id } of inserted) created.add(String(id));
  }
  return created;
}

/**
 * Inserts jobs in the caller's transaction, many rows per statement (`unnest` on PostgreSQL); answers one result per
 * input, in order. An input whose (tenant, type, idempotency key) exists already answers the existing job.
 */
export async function insertJobs(tx: Tx, inputs: readonly EnqueueInput[]): Promise<EnqueueResult[]> {
  if (inputs.length === 0) return [];
  const rows = inputs.map(jobValues);
  const now = nowIso();
  const created = await insertRows(tx, rows, now);
  const results: EnqueueResult[] = [];
  for (const row of rows) {
    if (created.has(row.id)) {
      results.push({ id: row.id, created: true });
      continue;
    }
    const existing = await tx.get<{ id: string }>(`SELECT id FROM jobs WHERE ${tenantKey(tx)} = ? AND type = ? AND idempotency_key = ?`, [
      row.tenantId ?? '',
      row.type,
      row.key,
    ]);
    if (!existing) throw new TrellisError('conflict', `Job ${row.id} could not be inserted`);
    if (row.runSooner) {
      await tx.run("UPDATE jobs SET run_at = ?, updated_at = ? WHERE id = ? AND status IN ('queued','failed') AND run_at > ?", [
        row.runAt,
        now,
        existing.id,
        row.runAt,
      ]);
    }
    results.push({ id: String(existing.id), created: false });
  }
  return results;
}

/** A row of `jobs` as either driver returns it. */
export type JobRow = Record<string, unknown>;

const nullableText = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** A JSON column: SQLite hands back text; PostgreSQL parses jsonb itself (so a JSON string arrives as a plain string). */
function jsonValue(value: unknown, dialect: Dialect): unknown {
  if (value === null || value === undefined) return null;
  return dialect === 'sqlite' ? JSON.parse(String(value)) : value;
}

/** Maps a row of either driver to a {@link Job}. */
export function toJob(row: JobRow, dialect: Dialect): Job {
  return {
    id: String(row.id),
    tenantId: nullableText(row.tenant_id),
    type: String(row.type),
    payload: jsonValue(row.payload, dialect) as Record<string, unknown>,
    status: row.status as JobStatus,
    priority: Number(row.priority),
    attempts: Number(row.attempts),
    maxAttempts: row.max_attempts === null ? null : Number(row.max_attempts),
    runAt: String(row.run_at),
    leaseUntil: nullableText(row.lease_until),
    cancelRequested: row.cancel_requested === true || row.cancel_requested === 1,
    idempotencyKey: nullableText(row.idempotency_key),
    scheduleId: nullableText(row.schedule_id),
    progress: jsonValue(row.progress, dialect),
    result: jsonValue(row.result, dialect),
    lastError: nullableText(row.last_error),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    startedAt: nullableText(row.started_at),
    finishedAt: nullableText(row.finished_at),
  };
}

/** The columns every job query selects. */
export const jobColumns =
  'id, tenant_id, type, payload, status, priority, attempts, max_attempts, run_at, lease_until, cancel_requested, idempotency_key, schedule_id, progress, result, last_error, created_at, updated_at, started_at, finished_at';

/** One job, or undefined. `tenantId` null reads any job (the operator); a tenant reads only its own. */
export async function selectJob(tx: Tx, id: string, tenantId: string | null): Promise<Job | undefined> {
  const params: SqlValue[] = [id];
  let sql = `SELECT ${jobColumns} FROM jobs WHERE id = ?`;
  if (tenantId !== null) {
    sql += ' AND tenant_id = ?';
    params.push(tenantId);
  }
  const row = await tx.get<JobRow>(sql, params);
  return row ? toJob(row, tx.dialect) : undefined;
}
