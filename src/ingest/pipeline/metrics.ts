/** @module Ingestion metrics on /metrics: chunks processed, extraction errors, commit batch durations. */
import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from '../../platform/observability/metrics-registry.js';

/** Chunks extracted and committed. */
export const chunksProcessed = new Counter({
  name: 'trellis_ingest_chunks_processed_total',
  help: 'Chunks of documents extracted and committed to the graph',
  registers: [metricsRegistry],
});

/** Files or batches whose parsing or extraction failed, by stage. */
export const extractionErrors = new Counter({
  name: 'trellis_ingest_extraction_errors_total',
  help: 'Files that failed to ingest, by stage (parse, extract, commit, mapping)',
  labelNames: ['stage'] as const,
  registers: [metricsRegistry],
});

/** Time to commit one batch of chunks (entities and relations with their evidence). */
export const batchDuration = new Histogram({
  name: 'trellis_ingest_batch_duration_seconds',
  help: 'Time to commit one batch of chunks: entity and relation upserts with their evidence',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
