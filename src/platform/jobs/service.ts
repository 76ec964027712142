/** @module The job service: the queue's API (enqueue, register, inspect, cancel, retry), its worker and its schedules. */
import { pruneJobType } from './builtin-types.js';
import type { BackgroundWork } from '../../server/services.js';
import type { TrellisConfig } from '../../core/config.js';
import { TrellisError, notFound } from '../../core/errors.js';
import { decodeCursor, encodeCursor } from '../../graph/pagination.js';
import type { Scope, SqlValue, Store, Tx } from '../../store/index.js';
import { appendEvent } from '../../store/outbox.js';
import { nowIso } from '../../store/values.js';
import { type JobRow, insertJobs, jobColumns, selectJob, toJob, validateJobType } from './job-rows.js';
import { type ScheduleService, createScheduleService } from './schedules.js';
import type { EnqueueInput, EnqueueResult, Job, JobFinishedListener, JobHandler, JobStatus, JobTypeOptions } from './types.js';
import { type RegisteredType, createWorker } from './worker.js';

/** Filters of {@link JobService.list}. */
export interface JobFilter {
  /** A tenant's jobs; null: platform jobs; undefined: all (the operator). */
  tenantId?: string | null;
  status?: JobStatus;
  type?: string;
  cursor?: string;
  /** @default 50, at most 500 */
  limit?: number;
}

/** A page of jobs, newest first. */
export interface JobPage {
  items: Job[];
  nextCursor: string | null;
}

/** The job queue of a Trellis process. */
export interface JobService {
  /**
   * Enqueues a job in the caller's transaction, so it exists exactly when the data it concerns does. `tenantId`
   * defaults to the transaction's tenant. An existing job with the same (tenant, type, idempotencyKey) is returned
   * with `created: false`. This process's worker looks at once after the commit.
   * @example
   * await store.transaction({ tenantId }, async (tx) => {
   *   await jobs.enqueue(tx, { type: 'webhooks.deliver', payload: { deliveryId }, idempotencyKey: deliveryId });
   * });
   */
  enqueue(tx: Tx, input: EnqueueInput): Promise<EnqueueResult>;
  /**
   * Enqueues many jobs in the caller's transaction with one statement per few hundred rows (`unnest` on
   * PostgreSQL); answers one result per input, in order. Same rules as {@link enqueue}.
   */
  enqueueMany(tx: Tx, inputs: readonly EnqueueInput[]): Promise<EnqueueResult[]>;
  /** {@link enqueue} in a transaction of its own (scoped to `input.tenantId`). */
  enqueueNow(input: EnqueueInput): Promise<EnqueueResult>;
  /**
   * Registers the handler of a job type; this process's worker runs only registered types. Register before the
   * worker starts (in createServices). A handler throws `RetryLater` to pick its next time, `PermanentFailure` to
   * dead-letter at once; any other error retries with backoff until the attempts run out.
   */
  register<Result>(type: string, handler: JobHandler<Result>, options?: JobTypeOptions): void;
  /** Whether a type has a handler in this process. */
  isRegistered(type: string): boolean;
  /** Registered types, sorted. */
  registeredTypes(): string[];
  /** Listens to the end of every attempt in this process (metrics); returns the unsubscribe function. */
  onFinished(listener: JobFinishedListener): () => void;
  /**
   * Listens to the number of unfinished jobs by state (`queued`, `failed`, `running`), counted by the running worker
   * at most every `countsIntervalMs` (15 s) with one grouped COUNT (metrics); returns the unsubscribe function.
   */
  onCounts(listener: (counts: Record<string, number>) => void): () => void;
  /** A job; with a tenant, another tenant's job is `not_found`; `tenantId` undefined finds any. */
  get(id: string, tenantId?: string | null): Promise<Job>;
  list(filter?: JobFilter): Promise<JobPage>;
  /** Queued or failed: cancelled at once. Running: its signal is aborted and it ends cancelled. Finished: `conflict`. */
  cancel(id: string, tenantId?: string | null): Promise<Job>;
  /** Runs a dead or failed job again now, with a fresh attempt budget; other states are `conflict`. */
  retry(id: string, tenantId?: string | null): Promise<Job>;
  schedules: ScheduleService;
  /** The worker and scheduler, as background work of the server (a no-op when `jobsWorker` is off). */
  worker: BackgroundWork;
}

/** Options of {@link createJobService}, mostly for tests and benchmarks; each defaults to the configuration. */
export interface JobServiceOptions {
  /** Run the worker when started. @default config.jobsWorker === 'on' */
  worker?: boolean;
  concurrency?: number;
  pollIntervalMs?: number;
  leaseMs?: number;
  shutdownTimeoutMs?: number;
  /** Least time between two persisted progress values of a job. @default 1000 */
  progressIntervalMs?: number;
  /** Run the cron scheduler in the worker's poll. @default true */
  scheduler?: boolean;
  /** Least time between two counts of unfinished jobs told to {@link JobService.onCounts}. @default 15000 */
  countsIntervalMs?: number;
  /** Where the worker reports unexpected errors. @default process.emitWarning */
  warn?: (message: string, error: unknown) => void;
}

const scopeOf = (tenantId: string | null): Scope => (tenantId ? { tenantId } : 'system');

/**
 * Creates the job service over a store. Nothing runs until `service.worker.start()` (the server does that after it
 * listens; tests opt in).
 */
export function createJobService(store: Store, config: TrellisConfig, options: JobServiceOptions = {}): JobService {
  const registry = new Map<string, RegisteredType>();
  const listeners = new Set<JobFinishedListener>();
  const warn = options.warn ?? ((message: string, error: unknown) => process.emitWarning(`${message}: ${(error as Error)?.message ?? String(error)}`));
  const finished: JobFinishedListener = (type, outcome, durationMs, tenantId) => {
    for (const listener of listeners) {
      try {
        listener(type, outcome, durationMs, tenantId);
      } catch (error) {
        warn('a job listener failed', error);
      }
    }
  };
  const countListeners = new Set<(counts: Record<string, number>) => void>();
  const schedulerOn = options.scheduler ?? true;
  const worker = createWorker({
    store,
    registry,
    concurrency: options.concurrency ?? config.jobsConcurrency,
    pollIntervalMs: options.pollIntervalMs ?? config.jobsPollIntervalMs,
    leaseMs: options.leaseMs ?? config.jobsLeaseMs,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? config.jobsShutdownTimeoutMs,
    progressIntervalMs: options.progressIntervalMs ?? 1000,
    finished,
    onPoll: async () => {
      if (schedulerOn) await schedules.fireDue();
    },
    counted: (counts) => {
      for (const listener of countListeners) listener(counts);
    },
    countsIntervalMs: options.countsIntervalMs ?? 15_000,
    warn,
  });
  const wake = () => worker.wake();
  const schedules = createScheduleService({ store, isRegistered: (type) => registry.has(type), wake });
  const workerOn = options.worker ?? config.jobsWorker === 'on';

  async function enqueueMany(tx: Tx, inputs: readonly EnqueueInput[]): Promise<EnqueueResult[]> {
    const results = await insertJobs(
      tx,
      inputs.map((input) => ({ ...input, tenantId: input.tenantId === undefined ? tx.tenantId : input.tenantId })),
    );
    // Wake at the soonest new job's time: now, or a timer when it falls before the next poll.
    let soonest: number | null = null;
    results.forEach((result, index) => {
      const input = inputs[index] as EnqueueInput;
      if (!result.created && !input.runSooner) return;
      const at = input.runAt === undefined ? Date.now() : new Date(input.runAt).getTime();
      if (soonest === null || at < soonest) soonest = at;
    });
    if (soonest !== null) {
      const at: number = soonest;
      tx.afterCommit(() => worker.wake(at));
    }
    return results;
  }

  async function enqueue(tx: Tx, input: EnqueueInput): Promise<EnqueueResult> {
    return (await enqueueMany(tx, [input]))[0] as EnqueueResult;
  }

  async function get(id: string, tenantId?: string | null): Promise<Job> {
    const job = await store.read('system', (tx) => selectJob(tx, id, tenantId ?? null));
    if (!job || (tenantId === null && job.tenantId !== null)) throw notFound('Job', id);
    return job;
  }

  /** Reads the job (to learn its tenant), then changes it in a transaction scoped to that tenant. */
  async function change(id: string, tenantId: string | null | undefined, fn: (tx: Tx, job: Job) => Promise<Job>): Promise<Job> {
    const found = await get(id, tenantId);
    return store.transaction(scopeOf(found.tenantId), async (tx) => {
      const current = await selectJob(tx, id, null);
      if (!current) throw notFound('Job', id);
      return fn(tx, current);
    });
  }

  async function update(tx: Tx, id: string, set: string, where: string, params: SqlValue[]): Promise<Job | undefined> {
    const row = await tx.get<JobRow>(`UPDATE jobs SET ${set}, updated_at = ? WHERE id = ? AND ${where} RETURNING ${jobColumns}`, [...params, nowIso(), id]);
    return row ? toJob(row, tx.dialect) : undefined;
  }

  return {
    enqueue,
    enqueueMany,
    enqueueNow(input) {
      return store.transaction(scopeOf(input.tenantId ?? null), (tx) => enqueue(tx, input));
    },
    register(type, handler, typeOptions = {}) {
      validateJobType(type);
      if (registry.has(type)) throw new TrellisError('conflict', `Job type ${type} is registered already`);
      const retry = typeOptions.retry ?? {};
      registry.set(type, {
        handler: handler as JobHandler,
        retry: {
          maxAttempts: retry.maxAttempts ?? config.jobsMaxAttempts,
          initialIntervalMs: retry.initialIntervalMs ?? config.jobsRetryInitialMs,
          backoffCoefficient: retry.backoffCoefficient ?? 2,
          maximumIntervalMs: retry.maximumIntervalMs ?? config.jobsRetryMaxMs,
        },
        timeoutMs: typeOptions.timeoutMs ?? config.jobsTimeoutMs,
        concurrency: typeOptions.concurrency ?? null,
        events: typeOptions.events ?? true,
      });
    },
    isRegistered: (type) => registry.has(type),
    registeredTypes: () => [...registry.keys()].sort(),
    onFinished(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onCounts(listener) {
      countListeners.add(listener);
      return () => countListeners.delete(listener);
    },
    get,
    async list(filter = {}) {
      const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
      const where: string[] = ['1 = 1'];
      const params: SqlValue[] = [];
      if (filter.tenantId === null) where.push('tenant_id IS NULL');
      else if (filter.tenantId !== undefined) {
        where.push('tenant_id = ?');
        params.push(filter.tenantId);
      }
      if (filter.status) {
        where.push('status = ?');
        params.push(filter.status);
      }
      if (filter.type) {
        where.push('type = ?');
        params.push(filter.type);
      }
      const before = decodeCursor(filter.cursor);
      if (before) {
        where.push('id < ?');
        params.push(before);
      }
      params.push(limit + 1);
      const rows = await store.read('system', (tx) =>
        tx.all<JobRow>(`SELECT ${jobColumns} FROM jobs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, params),
      );
      const items = rows.slice(0, limit).map((row) => toJob(row, store.dialect));
      return { items, nextCursor: rows.length > limit ? encodeCursor((items[items.length - 1] as Job).id) : null };
    },
    async cancel(id, tenantId) {
      let running = false;
      const job = await change(id, tenantId, async (tx, current) => {
        const now = nowIso();
        let changed: Job | undefined;
        if (current.status === 'queued' || current.status === 'failed') {
          changed = await update(tx, id, "status = 'cancelled', finished_at = ?", "status IN ('queued','failed')", [now]);
          if (changed) {
            if (changed.tenantId)
              await appendEvent(tx, { type: 'job.cancelled', subject: id, payload: { jobId: id, type: changed.type, attempt: changed.attempts } });
            const done = changed;
            tx.afterCommit(() => finished(done.type, 'cancelled', 0, done.tenantId));
          }
        } else if (current.status === 'running') {
          changed = await update(tx, id, 'cancel_requested = ?', "status = 'running'", [true]);
          running = changed !== undefined;
        }
        if (!changed) throw new TrellisError('conflict', `Job ${id} is ${current.status} and cannot be cancelled`, { status: current.status });
        return changed;
      });
      // A job running here stops at once; one running elsewhere learns at that worker's next heartbeat.
      if (running) worker.abortLocal(id);
      return job;
    },
    retry(id, tenantId) {
      return change(id, tenantId, async (tx, current) => {
        const changed = await update(
          tx,
          id,
          "status = 'queued', attempts = 0, run_at = ?, finished_at = NULL, cancel_requested = ?",
          "status IN ('dead','failed')",
          [nowIso(), false],
        );
        if (!changed) throw new TrellisError('conflict', `Job ${id} is ${current.status}; only dead or failed jobs can be retried`, { status: current.status });
        if (changed.tenantId) await appendEvent(tx, { type: 'job.retried', subject: id, payload: { jobId: id, type: changed.type } });
        tx.afterCommit(wake);
        return changed;
      });
    },
    schedules,
    worker: {
      name: 'jobs',
      start() {
        if (!workerOn) return;
        worker.start();
        // The queue's own retention, daily; created once, then the operator's to change (see schedules.ensureDefault).
        if (registry.has(pruneJobType)) {
          schedules
            .ensureDefault(null, { name: 'jobs-prune', cron: '0 3 * * *', type: pruneJobType })
            .catch((error: unknown) => process.emitWarning(`jobs: creating the jobs-prune schedule failed: ${(error as Error).message}`));
        }
      },
      stop: () => worker.stop(),
    },
  };
}
