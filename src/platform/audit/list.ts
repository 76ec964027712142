/** @module Reading the audit log: filters (action prefix, actor, target, time range) and keyset pagination, newest first. */
import { TrellisError } from '../../core/errors.js';
import { isId } from '../../core/ids.js';
import { type SqlValue, type Tx, parseJson } from '../../store/index.js';
import type { AuditActorKind } from './record.js';

/** One audit row as the API and CLI show it. */
export interface AuditRecord {
  id: string;
  tenantId: string;
  occurredAt: string;
  actor: { kind: AuditActorKind; id: string | null };
  action: string;
  target: { kind: string; id: string | null } | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

/** Filters of {@link selectAudit}; all optional and combined with AND. */
export interface AuditFilter {
  /** An exact action (`api_key.revoked`) or a prefix ending in `*` (`api_key.*`, `auth.login*`). */
  action?: string;
  /** `kind:id` (`user:0190…`) or a bare ID. */
  actor?: string;
  /** `kind:id` (`entity:0190…`) or a bare ID. */
  target?: string;
  /** ISO-8601 time; rows at or after it. */
  since?: string;
  /** ISO-8601 time; rows before it. */
  until?: string;
  /** Page size, 1–500. @default 100 */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** A page of audit rows, newest first. */
export interface AuditPage {
  items: AuditRecord[];
  nextCursor: string | null;
}

interface AuditRow {
  tenant_id: string;
  id: string;
  occurred_at: string;
  actor_kind: AuditActorKind;
  actor_id: string | null;
  action: string;
  target_kind: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: unknown;
}

/** The largest page. */
export const maxAuditPage = 500;

function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ before: lastId })).toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof parsed.before === 'string' && isId(parsed.before)) return parsed.before;
  } catch {
    // fall through to the error below
  }
  throw new TrellisError('invalid_cursor', `Cursor ${JSON.stringify(cursor.slice(0, 80))} is not one this server issued`);
}

function toTime(value: string, name: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new TrellisError('validation_failed', `${name} must be an ISO-8601 date-time, got ${JSON.stringify(value.slice(0, 80))}`);
  return new Date(time).toISOString();
}

/** Adds a `kind:id` or bare-ID condition on a pair of columns. */
function identityCondition(where: string[], params: SqlValue[], value: string, kindColumn: string, idColumn: string): void {
  const colon = value.indexOf(':');
  if (colon > 0) {
    where.push(`${kindColumn} = ?`, `${idColumn} = ?`);
    params.push(value.slice(0, colon), value.slice(colon + 1));
  } else {
    where.push(`${idColumn} = ?`);
    params.push(value);
  }
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    occurredAt: row.occurred_at,
    actor: { kind: row.actor_kind, id: row.actor_id },
    action: row.action,
    target: row.target_kind === null && row.target_id === null ? null : { kind: row.target_kind ?? '', id: row.target_id },
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    details: parseJson(row.details),
  };
}

/**
 * A page of the tenant's audit rows matching `filter`, newest first. IDs are UUIDv7, so ID order is time order and
 * the cursor is the last ID shown.
 */
export async function selectAudit(tx: Tx, tenantId: string, filter: AuditFilter = {}): Promise<AuditPage> {
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxAuditPage) {
    throw new TrellisError('validation_failed', `limit must be an integer from 1 to ${maxAuditPage}, got ${String(limit)}`);
  }
  const where = ['tenant_id = ?'];
  const params: SqlValue[] = [tenantId];
  if (filter.action !== undefined) {
    if (filter.action.endsWith('*')) {
      // substr rather than LIKE: no wildcard characters in the prefix need escaping, and both dialects have it.
      const prefix = filter.action.slice(0, -1);
      where.push('substr(action, 1, ?) = ?');
      params.push(prefix.length, prefix);
    } else {
      where.push('action = ?');
      params.push(filter.action);
    }
  }
  if (filter.actor !== undefined) identityCondition(where, params, filter.actor, 'actor_kind', 'actor_id');
  if (filter.target !== undefined) identityCondition(where, params, filter.target, 'target_kind', 'target_id');
  if (filter.since !== undefined) {
    where.push('occurred_at >= ?');
    params.push(toTime(filter.since, 'since'));
  }
  if (filter.until !== undefined) {
    where.push('occurred_at < ?');
    params.push(toTime(filter.until, 'until'));
  }
  if (filter.cursor !== undefined && filter.cursor !== '') {
    where.push('id < ?');
    params.push(decodeCursor(filter.cursor));
  }
  params.push(limit + 1);
  const rows = await tx.all<AuditRow>(
    `SELECT tenant_id, id, occurred_at, actor_kind, actor_id, action, target_kind, target_id, ip, user_agent, request_id, details
     FROM audit_log WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`,
    params,
  );
  const items = rows.slice(0, limit).map(toRecord);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}
