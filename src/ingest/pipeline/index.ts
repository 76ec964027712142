/** @module The ingestion pipeline's public door: `ingestPaths` (files, folders, globs into the graph) and its parts. */
export { ingestPaths, type FileOutcome, type IngestOptions, type IngestProgress, type IngestServices, type IngestSummary } from './ingest-paths.js';
export { expandPaths, fixedPrefix, type PlannedPath } from './expand-paths.js';
export { hashFile } from './content-hash.js';
export { createBatchSizer, type BatchSizer, type BatchSizerOptions } from './batch-size.js';
export { findSourceByUri, ingestedStatus, ingestingStatus, type SourceState } from './source-state.js';
