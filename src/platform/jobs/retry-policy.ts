/** @module How a failed attempt is retried: the errors a handler throws to choose, and the backoff schedule. */
import type { RetryPolicy } from './types.js';

/** Thrown by a handler to run the job again after `delayMs` (its own schedule, e.g. a `Retry-After`). Counts as an attempt. */
export class RetryLater extends Error {
  readonly delayMs: number;
  constructor(message: string, delayMs: number) {
    super(message);
    this.name = 'RetryLater';
    this.delayMs = Math.max(0, Math.floor(delayMs));
  }
}

/** Thrown by a handler when another attempt cannot help: the job goes to the dead-letter state at once. */
export class PermanentFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentFailure';
  }
}

/** A retry policy with every field filled. */
export type ResolvedRetryPolicy = Required<RetryPolicy>;

/**
 * The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed: exponential with ±20 % jitter,
 * so that jobs failing together (an outage) do not retry in lockstep.
 */
export function backoffDelay(policy: ResolvedRetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = policy.initialIntervalMs * policy.backoffCoefficient ** Math.max(0, attempt - 1);
  const capped = Math.min(exponential, policy.maximumIntervalMs);
  return Math.round(capped * (0.8 + 0.4 * random()));
}
