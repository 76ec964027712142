/** @module Writing audit rows: `recordAudit(tx, entry)` inside the transaction of the action it records. */
import { newId } from '../../core/ids.js';
import { type Tx, nowIso } from '../../store/index.js';

/** Who acted: an API key, a person's session, dev mode, the server's operator (CLI), the server itself, or nobody known (a failed login). */
export type AuditActorKind = 'api_key' | 'user' | 'dev' | 'operator' | 'system' | 'anonymous';

/** The identity an audit row names as actor. */
export interface AuditActor {
  kind: AuditActorKind;
  /** Key ID, user ID; null for the operator, the system and anonymous callers. */
  id: string | null;
}

/** Where a request came from, taken from the HTTP request (see `auditOrigin`); absent for CLI and background work. */
export interface AuditOrigin {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

/** One audit row to write. */
export interface AuditEntry {
  /** Dotted action, e.g. `api_key.revoked`, `auth.login_failed`, `webhook.created`. */
  action: string;
  /** The tenant the action belongs to; defaults to the transaction's tenant. */
  tenantId?: string;
  /** Defaults to `{ kind: 'operator', id: null }` (the CLI acting with no request). */
  actor?: AuditActor;
  /** What the action was done to, e.g. `{ kind: 'api_key', id }`. */
  target?: { kind: string; id: string | null };
  origin?: AuditOrigin;
  /** Small, non-secret facts about the action (old and new role, key name, scopes …). Never passwords, tokens or keys. */
  details?: Record<string, unknown>;
}

/** The longest text kept per origin field; a user agent is attacker-chosen, so it is cut rather than stored whole. */
const maxOriginLength = 512;

function clip(value: string | null | undefined): string | null {
  if (typeof value !== 'string' || value === '') return null;
  return value.length > maxOriginLength ? value.slice(0, maxOriginLength) : value;
}

/**
 * Appends an audit row in `tx`, so the row commits exactly when the action does (and vanishes with its rollback).
 * Works in tenant-scoped and `'system'` transactions; on PostgreSQL a system transaction is switched to the entry's
 * tenant for the one insert (row-level security checks `tenant_id`) and switched back.
 * Returns the row's ID.
 * @example
 * await store.transaction({ tenantId }, async (tx) => {
 *   const hook = await insertWebhook(tx, input);
 *   await recordAudit(tx, { action: 'webhook.created', actor: auditActor(auth), target: { kind: 'webhook', id: hook.id } });
 * });
 */
export async function recordAudit(tx: Tx, entry: AuditEntry): Promise<string> {
  const tenantId = entry.tenantId ?? tx.tenantId;
  if (!tenantId) throw new Error('recordAudit needs a tenant: pass entry.tenantId in a system transaction');
  const id = newId();
  const actor = entry.actor ?? { kind: 'operator', id: null };
  const params = [
    tenantId,
    id,
    nowIso(),
    actor.kind,
    actor.id,
    entry.action,
    entry.target?.kind ?? null,
    entry.target?.id ?? null,
    clip(entry.origin?.ip),
    clip(entry.origin?.userAgent),
    clip(entry.origin?.requestId),
    JSON.stringify(entry.details ?? {}),
  ];
  const insert = `INSERT INTO audit_log (tenant_id, id, occurred_at, actor_kind, actor_id, action, target_kind, target_id, ip, user_agent, request_id, details)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  const switchTenant = tx.dialect === 'postgres' && tx.tenantId !== tenantId;
  if (switchTenant) await tx.run("SELECT set_config('app.tenant_id', ?, true)", [tenantId]);
  await tx.run(insert, params);
  if (switchTenant) await tx.run("SELECT set_config('app.tenant_id', ?, true)", [tx.tenantId ?? '']);
  return id;
}
