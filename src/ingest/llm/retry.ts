/** @module The retry policy of LLM calls: which failures are retried, exponential backoff with full jitter, Retry-After. */

/** How retries are spaced. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Backoff ceiling of the first retry, in ms (doubled per retry, before jitter). */
  baseMs: number;
  /** Largest backoff ceiling, in ms. */
  capMs: number;
  /** Longest `Retry-After` honoured, in ms; a server asking for more ends the retries. */
  maxRetryAfterMs: number;
}

/**
 * The delay before retry number `retry` (0 = the first retry): full jitter, a uniform draw from
 * [0, min(cap, base · 2^retry)) — spreads clients out best after a shared failure (AWS architecture blog,
 * "Exponential backoff and jitter"). A server's `Retry-After` is a floor: the delay is never shorter.
 */
export function retryDelay(policy: RetryPolicy, retry: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** retry);
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

/** A minimal view of response headers (the Fetch `Headers` fits). */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * The wait a response asks for, in ms: `retry-after-ms` (OpenAI's, fractional ms), else `Retry-After` as seconds or
 * an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: HeaderReader | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && /^\s*\d+(\.\d+)?\s*$/.test(milliseconds)) return Math.ceil(Number(milliseconds));
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Whether an HTTP status is worth retrying: 408, 409 (OpenAI's lock contention), 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Sleeps `ms`, waking early with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
