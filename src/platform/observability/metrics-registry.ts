/** @module The Prometheus registry of the process and the recorders other modules call (jobs, webhooks, event hand-off, rate limits). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The one registry /metrics serves. Process-wide, like the process it describes: several apps in one process (tests)
 * add to the same series, so tests compare values before and after.
 */
export const metricsRegistry = new Registry();

let defaultsStarted = false;

/**
 * Starts prom-client's default metrics once per process: CPU, memory, GC, handles, and the event-loop delay
 * (`nodejs_eventloop_lag_*_seconds`, sampled by `perf_hooks.monitorEventLoopDelay` every 10 ms).
 */
export function startDefaultMetrics(): void {
  if (defaultsStarted) return;
  defaultsStarted = true;
  collectDefaultMetrics({ register: metricsRegistry, eventLoopMonitoringPrecision: 10 });
}

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Requests by route pattern (never the raw URL), method and status. */
export const httpRequests = new Counter({
  name: 'trellis_http_requests_total',
  help: 'HTTP requests answered, by route pattern, method and status',
  labelNames: ['route', 'method', 'status'] as const,
  registers: [metricsRegistry],
});

/** Time from receiving a request to sending its answer. */
export const httpDuration = new Histogram({
  name: 'trellis_http_request_duration_seconds',
  help: 'Time from receiving a request to sending its answer, by route pattern and method',
  labelNames: ['route', 'method'] as const,
  buckets: latencyBuckets,
  registers: [metricsRegistry],
});

/** Store calls: queries (all, get, run) and whole read and write transactions. */
export const storeDuration = new Histogram({
  name: 'trellis_store_operation_duration_seconds',
  help: 'Store latency by dialect and operation: queries (all, get, run) and whole transactions (read, transaction)',
  labelNames: ['dialect', 'operation'] as const,
  buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [metricsRegistry],
});

/** Events committed to the event log by this process. */
export const eventsAppended = new Counter({
  name: 'trellis_events_appended_total',
  help: 'Events committed to the event log by this process (rate() gives events per second)',
  registers: [metricsRegistry],
});

const eventHandoff = new Histogram({
  name: 'trellis_event_handoff_delay_seconds',
  help: "Delay between an event's commit and its hand-off to a consumer (stream, webhook)",
  labelNames: ['consumer'] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [metricsRegistry],
});

const jobsFinished = new Counter({
  name: 'trellis_jobs_finished_total',
  help: 'Job attempts finished, by job type and outcome',
  labelNames: ['type', 'outcome'] as const,
  registers: [metricsRegistry],
});

const jobDuration = new Histogram({
  name: 'trellis_job_duration_seconds',
  help: 'Duration of job attempts, by job type and outcome',
  labelNames: ['type', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
  registers: [metricsRegistry],
});

const jobCounts = new Gauge({
  name: 'trellis_jobs',
  help: 'Jobs in the queue by state, as last reported by the job module',
  labelNames: ['state'] as const,
  registers: [metricsRegistry],
});

const webhookDeliveries = new Counter({
  name: 'trellis_webhook_deliveries_total',
  help: 'Webhook delivery attempts by outcome',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

const webhookDuration = new Histogram({
  name: 'trellis_webhook_delivery_duration_seconds',
  help: 'Duration of webhook delivery attempts by outcome',
  labelNames: ['outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

/** Requests refused with 429, by the policy that refused them. */
export const rateLimited = new Counter({
  name: 'trellis_rate_limited_total',
  help: 'Requests refused with 429, by the policy that refused them',
  labelNames: ['policy'] as const,
  registers: [metricsRegistry],
});

/** Rate-limit checks that failed because Redis did not answer (each one failed open or closed). */
export const rateLimitStoreErrors = new Counter({
  name: 'trellis_rate_limit_redis_errors_total',
  help: 'Rate-limit checks that failed because Redis did not answer, by what the request got (open: served, closed: 503)',
  labelNames: ['mode'] as const,
  registers: [metricsRegistry],
});

/** 1 while Redis answers rate-limit checks, 0 during an outage. */
export const rateLimitStoreUp = new Gauge({
  name: 'trellis_rate_limit_redis_up',
  help: '1 while Redis answers rate-limit checks, 0 during an outage (only with TRELLIS_REDIS_URL)',
  registers: [metricsRegistry],
});

/** How one job attempt ended. */
export type JobOutcome = 'succeeded' | 'failed' | 'retried' | 'dead' | 'cancelled' | 'timed_out';

/**
 * Records one finished job attempt; for the job worker to call.
 * @example
 * recordJob('graph.reindex', 'succeeded', 1.25);
 */
export function recordJob(type: string, outcome: JobOutcome, durationSeconds: number): void {
  jobsFinished.labels(type, outcome).inc();
  jobDuration.labels(type, outcome).observe(durationSeconds);
}

/** Sets the number of jobs per state (queued, running, dead, …); states not given keep their last value. */
export function setJobCounts(counts: Readonly<Record<string, number>>): void {
  for (const [state, count] of Object.entries(counts)) jobCounts.labels(state).set(count);
}

/** How one webhook delivery attempt ended. */
export type WebhookOutcome = 'delivered' | 'failed' | 'timeout' | 'gone' | 'refused';

/**
 * Records one webhook delivery attempt; for the webhook dispatcher to call.
 * @example
 * recordWebhookDelivery('delivered', 0.081);
 */
export function recordWebhookDelivery(outcome: WebhookOutcome, durationSeconds: number): void {
  webhookDeliveries.labels(outcome).inc();
  webhookDuration.labels(outcome).observe(durationSeconds);
}

/**
 * Records the event-log lag a consumer saw: seconds from an event's commit (its `created_at`) to its hand-off
 * to the consumer (written to a stream, queued for a webhook).
 * @example
 * recordEventHandoff('sse', (Date.now() - Date.parse(event.createdAt)) / 1000);
 */
export function recordEventHandoff(consumer: 'sse' | 'websocket' | 'webhook' | (string & {}), delaySeconds: number): void {
  eventHandoff.labels(consumer).observe(delaySeconds < 0 ? 0 : delaySeconds);
}

// Ingestion (src/ingest/pipeline): defined here so that a server's /metrics shows them before its first ingest.

/** Ingestion: chunks extracted and committed. */
export const ingestChunksProcessed = new Counter({
  name: 'trellis_ingest_chunks_processed_total',
  help: 'Chunks of documents extracted and committed to the graph',
  registers: [metricsRegistry],
});

/** Files or batches whose parsing or extraction failed, by stage. */
export const ingestExtractionErrors = new Counter({
  name: 'trellis_ingest_extraction_errors_total',
  help: 'Files that failed to ingest, by stage (parse, extract, commit, mapping)',
  labelNames: ['stage'] as const,
  registers: [metricsRegistry],
});

/** Time to commit one batch of chunks (entities and relations with their evidence). */
export const ingestBatchDuration = new Histogram({
  name: 'trellis_ingest_batch_duration_seconds',
  help: 'Time to commit one batch of chunks: entity and relation upserts with their evidence',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
