/**
 * @module The `memory.extract` job type, and the queueing of a tenant's memory work (extraction and embedding) by the
 * writes that need it: one job of each type per tenant per short window, enqueued in the write's own transaction.
 */
import { type Job, type JobService, PermanentFailure } from '../platform/jobs/index.js';
import { embedJobType } from '../search/embed/embed-job.js';
import type { Tx } from '../store/index.js';
import type { ExtractSummary, MemoryExtraction } from './extract.js';

/** The job type. */
export const memoryExtractJobType = 'memory.extract';

/** Attempts of an extraction job. */
export const memoryExtractAttempts = 5;

/** Writes within one window share one job of each type (a longer window makes fewer, larger jobs: less work per memory, later links). @default 2000 */
export const memoryJobWindowMs = 2000;
/** How long after its window closes a job may start, so writes that began in the window have committed. */
const windowGraceMs = 250;

/** Registers `memory.extract` in a lane of one (the extractor's workers are shared by every run of the process). */
export function registerMemoryExtractJobType(jobs: JobService, extraction: MemoryExtraction): void {
  jobs.register(
    memoryExtractJobType,
    async (job: Job, context): Promise<ExtractSummary> => {
      if (!job.tenantId) throw new PermanentFailure('A memory extraction job needs a tenant');
      return extraction.extractPending(job.tenantId, { signal: context.signal, onProgress: (progress) => context.progress(progress) });
    },
    { retry: { maxAttempts: memoryExtractAttempts }, concurrency: 1 },
  );
}

/** Which background work a memory write queues. */
export interface MemoryWorkSettings {
  /** Queue `memory.extract`. */
  extract: boolean;
  /** Queue `search.embed` for memories. */
  embed: boolean;
  /** @default memoryJobWindowMs */
  windowMs?: number;
}

/** Queues a tenant's memory work inside a write's transaction; a no-op when nothing is to be queued. */
export type QueueMemoryWork = (tx: Tx, tenantId: string) => Promise<void>;

/**
 * Creates the queueing of memory work. Every write that changes a memory's text calls it in its transaction: it
 * enqueues `memory.extract` and `search.embed` (`kinds: ['memory']`) with the idempotency key of the current window
 * (`auto:<window number>`) and a start just after the window closes, so thousands of writes a second make one job of
 * each type every two seconds, and the job sees every write of its window. Once a window's jobs are committed this process
 * skips the enqueue for the rest of the window (another process's enqueue meets the idempotency key).
 * @example
 * const queue = createMemoryWorkQueue(jobs, { extract: true, embed: true });
 * await store.transaction({ tenantId }, async (tx) => { …write…; await queue(tx, tenantId); });
 */
export function createMemoryWorkQueue(jobs: JobService, settings: MemoryWorkSettings): QueueMemoryWork {
  const windowMs = settings.windowMs ?? memoryJobWindowMs;
  const types = [
    ...(settings.extract ? [{ type: memoryExtractJobType, payload: {} }] : []),
    ...(settings.embed ? [{ type: embedJobType, payload: { kinds: ['memory'] } }] : []),
  ];
  /** The window whose jobs each tenant has committed, in this process. */
  const queued = new Map<string, number>();
  return async (tx, tenantId) => {
    if (types.length === 0) return;
    const window = Math.floor(Date.now() / windowMs);
    if (queued.get(tenantId) === window) return;
    const runAt = new Date((window + 1) * windowMs + windowGraceMs);
    await jobs.enqueueMany(
      tx,
      types.map(({ type, payload }) => ({ type, tenantId, payload, runAt, idempotencyKey: `auto:${window}` })),
    );
    tx.afterCommit(() => {
      if ((queued.get(tenantId) ?? -1) < window) queued.set(tenantId, window);
    });
  };
}
