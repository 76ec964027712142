/** @module Builds the LLM extractor from the process configuration (TRELLIS_LLM_*), or says it is not configured. */
import type { TrellisConfig } from '../../core/config.js';
import { createLlmExtractor, type LlmExtractor, type LlmExtractorOptions } from './llm-extractor.js';
import type { LlmExtractionSchema } from './schema-shape.js';

/**
 * The LLM extractor the configuration asks for: undefined unless both `llmBaseUrl` and `llmModel` are set.
 * @example
 * const llm = llmExtractorFromConfig(config, loadSchema(file), { logger });
 */
export function llmExtractorFromConfig(config: TrellisConfig, schema: LlmExtractionSchema, extra: Partial<LlmExtractorOptions> = {}): LlmExtractor | undefined {
  if (config.llmBaseUrl === undefined || config.llmModel === undefined) return undefined;
  return createLlmExtractor({
    baseURL: config.llmBaseUrl,
    ...(config.llmApiKey === undefined ? {} : { apiKey: config.llmApiKey }),
    model: config.llmModel,
    schema,
    concurrency: config.llmConcurrency,
    timeoutMs: config.llmTimeoutMs,
    maxRetries: config.llmMaxRetries,
    retryBaseMs: config.llmRetryBaseMs,
    retryCapMs: config.llmRetryMaxMs,
    pricePer1kInput: config.llmPriceInputPer1k,
    pricePer1kOutput: config.llmPriceOutputPer1k,
    ...extra,
  });
}
