/** @module How a failed request to an OpenAI-compatible endpoint is sorted: retried or not, its status and Retry-After (the LLM extractor and the embeddings provider share it). */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { isRetryableStatus, retryAfterMs } from './retry.js';

/** A failed request, sorted. */
export interface Failure {
  retryable: boolean;
  status: number | undefined;
  retryAfterMs: number | undefined;
  description: string;
}

/** Sorts a failed request: timeouts and connection errors are retried; HTTP statuses by {@link isRetryableStatus}. */
export function classify(error: unknown): Failure {
  if (error instanceof APIConnectionTimeoutError) return { retryable: true, status: undefined, retryAfterMs: undefined, description: 'timed out' };
  if (error instanceof APIUserAbortError) return { retryable: false, status: undefined, retryAfterMs: undefined, description: 'aborted' };
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { retryable: true, status: undefined, retryAfterMs: undefined, description: `connection failed${cause}` };
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    return {
      retryable: isRetryableStatus(status),
      status,
      retryAfterMs: status === 429 || status === 503 ? retryAfterMs(error.headers) : undefined,
      description: `HTTP ${status}: ${error.message}`,
    };
  }
  return { retryable: false, status: undefined, retryAfterMs: undefined, description: error instanceof Error ? error.message : String(error) };
}
