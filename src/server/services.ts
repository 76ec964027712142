/** @module The services one Trellis process runs, built once and shared by the server, the CLI and tests. */
import { availableParallelism } from 'node:os';
import type { TrellisConfig } from '../core/config.js';
import { type GraphService, type ProjectionSource, createGraphService } from '../graph/index.js';
import { type AnalyticsService, createAnalyticsService } from '../graph/analytics/index.js';
import { registerIngestJobTypes } from '../ingest/remote/index.js';
import { registerImportJobType } from '../exchange/index.js';
import { type FindErrorService, createFindErrorService } from '../memory/find-error.js';
import { createMemoryExtraction } from '../memory/extract.js';
import { createMemoryWorkQueue, registerMemoryExtractJobType } from '../memory/extract-job.js';
import { type ExtractorPool, createExtractorPool } from '../ingest/extract/pool.js';
import { defaultSchema } from '../ingest/schema.js';
import { registerMemoryAnalysis } from '../memory/analysis/index.js';
import { type MemoryService, createMemoryService } from '../memory/index.js';
import { type RecallService, createRecallService } from '../memory/recall.js';
import { createMemoryVectorSignal } from '../memory/recall-vectors.js';
import { type AuditService, createAuditService } from '../platform/audit/index.js';
import { type EventService, createEventService } from '../platform/events/index.js';
import { type PlatformService, createPlatformService } from '../platform/index.js';
import { type JobService, createJobService, registerBuiltinJobTypes } from '../platform/jobs/index.js';
import { type LimitsService, createLimits } from '../platform/limits/index.js';
import { type ObservabilityService, createObservability, recordJob, setJobCounts } from '../platform/observability/index.js';
import { type WebhookService, createWebhookService } from '../platform/webhooks/index.js';
import { webhookRetentionHold } from '../platform/webhooks/retention-hold.js';
import { type EmbeddingService, createEmbeddingService } from '../search/embed/index.js';
import { type SearchService, type VectorSignal, createMemoryReader, createSearchService } from '../search/index.js';
import { createSearchThreads } from '../search/search-threads.js';
import { createTextSearch } from '../search/text/index.js';
import { type VectorIndex, type VectorSource, createVectorIndex, vectorIndexSettings } from '../search/vector/index.js';
import type { Store } from '../store/index.js';
import { type ViewService, analyticsMetrics, createViewService } from '../views/index.js';

/**
 * Work a service runs in the background while a server is up (job workers, webhook dispatch, schedulers,
 * retention). The server starts each after it listens and stops them in reverse order before closing the store;
 * the CLI and most tests never start them.
 */
export interface BackgroundWork {
  /** Shown in logs and errors. */
  readonly name: string;
  start(): Promise<void> | void;
  /** Stops taking new work and waits for what is in flight (bounded by the work's own timeout). */
  stop(): Promise<void>;
}

/** Every module's service API over one store. */
export interface Services {
  config: TrellisConfig;
  store: Store;
  platform: PlatformService;
  /** The audit log: listing and retention. Modules write rows with `recordAudit(tx, entry)` from `platform/audit`. */
  audit: AuditService;
  graph: GraphService;
  /** Graph analytics (PageRank, centralities, components, communities) in worker threads; large graphs as `graph.analytics` jobs. */
  analytics: AnalyticsService;
  /** The event log: reading, the change notifier (`events.notifier`), live streams, retention. */
  events: EventService;
  /** The job queue and cron schedules: `jobs.enqueue(tx, …)`, `jobs.register(type, handler)`, `jobs.schedules`. */
  jobs: JobService;
  /** Rate limits (GCRA per key or session and per tenant; in memory, or Redis with `redisUrl`). */
  limits: LimitsService;
  /** Metrics, the store timing decorator (already applied to `store`) and tracing. */
  observability: ObservabilityService;
  /** Webhook endpoints, the delivery log, and the dispatcher and delivery workers (`webhooks.runner`). */
  webhooks: WebhookService;
  /** Embeddings: the configured embedder, query vectors, status, and the `search.embed` job that fills the embeddings table. */
  embeddings: EmbeddingService;
  /** Nearest-neighbour search over stored vectors: exact, or an in-memory IVF index built in a worker for large scopes. */
  vectors: VectorIndex;
  /** Hybrid search (`GET /search`, `trellis search`): full-text, vector and graph signals fused, with citations. */
  search: SearchService;
  /** Views: stored definitions that derive datasets from the graph (and graph facts from datasets), with lineage. */
  views: ViewService;
  /**
   * Memory: notes, decisions, mistakes, patterns and sessions, each the fields of a source `memory://<id>`; recall
   * (`POST /recall`) and find-error (`POST /memories/find-error`) over them.
   */
  memory: MemoryService & RecallService & FindErrorService;
  /** Background work, in start order. Modules append to it in {@link createServices}. */
  background: BackgroundWork[];
}

/** Where the traversal projection's build worker reads the store from; null when it cannot (an in-memory SQLite store) or is off. */
function projectionSource(config: TrellisConfig, store: Store): ProjectionSource | null {
  if (config.graphProjection === 'off') return null;
  if (store.dialect === 'postgres') return config.databaseUrl ? { dialect: 'postgres', url: config.databaseUrl, role: config.databaseRole } : null;
  return store.location === ':memory:' ? null : { dialect: 'sqlite', file: store.location };
}

/** Where the vector index's workers read the store; null (an in-memory SQLite store) keeps vector search exact and inline. */
function vectorSource(config: TrellisConfig, store: Store): VectorSource | null {
  if (store.dialect === 'postgres') return config.databaseUrl ? { dialect: 'postgres', url: config.databaseUrl, role: config.databaseRole } : null;
  return store.location === ':memory:' ? null : { dialect: 'sqlite', file: store.location };
}

/** Builds the services over an open, migrated store. */
export function createServices(config: TrellisConfig, store: Store): Services {
  const observability = createObservability(config);
  // Every module below, and every user of `services.store`, goes through the timing decorator.
  store = observability.instrument(store);
  const limits = createLimits(config);
  const graph = createGraphService(store, { projection: { source: projectionSource(config, store), maxRelations: config.graphProjectionMaxRelations } });
  const events = createEventService(store, config);
  const jobs = createJobService(store, config);
  registerBuiltinJobTypes(jobs, store, config);
  registerIngestJobTypes(jobs, { store, graph, config });
  const analytics = createAnalyticsService({ store, graph, jobs, config });
  const embeddings = createEmbeddingService({ store, config, jobs });
  const vectors = createVectorIndex({ store, source: vectorSource(config, store), ...vectorIndexSettings(config) });
  const vectorSignal: VectorSignal = {
    embedderId: () => embeddings.embedderId(),
    embedQuery: (text) => embeddings.embedQuery(text),
    search: async (tenantId, embedderId, vector, options) => (await vectors.search(tenantId, embedderId, vector, options)).hits,
  };
  // On a SQLite file, searches run in threads with read-only connections of their own; elsewhere (PostgreSQL, whose
  // reads are I/O, and in-memory stores, which one connection holds) on the event loop.
  const searchThreads =
    store.dialect === 'sqlite' && store.location !== ':memory:'
      ? createSearchThreads({ file: store.location, threads: config.searchThreads || Math.min(2, availableParallelism()), vectors: vectorSignal })
      : null;
  const text = createTextSearch(store);
  const memoryVectors = createMemoryVectorSignal({ store, embeddings, vectors });
  const search = searchThreads ?? createSearchService({ graph, text, vectors: vectorSignal, memories: createMemoryReader(store) });
  registerImportJobType(jobs, { store, graph, config });
  // Memory extraction runs the built-in extractor in one worker thread of its own, started by the first job.
  let memoryExtractor: ExtractorPool | undefined;
  const memoryExtraction = createMemoryExtraction({ store, graph, extractor: () => (memoryExtractor ??= createExtractorPool(defaultSchema(), 1)) });
  registerMemoryExtractJobType(jobs, memoryExtraction);
  const queueMemoryWork = createMemoryWorkQueue(jobs, { extract: config.memoryAutoExtract === 'on', embed: config.memoryAutoEmbed === 'on' });
  // Pattern detection, mistake aggregation, review reminders and maintenance; each tenant's schedules on its first memory.
  const memoryAnalysis = registerMemoryAnalysis({ store, graph, jobs, config, queueWork: queueMemoryWork });
  jobs.onFinished((type, outcome, durationMs) => recordJob(type, outcome, durationMs / 1000));
  jobs.onCounts(setJobCounts);
  const webhooks = createWebhookService(store, config, { changes: events.notifier, jobs });
  // Retention never deletes an event webhook dispatch has not yet turned into deliveries.
  events.holdRetention(webhookRetentionHold);
  return {
    config,
    store,
    platform: createPlatformService(store, config),
    audit: createAuditService(store),
    graph,
    analytics,
    events,
    jobs,
    limits,
    observability,
    webhooks,
    embeddings,
    vectors,
    search,
    views: createViewService({ store, graph, events, jobs, config, embeddings, metrics: analyticsMetrics(analytics) }),
    memory: {
      ...memoryAnalysis.observe(createMemoryService({ store, graph, queueWork: queueMemoryWork })),
      ...createRecallService({ store, text, vectors: memoryVectors }),
      ...createFindErrorService({ store, text, vectors: memoryVectors }),
    },
    background: [
      observability.background,
      limits.background,
      events.background,
      embeddings.background,
      jobs.worker,
      webhooks.runner,
      analytics.background,
      {
        name: 'vector index',
        // Indexes are built at start, in the background, rather than by the first searches.
        start() {
          if (config.vectorIndexWarm === 'on')
            vectors.warm(embeddings.embedderId()).catch((error: unknown) => process.emitWarning(`Vector index warm-up failed: ${(error as Error).message}`));
        },
        stop: () => vectors.close(),
      },
      { name: 'search threads', start() {}, stop: () => search.close() },
      { name: 'memory extractor', start() {}, stop: async () => memoryExtractor?.close() },
    ],
  };
}

/** Starts every background work in order; if one fails, stops those already started and rethrows. */
export async function startBackground(services: Services): Promise<void> {
  const started: BackgroundWork[] = [];
  try {
    for (const work of services.background) {
      await work.start();
      started.push(work);
    }
  } catch (error) {
    for (const work of started.reverse()) await work.stop().catch(() => {});
    throw error;
  }
}

/** Stops every background work in reverse order; errors are collected and the first rethrown after all stopped. */
export async function stopBackground(services: Services): Promise<void> {
  let first: unknown;
  for (const work of [...services.background].reverse()) {
    try {
      await work.stop();
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}
