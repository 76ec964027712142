/** @module The job types Trellis itself registers: `jobs.prune`, which removes old finished jobs (the queue's own retention). */
import type { TrellisConfig } from '../../core/config.js';
import type { SqlValue, Store } from '../../store/index.js';
import { PermanentFailure } from './retry-policy.js';
import type { JobService } from './service.js';

/** The job type of the queue's own retention; the worker creates its daily `jobs-prune` platform schedule. */
export const pruneJobType = 'jobs.prune';

/** Rows deleted per transaction, so a large prune never holds the writer long. */
const pruneBatch = 1000;

/**
 * Registers the built-in job types on a job service. `jobs.prune` deletes succeeded, cancelled and dead jobs that
 * finished more than `olderThanDays` (payload; default `jobsRetentionDays`) ago: a tenant's job prunes that tenant's
 * jobs, a platform job prunes every job. Schedule it, e.g. `0 3 * * *`.
 */
export function registerBuiltinJobTypes(jobs: JobService, store: Store, config: TrellisConfig): void {
  jobs.register(pruneJobType, async (job, context) => {
    const days = job.payload.olderThanDays ?? config.jobsRetentionDays;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > 3650) {
      throw new PermanentFailure(`olderThanDays must be an integer from 0 to 3650; got ${JSON.stringify(days)}`);
    }
    const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
    let deleted = 0;
    for (;;) {
      context.signal.throwIfAborted();
      const params: SqlValue[] = [cutoff];
      let tenantFilter = '';
      if (job.tenantId) {
        tenantFilter = ' AND tenant_id = ?';
        params.push(job.tenantId);
      }
      params.push(pruneBatch);
      const removed = await store.transaction('system', (tx) =>
        tx.run(
          `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE finished_at < ? AND status IN ('succeeded','cancelled','dead')${tenantFilter} LIMIT ?)`,
          params,
        ),
      );
      deleted += removed;
      context.progress({ deleted });
      if (removed < pruneBatch) break;
    }
    return { deleted, olderThanDays: days };
  });
}
