/** @module The audit log's public door: `recordAudit` for every module's transactions, and the service that lists and prunes. */
import type { Store } from '../../store/index.js';
import { type AuditFilter, type AuditPage, selectAudit } from './list.js';
import { type AuditEntry, recordAudit } from './record.js';

export { type AuditActor, type AuditActorKind, type AuditEntry, type AuditOrigin, recordAudit } from './record.js';
export { type AuditFilter, type AuditPage, type AuditRecord, maxAuditPage } from './list.js';
export { auditActor, auditOrigin } from './origin.js';

/** Reading and maintaining the audit log. Rows are append-only: nothing here changes one. */
export interface AuditService {
  /**
   * A page of the tenant's audit rows, newest first.
   * @example
   * const { items, nextCursor } = await services.audit.list(tenantId, { action: 'api_key.*', limit: 50 });
   */
  list(tenantId: string, filter?: AuditFilter): Promise<AuditPage>;
  /**
   * Records an entry in a transaction of its own, for actions whose own transaction is out of reach (a service
   * that does not know about audit). Prefer {@link recordAudit} inside the action's transaction.
   */
  record(tenantId: string, entry: Omit<AuditEntry, 'tenantId'>): Promise<string>;
  /** Deletes the tenant's rows older than `before` (retention); returns how many went. Never reachable over HTTP. */
  prune(tenantId: string, before: Date): Promise<number>;
}

/** Builds the audit service over a migrated store. */
export function createAuditService(store: Store): AuditService {
  return {
    list: (tenantId, filter) => store.read({ tenantId }, (tx) => selectAudit(tx, tenantId, filter)),
    record: (tenantId, entry) => store.transaction({ tenantId }, (tx) => recordAudit(tx, { ...entry, tenantId })),
    prune: (tenantId, before) =>
      store.transaction({ tenantId }, (tx) => tx.run('DELETE FROM audit_log WHERE tenant_id = ? AND occurred_at < ?', [tenantId, before.toISOString()])),
  };
}
