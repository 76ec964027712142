/**
 * @module Group commit: writes of one tenant that arrive while a transaction is being committed run together in the
 * next transaction, each inside a savepoint of its own, so many concurrent single writes share one BEGIN/COMMIT (and
 * the per-commit work of the event followers) while each still succeeds or fails alone.
 */
import type { Store, Tx } from '../store/index.js';

/** Writes run in one transaction at most. @default 64 */
export const groupCommitLimit = 64;

/** Runs writes of a tenant, grouped; see the module comment. */
export interface GroupCommit {
  /**
   * Runs `write` in a transaction of `tenantId` shared with the other writes waiting at that moment, inside a
   * savepoint: a write that throws is rolled back alone and its promise rejects with its error; the others commit.
   * The promise settles once the shared transaction has committed (or failed: then every write of it rejects).
   */
  run<T>(tenantId: string, write: (tx: Tx) => Promise<T>): Promise<T>;
}

interface Waiting {
  write: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Creates a group commit over a store. `afterWrites` runs once per transaction, after its writes, when at least one
 * of them succeeded (queueing the work every write of the group needs once).
 * @example
 * const group = createGroupCommit(store);
 * const memory = await group.run(tenantId, (tx) => insert(tx, input));
 */
export function createGroupCommit(store: Store, afterWrites?: (tx: Tx, tenantId: string) => Promise<void>, limit = groupCommitLimit): GroupCommit {
  const waiting = new Map<string, Waiting[]>();
  /** Tenants with a transaction running or about to start: new writes wait for the next one. */
  const busy = new Set<string>();

  const flush = async (tenantId: string): Promise<void> => {
    const all = waiting.get(tenantId) ?? [];
    const group = all.splice(0, limit);
    if (all.length === 0) waiting.delete(tenantId);
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await store.transaction({ tenantId }, async (tx) => {
        for (const item of group) {
          await tx.run('SAVEPOINT group_write');
          try {
            outcomes.push({ ok: true, value: await item.write(tx) });
            await tx.run('RELEASE SAVEPOINT group_write');
          } catch (error) {
            await tx.run('ROLLBACK TO SAVEPOINT group_write');
            await tx.run('RELEASE SAVEPOINT group_write');
            outcomes.push({ ok: false, error });
          }
        }
        if (afterWrites && outcomes.some((outcome) => outcome.ok)) await afterWrites(tx, tenantId);
      });
      group.forEach((item, index) => {
        const outcome = outcomes[index]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.error);
      });
    } catch (error) {
      for (const item of group) item.reject(error);
    } finally {
      if (waiting.has(tenantId)) void flush(tenantId);
      else busy.delete(tenantId);
    }
  };

  return {
    run<T>(tenantId: string, write: (tx: Tx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        let list = waiting.get(tenantId);
        if (!list) waiting.set(tenantId, (list = []));
        list.push({ write, resolve: resolve as (value: unknown) => void, reject });
        if (busy.has(tenantId)) return;
        busy.add(tenantId);
        // After the requests already parsed in this turn of the event loop have queued their writes too.
        setImmediate(() => void flush(tenantId));
      });
    },
  };
}
