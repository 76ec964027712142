/** @module GCRA (generic cell rate algorithm): the arithmetic shared by the in-memory limiter and the Redis script. */

/** A rate-limit policy: a sustained rate and a burst, named in the RateLimit headers. */
export interface RatePolicy {
  /** Shown in the `RateLimit-Policy` and `RateLimit` headers, e.g. "key". */
  readonly name: string;
  /** Sustained requests per second. */
  readonly rate: number;
  /** Requests allowed at once after an idle period (the bucket size). */
  readonly burst: number;
  /** Milliseconds between requests at the sustained rate (the GCRA emission interval). */
  readonly intervalMs: number;
  /** Seconds an empty bucket takes to refill (burst / rate, at least 1): the `w` of the policy header. */
  readonly windowSeconds: number;
}

/** Builds a policy; `rate` in requests per second. */
export function ratePolicy(name: string, rate: number, burst: number): RatePolicy {
  if (!(rate > 0) || !Number.isInteger(burst) || burst < 1) throw new RangeError(`policy ${name}: rate must be > 0 and burst an integer ≥ 1`);
  return { name, rate, burst, intervalMs: 1000 / rate, windowSeconds: Math.max(1, Math.ceil(burst / rate)) };
}

/** What a check decided, one entry per policy in the order they were given. */
export interface RateOutcome {
  allowed: boolean;
  /** Requests each policy still allows now (after this one when allowed). */
  remaining: number[];
  /** Milliseconds until each policy's whole burst is available again. */
  resetMs: number[];
  /** When refused: milliseconds until a request would pass every policy; 0 when allowed. */
  retryAfterMs: number;
}

// Float division can land a hair below an integer (199.99999…); the epsilon keeps exact multiples exact.
const epsilon = 1e-9;

/**
 * Requests a policy allows at `now` given its theoretical arrival time `tat` (both in ms). After a request is
 * admitted `tat` has already moved by one interval, so this is the remaining count after it.
 */
export function remainingAt(policy: RatePolicy, tat: number, now: number): number {
  const left = Math.floor((now - tat + policy.burst * policy.intervalMs) / policy.intervalMs + epsilon);
  return left < 0 ? 0 : left;
}

/**
 * One GCRA step over several policies at once: the request is admitted only if every policy admits it, and only
 * then do the policies' arrival times move, so a request refused by one policy costs the others nothing.
 * `tats` holds each policy's stored theoretical arrival time (undefined when none); on admission it is updated in
 * place. Returns the outcome.
 */
export function gcraStep(policies: readonly RatePolicy[], tats: (number | undefined)[], now: number): RateOutcome {
  const count = policies.length;
  let allowed = true;
  let retryAfterMs = 0;
  for (let index = 0; index < count; index++) {
    const policy = policies[index] as RatePolicy;
    const stored = tats[index];
    const tat = stored === undefined || stored < now ? now : stored;
    tats[index] = tat;
    const allowAt = tat + policy.intervalMs - policy.burst * policy.intervalMs;
    if (now < allowAt) {
      allowed = false;
      if (allowAt - now > retryAfterMs) retryAfterMs = allowAt - now;
    }
  }
  const remaining = new Array<number>(count);
  const resetMs = new Array<number>(count);
  for (let index = 0; index < count; index++) {
    const policy = policies[index] as RatePolicy;
    let tat = tats[index] as number;
    if (allowed) {
      tat += policy.intervalMs;
      tats[index] = tat;
    }
    remaining[index] = remainingAt(policy, tat, now);
    resetMs[index] = tat - now;
  }
  return { allowed, remaining, resetMs, retryAfterMs: allowed ? 0 : retryAfterMs };
}
