/** @module The LLM extractor's public door. */
export { createLlmExtractor, type LlmExtractor, type LlmExtractorOptions, type LlmLogger } from './llm-extractor.js';
export type { LlmEntityType, LlmExtractionSchema, LlmRelationType } from './schema-shape.js';
export type { ChunkError, LlmUsage, LlmUsageReport, SourceUsage } from './usage.js';
export { answerSchema } from './answer-schema.js';
export { llmExtractorFromConfig } from './from-config.js';
