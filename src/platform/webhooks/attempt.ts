/** @module One attempt of a delivery, start to finish: load, send, record the outcome, enqueue the next attempt on the job queue, and disable an endpoint that is gone or has failed for too long. */
import { type Store, type Tx, appendEvent, nowIso } from '../../store/index.js';
import type { JobService } from '../jobs/index.js';
import { type WebhookOutcome, recordWebhookDelivery } from '../observability/index.js';
import { type AttemptRequest, attemptJob, findDeliveryWithBody, recordAttempt } from './deliveries.js';
import { type EndpointWithSecrets, findEndpoint, signingSecrets } from './endpoints.js';
import { type RetryPolicy, parseRetryAfter, retryDelay } from './schedule.js';
import { type AttemptResult, type SendOptions, sendAttempt } from './send.js';

/** What attempts need from the configuration. */
export interface AttemptSettings extends SendOptions {
  retry: RetryPolicy;
  /** An endpoint failing without a success for this long is disabled. */
  disableAfterMs: number;
}

/** The metric outcome of an attempt. */
export function webhookOutcome(result: AttemptResult): WebhookOutcome {
  if (result.ok) return 'delivered';
  if (result.statusCode === 410) return 'gone';
  if (result.statusCode !== null) return 'failed';
  if (result.error?.startsWith('no complete response')) return 'timeout';
  return 'refused';
}

/** What became of one attempt request. */
export type AttemptOutcome = { kind: 'sent'; result: AttemptResult; attempt: number } | { kind: 'skipped'; reason: string };

function flag(tx: Tx, value: boolean): string {
  return tx.dialect === 'sqlite' ? (value ? '1' : '0') : value ? 'true' : 'false';
}

/**
 * Disables an endpoint unless already disabled, and appends `endpoint.disabled` (delivered to the tenant's other
 * endpoints that subscribe to it). Returns whether this call disabled it.
 */
export async function disableEndpoint(tx: Tx, tenantId: string, endpoint: EndpointWithSecrets, reason: 'gone' | 'failing'): Promise<boolean> {
  const now = nowIso();
  const changed = await tx.run(
    `UPDATE webhook_endpoints SET enabled = ${flag(tx, false)}, disabled_reason = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND enabled = ${flag(tx, true)}`,
    [reason, now, tenantId, endpoint.id],
  );
  if (changed === 0) return false;
  await appendEvent(tx, {
    type: 'endpoint.disabled',
    subject: endpoint.id,
    payload: { id: endpoint.id, url: endpoint.url, reason, failingSince: endpoint.failingSince },
  });
  return true;
}

/** Updates the endpoint's failure state after an attempt; disables it on 410 or after `disableAfterMs` of failure. */
async function trackEndpointHealth(tx: Tx, tenantId: string, endpoint: EndpointWithSecrets, result: AttemptResult, settings: AttemptSettings): Promise<void> {
  if (result.ok) {
    if (endpoint.failingSince !== null)
      await tx.run('UPDATE webhook_endpoints SET failing_since = NULL WHERE tenant_id = ? AND id = ?', [tenantId, endpoint.id]);
    return;
  }
  if (result.statusCode === 410) {
    await disableEndpoint(tx, tenantId, endpoint, 'gone');
    return;
  }
  const now = Date.now();
  await tx.run('UPDATE webhook_endpoints SET failing_since = ? WHERE tenant_id = ? AND id = ? AND failing_since IS NULL', [
    new Date(result.startedAt ? Date.parse(result.startedAt) : now).toISOString(),
    tenantId,
    endpoint.id,
  ]);
  const cutoff = new Date(now - settings.disableAfterMs).toISOString();
  // The cutoff is compared in SQL against the stored value, so concurrent attempts agree on when the window closed.
  const row = await tx.get<{ failing_since: string | null }>('SELECT failing_since FROM webhook_endpoints WHERE tenant_id = ? AND id = ?', [
    tenantId,
    endpoint.id,
  ]);
  if (row?.failing_since && new Date(row.failing_since).toISOString() <= cutoff) {
    await disableEndpoint(tx, tenantId, { ...endpoint, failingSince: new Date(row.failing_since).toISOString() }, 'failing');
  }
}

/**
 * Runs one attempt of a delivery (a `webhooks.deliver` job, or a ping in the request). The request names the attempt
 * number it is for: when the delivery already has that many attempts (a job repeated after its process died between
 * recording and settling, or a ping's stand-by job), nothing is sent. A scheduled attempt to a disabled or deleted
 * endpoint is abandoned without sending; a manual one (ping, redelivery) is sent once whatever the endpoint's state and
 * never retried. A failed scheduled attempt enqueues the next one, in the transaction that records this one.
 */
export async function attemptDelivery(
  store: Store,
  jobs: Pick<JobService, 'enqueue'>,
  request: AttemptRequest,
  settings: AttemptSettings,
): Promise<AttemptOutcome> {
  const { tenantId, deliveryId } = request;
  const loaded = await store.read({ tenantId }, async (tx) => {
    const delivery = await findDeliveryWithBody(tx, tenantId, deliveryId);
    const endpoint = delivery ? await findEndpoint(tx, tenantId, delivery.endpointId) : undefined;
    return { delivery, endpoint };
  });
  const { delivery, endpoint } = loaded;
  if (!delivery || !endpoint) return { kind: 'skipped', reason: 'deleted' };
  if (delivery.attempts >= request.attempt) return { kind: 'skipped', reason: `attempt ${request.attempt} was made already` };
  if (!request.manual && (delivery.status !== 'pending' || !endpoint.enabled)) {
    const reason = delivery.status !== 'pending' ? `already ${delivery.status}` : 'endpoint disabled';
    if (delivery.status === 'pending') {
      await store.transaction({ tenantId }, (tx) =>
        tx.run("UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, last_error = ?, updated_at = ? WHERE tenant_id = ? AND id = ?", [
          reason,
          nowIso(),
          tenantId,
          deliveryId,
        ]),
      );
    }
    return { kind: 'skipped', reason };
  }
  const result = await sendAttempt({ url: endpoint.url, messageId: delivery.messageId, body: delivery.body, secrets: signingSecrets(endpoint) }, settings);
  recordWebhookDelivery(webhookOutcome(result), result.durationMs / 1000);
  const attempt = await store.transaction({ tenantId }, async (tx) => {
    let status: 'pending' | 'succeeded' | 'failed' = result.ok ? 'succeeded' : 'failed';
    let nextAttemptAt: string | null = null;
    if (!result.ok && !request.manual && result.statusCode !== 410) {
      const delay = retryDelay(settings.retry, delivery.attempts + 1, parseRetryAfter(result.retryAfter));
      if (delay !== null) {
        status = 'pending';
        nextAttemptAt = new Date(Date.now() + delay).toISOString();
      }
    }
    const number = await recordAttempt(
      tx,
      tenantId,
      deliveryId,
      {
        trigger: request.manual ? 'manual' : 'scheduled',
        startedAt: result.startedAt,
        durationMs: result.durationMs,
        statusCode: result.statusCode,
        error: result.error,
        responseBody: result.responseBody,
      },
      { status, nextAttemptAt },
    );
    if (nextAttemptAt !== null && number > 0) {
      await jobs.enqueue(tx, attemptJob({ tenantId, deliveryId, attempt: number + 1, manual: false }, nextAttemptAt));
    }
    await trackEndpointHealth(tx, tenantId, endpoint, result, settings);
    return number;
  });
  return { kind: 'sent', result, attempt };
}
