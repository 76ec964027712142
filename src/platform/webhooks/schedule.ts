/** @module Retry timing for webhook deliveries: the schedule with jitter, and the receiver's `Retry-After`. */

/** How a failed attempt's next try is timed. */
export interface RetryPolicy {
  /** Delay before each attempt in ms; entry 0 is the first attempt, so `length` is the number of attempts. */
  schedule: readonly number[];
  /** Spread in percent of the delay: 20 puts a 1,000 ms delay anywhere in 900–1,100 ms. */
  jitterPercent: number;
}

/**
 * The delay before the attempt after `attemptsMade` attempts, or null when the schedule is exhausted.
 * `random` is injectable so tests can pin the jitter.
 * @example
 * nextDelay({ schedule: [0, 5000], jitterPercent: 0 }, 1) // 5000
 */
export function nextDelay(policy: RetryPolicy, attemptsMade: number, random: () => number = Math.random): number | null {
  const base = policy.schedule[attemptsMade];
  if (base === undefined) return null;
  const spread = (base * policy.jitterPercent) / 100;
  return Math.max(0, Math.round(base - spread / 2 + random() * spread));
}

/**
 * A `Retry-After` value in ms from now: delta-seconds or an HTTP date; null when absent or unreadable.
 * A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its weekday and month; Date.parse alone would read "-5" as a year.
  if (!/^[A-Za-z]{3}, /.test(trimmed)) return null;
  const when = Date.parse(trimmed);
  if (Number.isNaN(when)) return null;
  return Math.max(0, when - now);
}

/** The longest wait a `Retry-After` header can ask for: a day, so one header cannot park a delivery for ever. */
export const retryAfterCapMs = 86_400_000;

/**
 * The delay before the next attempt, honouring `Retry-After`: the receiver's wish replaces the scheduled delay (up
 * to {@link retryAfterCapMs}), but it cannot add attempts. Null when no attempt is left.
 */
export function retryDelay(policy: RetryPolicy, attemptsMade: number, retryAfterMs: number | null, random: () => number = Math.random): number | null {
  const scheduled = nextDelay(policy, attemptsMade, random);
  if (scheduled === null) return null;
  if (retryAfterMs === null) return scheduled;
  return Math.min(retryAfterMs, retryAfterCapMs);
}
