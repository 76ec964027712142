/** @module Ingestion metrics on /metrics (chunks processed, extraction errors, commit batch durations), defined with the process's registry. */
export {
  ingestBatchDuration as batchDuration,
  ingestChunksProcessed as chunksProcessed,
  ingestExtractionErrors as extractionErrors,
} from '../../platform/observability/metrics-registry.js';
