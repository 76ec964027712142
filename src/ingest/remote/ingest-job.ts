/**
 * @module The ingest job types: `ingest.paths` (server-side paths under ingestRoot, from `POST /ingest`) and
 * `ingest.uploads` (kept uploads, from `POST /sources`). Each runs `ingestPaths` for the job's tenant, reports progress
 * on the job and as events, and stores the summary as the job's result.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { TrellisConfig } from '../../core/config.js';
import { TrellisError } from '../../core/errors.js';
import type { GraphService } from '../../graph/index.js';
import { type Job, type JobContext, type JobService, PermanentFailure } from '../../platform/jobs/index.js';
import type { Store } from '../../store/index.js';
import { type FileOutcome, type IngestProgress, type IngestSummary, ingestPaths } from '../pipeline/index.js';
import { createIngestEvents } from './ingest-events.js';
import { checkExpandedFiles, isWithin, resolveIngestPaths } from './ingest-root.js';
import { type IngestJobOptions, ingestJobOptions, parseIngestOptions } from './job-options.js';
import { type UploadFiles, createUploadFiles } from './upload-files.js';
import { parseKeptPath, uploadPath, uploadUri, uploadsFolder } from './upload-store.js';

/** Job type of `POST /ingest`: payload {@link IngestPathsPayload}. */
export const ingestPathsJobType = 'ingest.paths';
/** Job type of `POST /sources` with files: payload {@link IngestUploadsPayload}. */
export const ingestUploadsJobType = 'ingest.uploads';

/** Attempts of an ingest job; a retry resumes where the last one stopped (unchanged files are skipped). */
export const ingestJobAttempts = 3;
/** An ingest attempt running longer than this is aborted (it stops before its next file). */
export const ingestJobTimeoutMs = 24 * 3_600_000;

/** The payload of an `ingest.paths` job: absolute paths (globs kept) under ingestRoot, and the options as text. */
export interface IngestPathsPayload extends IngestJobOptions {
  paths: string[];
}

/** The payload of an `ingest.uploads` job: the kept files (`<dataDir>/uploads/<tenant>/<sha256>/<name>`) and the options. */
export interface IngestUploadsPayload extends IngestJobOptions {
  files: string[];
}

/** What the ingest job types need. */
export interface IngestJobServices {
  store: Store;
  graph: GraphService;
  config: TrellisConfig;
}

type Origin = 'paths' | 'uploads';

/** A run's files, how it names them to clients, and what it must do once finished. */
interface Plan {
  paths: string[];
  /** Files of the request that are gone (an upload whose earlier source was deleted before the job ran). */
  missing: FileOutcome[];
  show(file: string): string;
  sourceUri?: (file: string) => string;
  /** Ends the run's hold on its files; `final`: no attempt follows. */
  finish(final: boolean): Promise<void>;
}

function stringList(payload: Record<string, unknown>, field: string): string[] {
  const value = payload[field];
  if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string')) {
    throw new TrellisError('validation_failed', `The job payload's ${field} must be a non-empty list of strings`, { field });
  }
  return value as string[];
}

async function planPaths(config: TrellisConfig, job: Job): Promise<Plan> {
  const paths = await resolveIngestPaths(config.ingestRoot, stringList(job.payload, 'paths'));
  await checkExpandedFiles(config.ingestRoot, paths);
  return { paths, missing: [], show: (file) => file, finish: async () => {} };
}

async function planUploads(services: IngestJobServices, uploads: UploadFiles, tenantId: string, job: Job): Promise<Plan> {
  const { dataDir } = services.config;
  const folder = await realpath(uploadsFolder(dataDir, tenantId)).catch(() => uploadsFolder(dataDir, tenantId));
  const paths: string[] = [];
  const missing: FileOutcome[] = [];
  for (const file of stringList(job.payload, 'files')) {
    const { hash, name } = parseKeptPath(dataDir, tenantId, file);
    const kept = uploadPath(dataDir, tenantId, hash, name);
    const real = await realpath(kept).catch(() => undefined);
    if (real === undefined || !(await stat(real)).isFile()) {
      missing.push(gone(name));
      continue;
    }
    if (!isWithin(folder, real)) throw new TrellisError('unprocessable', `${name} is not an upload of this tenant`);
    paths.push(kept);
  }
  uploads.hold(paths);
  return {
    paths,
    missing,
    show: (file) => path.basename(file),
    sourceUri: (file) => uploadUri(path.basename(file)),
    finish: (final) => uploads.release(tenantId, paths, final),
  };
}

function gone(name: string): FileOutcome {
  return {
    file: name,
    uri: uploadUri(name),
    status: 'failed',
    bytes: 0,
    chunks: 0,
    entities: 0,
    relations: 0,
    quarantined: 0,
    error: {
      code: 'not_found',
      message: `${name}: the uploaded file is no longer kept (its source was deleted before the job ran, or an earlier attempt gave up on it); upload it again`,
    },
  };
}

/** An outcome as clients see it: the file (also in an error's details) named as the request named it. */
function shownOutcome(outcome: FileOutcome, plan: Plan): FileOutcome {
  const shown = { ...outcome, file: plan.show(outcome.file) };
  const details = outcome.error?.details;
  if (outcome.error && typeof details?.file === 'string') shown.error = { ...outcome.error, details: { ...details, file: plan.show(details.file) } };
  return shown;
}

/** The summary as clients see it: files named as the request named them, and files that were gone counted as failed. */
function shownSummary(summary: IngestSummary, plan: Plan): IngestSummary {
  const files = [...summary.files.map((outcome) => shownOutcome(outcome, plan)), ...plan.missing];
  return { ...summary, files, failed: summary.failed + plan.missing.length };
}

async function runIngestJob(services: IngestJobServices, uploads: UploadFiles, origin: Origin, job: Job, context: JobContext): Promise<IngestSummary> {
  const { store, graph, config } = services;
  const tenantId = job.tenantId;
  if (!tenantId) throw new PermanentFailure('An ingest job needs a tenant');
  const events = createIngestEvents(store, tenantId, { jobId: job.id, origin, attempt: context.attempt });
  let plan: Plan | undefined;
  let final = true;
  try {
    let options;
    try {
      options = parseIngestOptions(ingestJobOptions(job.payload));
      plan = origin === 'paths' ? await planPaths(config, job) : await planUploads(services, uploads, tenantId, job);
    } catch (error) {
      // A payload or path that is refused now is refused on every attempt.
      throw error instanceof TrellisError ? new PermanentFailure(error.message, { cause: error }) : error;
    }
    const current = plan;
    const report = (progress: IngestProgress) => {
      const shown = { ...progress, file: current.show(progress.file) };
      context.progress(shown);
      events.progress(shown);
    };
    const summary =
      current.paths.length === 0
        ? emptySummary()
        : await ingestPaths({ store, graph }, tenantId, current.paths, {
            ...options,
            chunk: { size: config.ingestChunkSize, overlap: config.ingestChunkOverlap, locale: config.ingestChunkLocale },
            signal: context.signal,
            onProgress: report,
            ...(current.sourceUri ? { sourceUri: current.sourceUri } : {}),
          });
    const result = shownSummary(summary, current);
    await events.completed(result);
    return result;
  } catch (error) {
    const permanent = error instanceof PermanentFailure || context.signal.aborted;
    final = permanent || job.attempts >= (job.maxAttempts ?? ingestJobAttempts);
    await events.failed(error instanceof PermanentFailure && error.cause ? error.cause : error, !final);
    throw error;
  } finally {
    await plan?.finish(final);
  }
}

function emptySummary(): IngestSummary {
  return { files: [], ingested: 0, unchanged: 0, failed: 0, bytes: 0, chunks: 0, entities: 0, relations: 0, quarantined: 0, seconds: 0, megabytesPerSecond: 0 };
}

/**
 * Registers `ingest.paths` and `ingest.uploads` on a job service, each in a lane of one (one ingest of each kind at a
 * time per process: an ingest already keeps a pool of extraction workers busy), and removes a deleted upload source's
 * kept file (graph source deletion listener).
 */
export function registerIngestJobTypes(jobs: JobService, services: IngestJobServices): void {
  const uploads = createUploadFiles(services.config.dataDir, services.graph);
  services.graph.onSourceDeleted((tenantId, source) => uploads.sourceDeleted(tenantId, source));
  const options = { retry: { maxAttempts: ingestJobAttempts }, timeoutMs: ingestJobTimeoutMs, concurrency: 1 };
  jobs.register(ingestPathsJobType, (job, context) => runIngestJob(services, uploads, 'paths', job, context), options);
  jobs.register(ingestUploadsJobType, (job, context) => runIngestJob(services, uploads, 'uploads', job, context), options);
}
