/** @module Request and response schemas of the job and schedule routes (TypeBox: validation, types and OpenAPI from one definition). */
import { Type } from 'typebox';
import { jobStatuses } from './types.js';

const nullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description });
const typeName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z][a-z0-9_-]*(\\.[a-z0-9_-]+)*$', description: 'A job type, e.g. jobs.prune' });
const cursor = Type.String({ maxLength: 500, description: 'nextCursor of the previous page' });
const limit = Type.Integer({ minimum: 1, maximum: 500, default: 50 });
const payload = Type.Record(Type.String(), Type.Unknown(), { description: 'A JSON object, at most 64 KiB', maxProperties: 100 });

export const JobSchema = Type.Object(
  {
    id: Type.String(),
    tenantId: nullableString('The tenant the job works for'),
    type: Type.String(),
    payload: Type.Record(Type.String(), Type.Unknown()),
    status: Type.Enum([...jobStatuses], { description: 'failed: the last attempt failed and another is due at runAt; dead: no attempt left' }),
    priority: Type.Integer(),
    attempts: Type.Integer({ description: 'Attempts started so far' }),
    maxAttempts: Type.Union([Type.Integer(), Type.Null()], { description: 'The job’s own limit; null uses its type’s policy' }),
    runAt: Type.String({ description: 'When it may run next' }),
    leaseUntil: nullableString('While running: until when the worker holds it'),
    cancelRequested: Type.Boolean(),
    idempotencyKey: nullableString('Unique per tenant and type'),
    scheduleId: nullableString('The schedule that fired it'),
    progress: Type.Unknown({ description: 'The last progress the handler reported' }),
    result: Type.Unknown({ description: 'What the handler returned' }),
    lastError: nullableString('The error of the last failed attempt'),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    startedAt: nullableString('When the last attempt started'),
    finishedAt: nullableString('When it reached succeeded, dead or cancelled'),
  },
  { title: 'Job' },
);

export const JobListQuery = Type.Object(
  { status: Type.Optional(Type.Enum([...jobStatuses])), type: Type.Optional(typeName), limit: Type.Optional(limit), cursor: Type.Optional(cursor) },
  { additionalProperties: false },
);

export const JobPageSchema = Type.Object({ items: Type.Array(JobSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }, { title: 'JobPage' });

export const ScheduleSchema = Type.Object(
  {
    id: Type.String(),
    tenantId: nullableString('The tenant; null for platform schedules'),
    name: Type.String(),
    cron: Type.String({ description: '5 fields (minute hour day month weekday) or 6 (seconds first)' }),
    timezone: Type.String({ description: 'IANA time zone the expression is read in' }),
    type: Type.String(),
    payload: Type.Record(Type.String(), Type.Unknown()),
    paused: Type.Boolean(),
    nextRunAt: nullableString('The next slot; null while paused'),
    lastRunAt: nullableString('The last slot fired (or the last trigger)'),
    lastJobId: nullableString('The job the last run enqueued'),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { title: 'Schedule' },
);

export const SchedulePageSchema = Type.Object(
  { items: Type.Array(ScheduleSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { title: 'SchedulePage' },
);

export const ScheduleListQuery = Type.Object({ limit: Type.Optional(limit), cursor: Type.Optional(cursor) }, { additionalProperties: false });

const scheduleFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  cron: Type.String({ minLength: 1, maxLength: 200, description: 'e.g. "0 3 * * *"' }),
  timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA name; default UTC' }),
  type: typeName,
  payload,
};

export const CreateScheduleBody = Type.Object(
  {
    name: scheduleFields.name,
    cron: scheduleFields.cron,
    timezone: Type.Optional(scheduleFields.timezone),
    type: scheduleFields.type,
    payload: Type.Optional(scheduleFields.payload),
    paused: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UpdateScheduleBody = Type.Object(
  {
    name: Type.Optional(scheduleFields.name),
    cron: Type.Optional(scheduleFields.cron),
    timezone: Type.Optional(scheduleFields.timezone),
    type: Type.Optional(scheduleFields.type),
    payload: Type.Optional(scheduleFields.payload),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const TriggeredSchema = Type.Object({ jobId: Type.String(), schedule: ScheduleSchema }, { title: 'ScheduleTriggered' });
