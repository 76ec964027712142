/** @module Cron schedules as rows: validation (croner), the row mapper, and the next slot of an expression. */
import { Cron } from 'croner';
import { TrellisError } from '../../core/errors.js';
import { parseJson } from '../../store/values.js';
import { serialisePayload, validateJobType } from './job-rows.js';

/** A cron schedule: fires a job of `type` with `payload` at each slot of `cron` in `timezone`. */
export interface Schedule {
  id: string;
  /** null for platform schedules (set up by code, not visible to tenants). */
  tenantId: string | null;
  name: string;
  /** Five fields (minute precision) or six (with seconds first). */
  cron: string;
  /** IANA time zone the expression is read in. */
  timezone: string;
  type: string;
  payload: Record<string, unknown>;
  paused: boolean;
  /** The next slot; null while paused. */
  nextRunAt: string | null;
  /** The slot that fired last (or the time of the last manual trigger). */
  lastRunAt: string | null;
  lastJobId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What creating a schedule takes. */
export interface CreateScheduleInput {
  name: string;
  cron: string;
  /** @default "UTC" */
  timezone?: string;
  type: string;
  payload?: Record<string, unknown>;
  /** @default false */
  paused?: boolean;
}

/** What updating a schedule may change. */
export type UpdateScheduleInput = Partial<Omit<CreateScheduleInput, 'paused'>>;

function bad(message: string, field: string): TrellisError {
  return new TrellisError('validation_failed', message, { field });
}

/** Checks an IANA time zone name. */
export function validateTimezone(timezone: unknown): string {
  if (typeof timezone !== 'string' || timezone.length === 0 || timezone.length > 64)
    throw bad('timezone must be an IANA time zone name such as "Europe/Oslo"', 'timezone');
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw bad(`timezone ${JSON.stringify(timezone)} is not an IANA time zone name such as "Europe/Oslo" or "UTC"`, 'timezone');
  }
  return timezone;
}

/** Parses a cron expression in a time zone; throws `validation_failed` saying what is wrong. */
export function parseCron(expression: unknown, timezone: string): Cron {
  if (typeof expression !== 'string' || expression.length === 0 || expression.length > 200) {
    throw bad('cron must be a cron expression of 5 fields (minute hour day month weekday) or 6 (seconds first)', 'cron');
  }
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone, paused: true, mode: '5-or-6-parts' });
  } catch (error) {
    throw bad(`cron ${JSON.stringify(expression)} is not valid: ${(error as Error).message}`, 'cron');
  }
  if (cron.nextRun() === null) throw bad(`cron ${JSON.stringify(expression)} never fires`, 'cron');
  return cron;
}

/** The first slot of `cron` strictly after `after`, as ISO-8601; null when it never fires again. */
export function nextSlot(expression: string, timezone: string, after: Date): string | null {
  return parseCron(expression, timezone).nextRun(after)?.toISOString() ?? null;
}

/** Checks a schedule name. */
export function validateScheduleName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100) throw bad('name must be 1 to 100 characters', 'name');
  return name;
}

/** Validates a whole new schedule; `isRegistered` says whether a job type has a handler. */
export function validateSchedule(
  input: CreateScheduleInput,
  isRegistered: (type: string) => boolean,
): Required<Omit<CreateScheduleInput, 'payload'>> & { payload: string } {
  const name = validateScheduleName(input.name);
  const timezone = validateTimezone(input.timezone ?? 'UTC');
  parseCron(input.cron, timezone);
  const type = validateJobType(input.type);
  if (!isRegistered(type))
    throw new TrellisError('unprocessable', `Job type ${JSON.stringify(type)} is not registered; a schedule can only run a registered type`, { field: 'type' });
  return { name, cron: input.cron, timezone, type, payload: serialisePayload(input.payload ?? {}), paused: input.paused ?? false };
}

/** The columns every schedule query selects. */
export const scheduleColumns = 'id, tenant_id, name, cron, timezone, type, payload, paused, next_run_at, last_run_at, last_job_id, created_at, updated_at';

/** Maps a row of either driver to a {@link Schedule}. */
export function toSchedule(row: Record<string, unknown>): Schedule {
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  return {
    id: String(row.id),
    tenantId: text(row.tenant_id),
    name: String(row.name),
    cron: String(row.cron),
    timezone: String(row.timezone),
    type: String(row.type),
    payload: parseJson<Record<string, unknown>>(row.payload),
    paused: row.paused === true || row.paused === 1,
    nextRunAt: text(row.next_run_at),
    lastRunAt: text(row.last_run_at),
    lastJobId: text(row.last_job_id),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}
