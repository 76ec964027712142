/** @module Rate limits held in this process's memory: one map of theoretical arrival times per policy. */
import { type RateOutcome, type RatePolicy, gcraStep } from './gcra.js';

/** A limiter that answers synchronously (in memory) or with a promise (Redis). */
export interface Limiter {
  /**
   * Checks one request against `policies`, where `ids[i]` names the bucket of `policies[i]` (an API key, a tenant).
   * Admitted requests are counted; refused ones are not.
   */
  check(policies: readonly RatePolicy[], ids: readonly string[]): RateOutcome | Promise<RateOutcome>;
  close(): Promise<void>;
}

/** How many buckets may pile up before expired ones (arrival time in the past, so equal to a fresh bucket) are swept. */
const sweepThreshold = 10_000;

/**
 * The single-node limiter. Buckets whose arrival time has passed hold no information (a fresh bucket behaves the
 * same), so they are dropped whenever the maps grow past {@link sweepThreshold}; memory stays bounded by the
 * number of clients active within one refill window.
 * @example
 * const limiter = createMemoryLimiter();
 * const outcome = limiter.check([ratePolicy('key', 100, 200)], [keyId]);
 */
export function createMemoryLimiter(clock: () => number = Date.now): Limiter & { size(): number } {
  const buckets = new Map<string, Map<string, number>>();
  let entries = 0;
  let nextSweep = 0;
  const scratch: (number | undefined)[] = [];

  function sweep(now: number): void {
    entries = 0;
    for (const map of buckets.values()) {
      for (const [id, tat] of map) {
        if (tat <= now) map.delete(id);
        else entries++;
      }
    }
    // Sweep at most once a second even when every bucket is live.
    nextSweep = now + 1000;
  }

  return {
    check(policies, ids) {
      const now = clock();
      const count = policies.length;
      scratch.length = count;
      for (let index = 0; index < count; index++) {
        const policy = policies[index] as RatePolicy;
        let map = buckets.get(policy.name);
        if (map === undefined) {
          map = new Map();
          buckets.set(policy.name, map);
        }
        scratch[index] = map.get(ids[index] as string);
      }
      const outcome = gcraStep(policies, scratch, now);
      if (outcome.allowed) {
        for (let index = 0; index < count; index++) {
          const map = buckets.get((policies[index] as RatePolicy).name) as Map<string, number>;
          const id = ids[index] as string;
          if (!map.has(id)) entries++;
          map.set(id, scratch[index] as number);
        }
        if (entries > sweepThreshold && now >= nextSweep) sweep(now);
      }
      return outcome;
    },
    size() {
      return entries;
    },
    async close() {
      buckets.clear();
      entries = 0;
    },
  };
}
