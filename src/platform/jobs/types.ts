/** @module The job queue's vocabulary: jobs, their states, handlers and what a handler is given. */
import type { Tx } from '../../store/index.js';

/**
 * Where a job is in its life. `failed` means the last attempt failed and another is due at `runAt`; `dead` means no
 * attempt is left (the dead-letter state, kept until retried by hand or pruned).
 */
export type JobStatus = 'queued' | 'running' | 'failed' | 'succeeded' | 'dead' | 'cancelled';

/** Every status, for validation. */
export const jobStatuses: readonly JobStatus[] = ['queued', 'running', 'failed', 'succeeded', 'dead', 'cancelled'];

/** How one attempt ended, as told to {@link JobFinishedListener}s: `failed` will be retried with backoff, `retried` asked for its own time. */
export type JobOutcome = 'succeeded' | 'failed' | 'retried' | 'dead' | 'cancelled';

/** A job as stored. */
export interface Job {
  id: string;
  /** The tenant the job works for; null for platform jobs. */
  tenantId: string | null;
  type: string;
  payload: Record<string, unknown>;
  status: JobStatus;
  /** Higher runs first. */
  priority: number;
  /** Attempts started so far (an attempt whose process died counts). */
  attempts: number;
  /** The job's own limit; null uses its type's retry policy. */
  maxAttempts: number | null;
  /** When it may run next. */
  runAt: string;
  leaseUntil: string | null;
  cancelRequested: boolean;
  idempotencyKey: string | null;
  scheduleId: string | null;
  progress: unknown;
  result: unknown;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What {@link JobService.enqueue} takes. */
export interface EnqueueInput {
  type: string;
  payload?: Record<string, unknown>;
  /** The tenant the job works for; its events go to this tenant's log. Omit for platform jobs. */
  tenantId?: string | null;
  /** Earliest start (ISO-8601 or Date); now when omitted. */
  runAt?: string | Date;
  /** Overrides the type's retry policy for this job. */
  maxAttempts?: number;
  /** Unique per (tenant, type): enqueueing the same key again returns the existing job. */
  idempotencyKey?: string;
  /** Higher runs first. @default 0 */
  priority?: number;
  /** Set by the scheduler: the schedule that fired the job. */
  scheduleId?: string;
  /**
   * With an idempotency key: when the existing job is still waiting (queued or failed), move its `runAt` up to this
   * input's if that is sooner (e.g. "deliver now" for an attempt already scheduled for later). @default false
   */
  runSooner?: boolean;
}

/** What enqueueing answered: the job's ID, and whether it was created (false: an existing job with the same idempotency key). */
export interface EnqueueResult {
  id: string;
  created: boolean;
}

/** What a handler gets besides its job. */
export interface JobContext {
  /**
   * Records progress (a fraction or any small object). Persisted and, for tenant jobs, emitted as a `job.progress`
   * event, at most once per second per job; the last value always lands.
   */
  progress(value: number | Record<string, unknown>): void;
  /** Aborted when the job is cancelled, times out or the worker shuts down. */
  signal: AbortSignal;
  /** Extends the lease now and learns of a cancellation from another process. The worker also heartbeats on its own. */
  heartbeat(): Promise<void>;
  /** The 1-based number of this attempt. */
  attempt: number;
}

/** Runs one attempt of a job; what it resolves to is stored as the job's result (JSON). */
export type JobHandler<Result = unknown> = (job: Job, context: JobContext) => Promise<Result>;

/** Temporal-shaped retry policy: the n-th retry waits initial × coefficient^(n−1), at most maximum, with ±20 % jitter. */
export interface RetryPolicy {
  /** @default config.jobsMaxAttempts (5) */
  maxAttempts?: number;
  /** @default config.jobsRetryInitialMs (1000) */
  initialIntervalMs?: number;
  /** @default 2 */
  backoffCoefficient?: number;
  /** @default config.jobsRetryMaxMs (3600000) */
  maximumIntervalMs?: number;
}

/** Options of {@link JobService.register}. */
export interface JobTypeOptions {
  retry?: RetryPolicy;
  /** An attempt running longer than this is aborted and counts as failed. @default config.jobsTimeoutMs (900000) */
  timeoutMs?: number;
  /**
   * Runs this type in a lane of its own with this many slots, beside the worker's shared `jobsConcurrency` lane, so
   * that many short I/O-bound jobs (webhook attempts) neither starve nor are starved by the others.
   * @default undefined (the shared lane)
   */
  concurrency?: number;
  /**
   * Whether attempts of a tenant job append `job.succeeded` / `job.failed` / `job.dead` / `job.cancelled` events.
   * Off for webhook attempts: an endpoint subscribed to every event would otherwise be sent the events of its own
   * deliveries, without end. @default true
   */
  events?: boolean;
}

/** Told whenever an attempt ends (after its state is committed). */
export type JobFinishedListener = (type: string, outcome: JobOutcome, durationMs: number, tenantId: string | null) => void;

/** A transaction to enqueue in: any store transaction. */
export type JobTx = Tx;
