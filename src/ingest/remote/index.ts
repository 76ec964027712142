/** @module Ingestion asked for over HTTP, run as jobs: server-side paths under ingestRoot, kept uploads, their events. */
export {
  ingestJobAttempts,
  ingestJobTimeoutMs,
  ingestPathsJobType,
  ingestUploadsJobType,
  registerIngestJobTypes,
  type IngestJobServices,
  type IngestPathsPayload,
  type IngestUploadsPayload,
} from './ingest-job.js';
export { eventFileLimit, progressIntervalMs } from './ingest-events.js';
export { checkExpandedFiles, isWithin, resolveIngestPaths } from './ingest-root.js';
export { sanitiseFileName, uploadPath, uploadUri, uploadsFolder } from './upload-store.js';
