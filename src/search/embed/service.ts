/** @module The embedding service: the configured embedder, query vectors, the tenant's embedding status, and the work that fills the `embeddings` table. */
import type { TrellisConfig } from '../../core/config.js';
import { ingestPathsJobType, ingestUploadsJobType } from '../../ingest/remote/index.js';
import type { Job, JobService } from '../../platform/jobs/index.js';
import type { BackgroundWork } from '../../server/services.js';
import type { Store } from '../../store/index.js';
import type { EmbedOptions, Embedder } from '../types.js';
import { type RowEmbedResult, type RowText, embedDatasetRows } from './dataset-rows.js';
import { type EmbedPendingOptions, type EmbedSummary, type PendingKind, embedPending } from './embed-pending.js';
import { queueEmbedJob, registerEmbedJobType } from './embed-job.js';
import { embeddingCounts } from './embedding-rows.js';
import { type ConfiguredEmbedders, embeddersFromConfig } from './from-config.js';

/** How far a tenant's vectors are: per kind, how many owners exist and how many have a vector of the current embedder. */
export interface EmbeddingStatus {
  /** The ID stored vectors must carry to be used (see {@link EmbeddingService.embedderId}). */
  embedderId: string;
  /** Vector length (0 for a remote model of unconfigured length before its first answer). */
  dimensions: number;
  passages: { total: number; embedded: number; missing: number };
  entities: { total: number; embedded: number; missing: number };
  /** Dataset rows are embedded on request only (`embedDatasetRows`), so none are "missing". */
  rows: { total: number; embedded: number };
  /** Memories (owner kind `memory`), embedded by the `search.embed` job like entities. */
  memories: { total: number; embedded: number; missing: number };
  /** Passages, entities and memories with a current vector, and those without (entities and memories whose text changed since are not counted as missing: the next run finds them). */
  embedded: number;
  missing: number;
}

/** The embedding service of a process. */
export interface EmbeddingService {
  /** The configured embedder for queries and small inputs (answers on the calling thread or over the network). */
  readonly embedder: Embedder;
  /** The ID of the current embedder: a search compares only vectors stored with this ID (never two embedders' vectors). */
  embedderId(): string;
  /** One query's vector (unit length; zeros for a blank text). */
  embedQuery(text: string, options?: EmbedOptions): Promise<Float32Array>;
  /** Many texts' vectors through the bulk embedder (worker threads for the built-in one). */
  embedTexts(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
  status(tenantId: string): Promise<EmbeddingStatus>;
  /** Embeds the tenant's missing and stale passages and entities now (what the `search.embed` job runs). */
  embedPending(tenantId: string, options?: EmbedPendingOptions): Promise<EmbedSummary>;
  /** Embeds chosen texts of a dataset's rows (owner kind `row`); see `embedDatasetRows`. */
  embedDatasetRows(tenantId: string, datasetId: string, rows: readonly RowText[], options?: EmbedOptions): Promise<RowEmbedResult>;
  /** Queues a `search.embed` job (or answers the one already waiting for the same kinds). Needs `jobs`. */
  queueJob(tenantId: string, kinds?: PendingKind[]): Promise<Job>;
  /** Background work whose `stop()` ends the worker pool and a loaded model (the server stops it at shutdown). */
  background: BackgroundWork;
  /** Ends the worker pool and a loaded model; the service starts them again if used afterwards. */
  close(): Promise<void>;
}

/** What {@link createEmbeddingService} needs. */
export interface EmbeddingServiceInput {
  store: Store;
  config: TrellisConfig;
  /** When given, `search.embed` is registered on it, and (with `embedAfterIngest` on) queued after each successful ingest job. */
  jobs?: JobService;
  /** Replaces the embedders from the configuration (tests, benchmarks). */
  embedders?: ConfiguredEmbedders;
}

/**
 * Builds the embedding service. A bad embedder setting fails here, at start.
 * @example
 * const embeddings = createEmbeddingService({ store, config, jobs });
 * const vector = await embeddings.embedQuery('who founded Acme?');
 * const { missing } = await embeddings.status(tenantId);
 */
export function createEmbeddingService(input: EmbeddingServiceInput): EmbeddingService {
  const { store, config, jobs } = input;
  const embedders = input.embedders ?? embeddersFromConfig(config);
  const embedder = embedders.query;
  const service: EmbeddingService = {
    embedder,
    embedderId: () => embedder.id,
    async embedQuery(text, options) {
      const [vector] = await embedder.embed([text], options);
      return vector!;
    },
    embedTexts: (texts, options) => embedders.bulk().embed(texts, options),
    async status(tenantId) {
      const counts = await store.read({ tenantId }, (tx) => embeddingCounts(tx, tenantId, embedder.id));
      const passages = { total: counts.passages, embedded: counts.embedded.passage, missing: Math.max(0, counts.passages - counts.embedded.passage) };
      const entities = { total: counts.entities, embedded: counts.embedded.entity, missing: Math.max(0, counts.entities - counts.embedded.entity) };
      const memories = { total: counts.memories, embedded: counts.embedded.memory, missing: Math.max(0, counts.memories - counts.embedded.memory) };
      return {
        embedderId: embedder.id,
        dimensions: embedder.dimensions,
        passages,
        entities,
        rows: { total: counts.rows, embedded: counts.embedded.row },
        memories,
        embedded: passages.embedded + entities.embedded + memories.embedded,
        missing: passages.missing + entities.missing + memories.missing,
      };
    },
    embedPending: (tenantId, options) =>
      embedPending(store, embedders.bulk(), tenantId, { batchSize: config.embedder === 'builtin' ? 512 : config.embedBatchSize * 4, ...options }),
    embedDatasetRows: (tenantId, datasetId, rows, options) => embedDatasetRows(store, embedders.bulk(), tenantId, datasetId, rows, options),
    async queueJob(tenantId, kinds = ['entity', 'memory', 'passage']) {
      if (!jobs) throw new Error('queueJob needs the job service');
      return queueEmbedJob(jobs, tenantId, [...new Set(kinds)].sort());
    },
    background: { name: 'embeddings', start: () => {}, stop: () => embedders.close() },
    close: () => embedders.close(),
  };
  if (jobs) {
    // Tenants whose memories a job of this process has checked in full with this embedder: later jobs read only the
    // memories flagged pending (the flag sees text changes, not an embedder change; the embedder is fixed per process).
    const memoriesChecked = new Set<string>();
    registerEmbedJobType(jobs, {
      async embedPending(tenantId, options) {
        const checked = `${tenantId}\u0000${service.embedderId()}`;
        const summary = await service.embedPending(tenantId, {
          kinds: options.kinds,
          signal: options.signal,
          onProgress: (progress) => options.onProgress({ ...progress }),
          memories: memoriesChecked.has(checked) ? 'pending' : 'all',
        });
        if (options.kinds.includes('memory')) memoriesChecked.add(checked);
        return summary;
      },
    });
    if (config.embedAfterIngest === 'on') {
      jobs.onFinished((type, outcome, _durationMs, tenantId) => {
        if (outcome !== 'succeeded' || !tenantId || (type !== ingestPathsJobType && type !== ingestUploadsJobType)) return;
        service
          .queueJob(tenantId)
          .catch((error: unknown) => process.emitWarning(`Could not queue the embedding job after an ingest: ${(error as Error).message}`));
      });
    }
  }
  return service;
}
