/**
 * @module Scheduled memory analysis: the `memory.patterns`, `memory.mistakes`, `memory.review` and
 * `memory.maintenance` job types, and each tenant's default schedules of them, created on the tenant's first memory
 * write in this process. See docs/memory.md, "Analysis".
 */
import type { TrellisConfig } from '../../core/config.js';
import type { GraphService } from '../../graph/index.js';
import { type JobService, PermanentFailure } from '../../platform/jobs/index.js';
import type { Store } from '../../store/index.js';
import type { QueueMemoryWork } from '../extract-job.js';
import type { MemoryService } from '../index.js';
import { type MaintenanceSettings, maintainMemories } from './maintenance.js';
import { aggregateMistakes } from './mistakes.js';
import { type PatternSettings, detectPatterns, patternsFingerprint } from './patterns.js';
import { remindReviews } from './review.js';
import type { AnalysisDeps } from './writes.js';

export { analysisAuthor } from './writes.js';
export { patternConfidence } from './patterns.js';

/** The job types, by what they do. */
export const analysisJobTypes = {
  patterns: 'memory.patterns',
  mistakes: 'memory.mistakes',
  review: 'memory.review',
  maintenance: 'memory.maintenance',
} as const;

/** The schedules every tenant gets: name, cron (UTC) and job type. */
export const defaultAnalysisSchedules = [
  { name: 'memory-patterns', cron: '*/15 * * * *', type: analysisJobTypes.patterns },
  { name: 'memory-mistakes', cron: '*/30 * * * *', type: analysisJobTypes.mistakes },
  { name: 'memory-review', cron: '0 8 * * *', type: analysisJobTypes.review },
  { name: 'memory-maintenance', cron: '30 3 * * *', type: analysisJobTypes.maintenance },
] as const;

/** What {@link registerMemoryAnalysis} needs. */
export interface MemoryAnalysisOptions {
  store: Store;
  graph: GraphService;
  jobs: JobService;
  config: TrellisConfig;
  /** The clock the jobs judge ages by. @default () => new Date() */
  now?: () => Date;
  /** Queues extraction and embedding of the patterns written (the memory service's `queueWork`). @default undefined (none) */
  queueWork?: QueueMemoryWork;
}

/** The analysis of a process: its default schedules per tenant. */
export interface MemoryAnalysis {
  /** Creates the tenant's default schedules unless this process did already (or `memorySchedules` is off); an operator's changes are kept. */
  ensureSchedules(tenantId: string): Promise<void>;
  /** The memory service, with `create` also ensuring the tenant's schedules once it succeeded. */
  observe<T extends MemoryService>(memory: T): T;
}

/** A number of the job's payload within bounds, or the default; anything else fails the job for good. */
function setting(payload: Record<string, unknown>, name: string, fallback: number, min: number, max: number, integer = true): number {
  const value = payload[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
    throw new PermanentFailure(`payload.${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got ${JSON.stringify(value)}`);
  return value;
}

function tenantOf(job: { tenantId: string | null; type: string }): string {
  if (!job.tenantId) throw new PermanentFailure(`${job.type} analyses one tenant's memories: enqueue it for a tenant`);
  return job.tenantId;
}

/**
 * Registers the analysis job types on `jobs` and answers the per-tenant schedule keeper.
 * @example
 * const analysis = registerMemoryAnalysis({ store, graph, jobs, config });
 * const memory = analysis.observe(createMemoryService({ store, graph }));
 */
export function registerMemoryAnalysis(options: MemoryAnalysisOptions): MemoryAnalysis {
  const { jobs, config } = options;
  const deps: AnalysisDeps = { store: options.store, graph: options.graph, now: options.now ?? (() => new Date()), queueWork: options.queueWork };

  jobs.register(analysisJobTypes.patterns, async (job, context) => {
    const settings: PatternSettings = {
      minSupport: setting(job.payload, 'minSupport', 3, 2, 1000),
      threshold: setting(job.payload, 'threshold', 0.5, 0.2, 1, false),
      commonShare: setting(job.payload, 'commonShare', 0.02, 0.001, 1, false),
      maxPatterns: setting(job.payload, 'maxPatterns', 1000, 1, 10_000),
    };
    const tenantId = tenantOf(job);
    if (job.payload.force !== undefined && typeof job.payload.force !== 'boolean') throw new PermanentFailure('payload.force must be true or false');
    // An idle tenant costs one query a run: nothing changed since the last run, nothing to cluster again.
    const fingerprint = await patternsFingerprint(options.store, tenantId, settings);
    const [last] = (await jobs.list({ tenantId, type: analysisJobTypes.patterns, status: 'succeeded', limit: 1 })).items;
    const lastResult = last?.result as { fingerprint?: string } | null | undefined;
    if (job.payload.force !== true && lastResult?.fingerprint === fingerprint)
      return { nothingChanged: true, reason: `no memory changed since job ${last?.id}`, fingerprint };
    return { ...(await detectPatterns(deps, tenantId, settings, (value) => context.progress(value), context.signal)), fingerprint };
  });
  jobs.register(analysisJobTypes.mistakes, async (job, context) => aggregateMistakes(deps, tenantOf(job), context.signal));
  jobs.register(analysisJobTypes.review, async (job, context) =>
    remindReviews(deps, tenantOf(job), setting(job.payload, 'reviewAfterDays', config.memoryReviewDays, 1, 3650), context.signal),
  );
  jobs.register(analysisJobTypes.maintenance, async (job, context) => {
    const settings: MaintenanceSettings = {
      duplicateThreshold: setting(job.payload, 'duplicateThreshold', 0.9, 0.5, 1, false),
      ephemeralDays: setting(job.payload, 'ephemeralDays', 7, 0, 3650),
      lowDays: setting(job.payload, 'lowDays', 90, 0, 3650),
      normalDays: setting(job.payload, 'normalDays', 180, 0, 3650),
    };
    return maintainMemories(deps, tenantOf(job), settings, context.signal);
  });

  const done = new Set<string>();
  const ensureSchedules = async (tenantId: string) => {
    if (config.memorySchedules === 'off' || done.has(tenantId)) return;
    done.add(tenantId);
    try {
      for (const schedule of defaultAnalysisSchedules) await jobs.schedules.ensureDefault(tenantId, { ...schedule });
    } catch (error) {
      // The next write tries again.
      done.delete(tenantId);
      process.emitWarning(`memory analysis: creating the schedules of tenant ${tenantId} failed: ${(error as Error).message}`);
    }
  };

  return {
    ensureSchedules,
    observe(memory) {
      return {
        ...memory,
        async create(tenantId, input) {
          const created = await memory.create(tenantId, input);
          await ensureSchedules(tenantId);
          return created;
        },
      };
    },
  };
}
