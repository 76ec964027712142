/**
 * @module The local-model embedder: a transformers.js (`@huggingface/transformers`) feature-extraction model read from a
 * folder on this machine, never from the network. The package is not a dependency of Trellis (it brings about 470 MB
 * of ONNX Runtime); it is imported on first use, and its absence is a clear `embedder_unavailable` error at start.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TrellisError } from '../../core/errors.js';
import type { EmbedOptions, Embedder } from '../types.js';
import { defaultMaxChars, isBlank, prepareText } from './texts.js';
import { normaliseInPlace } from './vectors.js';

/** The package name, in a variable so TypeScript does not need the package to compile. */
const packageName = '@huggingface/transformers';

/** Options of {@link createTransformersEmbedder}. */
export interface TransformersEmbedderOptions {
  /** The model folder: `config.json`, `tokenizer.json` (+ `tokenizer_config.json`) and `onnx/model.onnx` or `onnx/model_quantized.onnx`. */
  modelPath: string;
  /** Texts per model call. @default 64 */
  batchSize?: number;
  /** Texts are cut to this many characters first (the tokenizer also truncates to the model's length). @default 8192 */
  maxChars?: number;
  /** How token vectors become one: `mean` over the tokens (sentence-transformers models), or the first (`cls`) token. @default "mean" */
  pooling?: 'mean' | 'cls';
  /** Loads the package (tests replace it to act as if it were not installed). @default dynamic import of "@huggingface/transformers" */
  importModule?: () => Promise<unknown>;
}

/** The part of the transformers.js API used here. */
interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  pipeline(
    task: 'feature-extraction',
    model: string,
    options: Record<string, unknown>,
  ): Promise<{ (texts: string[], options: Record<string, unknown>): Promise<{ data: Float32Array; dims: number[] }>; dispose?(): Promise<void> }>;
}

function unavailable(message: string, details: Record<string, unknown> = {}): TrellisError {
  return new TrellisError('embedder_unavailable', message, details);
}

/** What a model folder holds, checked without loading anything heavy. */
function inspectModel(modelPath: string): { dimensions: number; dtype: 'fp32' | 'q8'; fingerprint: string } {
  if (!existsSync(modelPath) || !statSync(modelPath).isDirectory())
    throw unavailable(`The model folder ${modelPath} does not exist (TRELLIS_EMBED_MODEL_PATH)`, { modelPath });
  const configFile = path.join(modelPath, 'config.json');
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw unavailable(`The model folder ${modelPath} has no readable config.json: ${(error as Error).message}`, { modelPath });
  }
  const dimensions = [config.hidden_size, config.dim, config.d_model].find((value) => typeof value === 'number' && Number.isInteger(value) && value > 0);
  if (typeof dimensions !== 'number') throw unavailable(`${configFile} names no hidden_size (or dim, d_model): the embedding length is unknown`, { modelPath });
  if (!existsSync(path.join(modelPath, 'tokenizer.json'))) throw unavailable(`The model folder ${modelPath} has no tokenizer.json`, { modelPath });
  const full = path.join(modelPath, 'onnx', 'model.onnx');
  const quantized = path.join(modelPath, 'onnx', 'model_quantized.onnx');
  const weights = existsSync(full) ? full : existsSync(quantized) ? quantized : undefined;
  if (!weights) throw unavailable(`The model folder ${modelPath} has neither onnx/model.onnx nor onnx/model_quantized.onnx`, { modelPath });
  const hash = createHash('sha256')
    .update(readFileSync(configFile))
    .update(readFileSync(path.join(modelPath, 'tokenizer.json')));
  hash.update(`${path.basename(weights)}:${statSync(weights).size}`);
  return { dimensions, dtype: weights === full ? 'fp32' : 'q8', fingerprint: hash.digest('hex').slice(0, 12) };
}

/**
 * Creates the local-model embedder. The folder and the package are checked now (so a bad setting fails at start);
 * the model loads on the first `embed`. Remote model downloads are switched off in transformers.js.
 * @example
 * const embedder = createTransformersEmbedder({ modelPath: '/models/all-MiniLM-L6-v2' });
 */
export function createTransformersEmbedder(options: TransformersEmbedderOptions): Embedder {
  const modelPath = path.resolve(options.modelPath);
  const { dimensions, dtype, fingerprint } = inspectModel(modelPath);
  const importModule = options.importModule ?? (() => import(packageName) as Promise<unknown>);
  if (!options.importModule) {
    try {
      createRequire(import.meta.url).resolve(packageName);
    } catch {
      throw unavailable(
        `TRELLIS_EMBEDDER=transformers needs the ${packageName} package, which is not installed: run \`ONNXRUNTIME_NODE_INSTALL=skip npm install ${packageName}@^4\``,
      );
    }
  }
  const batchSize = options.batchSize ?? 64;
  const maxChars = options.maxChars ?? defaultMaxChars;
  const pooling = options.pooling ?? 'mean';
  let loading: Promise<Awaited<ReturnType<TransformersModule['pipeline']>>> | undefined;

  const load = () =>
    (loading ??= (async () => {
      let module: TransformersModule;
      try {
        module = (await importModule()) as TransformersModule;
      } catch (error) {
        throw unavailable(`Cannot load ${packageName}: ${(error as Error).message}`);
      }
      module.env.allowRemoteModels = false;
      module.env.allowLocalModels = true;
      module.env.localModelPath = path.dirname(modelPath);
      try {
        return await module.pipeline('feature-extraction', path.basename(modelPath), { local_files_only: true, dtype });
      } catch (error) {
        throw unavailable(`The model in ${modelPath} could not be loaded: ${(error as Error).message}`, { modelPath });
      }
    })().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));

  return {
    id: `transformers/${path.basename(modelPath)}/${fingerprint}/d${dimensions}/${pooling}/c${maxChars}`,
    dimensions,
    async embed(texts: readonly string[], embedOptions: EmbedOptions = {}): Promise<Float32Array[]> {
      const prepared = texts.map((text) => prepareText(text, maxChars));
      const out = prepared.map(() => new Float32Array(dimensions));
      const wanted = prepared.flatMap((text, index) => (isBlank(text) ? [] : [index]));
      if (wanted.length === 0) return out;
      const extractor = await load();
      for (let from = 0; from < wanted.length; from += batchSize) {
        embedOptions.signal?.throwIfAborted();
        const batch = wanted.slice(from, from + batchSize);
        const result = await extractor(
          batch.map((index) => prepared[index]!),
          { pooling, normalize: true },
        );
        const width = result.dims.at(-1);
        if (result.dims.length !== 2 || result.dims[0] !== batch.length || width !== dimensions) {
          throw new TrellisError(
            'embed_output_invalid',
            `The model in ${modelPath} answered a [${result.dims.join(', ')}] tensor for ${batch.length} texts of ${dimensions} dimensions`,
          );
        }
        batch.forEach((index, at) => {
          const vector = out[index]!;
          vector.set(result.data.subarray(at * dimensions, (at + 1) * dimensions));
          if (!normaliseInPlace(vector))
            throw new TrellisError('embed_output_invalid', `The model in ${modelPath} answered a value that is not a finite number`);
        });
      }
      return out;
    },
    async close() {
      const extractor = await loading?.catch(() => undefined);
      loading = undefined;
      await extractor?.dispose?.();
    },
  };
}
