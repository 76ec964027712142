/** @module Webhook endpoints at rest: URL, description, event-type filters, enabled state, signing secrets (current and rotated-out). */
import { TrellisError, notFound } from '../../core/errors.js';
import { isId, newId } from '../../core/ids.js';
import { type Tx, appendEvent, nowIso, parseJson } from '../../store/index.js';
import { generateSecret } from './signing.js';

/** An endpoint as the API shows it: never its secret. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  /** Event types delivered: exact (`entity.created`) or a prefix (`entity.*`); empty means every type. */
  eventTypes: string[];
  enabled: boolean;
  /** Why the endpoint was disabled by Trellis (`gone`: it answered 410; `failing`: it failed for too long); null otherwise. */
  disabledReason: string | null;
  /** Since when every attempt has failed; null after a success. */
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An endpoint with what signs its messages; internal to the webhooks module. */
export interface EndpointWithSecrets extends WebhookEndpoint {
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: string | null;
  /** Events up to this sequence number predate the endpoint and are not delivered to it. */
  fromSeq: number;
}

/** What creating an endpoint takes. */
export interface CreateEndpointInput {
  url: string;
  description?: string;
  eventTypes?: string[];
  enabled?: boolean;
}

/** What updating an endpoint may change; enabling one clears its failure state. */
export type UpdateEndpointInput = Partial<CreateEndpointInput>;

interface EndpointRow {
  tenant_id: string;
  id: string;
  url: string;
  description: string;
  event_types: unknown;
  enabled: number | boolean;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: string | null;
  from_seq: number;
  failing_since: string | null;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

const columns =
  'tenant_id, id, url, description, event_types, enabled, secret, previous_secret, previous_secret_until, from_seq, failing_since, disabled_reason, created_at, updated_at';

/** The public view of an endpoint. */
export function publicEndpoint(endpoint: EndpointWithSecrets): WebhookEndpoint {
  const { id, url, description, eventTypes, enabled, disabledReason, failingSince, createdAt, updatedAt } = endpoint;
  return { id, url, description, eventTypes, enabled, disabledReason, failingSince, createdAt, updatedAt };
}

function toEndpoint(row: EndpointRow): EndpointWithSecrets {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: parseJson<string[]>(row.event_types),
    enabled: Boolean(row.enabled),
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretUntil: row.previous_secret_until,
    fromSeq: Number(row.from_seq),
  };
}

const eventTypePattern = /^(\*|[a-z0-9_-]{1,50}(\.[a-z0-9_-]{1,50}){0,5}(\.\*)?)$/;

/** Checks event-type filters: at most 50, each `*`, an exact dotted type or a `prefix.*`; returns them deduplicated. */
export function validateEventTypes(eventTypes: readonly unknown[] | undefined): string[] {
  if (eventTypes === undefined) return [];
  if (!Array.isArray(eventTypes) || eventTypes.length > 50)
    throw new TrellisError('validation_failed', 'eventTypes must be a list of at most 50 types', { field: 'eventTypes' });
  for (const type of eventTypes) {
    if (typeof type !== 'string' || !eventTypePattern.test(type)) {
      throw new TrellisError('validation_failed', `eventTypes: ${JSON.stringify(type)} is not an event type or a prefix.* pattern`, { field: 'eventTypes' });
    }
  }
  return [...new Set(eventTypes as string[])];
}

/** Whether an event type passes an endpoint's filters (empty filters pass everything). */
export function matchesEventTypes(filters: readonly string[], type: string): boolean {
  if (filters.length === 0) return true;
  for (const filter of filters) {
    if (filter === '*' || filter === type) return true;
    if (filter.endsWith('.*') && type.startsWith(filter.slice(0, -1))) return true;
  }
  return false;
}

function validateDescription(description: unknown): string {
  if (description === undefined) return '';
  if (typeof description !== 'string' || description.length > 500)
    throw new TrellisError('validation_failed', 'description must be at most 500 characters', { field: 'description' });
  return description;
}

/** Creates an endpoint with a fresh secret and appends `webhook.created`; it receives events committed after this one. */
export async function insertEndpoint(tx: Tx, tenantId: string, input: CreateEndpointInput & { url: string }): Promise<EndpointWithSecrets> {
  const id = newId();
  const now = nowIso();
  const eventTypes = validateEventTypes(input.eventTypes);
  const description = validateDescription(input.description);
  const enabled = input.enabled ?? true;
  const [seq] = await appendEvent(tx, { type: 'webhook.created', subject: id, payload: { id, url: input.url, description, eventTypes, enabled } });
  const secret = generateSecret();
  await tx.run(`INSERT INTO webhook_endpoints (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, NULL, NULL, ?, ?)`, [
    tenantId,
    id,
    input.url,
    description,
    JSON.stringify(eventTypes),
    tx.dialect === 'sqlite' ? Number(enabled) : enabled,
    secret,
    seq as number,
    now,
    now,
  ]);
  return {
    id,
    url: input.url,
    description,
    eventTypes,
    enabled,
    disabledReason: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
    secret,
    previousSecret: null,
    previousSecretUntil: null,
    fromSeq: seq as number,
  };
}

/** Every endpoint of a tenant, oldest first. */
export async function selectEndpoints(tx: Tx, tenantId: string): Promise<EndpointWithSecrets[]> {
  const rows = await tx.all<EndpointRow>(`SELECT ${columns} FROM webhook_endpoints WHERE tenant_id = ? ORDER BY id`, [tenantId]);
  return rows.map(toEndpoint);
}

/** One endpoint of a tenant, or undefined (also for another tenant's ID). `lock` takes a row lock on PostgreSQL. */
export async function findEndpoint(tx: Tx, tenantId: string, id: string, lock = false): Promise<EndpointWithSecrets | undefined> {
  if (!isId(id)) return undefined;
  const suffix = lock && tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
  const row = await tx.get<EndpointRow>(`SELECT ${columns} FROM webhook_endpoints WHERE tenant_id = ? AND id = ?${suffix}`, [tenantId, id]);
  return row ? toEndpoint(row) : undefined;
}

/** Like {@link findEndpoint}, but a missing endpoint is `not_found`. */
export async function requireEndpoint(tx: Tx, tenantId: string, id: string, lock = false): Promise<EndpointWithSecrets> {
  const endpoint = await findEndpoint(tx, tenantId, id, lock);
  if (!endpoint) throw notFound('Webhook endpoint', id);
  return endpoint;
}

/** Applies changes and appends `webhook.updated`. Enabling clears the failure state, so a fixed endpoint starts afresh. */
export async function updateEndpointRow(tx: Tx, tenantId: string, id: string, changes: UpdateEndpointInput & { url?: string }): Promise<EndpointWithSecrets> {
  const current = await requireEndpoint(tx, tenantId, id, true);
  const next: EndpointWithSecrets = {
    ...current,
    url: changes.url ?? current.url,
    description: changes.description === undefined ? current.description : validateDescription(changes.description),
    eventTypes: changes.eventTypes === undefined ? current.eventTypes : validateEventTypes(changes.eventTypes),
    enabled: changes.enabled ?? current.enabled,
    updatedAt: nowIso(),
  };
  if (changes.enabled === true && !current.enabled) {
    next.disabledReason = null;
    next.failingSince = null;
  }
  await tx.run(
    'UPDATE webhook_endpoints SET url = ?, description = ?, event_types = ?, enabled = ?, disabled_reason = ?, failing_since = ?, updated_at = ? WHERE tenant_id = ? AND id = ?',
    [
      next.url,
      next.description,
      JSON.stringify(next.eventTypes),
      tx.dialect === 'sqlite' ? Number(next.enabled) : next.enabled,
      next.disabledReason,
      next.failingSince,
      next.updatedAt,
      tenantId,
      id,
    ],
  );
  await appendEvent(tx, {
    type: 'webhook.updated',
    subject: id,
    payload: { id, url: next.url, description: next.description, eventTypes: next.eventTypes, enabled: next.enabled },
  });
  return next;
}

/**
 * Deletes an endpoint with its deliveries and attempts; appends `webhook.deleted`. Attempt jobs still queued for its
 * deliveries find them gone and end without sending.
 */
export async function deleteEndpointRow(tx: Tx, tenantId: string, id: string): Promise<void> {
  await requireEndpoint(tx, tenantId, id, true);
  await tx.run(
    'DELETE FROM webhook_attempts WHERE tenant_id = ? AND delivery_id IN (SELECT id FROM webhook_deliveries WHERE tenant_id = ? AND endpoint_id = ?)',
    [tenantId, tenantId, id],
  );
  await tx.run('DELETE FROM webhook_deliveries WHERE tenant_id = ? AND endpoint_id = ?', [tenantId, id]);
  await tx.run('DELETE FROM webhook_endpoints WHERE tenant_id = ? AND id = ?', [tenantId, id]);
  await appendEvent(tx, { type: 'webhook.deleted', subject: id, payload: { id } });
}

/**
 * Replaces the secret; the old one keeps signing beside it until `graceMs` from now. Rotating again within the
 * grace period drops the oldest secret. Appends `webhook.secret_rotated` (without secrets).
 */
export async function rotateSecretRow(tx: Tx, tenantId: string, id: string, graceMs: number): Promise<EndpointWithSecrets> {
  const current = await requireEndpoint(tx, tenantId, id, true);
  const secret = generateSecret();
  const now = nowIso();
  const previousSecretUntil = graceMs > 0 ? new Date(Date.now() + graceMs).toISOString() : null;
  const previousSecret = graceMs > 0 ? current.secret : null;
  await tx.run('UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_until = ?, updated_at = ? WHERE tenant_id = ? AND id = ?', [
    secret,
    previousSecret,
    previousSecretUntil,
    now,
    tenantId,
    id,
  ]);
  await appendEvent(tx, { type: 'webhook.secret_rotated', subject: id, payload: { id, previousSecretUntil } });
  return { ...current, secret, previousSecret, previousSecretUntil, updatedAt: now };
}

/** The secrets that sign a message now: the current one, and the previous one while its grace period lasts. */
export function signingSecrets(endpoint: EndpointWithSecrets, now = Date.now()): string[] {
  const secrets = [endpoint.secret];
  if (endpoint.previousSecret && endpoint.previousSecretUntil && Date.parse(endpoint.previousSecretUntil) > now) secrets.push(endpoint.previousSecret);
  return secrets;
}
