/**
 * @module The embeddings door: providers behind the `Embedder` contract (built-in feature hashing, OpenAI-compatible
 * endpoints, local transformers.js models), the `embeddings` table, the `search.embed` job and the service that ties
 * them together. See docs/embeddings.md.
 */
export { createEmbeddingService, type EmbeddingService, type EmbeddingServiceInput, type EmbeddingStatus } from './service.js';
export { registerEmbeddingRoutes } from './routes.js';
export { embedJobType, type EmbedJobPayload } from './embed-job.js';
export type { EmbedPendingOptions, EmbedProgress, EmbedSummary, PendingKind } from './embed-pending.js';
export { maxRowsPerCall, type RowEmbedResult, type RowText } from './dataset-rows.js';
export { type EmbeddingWrite, type OwnerKind, type StoredEmbedding, ownerKinds, readEmbeddings, rowOwnerId } from './embedding-rows.js';
export { builtinDefaultDimensions, builtinEmbedderId, builtinOptions, createBuiltinEmbedder } from './builtin-embedder.js';
export { createEmbedderPool, type EmbedderPool } from './pool.js';
export { createOpenAiEmbedder, type OpenAiEmbedderOptions, type RemoteEmbedder } from './openai-embedder.js';
export { createTransformersEmbedder, type TransformersEmbedderOptions } from './transformers-embedder.js';
export { embeddersFromConfig, type ConfiguredEmbedders } from './from-config.js';
export { bytesToVector, vectorToBytes } from './vectors.js';
export { contentHash, entityText, prepareText } from './texts.js';
