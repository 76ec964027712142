/** @module The events of an ingest job in the tenant's event log (`ingest.progress`, `ingest.completed`, `ingest.failed`), so they reach SSE, WebSocket and webhooks. */
import { type Store, appendEvent } from '../../store/index.js';
import type { IngestProgress, IngestSummary } from '../pipeline/index.js';

/** Progress events are at most this often, besides one at the end of every file. */
export const progressIntervalMs = 500;

/** File outcomes an `ingest.completed` event lists at most; the job's result has them all. */
export const eventFileLimit = 100;

/** Appends one job's events in order, each in a transaction of its own. */
export interface IngestEvents {
  /** `ingest.progress`: at the end of each file, and at most every {@link progressIntervalMs} in between. */
  progress(progress: IngestProgress): void;
  /** `ingest.completed` with the summary (files beyond {@link eventFileLimit} left out and counted). */
  completed(summary: IngestSummary): Promise<void>;
  /** `ingest.failed`: the run stopped (files done so far stay ingested). */
  failed(error: unknown, willRetry: boolean): Promise<void>;
}

/** What every event of the job carries. */
export interface IngestEventBase {
  jobId: string;
  /** `paths` (POST /ingest) or `uploads` (POST /sources). */
  origin: 'paths' | 'uploads';
  attempt: number;
}

/**
 * Creates the event writer of one job attempt. Writes are chained, so events keep their order and the final event
 * lands after every progress event; a failed write is reported as a warning and never fails the job.
 */
export function createIngestEvents(store: Store, tenantId: string, base: IngestEventBase, warn: (message: string) => void = process.emitWarning): IngestEvents {
  let chain: Promise<void> = Promise.resolve();
  let lastAt = 0;
  let lastFiles = 0;
  const append = (type: string, payload: Record<string, unknown>): Promise<void> => {
    chain = chain
      .then(() => store.transaction({ tenantId }, (tx) => appendEvent(tx, { type, subject: base.jobId, payload: { ...base, ...payload } })))
      .then(
        () => {},
        (error: unknown) => warn(`writing the ${type} event of job ${base.jobId} failed: ${(error as Error).message}`),
      );
    return chain;
  };
  return {
    progress(progress) {
      const now = Date.now();
      const fileEnded = progress.filesDone > lastFiles;
      if (!fileEnded && now - lastAt < progressIntervalMs) return;
      lastAt = now;
      lastFiles = progress.filesDone;
      void append('ingest.progress', { ...progress });
    },
    completed(summary) {
      const { files, ...totals } = summary;
      return append('ingest.completed', { ...totals, files: files.slice(0, eventFileLimit), filesOmitted: Math.max(0, files.length - eventFileLimit) });
    },
    failed(error, willRetry) {
      return append('ingest.failed', {
        error: { code: (error as { code?: unknown })?.code ?? 'internal', message: (error as Error)?.message ?? String(error) },
        willRetry,
      });
    },
  };
}
