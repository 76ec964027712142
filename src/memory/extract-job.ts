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

/** Writes within one window share one `memory.extract` job (a longer window makes fewer, larger jobs: less work per memory, later links). @default 2000 */
export const memoryJobWindowMs = 2000;
/**
 * Writes within one window share one `search.embed` job. Longer than extraction's: that job reads every memory of the
 * tenant to find the ones to embed, so its cost grows with the tenant, not with the writes of its window. @default 10000
 */
export const memoryEmbedWindowMs = 10_000;
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
  extractWindowMs?: number;
  /** @default memoryEmbedWindowMs */
  embedWindowMs?: number;
}

/** Queues a tenant's memory work inside a write's transaction; a no-op when nothing is to be queued. */
export type QueueMemoryWork = (tx: Tx, tenantId: string) => Promise<void>;

/**
 * Creates the queueing of memory work. Every write that changes a memory's text calls it in its transaction: it
 * enqueues `memory.extract` (per {@link memoryJobWindowMs}) and `search.embed` with `kinds: ['memory']` (per
 * {@link memoryEmbedWindowMs}), each with the idempotency key of its current window (`auto:<window number>`) and a
 * start just after the window closes, so thousands of writes a second make one job of each type per window, and the
 * job sees every write of its window. Once a window's job is committed this process skips that enqueue for the rest
 * of the window (another process's enqueue meets the idempotency key).
 * @example
 * const queue = createMemoryWorkQueue(jobs, { extract: true, embed: true });
 * await store.transaction({ tenantId }, async (tx) => { …write…; await queue(tx, tenantId); });
 */
export function createMemoryWorkQueue(jobs: JobService, settings: MemoryWorkSettings): QueueMemoryWork {
  const types = [
    ...(settings.extract ? [{ type: memoryExtractJobType, payload: {}, windowMs: settings.extractWindowMs ?? memoryJobWindowMs }] : []),
    ...(settings.embed ? [{ type: embedJobType, payload: { kinds: ['memory'] }, windowMs: settings.embedWindowMs ?? memoryEmbedWindowMs }] : []),
  ];
  /** The window whose job each (type, tenant) has committed, in this process. */
  const queued = new Map<string, number>();
  return async (tx, tenantId) => {
    const now = Date.now();
    const due = types.flatMap(({ type, payload, windowMs }) => {
      const window = Math.floor(now / windowMs);
      const memo = `${type}\u0000${tenantId}`;
      if (queued.get(memo) === window) return [];
      return [{ memo, window, input: { type, tenantId, payload, runAt: new Date((window + 1) * windowMs + windowGraceMs), idempotencyKey: `auto:${window}` } }];
    });
    if (due.length === 0) return;
    await jobs.enqueueMany(
      tx,
      due.map(({ input }) => input),
    );
    tx.afterCommit(() => {
      for (const { memo, window } of due) if ((queued.get(memo) ?? -1) < window) queued.set(memo, window);
    });
  };
}
