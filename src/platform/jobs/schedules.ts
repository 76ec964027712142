/** @module Cron schedules: create, change, pause, resume, trigger, and the scheduler that fires each slot exactly once. */
import { TrellisError, notFound } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { decodeCursor, encodeCursor } from '../../graph/pagination.js';
import type { Scope, SqlValue, Store, Tx } from '../../store/index.js';
import { appendEvent } from '../../store/outbox.js';
import { nowIso } from '../../store/values.js';
import { insertJob, json, tenantKey } from './job-rows.js';
import {
  type CreateScheduleInput,
  type Schedule,
  type UpdateScheduleInput,
  nextSlot,
  scheduleColumns,
  toSchedule,
  validateSchedule,
  validateScheduleName,
} from './schedule-rows.js';

/** A page of schedules. */
export interface SchedulePage {
  items: Schedule[];
  nextCursor: string | null;
}

/**
 * Schedules of a tenant (`tenantId` a string) or of the platform (`null`). Over HTTP a tenant sees only its own;
 * another tenant's schedule is `not_found`.
 */
export interface ScheduleService {
  /** Creates a schedule; the type must be registered (`unprocessable`), the name unique in the tenant (`conflict`). */
  create(tenantId: string | null, input: CreateScheduleInput): Promise<Schedule>;
  /** Creates the schedule or, when one of that name exists, updates it to match: for schedules set up by code at start. */
  ensure(tenantId: string | null, input: CreateScheduleInput): Promise<Schedule>;
  /**
   * Creates the schedule unless one of that name exists, and leaves an existing one as it is: Trellis's own default
   * schedules (retention, pruning), which an operator may move, pause or delete… and a deleted one comes back at the
   * next start. Several replicas starting at once create it once. Answers whether it created it.
   */
  ensureDefault(tenantId: string | null, input: CreateScheduleInput): Promise<boolean>;
  list(tenantId: string | null | undefined, page?: { cursor?: string; limit?: number }): Promise<SchedulePage>;
  /** A schedule by ID; `tenantId` undefined finds any (the operator's CLI). */
  get(id: string, tenantId?: string | null): Promise<Schedule>;
  update(id: string, tenantId: string | null | undefined, input: UpdateScheduleInput): Promise<Schedule>;
  remove(id: string, tenantId?: string | null): Promise<void>;
  pause(id: string, tenantId?: string | null): Promise<Schedule>;
  /** Resumes from the next slot after now: slots that passed while paused do not fire. */
  resume(id: string, tenantId?: string | null): Promise<Schedule>;
  /** Enqueues a run now, outside the cron slots; the next slot is unchanged. */
  trigger(id: string, tenantId?: string | null): Promise<{ schedule: Schedule; jobId: string }>;
  /** Fires every due schedule once (called by the worker's poll); answers how many fired. */
  fireDue(now?: Date): Promise<number>;
}

/** What schedules need from the job service. */
export interface ScheduleDeps {
  store: Store;
  isRegistered(type: string): boolean;
  /** Wakes this process's worker after a job was enqueued. */
  wake(): void;
}

const scopeOf = (tenantId: string | null): Scope => (tenantId ? { tenantId } : 'system');

function tenantFilter(tenantId: string | null | undefined, where: string[], params: SqlValue[]): void {
  if (tenantId === undefined) return;
  if (tenantId === null) where.push('tenant_id IS NULL');
  else {
    where.push('tenant_id = ?');
    params.push(tenantId);
  }
}

async function selectSchedule(tx: Tx, id: string, tenantId: string | null | undefined): Promise<Schedule | undefined> {
  const where = ['id = ?'];
  const params: SqlValue[] = [id];
  tenantFilter(tenantId, where, params);
  const row = await tx.get<Record<string, unknown>>(`SELECT ${scheduleColumns} FROM schedules WHERE ${where.join(' AND ')}`, params);
  return row ? toSchedule(row) : undefined;
}

async function emit(tx: Tx, schedule: Schedule, type: string): Promise<void> {
  if (schedule.tenantId) await appendEvent(tx, { type, subject: schedule.id, payload: { schedule } });
}

function isUniqueViolation(error: unknown): boolean {
  const err = error as { code?: string; message?: string };
  return err.code === '23505' || err.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(err.message ?? '');
}

/** Creates the schedule service. */
export function createScheduleService(deps: ScheduleDeps): ScheduleService {
  const { store } = deps;

  /** Reads the schedule (to learn its tenant), then changes it in a transaction scoped to that tenant. */
  async function change(id: string, tenantId: string | null | undefined, fn: (tx: Tx, schedule: Schedule) => Promise<Schedule>): Promise<Schedule> {
    const found = await store.read('system', (tx) => selectSchedule(tx, id, tenantId));
    if (!found) throw notFound('Schedule', id);
    return store.transaction(scopeOf(found.tenantId), async (tx) => {
      const current = await selectSchedule(tx, id, found.tenantId);
      if (!current) throw notFound('Schedule', id);
      return fn(tx, current);
    });
  }

  async function writeFields(tx: Tx, id: string, fields: Record<string, SqlValue>): Promise<Schedule> {
    const names = Object.keys(fields);
    const sets = names.map((name) => `${name} = ${name === 'payload' ? json(tx) : '?'}`);
    const row = await tx.get<Record<string, unknown>>(`UPDATE schedules SET ${sets.join(', ')}, updated_at = ? WHERE id = ? RETURNING ${scheduleColumns}`, [
      ...names.map((name) => fields[name] as SqlValue),
      nowIso(),
      id,
    ]);
    if (!row) throw notFound('Schedule', id);
    return toSchedule(row);
  }

  async function create(tenantId: string | null, input: CreateScheduleInput): Promise<Schedule> {
    const valid = validateSchedule(input, deps.isRegistered);
    const now = nowIso();
    const nextRunAt = valid.paused ? null : nextSlot(valid.cron, valid.timezone, new Date());
    try {
      return await store.transaction(scopeOf(tenantId), async (tx) => {
        const row = await tx.get<Record<string, unknown>>(
          `INSERT INTO schedules (id, tenant_id, name, cron, timezone, type, payload, paused, next_run_at, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ${json(tx)}, ?, ?, ?, ?) RETURNING ${scheduleColumns}`,
          [newId(), tenantId, valid.name, valid.cron, valid.timezone, valid.type, valid.payload, valid.paused, nextRunAt, now, now],
        );
        const schedule = toSchedule(row as Record<string, unknown>);
        await emit(tx, schedule, 'schedule.created');
        return schedule;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new TrellisError('conflict', `A schedule named ${JSON.stringify(valid.name)} exists already`, { field: 'name' });
      throw error;
    }
  }

  async function update(id: string, tenantId: string | null | undefined, input: UpdateScheduleInput): Promise<Schedule> {
    try {
      return await change(id, tenantId, async (tx, current) => {
        const merged = { ...current, ...input, paused: current.paused };
        const valid = validateSchedule(merged, deps.isRegistered);
        const timing = valid.cron !== current.cron || valid.timezone !== current.timezone;
        const fields: Record<string, SqlValue> = { name: valid.name, cron: valid.cron, timezone: valid.timezone, type: valid.type, payload: valid.payload };
        if (timing && !current.paused) fields.next_run_at = nextSlot(valid.cron, valid.timezone, new Date());
        const schedule = await writeFields(tx, id, fields);
        await emit(tx, schedule, 'schedule.updated');
        return schedule;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new TrellisError('conflict', `A schedule named ${JSON.stringify(input.name)} exists already`, { field: 'name' });
      throw error;
    }
  }

  return {
    create,
    update,
    async ensure(tenantId, input) {
      validateScheduleName(input.name);
      const existing = await store.read('system', (tx) =>
        tx.get<{ id: string }>(`SELECT id FROM schedules WHERE ${tenantKey(tx)} = ? AND name = ?`, [tenantId ?? '', input.name]),
      );
      if (!existing) return create(tenantId, input);
      return update(existing.id, tenantId, { cron: input.cron, timezone: input.timezone ?? 'UTC', type: input.type, payload: input.payload ?? {} });
    },
    async ensureDefault(tenantId, input) {
      validateScheduleName(input.name);
      const existing = await store.read('system', (tx) =>
        tx.get<{ id: string }>(`SELECT id FROM schedules WHERE ${tenantKey(tx)} = ? AND name = ?`, [tenantId ?? '', input.name]),
      );
      if (existing) return false;
      try {
        await create(tenantId, input);
        return true;
      } catch (error) {
        // Another replica created it first.
        if (error instanceof TrellisError && error.code === 'conflict') return false;
        throw error;
      }
    },
    async list(tenantId, page = {}) {
      const limit = Math.min(Math.max(page.limit ?? 50, 1), 500);
      const where: string[] = ['1 = 1'];
      const params: SqlValue[] = [];
      tenantFilter(tenantId, where, params);
      const after = decodeCursor(page.cursor);
      if (after) {
        where.push('id > ?');
        params.push(after);
      }
      params.push(limit + 1);
      const rows = await store.read('system', (tx) =>
        tx.all<Record<string, unknown>>(`SELECT ${scheduleColumns} FROM schedules WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, params),
      );
      const items = rows.slice(0, limit).map(toSchedule);
      return { items, nextCursor: rows.length > limit ? encodeCursor((items[items.length - 1] as Schedule).id) : null };
    },
    async get(id, tenantId) {
      const found = await store.read('system', (tx) => selectSchedule(tx, id, tenantId));
      if (!found) throw notFound('Schedule', id);
      return found;
    },
    async remove(id, tenantId) {
      await change(id, tenantId, async (tx, current) => {
        await tx.run('DELETE FROM schedules WHERE id = ?', [id]);
        await emit(tx, current, 'schedule.deleted');
        return current;
      });
    },
    pause(id, tenantId) {
      return change(id, tenantId, async (tx, current) => {
        if (current.paused) return current;
        const schedule = await writeFields(tx, id, { paused: true, next_run_at: null });
        await emit(tx, schedule, 'schedule.paused');
        return schedule;
      });
    },
    resume(id, tenantId) {
      return change(id, tenantId, async (tx, current) => {
        if (!current.paused) return current;
        const schedule = await writeFields(tx, id, { paused: false, next_run_at: nextSlot(current.cron, current.timezone, new Date()) });
        await emit(tx, schedule, 'schedule.resumed');
        return schedule;
      });
    },
    async trigger(id, tenantId) {
      let jobId = '';
      const schedule = await change(id, tenantId, async (tx, current) => {
        const now = nowIso();
        ({ id: jobId } = await insertJob(tx, { type: current.type, payload: current.payload, tenantId: current.tenantId, scheduleId: current.id }));
        const updated = await writeFields(tx, id, { last_run_at: now, last_job_id: jobId });
        await emit(tx, updated, 'schedule.triggered');
        tx.afterCommit(deps.wake);
        return updated;
      });
      return { schedule, jobId };
    },
    async fireDue(now = new Date()) {
      const due = await store.read('system', (tx) =>
        tx.all<Record<string, unknown>>(
          `SELECT ${scheduleColumns} FROM schedules WHERE ${tx.dialect === 'sqlite' ? 'paused = 0' : 'NOT paused'} AND next_run_at <= ? ORDER BY next_run_at LIMIT 100`,
          [now.toISOString()],
        ),
      );
      let fired = 0;
      for (const schedule of due.map(toSchedule)) {
        const slot = schedule.nextRunAt as string;
        // Compare-and-set on next_run_at: of several schedulers (processes, replicas) reading the same due slot,
        // exactly one moves it on and enqueues; the job's idempotency key (schedule, slot) backs that up.
        // Slots missed while no scheduler ran collapse into this one run: the next slot is the first after now.
        const next = nextSlot(schedule.cron, schedule.timezone, now);
        const won = await store.transaction(scopeOf(schedule.tenantId), async (tx) => {
          const moved = await tx.run(`UPDATE schedules SET next_run_at = ?, last_run_at = ?, updated_at = ? WHERE id = ? AND next_run_at = ?`, [
            next,
            slot,
            nowIso(),
            schedule.id,
            slot,
          ]);
          if (moved !== 1) return false;
          const job = await insertJob(tx, {
            type: schedule.type,
            payload: schedule.payload,
            tenantId: schedule.tenantId,
            scheduleId: schedule.id,
            idempotencyKey: `schedule:${schedule.id}:${slot}`,
          });
          await tx.run('UPDATE schedules SET last_job_id = ? WHERE id = ?', [job.id, schedule.id]);
          tx.afterCommit(deps.wake);
          return true;
        });
        if (won) fired++;
      }
      return fired;
    },
  };
}
