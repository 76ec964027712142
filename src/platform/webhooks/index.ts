/** @module Webhooks' public door: endpoint CRUD, secret rotation, test pings, the delivery log, redelivery, the dispatch runner, and the job types that deliver and prune. */
import type { TrellisConfig } from '../../core/config.js';
import { TrellisError, notFound } from '../../core/errors.js';
import { isId, newId } from '../../core/ids.js';
import type { Store, Tx } from '../../store/index.js';
import { type AuditActor, type AuditOrigin, recordAudit } from '../audit/index.js';
import { type JobService, createJobService } from '../jobs/index.js';
import type { AttemptSettings } from './attempt.js';
import { attemptDelivery } from './attempt.js';
import {
  type DeliveryStatus,
  type WebhookDelivery,
  type WebhookDeliveryDetail,
  attemptJob,
  findDeliveryDetail,
  insertDeliveries,
  markForRedelivery,
  selectDeliveries,
} from './deliveries.js';
import {
  type CreateEndpointInput,
  type UpdateEndpointInput,
  type WebhookEndpoint,
  deleteEndpointRow,
  insertEndpoint,
  publicEndpoint,
  requireEndpoint,
  rotateSecretRow,
  selectEndpoints,
  updateEndpointRow,
} from './endpoints.js';
import { ensurePruneSchedule, registerWebhookJobTypes } from './jobs.js';
import { type ChangeSource, type WebhookRunner, createWebhookRunner, leaseMs } from './runner.js';
import { checkUrl, resolveTarget } from './target-guard.js';

export type { DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookDeliveryDetail } from './deliveries.js';
export type { CreateEndpointInput, UpdateEndpointInput, WebhookEndpoint } from './endpoints.js';
export { type ChangeSource, type WebhookRunner } from './runner.js';
export { deliverJobType } from './deliveries.js';
export { pruneJobType, pruneScheduleName } from './jobs.js';
export { sign, signatureHeader, generateSecret } from './signing.js';

/** Who changes an endpoint and from where, for the audit log; absent for the operator (CLI, tests). */
export interface ChangedBy {
  actor?: AuditActor;
  origin?: AuditOrigin;
}

/** A created endpoint or a rotated secret: the secret is shown in this response. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  /** The `whsec_…` signing secret. */
  secret: string;
}

/** A page of deliveries, newest first. */
export interface DeliveryPage {
  items: WebhookDelivery[];
  nextCursor: string | null;
}

/** The webhook service API (`services.webhooks`). */
export interface WebhookService {
  /** Creates an endpoint (URL checked against the SSRF guard); it receives events committed after it. Emits `webhook.created`. */
  create(tenantId: string, input: CreateEndpointInput, by?: ChangedBy): Promise<EndpointWithSecret>;
  list(tenantId: string): Promise<WebhookEndpoint[]>;
  /** One endpoint; another tenant's is `not_found`. */
  get(tenantId: string, endpointId: string): Promise<WebhookEndpoint>;
  /** Changes URL, description, filters or enabled; enabling clears the failure state. Emits `webhook.updated`. */
  update(tenantId: string, endpointId: string, changes: UpdateEndpointInput, by?: ChangedBy): Promise<WebhookEndpoint>;
  /** Deletes the endpoint, its deliveries and their attempts. Emits `webhook.deleted`. */
  delete(tenantId: string, endpointId: string, by?: ChangedBy): Promise<void>;
  /** A new secret; the old one keeps signing beside it for `webhookRotationGraceMs`. Emits `webhook.secret_rotated`. */
  rotateSecret(tenantId: string, endpointId: string, by?: ChangedBy): Promise<EndpointWithSecret & { previousSecretValidUntil: string | null }>;
  /** Sends a `webhook.ping` message now, once, and answers with the delivery and its attempt. */
  test(tenantId: string, endpointId: string): Promise<WebhookDeliveryDetail>;
  /** The endpoint's deliveries, newest first, by cursor. */
  deliveries(tenantId: string, endpointId: string, query: { cursor?: string; limit: number; status?: DeliveryStatus }): Promise<DeliveryPage>;
  /** One delivery with its payload and every attempt. */
  delivery(tenantId: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryDetail>;
  /**
   * Sends a delivery again with the same `webhook-id`, through the job queue: a pending one has its next scheduled
   * attempt moved to now, a finished one gets one more (manual) attempt. Asking twice before it ran queues one attempt.
   */
  redeliver(tenantId: string, endpointId: string, deliveryId: string): Promise<WebhookDelivery>;
  /**
   * The dispatcher (events → deliveries and their first `webhooks.deliver` jobs); part of `services.background`.
   * Starting it also creates the daily `webhooks-prune` platform schedule if absent. Attempts run on the job worker.
   */
  runner: WebhookRunner;
}

/** The attempt settings a configuration gives. */
export function attemptSettings(config: TrellisConfig): AttemptSettings {
  return {
    timeoutMs: config.webhookTimeoutMs,
    allowPrivate: config.webhookAllowPrivateTargets,
    retry: { schedule: config.webhookRetrySchedule, jitterPercent: config.webhookRetryJitterPercent },
    disableAfterMs: config.webhookDisableAfterMs,
  };
}

/** Records an endpoint change in the audit log, in the change's transaction (never the secret). */
function audit(tx: Tx, action: string, endpointId: string, by: ChangedBy | undefined, details: Record<string, unknown>): Promise<string> {
  return recordAudit(tx, {
    action,
    target: { kind: 'webhook_endpoint', id: endpointId },
    details,
    ...(by?.actor ? { actor: by.actor } : {}),
    ...(by?.origin ? { origin: by.origin } : {}),
  });
}

function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ before: id })).toString('base64url');
}

function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof parsed.before === 'string' && isId(parsed.before)) return parsed.before;
  } catch {
    // fall through
  }
  throw new TrellisError('invalid_cursor', `Cursor ${JSON.stringify(cursor.slice(0, 80))} is not one this server issued`);
}

/** Options of {@link createWebhookService}. */
export interface WebhookServiceOptions {
  /** Wakes dispatch the moment a tenant commits. */
  changes?: ChangeSource;
  /**
   * The job queue that runs the attempts; the service registers `webhooks.deliver` and `webhooks.prune` on it.
   * Without one (a second service over the same store, in tests) it enqueues on a queue of its own that runs no
   * worker, and registers nothing: the process that owns the queue's worker makes the attempts.
   */
  jobs?: JobService;
}

/**
 * Builds the webhook service over a migrated store.
 * @example
 * const webhooks = createWebhookService(store, config, { jobs, changes: events.notifier });
 * const { endpoint, secret } = await webhooks.create(tenantId, { url: 'https://example.com/hooks', eventTypes: ['entity.*'] });
 */
export function createWebhookService(store: Store, config: TrellisConfig, options: WebhookServiceOptions = {}): WebhookService {
  const settings = attemptSettings(config);
  const jobs = options.jobs ?? createJobService(store, config, { worker: false });
  if (options.jobs) registerWebhookJobTypes(options.jobs, store, config, settings);
  const dispatch = createWebhookRunner({
    store,
    jobs,
    pollMs: config.webhookPollMs,
    ...(options.changes ? { changes: options.changes } : {}),
  });
  const runner: WebhookRunner = {
    ...dispatch,
    name: dispatch.name,
    start() {
      dispatch.start();
      if (options.jobs) {
        ensurePruneSchedule(options.jobs).catch((error: unknown) =>
          process.emitWarning(`webhooks: creating the ${'webhooks-prune'} schedule failed: ${(error as Error).message}`),
        );
      }
    },
  };

  async function checkedUrl(url: string): Promise<string> {
    const parsed = checkUrl(url, config.webhookAllowPrivateTargets);
    await resolveTarget(parsed, config.webhookAllowPrivateTargets);
    return parsed.toString();
  }

  const service: WebhookService = {
    async create(tenantId, input, by) {
      const url = await checkedUrl(input.url);
      const endpoint = await store.transaction({ tenantId }, async (tx) => {
        const created = await insertEndpoint(tx, tenantId, { ...input, url });
        await audit(tx, 'webhook.created', created.id, by, { url, eventTypes: created.eventTypes, enabled: created.enabled });
        return created;
      });
      runner.watchTenant(tenantId);
      return { endpoint: publicEndpoint(endpoint), secret: endpoint.secret };
    },
    list: async (tenantId) => (await store.read({ tenantId }, (tx) => selectEndpoints(tx, tenantId))).map(publicEndpoint),
    get: async (tenantId, endpointId) => publicEndpoint(await store.read({ tenantId }, (tx) => requireEndpoint(tx, tenantId, endpointId))),
    async update(tenantId, endpointId, changes, by) {
      const url = changes.url === undefined ? undefined : await checkedUrl(changes.url);
      const endpoint = await store.transaction({ tenantId }, async (tx) => {
        const updated = await updateEndpointRow(tx, tenantId, endpointId, { ...changes, ...(url ? { url } : {}) });
        await audit(tx, 'webhook.updated', endpointId, by, { changed: Object.keys(changes), url: updated.url, enabled: updated.enabled });
        return updated;
      });
      return publicEndpoint(endpoint);
    },
    async delete(tenantId, endpointId, by) {
      await store.transaction({ tenantId }, async (tx) => {
        await deleteEndpointRow(tx, tenantId, endpointId);
        await audit(tx, 'webhook.deleted', endpointId, by, {});
      });
    },
    async rotateSecret(tenantId, endpointId, by) {
      const endpoint = await store.transaction({ tenantId }, async (tx) => {
        const rotated = await rotateSecretRow(tx, tenantId, endpointId, config.webhookRotationGraceMs);
        await audit(tx, 'webhook.secret_rotated', endpointId, by, { previousSecretValidUntil: rotated.previousSecretUntil });
        return rotated;
      });
      return { endpoint: publicEndpoint(endpoint), secret: endpoint.secret, previousSecretValidUntil: endpoint.previousSecretUntil };
    },
    async test(tenantId, endpointId) {
      // The ping is sent here, so the route answers with its attempt. A stand-by job for the same attempt is queued
      // with it, due once the attempt must be over: if this process dies mid-attempt, a worker sends the ping once;
      // otherwise the job finds attempt 1 made and does nothing.
      const deliveryId = await store.transaction({ tenantId }, async (tx) => {
        await requireEndpoint(tx, tenantId, endpointId);
        const id = newId();
        const body = JSON.stringify({ type: 'webhook.ping', timestamp: new Date().toISOString(), data: { endpointId } });
        const [created] = await insertDeliveries(tx, tenantId, [{ endpointId, eventSeq: null, eventType: 'webhook.ping', messageId: `msg_${id}`, body }]);
        await jobs.enqueue(
          tx,
          attemptJob({ tenantId, deliveryId: created as string, attempt: 1, manual: true }, new Date(Date.now() + leaseMs(settings.timeoutMs))),
        );
        return created as string;
      });
      await attemptDelivery(store, jobs, { tenantId, deliveryId, attempt: 1, manual: true }, settings);
      return service.delivery(tenantId, endpointId, deliveryId);
    },
    async deliveries(tenantId, endpointId, query) {
      const before = decodeCursor(query.cursor);
      return store.read({ tenantId }, async (tx) => {
        await requireEndpoint(tx, tenantId, endpointId);
        const rows = await selectDeliveries(tx, tenantId, endpointId, { before, limit: query.limit, ...(query.status ? { status: query.status } : {}) });
        if (rows.length <= query.limit) return { items: rows, nextCursor: null };
        const items = rows.slice(0, query.limit);
        return { items, nextCursor: encodeCursor((items[items.length - 1] as WebhookDelivery).id) };
      });
    },
    async delivery(tenantId, endpointId, deliveryId) {
      const found = await store.read({ tenantId }, async (tx) => {
        await requireEndpoint(tx, tenantId, endpointId);
        return findDeliveryDetail(tx, tenantId, endpointId, deliveryId);
      });
      if (!found) throw notFound('Webhook delivery', deliveryId);
      return found;
    },
    async redeliver(tenantId, endpointId, deliveryId) {
      await store.transaction({ tenantId }, async (tx) => {
        await requireEndpoint(tx, tenantId, endpointId);
        const found = await findDeliveryDetail(tx, tenantId, endpointId, deliveryId);
        if (!found) throw notFound('Webhook delivery', deliveryId);
        // Pending: its next scheduled attempt (a job queued for later) is moved to now. Finished: one manual attempt.
        const manual = found.status !== 'pending';
        await jobs.enqueue(tx, attemptJob({ tenantId, deliveryId, attempt: found.attempts + 1, manual }, new Date(), !manual));
        await markForRedelivery(tx, tenantId, deliveryId);
      });
      const detail = await service.delivery(tenantId, endpointId, deliveryId);
      const { payload: _payload, attemptLog: _attempts, ...delivery } = detail;
      return delivery;
    },
    runner,
  };
  return service;
}
