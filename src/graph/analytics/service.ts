/**
 * @module The analytics service: runs an algorithm on a tenant's graph in a worker thread and answers a ranked table;
 * small graphs in the request, large ones as `graph.analytics` jobs whose results are kept with the job.
 */
import type { TrellisConfig } from '../../core/config.js';
import { TrellisError, notFound } from '../../core/errors.js';
import { type JobService, type JobStatus, PermanentFailure } from '../../platform/jobs/index.js';
import type { BackgroundWork } from '../../server/services.js';
import type { Store } from '../../store/index.js';
import type { GraphService, ProjectionSource } from '../index.js';
import { type Algorithm, type Params, checkParams, isAlgorithm } from './params.js';
import { type AnalyticsRunner, type Lane, createAnalyticsRunner } from './runner.js';
import { type AnalyticsPage, type AnalyticsResult, pageOf, resultOf } from './table.js';
import { writeBack } from './write-back.js';

/** The job type of analytics too large to answer in the request. */
export const analyticsJobType = 'graph.analytics';

/** Most rows one answer returns or one job keeps. */
export const maxTop = 10_000;

/** What {@link createAnalyticsService} needs. */
export interface AnalyticsServiceDeps {
  store: Store;
  graph: GraphService;
  jobs: JobService;
  config: TrellisConfig;
}

/** Progress of a run: computing (reading the graph and running the algorithm), then writing back. */
export type AnalyticsProgress = { phase: 'computing' } | { phase: 'writing'; written: number; total: number };

/** Options of {@link AnalyticsService.run}. */
export interface RunOptions {
  signal?: AbortSignal;
  /** @default 'job' */
  lane?: Lane;
  onProgress?: (progress: AnalyticsProgress) => void;
}

/** Which rows of the ranking an answer carries: `top` rows from `offset`. */
export interface RowWindow {
  offset: number;
  top: number;
}

/** What {@link AnalyticsService.request} answered: a result page at once, or the job that computes it. */
export type AnalyticsOutcome = { kind: 'result'; page: AnalyticsPage } | { kind: 'job'; jobId: string };

/** A job's state and, once it succeeded, the rows it kept. */
export interface AnalyticsJobView {
  jobId: string;
  status: JobStatus;
  progress: unknown;
  /** The last attempt's error, for failed and dead jobs. */
  error: string | null;
  /** The result page (rows `offset … offset + limit` of those the job kept); null until the job succeeded. */
  result: AnalyticsPage | null;
}

/** Graph analytics for every tenant of a store. */
export interface AnalyticsService {
  /**
   * Runs `algorithm` with `params` (checked against its schema, defaults applied) on the tenant's current graph in a
   * worker thread and resolves with the full ranked table; with `writeBack` the main value is written into each
   * entity's properties first. Unknown relation or entity types are a `bad_request`.
   * @example
   * const result = await analytics.run(tenantId, 'pagerank', { damping: 0.85, iterations: 20 });
   * result.columns; // rank, entityId, entityType, name, pagerank
   * result.rows(0, 10); // the ten best rows as arrays
   */
  run<A extends Algorithm>(tenantId: string, algorithm: A, params?: unknown, options?: RunOptions): Promise<AnalyticsResult<A>>;
  /**
   * A request from outside (HTTP): a graph with at most `analyticsInlineMaxRelations` relations and entities is
   * answered at once with the rows `window` picks; a larger one is enqueued as a `graph.analytics` job keeping those rows.
   */
  request(tenantId: string, algorithm: Algorithm, params: unknown, window: RowWindow): Promise<AnalyticsOutcome>;
  /**
   * A `graph.analytics` job of the tenant and its kept rows `offset … offset + limit` (offset into the whole ranking;
   * default the first row kept); other jobs and other tenants' jobs are not_found.
   */
  jobResult(tenantId: string, jobId: string, page: { offset?: number; limit: number }): Promise<AnalyticsJobView>;
  /** Stops the worker threads. */
  close(): Promise<void>;
  /** For the server's shutdown: stopping closes the worker threads (they start on demand, so starting does nothing). */
  background: BackgroundWork;
}

/** Where analytics workers read the store: the same places the traversal projection's worker reads, whether or not traversal projections are on. */
function sourceOf(config: TrellisConfig, store: Store): ProjectionSource | null {
  if (store.dialect === 'postgres') return config.databaseUrl ? { dialect: 'postgres', url: config.databaseUrl, role: config.databaseRole } : null;
  return store.location === ':memory:' ? null : { dialect: 'sqlite', file: store.location };
}

/** The payload of a `graph.analytics` job. */
interface JobPayload {
  algorithm: Algorithm;
  /** As the request gave them. */
  params: unknown;
  offset: number;
  top: number;
}

/** A failure no retry will cure, keeping the error's code in the message the job records. */
function permanent(error: unknown): PermanentFailure {
  const message = error instanceof Error ? error.message : String(error);
  return new PermanentFailure(error instanceof TrellisError ? `${error.code}: ${message}` : message, { cause: error });
}

function checkWindow(window: RowWindow): void {
  if (!Number.isInteger(window.offset) || window.offset < 0)
    throw new TrellisError('validation_failed', 'offset must be an integer of at least 0', { field: 'offset' });
  if (!Number.isInteger(window.top) || window.top < 1 || window.top > maxTop)
    throw new TrellisError('validation_failed', `top must be an integer from 1 to ${maxTop}`, { field: 'top' });
}

/**
 * Creates the service and registers the `graph.analytics` job type on `jobs`.
 * @example
 * const analytics = createAnalyticsService({ store, graph, jobs, config });
 */
export function createAnalyticsService({ store, graph, jobs, config }: AnalyticsServiceDeps): AnalyticsService {
  const source = sourceOf(config, store);
  let runner: AnalyticsRunner | null = null;
  const runnerOf = () => (runner ??= createAnalyticsRunner({ threads: config.analyticsThreads, idleMs: 60_000 }));

  /** Whether the tenant's graph is small enough to answer in the request: counts stop one past the limit. */
  async function small(tenantId: string): Promise<boolean> {
    const limit = config.analyticsInlineMaxRelations;
    return store.read({ tenantId }, async (tx) => {
      for (const table of ['relations', 'entities']) {
        const row = await tx.get<{ n: number | string }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${table} WHERE tenant_id = ? LIMIT ?) capped`, [
          tenantId,
          limit + 1,
        ]);
        if (Number(row?.n ?? 0) > limit) return false;
      }
      return true;
    });
  }

  /** A run with checked parameters. */
  async function runChecked<A extends Algorithm>(tenantId: string, algorithm: A, params: Params[A], options: RunOptions): Promise<AnalyticsResult<A>> {
    if (!source) {
      throw new TrellisError(
        'unprocessable',
        'Graph analytics reads the store from a worker thread: it needs a SQLite file or TRELLIS_DATABASE_URL (not an in-memory store)',
      );
    }
    const started = performance.now();
    options.onProgress?.({ phase: 'computing' });
    const answer = await runnerOf().run(
      { source, tenantId, maxRelations: config.graphProjectionMaxRelations, algorithm, params },
      { lane: options.lane ?? 'job', ...(options.signal ? { signal: options.signal } : {}) },
    );
    const result = resultOf(algorithm, params, answer, performance.now() - started);
    if (params.writeBack) {
      result.writtenBack = await writeBack(graph, tenantId, result, params.property, {
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (written, total) => options.onProgress?.({ phase: 'writing', written, total }),
      });
    }
    result.milliseconds.total = performance.now() - started;
    return result;
  }

  const service: AnalyticsService = {
    async run(tenantId, algorithm, rawParams, options = {}) {
      if (!isAlgorithm(algorithm)) throw new TrellisError('bad_request', `Unknown algorithm ${JSON.stringify(algorithm)}`, { algorithm });
      return runChecked(tenantId, algorithm, checkParams(algorithm, rawParams), options);
    },

    async request(tenantId, algorithm, rawParams, window) {
      checkWindow(window);
      const params = checkParams(algorithm, rawParams);
      if (await small(tenantId)) {
        const result = await runChecked(tenantId, algorithm, params, { lane: 'inline' });
        return { kind: 'result', page: pageOf(result, window.offset, window.top) };
      }
      // The job carries the parameters as given (checked again where it runs) and the rows to keep.
      const payload: JobPayload = { algorithm, params: rawParams ?? {}, offset: window.offset, top: window.top };
      const { id } = await jobs.enqueueNow({ type: analyticsJobType, tenantId, payload: payload as unknown as Record<string, unknown> });
      return { kind: 'job', jobId: id };
    },

    async jobResult(tenantId, jobId, page) {
      const job = await jobs.get(jobId, tenantId).catch((error: unknown) => {
        throw error instanceof TrellisError && error.code === 'not_found' ? notFound('Analytics result', jobId) : error;
      });
      if (job.type !== analyticsJobType) throw notFound('Analytics result', jobId);
      const kept = job.status === 'succeeded' ? (job.result as AnalyticsPage) : null;
      let result: AnalyticsPage | null = null;
      if (kept) {
        // Kept rows are ranks kept.offset + 1 …; the page asks by offset into the whole ranking.
        const offset = page.offset ?? kept.offset;
        const rows = offset < kept.offset ? [] : kept.rows.slice(offset - kept.offset, offset - kept.offset + page.limit);
        const end = offset + rows.length;
        result = { ...kept, offset, rows, nextOffset: rows.length > 0 && end < kept.offset + kept.rows.length ? end : null };
      }
      return { jobId: job.id, status: job.status, progress: job.progress, error: job.lastError, result };
    },

    async close() {
      await runner?.close();
      runner = null;
    },

    background: { name: 'analytics', start: () => {}, stop: () => service.close() },
  };

  jobs.register(
    analyticsJobType,
    async (job, context) => {
      const tenantId = job.tenantId;
      const payload = job.payload as Partial<JobPayload>;
      let params: Params[Algorithm];
      try {
        if (!tenantId) throw new TrellisError('bad_request', 'A graph.analytics job needs a tenant');
        if (typeof payload.algorithm !== 'string' || !isAlgorithm(payload.algorithm))
          throw new TrellisError('bad_request', `Unknown algorithm ${JSON.stringify(payload.algorithm)}`);
        params = checkParams(payload.algorithm, payload.params);
        checkWindow({ offset: payload.offset ?? 0, top: payload.top ?? 100 });
      } catch (error) {
        // A payload refused now is refused on every attempt.
        throw permanent(error);
      }
      const result = await runChecked(tenantId as string, payload.algorithm as Algorithm, params, {
        lane: 'job',
        signal: context.signal,
        onProgress: (progress) => context.progress(progress),
      }).catch((error: unknown) => {
        // Unknown types and other refusals of the request will not change on a retry.
        throw error instanceof TrellisError && error.status < 500 ? permanent(error) : error;
      });
      return pageOf(result, payload.offset ?? 0, payload.top ?? 100);
    },
    { concurrency: 1, retry: { maxAttempts: 2 } },
  );
  return service;
}
