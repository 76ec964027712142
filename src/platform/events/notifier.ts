/** @module The change notifier: wakes followers of a tenant's event log when its committed sequence moves, in this process and across processes. */
import type { Store } from '../../store/index.js';

/** Told the tenant's latest committed event sequence; called only when it moved past what was last told. Must not throw. */
export type ChangeListener = (seq: number) => void;

/** Wakes followers of the event log (live streams, webhook dispatch) when a tenant commits events. */
export interface ChangeNotifier {
  /**
   * Calls `listener(seq)` whenever the tenant's latest committed event sequence moves: at once for this process's
   * commits; within the notification delay for other replicas' commits on PostgreSQL (LISTEN/NOTIFY); within
   * `pollMs` for other processes on SQLite (and as a safety net on PostgreSQL while its listening connection is
   * down). Several commits may be told as one call with the latest sequence; read the events above the last one
   * you handled. Returns the unsubscribe function.
   * @example
   * const unsubscribe = services.events.notifier.subscribe(tenantId, (seq) => dispatcher.wake(tenantId, seq));
   */
  subscribe(tenantId: string, listener: ChangeListener): () => void;
  /** The latest committed sequence this notifier has seen for the tenant (0 when none yet). */
  latest(tenantId: string): number;
  /** Stops polling and forgets every listener. */
  close(): void;
}

interface TenantFollowers {
  listeners: Set<ChangeListener>;
  /** The highest sequence told to the listeners. */
  told: number;
}

/**
 * Builds a notifier over the store's commit hook ({@link Store.onCommit}). A poll of `store.version` runs only while
 * someone is subscribed; it costs one pragma per tenant on SQLite and a memory read on PostgreSQL.
 */
export function createChangeNotifier(store: Store, options: { pollMs: number }): ChangeNotifier {
  const tenants = new Map<string, TenantFollowers>();
  let timer: NodeJS.Timeout | null = null;
  let polling = false;
  let closed = false;
  let unhook: (() => void) | null = null;

  function tell(tenantId: string, seq: number): void {
    const followers = tenants.get(tenantId);
    if (!followers || seq <= followers.told) return;
    followers.told = seq;
    for (const listener of [...followers.listeners]) {
      try {
        listener(seq);
      } catch (error) {
        process.emitWarning(`event listener failed: ${(error as Error).message}`);
      }
    }
  }

  async function poll(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      for (const tenantId of [...tenants.keys()]) {
        tell(tenantId, await store.version(tenantId));
      }
    } catch {
      // The store is closing or unreachable; the next tick tries again.
    } finally {
      polling = false;
    }
  }

  function startPolling(): void {
    if (timer || closed) return;
    unhook = store.onCommit(tell);
    timer = setInterval(() => void poll(), options.pollMs);
    timer.unref();
  }

  function stopPolling(): void {
    if (timer) clearInterval(timer);
    timer = null;
    unhook?.();
    unhook = null;
  }

  return {
    subscribe(tenantId, listener) {
      let followers = tenants.get(tenantId);
      if (!followers) {
        followers = { listeners: new Set(), told: 0 };
        tenants.set(tenantId, followers);
        // Learn the current sequence without telling anyone: listeners care about moves after they subscribed.
        const fresh = followers;
        store.version(tenantId).then(
          (seq) => {
            if (fresh.told === 0 && tenants.get(tenantId) === fresh) fresh.told = seq;
          },
          () => undefined,
        );
      }
      followers.listeners.add(listener);
      startPolling();
      return () => {
        const current = tenants.get(tenantId);
        if (!current) return;
        current.listeners.delete(listener);
        if (current.listeners.size === 0) tenants.delete(tenantId);
        if (tenants.size === 0) stopPolling();
      };
    },
    latest(tenantId) {
      return tenants.get(tenantId)?.told ?? 0;
    },
    close() {
      closed = true;
      stopPolling();
      tenants.clear();
    },
  };
}
