/** @module Builds the embedders the configuration asks for: one for queries (inline) and one for bulk work (a worker pool for the built-in one). */
import { availableParallelism } from 'node:os';
import type { TrellisConfig } from '../../core/config.js';
import type { Embedder } from '../types.js';
import { builtinOptions, createBuiltinEmbedder } from './builtin-embedder.js';
import { createOpenAiEmbedder } from './openai-embedder.js';
import { type EmbedderPool, createEmbedderPool } from './pool.js';
import { createTransformersEmbedder } from './transformers-embedder.js';

/** The embedders of a process: `query` answers on the calling thread (or over the network); `bulk()` starts the heavy one on first use. */
export interface ConfiguredEmbedders {
  /** For queries and small inputs. Same `id` as the bulk one. */
  query: Embedder;
  /** For the embedding job and dataset rows: the worker pool for the built-in embedder, the same embedder otherwise. Started on first call. */
  bulk(): Embedder;
  /** Ends the pool (if started) and the model (if loaded). */
  close(): Promise<void>;
}

/**
 * The embedders of `config.embedder`. Settings were checked by `loadConfig`; a transformers model folder that is not
 * there, or a missing `@huggingface/transformers`, fails here (at start) with `embedder_unavailable`.
 * @example
 * const { query, bulk } = embeddersFromConfig(config);
 */
export function embeddersFromConfig(config: TrellisConfig): ConfiguredEmbedders {
  if (config.embedder === 'builtin') {
    const options = builtinOptions(config.embedDimensions);
    const query = createBuiltinEmbedder(options);
    let pool: EmbedderPool | undefined;
    return {
      query,
      bulk: () => (pool ??= createEmbedderPool(options, config.embedWorkers > 0 ? config.embedWorkers : Math.max(1, availableParallelism() - 1))),
      close: async () => {
        await pool?.close();
        pool = undefined;
      },
    };
  }
  const remote =
    config.embedder === 'openai'
      ? createOpenAiEmbedder({
          baseURL: config.embedBaseUrl!,
          model: config.embedModel!,
          ...(config.embedApiKey === undefined ? {} : { apiKey: config.embedApiKey }),
          ...(config.embedDimensions === undefined ? {} : { dimensions: config.embedDimensions }),
          batchSize: config.embedBatchSize,
          concurrency: config.embedConcurrency,
          timeoutMs: config.embedTimeoutMs,
          maxRetries: config.embedMaxRetries,
          encoding: config.embedEncoding,
          maxChars: config.embedMaxChars,
        })
      : createTransformersEmbedder({ modelPath: config.embedModelPath!, batchSize: config.embedBatchSize, maxChars: config.embedMaxChars });
  return { query: remote, bulk: () => remote, close: async () => remote.close?.() };
}
