/**
 * @module The `search.embed` job type: embeds a tenant's missing and stale passages and entities in batches. A retry or
 * a later run starts over and finds only what is still missing, so it is resumable and idempotent without stored
 * progress. Queued after each successful ingest job, by `POST /embeddings/jobs` and by `trellis embed`.
 */
import { TrellisError } from '../../core/errors.js';
import { type Job, type JobService, PermanentFailure } from '../../platform/jobs/index.js';
import { type EmbedSummary, type PendingKind, pendingKinds } from './embed-pending.js';

/** The job type. */
export const embedJobType = 'search.embed';

/** Attempts of an embedding job (an endpoint that is down for a while is retried with the queue's backoff). */
export const embedJobAttempts = 5;
/** An attempt running longer than this is aborted; the next attempt carries on where it stopped. */
export const embedJobTimeoutMs = 6 * 3_600_000;

/** The payload: which owner kinds (passages, entities and memories when omitted). */
export interface EmbedJobPayload {
  kinds?: PendingKind[];
}

/** The kinds a job payload names, checked. */
export function jobKinds(payload: Record<string, unknown>): PendingKind[] {
  const kinds = payload.kinds ?? pendingKinds;
  if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((kind) => (pendingKinds as readonly unknown[]).includes(kind))) {
    throw new TrellisError('validation_failed', 'kinds must be a non-empty list of "passage", "entity" and "memory"', { field: 'kinds' });
  }
  return [...new Set(kinds as PendingKind[])].sort();
}

/** What the job needs from the embedding service. */
export interface EmbedJobRunner {
  embedPending(
    tenantId: string,
    options: { kinds: PendingKind[]; signal: AbortSignal; onProgress: (progress: Record<string, unknown>) => void },
  ): Promise<EmbedSummary>;
}

/** Registers `search.embed` in a lane of one (one embedding run at a time per process: the pool is already busy). */
export function registerEmbedJobType(jobs: JobService, runner: EmbedJobRunner): void {
  jobs.register(
    embedJobType,
    async (job: Job, context) => {
      if (!job.tenantId) throw new PermanentFailure('An embedding job needs a tenant');
      let kinds: PendingKind[];
      try {
        kinds = jobKinds(job.payload);
      } catch (error) {
        throw new PermanentFailure((error as Error).message, { cause: error });
      }
      return runner.embedPending(job.tenantId, { kinds, signal: context.signal, onProgress: (progress) => context.progress(progress) });
    },
    { retry: { maxAttempts: embedJobAttempts }, timeoutMs: embedJobTimeoutMs, concurrency: 1 },
  );
}

/**
 * Queues an embedding job for a tenant unless one for the same kinds is already waiting to start (a queued job will
 * see everything written before it runs); answers the job.
 */
export async function queueEmbedJob(jobs: JobService, tenantId: string, kinds: PendingKind[]): Promise<Job> {
  const waiting = await jobs.list({ tenantId, type: embedJobType, status: 'queued', limit: 20 });
  const same = waiting.items.find((job) => {
    try {
      return jobKinds(job.payload).join() === kinds.join();
    } catch {
      return false;
    }
  });
  if (same) return same;
  const { id } = await jobs.enqueueNow({ type: embedJobType, tenantId, payload: { kinds } });
  return jobs.get(id, tenantId);
}
