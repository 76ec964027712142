/** @module The job queue's public door: durable jobs with leases, retries and dead letters, cron schedules, and their HTTP routes. */
export { RetryLater, PermanentFailure, backoffDelay } from './retry-policy.js';
export { createJobService, type JobService, type JobServiceOptions, type JobFilter, type JobPage } from './service.js';
export type { ScheduleService, SchedulePage } from './schedules.js';
export type { Schedule, CreateScheduleInput, UpdateScheduleInput } from './schedule-rows.js';
export { registerBuiltinJobTypes } from './builtin-types.js';
export type {
  EnqueueInput,
  EnqueueResult,
  Job,
  JobContext,
  JobFinishedListener,
  JobHandler,
  JobOutcome,
  JobStatus,
  JobTypeOptions,
  RetryPolicy,
} from './types.js';
export { jobStatuses } from './types.js';
export { maxPayloadBytes } from './job-rows.js';
