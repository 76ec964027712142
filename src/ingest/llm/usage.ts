/** @module Token, request and cost accounting of the LLM extractor: per source, in total, and as Prometheus counters. */
import { Counter } from 'prom-client';
import type { ErrorCode } from '../../core/errors.js';
import { metricsRegistry } from '../../platform/observability/metrics-registry.js';

/** Counts of one source or of everything an extractor did. */
export interface LlmUsage {
  /** Prompt tokens, as the endpoint reported them (`usage.prompt_tokens`). */
  inputTokens: number;
  /** Completion tokens (`usage.completion_tokens`). */
  outputTokens: number;
  /** HTTP requests sent, retries and repairs included. */
  requests: number;
  /** Requests sent again after a retryable failure (429, 5xx, timeout, connection reset). */
  retries: number;
  /** Requests that failed (each retried one counts, as does a final failure). */
  failures: number;
  /** Answers that did not parse or validate and were sent back for correction. */
  repairs: number;
  /** Chunks whose answer was still invalid after the repair; their extraction is empty. */
  rejectedChunks: number;
  /** Mention texts the model gave that are not in the chunk (dropped, never invented). */
  unsupportedMentions: number;
  /** Relations dropped because an end was not found or broke the type's restrictions. */
  unsupportedRelations: number;
  /** inputTokens / 1000 · input price + outputTokens / 1000 · output price, in the prices' currency. */
  cost: number;
}

/** A chunk the extractor could not extract from; the rest of the source went on. */
export interface ChunkError {
  ordinal: number;
  code: ErrorCode;
  message: string;
}

/** The usage of one `extract` call, that is of one source. */
export interface SourceUsage extends LlmUsage {
  /** `context.sourceId`, else `document #<n>` in call order. */
  source: string;
  title?: string;
  chunks: number;
  errors: ChunkError[];
}

/** What {@link LlmUsage} totals and per-source entries an extractor reports. */
export interface LlmUsageReport {
  total: LlmUsage;
  /** The most recent sources, oldest first (bounded by the extractor's `usageHistory`). */
  sources: SourceUsage[];
}

/** An empty usage record. */
export function emptyUsage(): LlmUsage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    requests: 0,
    retries: 0,
    failures: 0,
    repairs: 0,
    rejectedChunks: 0,
    unsupportedMentions: 0,
    unsupportedRelations: 0,
    cost: 0,
  };
}

const tokens = new Counter({
  name: 'trellis_llm_tokens_total',
  help: 'Tokens of LLM extraction calls as the endpoint reported them, by model and direction (input, output)',
  labelNames: ['model', 'direction'] as const,
  registers: [metricsRegistry],
});

const requests = new Counter({
  name: 'trellis_llm_requests_total',
  help: 'LLM extraction requests by model and outcome (success, invalid_output, retried, failed)',
  labelNames: ['model', 'outcome'] as const,
  registers: [metricsRegistry],
});

const cost = new Counter({
  name: 'trellis_llm_cost_total',
  help: 'Estimated cost of LLM extraction calls, in the currency of the configured prices, by model',
  labelNames: ['model'] as const,
  registers: [metricsRegistry],
});

/** How a request ended, for the requests counter. */
export type RequestOutcome = 'success' | 'invalid_output' | 'retried' | 'failed';

/** Adds to the process-wide Prometheus counters. */
export function recordMetrics(model: string, outcome: RequestOutcome, inputTokens = 0, outputTokens = 0, spent = 0): void {
  requests.inc({ model, outcome });
  if (inputTokens > 0) tokens.inc({ model, direction: 'input' }, inputTokens);
  if (outputTokens > 0) tokens.inc({ model, direction: 'output' }, outputTokens);
  if (spent > 0) cost.inc({ model }, spent);
}

/** Adds `part` into `into`, field by field. */
export function addUsage(into: LlmUsage, part: Partial<LlmUsage>): void {
  for (const [key, value] of Object.entries(part) as [keyof LlmUsage, number][]) into[key] += value;
}
