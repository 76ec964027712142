/** @module The webhook runner (background work): a dispatch loop over every tenant's events; the attempts themselves run as `webhooks.deliver` jobs on the job queue. */
import type { Store } from '../../store/index.js';
import type { JobService } from '../jobs/index.js';
import { dispatchTenant } from './dispatcher.js';

/** Wakes a listener when a tenant commits events (the event module's change notifier). */
export interface ChangeSource {
  subscribe(tenantId: string, listener: (seq: number) => void): () => void;
}

/** Options of {@link createWebhookRunner}. */
export interface WebhookRunnerOptions {
  store: Store;
  /** Where each new delivery's first attempt is enqueued. */
  jobs: Pick<JobService, 'enqueueMany'>;
  /** How often to look for new events when nothing wakes the runner, in ms. */
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
  /** Looks for new events now rather than at the next poll. */
  wake(): void;
  /** Makes a tenant known at once (its first endpoint was just created here). */
  watchTenant(tenantId: string): void;
}

/** How long one attempt may take in all (the job's timeout, and when a ping's stand-by job comes due): longer than any send. */
export function leaseMs(timeoutMs: number): number {
  return timeoutMs * 2 + 5000;
}

/**
 * Builds the runner. Dispatch keeps, per tenant, the last sequence it dispatched and runs a pass whenever the
 * tenant's version moved past it.
 */
export function createWebhookRunner(options: WebhookRunnerOptions): WebhookRunner {
  const { store, jobs, pollMs } = options;
  const onError = options.onError ?? ((error, where) => process.emitWarning(`webhooks: ${where}: ${(error as Error).message}`));
  const dispatched = new Map<string, number>();
  const unsubscribe = new Map<string, () => void>();
  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  let tenantsReadAt = 0;

  function wake(): void {
    woken = true;
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
        const pass = await dispatchTenant(store, jobs, tenantId);
        dispatched.set(tenantId, pass.cursor);
        // A pass that left events waiting is followed at once by the next loop turn.
        if (pass.more) woken = true;
      } catch (error) {
        onError(error, `dispatch for tenant ${tenantId}`);
      }
    }
  }

  async function run(): Promise<void> {
    while (running) {
      woken = false;
      try {
        await dispatchAll();
      } catch (error) {
        onError(error, 'webhook loop');
      }
      if (!running) break;
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
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
    },
    wake,
    watchTenant,
  };
}
