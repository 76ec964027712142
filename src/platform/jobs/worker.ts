/** @module The job worker: claims due jobs under leases, runs their handlers with bounded concurrency, heartbeats, and settles each attempt. */
import { hostname } from 'node:os';
import { newId } from '../../core/ids.js';
import type { Store } from '../../store/index.js';
import {
  type Claim,
  type PendingSettlement,
  type Settlement,
  claimJobs,
  countActiveJobs,
  extendLeases,
  releaseJobs,
  selectExpired,
  settleJob,
  settleJobs,
  writeProgress,
} from './job-leases.js';
import { PermanentFailure, type ResolvedRetryPolicy, RetryLater, backoffDelay } from './retry-policy.js';
import type { Job, JobContext, JobHandler, JobOutcome } from './types.js';

/** A registered job type with its resolved policy. */
export interface RegisteredType {
  handler: JobHandler;
  retry: ResolvedRetryPolicy;
  timeoutMs: number;
  /** Slots of the type's own lane; null runs it in the shared lane. */
  concurrency: number | null;
  /** Whether its attempts append `job.*` events. */
  events: boolean;
}

/** What the worker needs from the job service. */
export interface WorkerDeps {
  store: Store;
  registry: ReadonlyMap<string, RegisteredType>;
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  shutdownTimeoutMs: number;
  /** Least time between two persisted progress values of one job. */
  progressIntervalMs: number;
  /** Told after each attempt's end is committed. */
  finished(type: string, outcome: JobOutcome, durationMs: number, tenantId: string | null): void;
  /** Extra work on each poll (the cron scheduler). */
  onPoll?: () => Promise<void>;
  /** Told the number of unfinished jobs by state (queued, failed, running), at most every `countsIntervalMs`. */
  counted?: (counts: Record<string, number>) => void;
  countsIntervalMs?: number;
  /** Where unexpected errors go (a store that went away, a failing poll). */
  warn(message: string, error: unknown): void;
}

/** The worker, as the job service drives it. */
export interface Worker {
  start(): void;
  stop(): Promise<void>;
  /** Looks for due jobs now, or at `at` (ms) when that falls before the next poll (after an enqueue committed). */
  wake(at?: number): void;
  /** Aborts a job if it runs in this process; answers whether it did. */
  abortLocal(jobId: string): boolean;
  /** Jobs running in this process now. */
  readonly running: number;
}

interface Running {
  claim: Claim;
  /** The lane it runs in: its type, or '' for the shared lane. */
  lane: string;
  controller: AbortController;
  cancelled: boolean;
  /** Given back at shutdown: its end is not written (the row is queued again). */
  released: boolean;
  /** The lease went to another worker: nothing more may be written. */
  lost: boolean;
  pendingProgress: unknown;
  lastProgressAt: number;
  progressTimer: NodeJS.Timeout | null;
  done: Promise<void>;
}

const maxErrorLength = 2000;

function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return text.slice(0, maxErrorLength);
}

/** Creates a worker; nothing runs until {@link Worker.start}. */
export function createWorker(deps: WorkerDeps): Worker {
  const workerId = `${hostname()}:${process.pid}:${newId().slice(-12)}`;
  let claims = 0;
  const running = new Map<string, Running>();
  let started = false;
  let stopping = false;
  let pumping = false;
  let again = false;
  let pollTimer: NodeJS.Timeout | null = null;
  let heartbeatTimer: NodeJS.Timeout | null = null;
  let polling: Promise<void> | null = null;
  const wakeTimers = new Set<NodeJS.Timeout>();

  /** The lanes to claim for: the shared one ('' → every type without a lane of its own) and one per laned type. */
  function lanes(): { lane: string; types: string[]; slots: number }[] {
    const shared: string[] = [];
    const result: { lane: string; types: string[]; slots: number }[] = [];
    for (const [type, registered] of deps.registry) {
      if (registered.concurrency === null) shared.push(type);
      else result.push({ lane: type, types: [type], slots: registered.concurrency });
    }
    if (shared.length > 0) result.unshift({ lane: '', types: shared, slots: deps.concurrency });
    return result;
  }

  function busy(lane: string): number {
    let count = 0;
    for (const entry of running.values()) if (entry.lane === lane) count++;
    return count;
  }

  async function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        if (!started || stopping) break;
        for (const { lane, types, slots } of lanes()) {
          const free = slots - busy(lane);
          if (free <= 0) continue;
          const token = `${workerId}/${++claims}`;
          let jobs: Job[] = [];
          try {
            jobs = await claimJobs(deps.store, types, free, deps.leaseMs, token);
          } catch (error) {
            if (!stopping) deps.warn('claiming jobs failed', error);
            continue;
          }
          for (const job of jobs) execute({ job, token }, lane);
          if (jobs.length === free) again = true;
        }
      } while (again);
    } finally {
      pumping = false;
    }
  }

  // Ends of attempts wait here and are written together: under load, one transaction settles every job that
  // finished while the previous one was being written.
  let settleQueue: { item: PendingSettlement; done: () => void }[] = [];
  let settling = false;
  function settleLater(item: PendingSettlement): Promise<void> {
    return new Promise<void>((resolve) => {
      settleQueue.push({ item, done: resolve });
      if (!settling) {
        settling = true;
        setImmediate(() => void flushSettlements());
      }
    });
  }

  async function flushSettlements(): Promise<void> {
    while (settleQueue.length > 0) {
      const batch = settleQueue;
      settleQueue = [];
      try {
        await settleJobs(
          deps.store,
          batch.map((entry) => entry.item),
        );
        for (const { item } of batch) if (item.settlement.runAt) wakeAt(item.settlement.runAt);
      } catch (error) {
        if (!stopping) deps.warn(`settling ${batch.length} job(s) failed`, error);
      }
      for (const entry of batch) entry.done();
    }
    settling = false;
  }

  function wakeAt(runAt: string): void {
    const delay = new Date(runAt).getTime() - Date.now();
    if (delay >= deps.pollIntervalMs) return;
    const timer = setTimeout(
      () => {
        wakeTimers.delete(timer);
        void pump();
      },
      Math.max(0, delay),
    );
    timer.unref();
    wakeTimers.add(timer);
  }

  function flushProgress(entry: Running): void {
    if (entry.progressTimer || entry.pendingProgress === undefined) return;
    const wait = entry.lastProgressAt + deps.progressIntervalMs - Date.now();
    entry.progressTimer = setTimeout(
      () => {
        entry.progressTimer = null;
        const value = entry.pendingProgress;
        if (value === undefined || entry.lost || entry.released) return;
        entry.pendingProgress = undefined;
        entry.lastProgressAt = Date.now();
        writeProgress(deps.store, entry.claim.job, entry.claim.token, value).catch((error) => deps.warn('writing job progress failed', error));
      },
      Math.max(0, wait),
    );
    entry.progressTimer.unref();
  }

  function context(entry: Running): JobContext {
    return {
      attempt: entry.claim.job.attempts,
      signal: entry.controller.signal,
      progress(value) {
        if (typeof value === 'number' ? !Number.isFinite(value) : value === null || typeof value !== 'object' || Array.isArray(value)) {
          throw new TypeError('progress takes a finite number or an object');
        }
        entry.pendingProgress = value;
        flushProgress(entry);
      },
      async heartbeat() {
        const { cancelled, lost } = await extendLeases(deps.store, [{ id: entry.claim.job.id, token: entry.claim.token }], deps.leaseMs);
        if (cancelled.length > 0) cancelEntry(entry, 'the job was cancelled');
        if (lost.length > 0) loseEntry(entry);
      },
    };
  }

  function cancelEntry(entry: Running, reason: string): void {
    entry.cancelled = true;
    entry.controller.abort(new Error(reason));
  }

  function loseEntry(entry: Running): void {
    entry.lost = true;
    entry.controller.abort(new Error('the job’s lease was lost'));
  }

  /** What to write after an attempt ended with `error`. */
  function failure(entry: Running, error: unknown, policy: ResolvedRetryPolicy): { settlement: Settlement; outcome: JobOutcome } {
    const { job } = entry.claim;
    const base = { jobId: job.id, type: job.type, attempt: job.attempts };
    const message = describeError(error);
    if (entry.cancelled) return { settlement: { status: 'cancelled', error: message, event: { type: 'job.cancelled', payload: base } }, outcome: 'cancelled' };
    const maxAttempts = job.maxAttempts ?? policy.maxAttempts;
    const dead = {
      settlement: { status: 'dead', error: message, event: { type: 'job.dead', payload: { ...base, error: message } } },
      outcome: 'dead',
    } as const;
    if (error instanceof PermanentFailure || job.attempts >= maxAttempts) return dead;
    if (error instanceof RetryLater) {
      const runAt = new Date(Date.now() + error.delayMs).toISOString();
      return { settlement: { status: 'queued', error: message, runAt }, outcome: 'retried' };
    }
    const runAt = new Date(Date.now() + backoffDelay(policy, job.attempts)).toISOString();
    return {
      settlement: { status: 'failed', error: message, runAt, event: { type: 'job.failed', payload: { ...base, error: message, nextRunAt: runAt } } },
      outcome: 'failed',
    };
  }

  function execute(claim: Claim, lane: string): void {
    const { job } = claim;
    const type = deps.registry.get(job.type);
    const entry: Running = {
      claim,
      lane,
      controller: new AbortController(),
      cancelled: false,
      released: false,
      lost: false,
      pendingProgress: undefined,
      lastProgressAt: 0,
      progressTimer: null,
      done: Promise.resolve(),
    };
    running.set(job.id, entry);
    entry.done = (async () => {
      const startedAt = performance.now();
      let settlement: Settlement;
      let outcome: JobOutcome;
      const timeout = setTimeout(() => entry.controller.abort(new Error(`the attempt ran longer than ${type?.timeoutMs} ms`)), type?.timeoutMs ?? 0);
      timeout.unref();
      try {
        if (!type) throw new PermanentFailure(`no handler is registered for job type ${job.type}`);
        if (job.cancelRequested) cancelEntry(entry, 'the job was cancelled');
        if (entry.controller.signal.aborted) throw entry.controller.signal.reason;
        const result = await type.handler(job, context(entry));
        settlement = {
          status: 'succeeded',
          result: result ?? null,
          event: { type: 'job.succeeded', payload: { jobId: job.id, type: job.type, attempt: job.attempts } },
        };
        outcome = 'succeeded';
      } catch (error) {
        ({ settlement, outcome } = failure(entry, error, type?.retry ?? { maxAttempts: 1, initialIntervalMs: 0, backoffCoefficient: 1, maximumIntervalMs: 0 }));
      } finally {
        clearTimeout(timeout);
        if (entry.progressTimer) clearTimeout(entry.progressTimer);
      }
      if (entry.released || entry.lost) return;
      if (entry.pendingProgress !== undefined) settlement.progress = entry.pendingProgress;
      if (type && !type.events) delete settlement.event;
      const durationMs = performance.now() - startedAt;
      await settleLater({ job, token: claim.token, settlement, onCommit: () => deps.finished(job.type, outcome, durationMs, job.tenantId) });
    })().finally(() => {
      running.delete(job.id);
      void pump();
    });
  }

  async function heartbeat(): Promise<void> {
    const entries = [...running.values()].filter((entry) => !entry.released && !entry.lost);
    if (entries.length === 0) return;
    try {
      const { cancelled, lost } = await extendLeases(
        deps.store,
        entries.map((entry) => ({ id: entry.claim.job.id, token: entry.claim.token })),
        deps.leaseMs,
      );
      for (const id of cancelled) {
        const entry = running.get(id);
        if (entry && !entry.cancelled) cancelEntry(entry, 'the job was cancelled');
      }
      for (const id of lost) {
        const entry = running.get(id);
        if (entry) loseEntry(entry);
      }
    } catch (error) {
      if (!stopping) deps.warn('extending job leases failed', error);
    }
  }

  /** Settles jobs whose worker died: claimable again (the attempt counts), dead when none is left, cancelled when asked. */
  async function reclaimExpired(): Promise<void> {
    const expired = await selectExpired(deps.store, 100);
    for (const claim of expired) {
      const { job } = claim;
      const maxAttempts = job.maxAttempts ?? deps.registry.get(job.type)?.retry.maxAttempts ?? 1;
      const base = { jobId: job.id, type: job.type, attempt: job.attempts };
      const error = 'the worker running the attempt stopped (its lease expired)';
      const settlement: Settlement = job.cancelRequested
        ? { status: 'cancelled', error, event: { type: 'job.cancelled', payload: base }, onlyIfExpired: true }
        : job.attempts >= maxAttempts
          ? { status: 'dead', error, event: { type: 'job.dead', payload: { ...base, error } }, onlyIfExpired: true }
          : { status: 'failed', error, runAt: new Date().toISOString(), event: { type: 'job.failed', payload: { ...base, error } }, onlyIfExpired: true };
      const outcome: JobOutcome = settlement.status === 'failed' ? 'failed' : (settlement.status as JobOutcome);
      if (deps.registry.get(job.type)?.events === false) delete settlement.event;
      await settleJob(deps.store, job, claim.token, settlement, () => deps.finished(job.type, outcome, 0, job.tenantId));
    }
  }

  let countedAt = 0;
  async function reportCounts(): Promise<void> {
    if (!deps.counted || Date.now() - countedAt < (deps.countsIntervalMs ?? 15_000)) return;
    countedAt = Date.now();
    deps.counted(await countActiveJobs(deps.store));
  }

  async function poll(): Promise<void> {
    try {
      await reclaimExpired();
      await reportCounts();
      if (deps.onPoll) await deps.onPoll();
    } catch (error) {
      if (!stopping) deps.warn('job poll failed', error);
    }
    await pump();
  }

  function schedulePoll(): void {
    pollTimer = setTimeout(() => {
      polling = poll().finally(() => {
        polling = null;
        if (started && !stopping) schedulePoll();
      });
    }, deps.pollIntervalMs);
    // Not unref'd: a started worker keeps its process alive (a worker-only process has nothing else); stop() clears it.
  }

  return {
    get running() {
      return running.size;
    },
    start() {
      if (started) return;
      started = true;
      stopping = false;
      heartbeatTimer = setInterval(() => void heartbeat(), Math.max(100, Math.floor(deps.leaseMs / 3)));
      heartbeatTimer.unref();
      polling = poll().finally(() => {
        polling = null;
        if (started && !stopping) schedulePoll();
      });
    },
    async stop() {
      if (!started) return;
      stopping = true;
      if (pollTimer) clearTimeout(pollTimer);
      for (const timer of wakeTimers) clearTimeout(timer);
      wakeTimers.clear();
      await polling;
      // A claim in flight when stop began still hands its jobs to execute(); wait for it so they are counted below.
      while (pumping) await new Promise((resolve) => setTimeout(resolve, 5));
      const all = Promise.all([...running.values()].map((entry) => entry.done));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), deps.shutdownTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        // Whatever is still running is given back to the queue uncounted; its handler is told to stop, and its late
        // end is not written (another worker may hold the job by then).
        const left = [...running.values()];
        for (const entry of left) {
          entry.released = true;
          entry.controller.abort(new Error('the worker is shutting down'));
        }
        await releaseJobs(
          deps.store,
          left.map((entry) => ({ id: entry.claim.job.id, token: entry.claim.token })),
        ).catch((error) => deps.warn('releasing job leases failed', error));
      }
      if (heartbeatTimer) clearInterval(heartbeatTimer);
      started = false;
    },
    wake(at) {
      if (!started || stopping) return;
      if (at !== undefined && at > Date.now()) wakeAt(new Date(at).toISOString());
      else void pump();
    },
    abortLocal(jobId) {
      const entry = running.get(jobId);
      if (!entry) return false;
      cancelEntry(entry, 'the job was cancelled');
      return true;
    },
  };
}
