/**
 * @module The `exchange.import` job: a checked upload too large to import within its request. The job checks the file
 * again (the tenant may have changed meanwhile), writes it, stores the summary as the job's result and removes the
 * file once no attempt follows.
 */
import type { TrellisConfig } from '../core/config.js';
import { TrellisError } from '../core/errors.js';
import { type Job, type JobContext, type JobService, PermanentFailure } from '../platform/jobs/index.js';
import { parseImportFormat } from './formats.js';
import { keptImport, removeImport } from './import-files.js';
import type { ReadOptions } from './import-items.js';
import { type ImportServices, type ImportSummary, checkImport, writeImport } from './import-run.js';

/** The job type of a large `POST /import`. */
export const importJobType = 'exchange.import';

/** Attempts of an import job; a retry starts over (an interrupted attempt's writes are removed first). */
export const importJobAttempts = 3;

/** The payload of an `exchange.import` job. */
export interface ImportJobPayload extends ReadOptions {
  /** The kept upload, relative to the tenant's imports folder. */
  file: string;
  /** The file's name as the client gave it. */
  name: string;
  format: string;
}

async function runImportJob(services: ImportServices & { config: TrellisConfig }, job: Job, context: JobContext): Promise<ImportSummary> {
  const tenantId = job.tenantId;
  if (!tenantId) throw new PermanentFailure('An import job needs a tenant');
  const payload = job.payload as unknown as ImportJobPayload;
  let file: string | undefined;
  let final = true;
  try {
    let input;
    try {
      file = keptImport(services.config.dataDir, tenantId, String(payload.file));
      const options: ReadOptions = {};
      if (typeof payload.defaultEntityType === 'string') options.defaultEntityType = payload.defaultEntityType;
      if (typeof payload.defaultRelationType === 'string') options.defaultRelationType = payload.defaultRelationType;
      input = { file, name: String(payload.name), format: parseImportFormat(String(payload.format)), options };
    } catch (error) {
      throw new PermanentFailure((error as Error).message, { cause: error });
    }
    let validation;
    try {
      validation = await checkImport(services, tenantId, input);
    } catch (error) {
      // A file with problems has them on every attempt.
      throw error instanceof TrellisError ? new PermanentFailure(error.message, { cause: error }) : error;
    }
    return await writeImport(services, tenantId, input, validation, { signal: context.signal, onProgress: (progress) => context.progress(progress) });
  } catch (error) {
    final = error instanceof PermanentFailure || context.signal.aborted || job.attempts >= (job.maxAttempts ?? importJobAttempts);
    throw error;
  } finally {
    if (file && final) await removeImport(file);
  }
}

/** Registers `exchange.import` (one import at a time per process: each already keeps a worker thread and the writer busy). */
export function registerImportJobType(jobs: JobService, services: ImportServices & { config: TrellisConfig }): void {
  jobs.register(importJobType, (job, context) => runImportJob(services, job, context), {
    retry: { maxAttempts: importJobAttempts },
    timeoutMs: 24 * 3_600_000,
    concurrency: 1,
  });
}
