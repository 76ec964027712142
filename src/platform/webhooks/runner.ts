/** @module The webhook runner (background work): a dispatch loop over every tenant's events and a pool of concurrent delivery attempts claimed from the due queue. */
import type { Store } from '../../store/index.js';
import { type AttemptSettings, attemptDelivery } from './attempt.js';
import { claimDue } from './deliveries.js';
import { dispatchTenant } from './dispatcher.js';

/** Wakes a listener when a tenant commits events (the event module's change notifier). */
export interface ChangeSource {
  subscribe(tenantId: string, listener: (seq: number) => void): () => void;
}

/** Options of {@link createWebhookRunner}. */
export interface WebhookRunnerOptions {
  store: Store;
  settings: AttemptSettings;
  /** Attempts in flight at once. */
  concurrency: number;
  /** How often to look for new events and due retries when nothing wakes the runner, in ms. */
  pollMs: number;
  /** Wakes dispatch the moment a tenant commits; without it, dispatch polls `store.version` every `pollMs`. */
  changes?: ChangeSource;
  /** Told about unexpected errors (a store that went away); the runner carries on. */
  onError?: (error: unknown, where: string) => void;
}

/** The runner, as background work plus a way to nudge it. */
export interface WebhookRunner {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
  /** Looks for new events and due deliveries now rather than at the next poll. */
  wake(): void;
  /** Makes a tenant known at once (its first endpoint was just created here). */
  watchTenant(tenantId: string): void;
}

/** How long a claimed delivery stays leased to this process: longer than any attempt can take. */
export function leaseMs(timeoutMs: number): number {
  return timeoutMs * 2 + 5000;
}

/**
 * Builds the runner. Dispatch keeps, per tenant, the last sequence it dispatched and runs a pass whenever the
 * tenant's version moved past it; delivery claims as many due rows as there are free slots.
 */
export function createWebhookRunner(options: WebhookRunnerOptions): WebhookRunner {
  const { store, settings, concurrency, pollMs } = options;
  const onError = options.onError ?? ((error, where) => process.emitWarning(`webhooks: ${where}: ${(error as Error).message}`));
  const dispatched = new Map<string, number>();
  const unsubscribe = new Map<string, () => void>();
  const inFlight = new Set<Promise<void>>();
  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  let tenantsReadAt = 0;
  let moreDue = true;

  function wake(): void {
    woken = true;
    moreDue = true;
    wakeUp?.();
  }

  function watchTenant(tenantId: string): void {
    if (!dispatched.has(tenantId)) dispatched.set(tenantId, -1);
    if (options.changes && running && !unsubscribe.has(tenantId)) unsubscribe.set(tenantId, options.changes.subscribe(tenantId, wake));
  }

  async function refreshTenants(): Promise<void> {
    if (Date.now() - tenantsReadAt < 5000) return;
    tenantsReadAt = Date.now();
    const rows = await store.read('system', (tx) => tx.all<{ id: string }>('SELECT id FROM tenants'));
    for (const { id } of rows) watchTenant(id);
  }

  async function dispatchAll(): Promise<void> {
    await refreshTenants();
    for (const [tenantId, done] of dispatched) {
      if (!running) return;
      try {
        if ((await store.version(tenantId)) <= done) continue;
        const pass = await dispatchTenant(store, tenantId, () => {
          moreDue = true;
        });
        dispatched.set(tenantId, pass.cursor);
        // A pass that left events waiting is followed at once by the next loop turn.
        if (pass.more) woken = true;
      } catch (error) {
        onError(error, `dispatch for tenant ${tenantId}`);
      }
    }
  }

  async function claimAndStart(): Promise<void> {
    const free = concurrency - inFlight.size;
    if (free <= 0 || !moreDue) return;
    const now = Date.now();
    const claimed = await store.transaction('system', (tx) => claimDue(tx, now, now + leaseMs(settings.timeoutMs), free));
    moreDue = claimed.length === free;
    for (const due of claimed) {
      const work = attemptDelivery(store, due, settings)
        .then(() => undefined)
        .catch((error: unknown) => onError(error, `delivery ${due.deliveryId}`))
        .finally(() => {
          inFlight.delete(work);
          // A freed slot matters only when the last claim left rows behind.
          if (moreDue) wake();
        });
      inFlight.add(work);
    }
  }

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      try {
        await dispatchAll();
        await claimAndStart();
      } catch (error) {
        onError(error, 'webhook loop');
      }
      if (!running) break;
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          // Retries come due by time alone, so every poll also looks at the due queue.
          moreDue = true;
          resolve();
        }, pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = null;
    }
  }

  return {
    name: 'webhooks',
    start() {
      if (running) return;
      running = true;
      for (const tenantId of dispatched.keys()) watchTenant(tenantId);
      loop = run();
    },
    async stop() {
      if (!running) return;
      running = false;
      wake();
      await loop;
      for (const stop of unsubscribe.values()) stop();
      unsubscribe.clear();
      await Promise.allSettled([...inFlight]);
    },
    wake,
    watchTenant,
  };
}
