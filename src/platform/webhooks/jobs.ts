/** @module The webhook job types: `webhooks.deliver` (one attempt of a delivery) and `webhooks.prune` (the delivery log's retention, a daily platform schedule). */
import type { TrellisConfig } from '../../core/config.js';
import type { Store } from '../../store/index.js';
import { type JobService, PermanentFailure } from '../jobs/index.js';
import { type AttemptSettings, attemptDelivery } from './attempt.js';
import { attemptRequest, deliverJobType } from './deliveries.js';
import { leaseMs } from './runner.js';

/** The job type that removes old finished deliveries. */
export const pruneJobType = 'webhooks.prune';

/** The name of the default platform schedule of {@link pruneJobType}. */
export const pruneScheduleName = 'webhooks-prune';

/** Deliveries removed per transaction, so a large prune never holds the writer long. */
const pruneBatch = 500;

/**
 * Registers `webhooks.deliver` and `webhooks.prune`. Delivery attempts run in a lane of their own with
 * `webhookConcurrency` slots and append no `job.*` events (an endpoint subscribed to every event would otherwise be
 * sent the events of its own deliveries). A handler error (the store went away) retries the same attempt number with
 * the queue's backoff; a failed HTTP attempt is not an error: it is recorded, and the next attempt is its own job.
 */
export function registerWebhookJobTypes(jobs: JobService, store: Store, config: TrellisConfig, settings: AttemptSettings): void {
  jobs.register(
    deliverJobType,
    async (job) => {
      const request = attemptRequest(job.tenantId, job.payload);
      if (!request) throw new PermanentFailure(`a ${deliverJobType} job needs a tenant and a payload { deliveryId, attempt, manual }`);
      const outcome = await attemptDelivery(store, jobs, request, settings);
      return outcome.kind === 'sent' ? { attempt: outcome.attempt, statusCode: outcome.result.statusCode, ok: outcome.result.ok } : { skipped: outcome.reason };
    },
    { concurrency: config.webhookConcurrency, events: false, timeoutMs: leaseMs(settings.timeoutMs) },
  );

  jobs.register(pruneJobType, async (job, context) => {
    const days = job.payload.olderThanDays ?? config.webhookLogRetentionDays;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > 3650) {
      throw new PermanentFailure(`olderThanDays must be an integer from 0 to 3650; got ${JSON.stringify(days)}`);
    }
    const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
    const tenants = job.tenantId
      ? [job.tenantId]
      : (await store.read('system', (tx) => tx.all<{ id: string }>('SELECT id FROM tenants'))).map((row) => String(row.id));
    let deleted = 0;
    for (const tenantId of tenants) {
      for (;;) {
        context.signal.throwIfAborted();
        // Pending deliveries stay whatever their age: their attempts are still due.
        const removed = await store.transaction({ tenantId }, async (tx) => {
          const ids = (
            await tx.all<{ id: string }>(
              "SELECT id FROM webhook_deliveries WHERE tenant_id = ? AND status IN ('succeeded','failed') AND updated_at < ? LIMIT ?",
              [tenantId, cutoff, pruneBatch],
            )
          ).map((row) => String(row.id));
          if (ids.length === 0) return 0;
          const list = ids.map(() => '?').join(', ');
          await tx.run(`DELETE FROM webhook_attempts WHERE tenant_id = ? AND delivery_id IN (${list})`, [tenantId, ...ids]);
          return tx.run(`DELETE FROM webhook_deliveries WHERE tenant_id = ? AND id IN (${list})`, [tenantId, ...ids]);
        });
        deleted += removed;
        context.progress({ deleted });
        if (removed < pruneBatch) break;
      }
    }
    return { deleted, olderThanDays: days };
  });
}

/**
 * Creates the daily platform schedule of `webhooks.prune` (03:30 UTC) unless a schedule of that name exists: an
 * operator's change to it (another time, paused) is kept across restarts.
 */
export async function ensurePruneSchedule(jobs: JobService): Promise<void> {
  await jobs.schedules.ensureDefault(null, { name: pruneScheduleName, cron: '30 3 * * *', type: pruneJobType });
}
