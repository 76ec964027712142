/**
 * @module The remote embedder: any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Ollama, vLLM, TEI), in
 * batches with bounded concurrency, retried with exponential backoff and full jitter, every answer checked.
 */
import OpenAI from 'openai';
import { TrellisError } from '../../core/errors.js';
import { classify } from '../../ingest/llm/failure.js';
import { retryDelay, sleep, type RetryPolicy } from '../../ingest/llm/retry.js';
import { createSemaphore } from '../../ingest/llm/semaphore.js';
import type { EmbedOptions, Embedder } from '../types.js';
import { defaultMaxChars, isBlank, prepareText } from './texts.js';
import { normaliseInPlace } from './vectors.js';

/** Options of {@link createOpenAiEmbedder}. */
export interface OpenAiEmbedderOptions {
  /** Base URL up to and including `/v1` (e.g. `http://127.0.0.1:11434/v1` for Ollama, `https://api.openai.com/v1`). */
  baseURL: string;
  /** Bearer token; local servers usually ignore it. Never logged or put in errors. @default "unused" */
  apiKey?: string;
  /** Embedding model as the endpoint names it (e.g. `text-embedding-3-small`, `nomic-embed-text`). */
  model: string;
  /**
   * Vector length. When set it is sent as `dimensions` (models that can shorten their vectors do so) and every answer
   * must have it; when unset nothing is sent and the first answer fixes it. @default undefined
   */
  dimensions?: number;
  /** Texts per request. @default 64 */
  batchSize?: number;
  /** Requests in flight at once, over all `embed` calls. @default 4 */
  concurrency?: number;
  /** Time allowed for one request, in ms; a slower one is abandoned and retried. @default 60000 */
  timeoutMs?: number;
  /** Retries of a request after 408, 409, 429, 5xx, timeouts and connection errors. @default 5 */
  maxRetries?: number;
  /** Backoff ceiling of the first retry, in ms, doubled per retry (full jitter below it). @default 500 */
  retryBaseMs?: number;
  /** Largest backoff ceiling, in ms. @default 30000 */
  retryCapMs?: number;
  /** Longest `Retry-After` honoured, in ms; a server asking for longer fails the request. @default 120000 */
  maxRetryAfterMs?: number;
  /**
   * `base64` asks for little-endian float32 in base64 (4× smaller answers); `float` for JSON numbers. Either way both
   * forms are accepted in the answer, because some servers (Ollama) ignore the field and answer floats. @default "base64"
   */
  encoding?: 'base64' | 'float';
  /** Texts are cut to this many characters first (see `prepareText`). @default 8192 */
  maxChars?: number;
  /** Source of randomness for the jitter (tests make it deterministic). @default Math.random */
  random?: () => number;
}

/** An {@link Embedder} that also counts what it sent. */
export interface RemoteEmbedder extends Embedder {
  /** Requests sent (retries included), retries, and texts embedded, since creation. */
  stats(): { requests: number; retries: number; texts: number };
}

/**
 * The ID of a remote embedder: endpoint host, model, dimensions (`native` when the model's own) and the cut length.
 * The host is part of it because two servers may serve different weights under one model name.
 */
export function openAiEmbedderId(options: Pick<OpenAiEmbedderOptions, 'baseURL' | 'model' | 'dimensions' | 'maxChars'>): string {
  const host = new URL(options.baseURL).host;
  return `openai/${host}/${options.model}/d${options.dimensions ?? 'native'}/c${options.maxChars ?? defaultMaxChars}`;
}

/**
 * Creates the remote embedder. The SDK's own retries are off; the retry policy here is the only one. Blank texts get
 * zero vectors without a request (OpenAI refuses empty input).
 * @example
 * const embedder = createOpenAiEmbedder({ baseURL: 'http://127.0.0.1:11434/v1', model: 'nomic-embed-text' });
 * const vectors = await embedder.embed(['first passage', 'second passage']);
 */
export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): RemoteEmbedder {
  const endpoint = `${options.baseURL.replace(/\/+$/, '')}/embeddings`;
  const model = options.model;
  const policy: RetryPolicy = {
    maxRetries: options.maxRetries ?? 5,
    baseMs: options.retryBaseMs ?? 500,
    capMs: options.retryCapMs ?? 30_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
  };
  const timeoutMs = options.timeoutMs ?? 60_000;
  const batchSize = options.batchSize ?? 64;
  const encoding = options.encoding ?? 'base64';
  const maxChars = options.maxChars ?? defaultMaxChars;
  const random = options.random ?? Math.random;
  let dimensions = options.dimensions ?? 0;
  const counts = { requests: 0, retries: 0, texts: 0 };
  // Explicit values throughout, so the SDK never picks up OPENAI_API_KEY, OPENAI_BASE_URL or an organisation from the environment.
  const client = new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey || 'unused',
    organization: null,
    project: null,
    maxRetries: 0,
    timeout: timeoutMs,
  });
  const gate = createSemaphore(options.concurrency ?? 4);

  const invalid = (message: string, details: Record<string, unknown> = {}) =>
    new TrellisError('embed_output_invalid', `Embeddings endpoint ${endpoint} (model ${model}): ${message}`, { endpoint, model, ...details });

  /** One request, retried by the policy; answers one unit-length vector per input, in order. */
  async function request(inputs: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    for (let retry = 0; ; retry += 1) {
      counts.requests += 1;
      let answer: unknown;
      try {
        answer = await client.embeddings.create(
          { model, input: inputs, encoding_format: encoding, ...(options.dimensions === undefined ? {} : { dimensions: options.dimensions }) },
          { timeout: timeoutMs, maxRetries: 0, ...(signal ? { signal } : {}) },
        );
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (error instanceof SyntaxError) throw invalid(`the answer is not JSON (${error.message})`);
        const failure = classify(error);
        const wait = failure.retryAfterMs;
        const tooLong = wait !== undefined && wait > policy.maxRetryAfterMs;
        if (!failure.retryable || retry >= policy.maxRetries || tooLong) {
          const why = !failure.retryable
            ? 'not retryable'
            : tooLong
              ? `Retry-After of ${wait} ms is longer than the ${policy.maxRetryAfterMs} ms allowed`
              : `gave up after ${retry + 1} attempts`;
          throw new TrellisError(
            'embed_request_failed',
            `Embeddings endpoint ${endpoint} (model ${model}) failed: ${failure.description} (${why})`,
            { endpoint, model, status: failure.status, attempts: retry + 1 },
            { cause: error },
          );
        }
        counts.retries += 1;
        await sleep(retryDelay(policy, retry, wait, random), signal);
        continue;
      }
      return readAnswer(answer, inputs.length);
    }
  }

  /** Checks an answer: an object whose `data` holds one embedding per input (by `index`), all of one finite length. */
  function readAnswer(answer: unknown, expected: number): Float32Array[] {
    const data = typeof answer === 'object' && answer !== null ? (answer as { data?: unknown }).data : undefined;
    if (!Array.isArray(data)) throw invalid('the answer has no data list');
    if (data.length !== expected) throw invalid(`asked for ${expected} embeddings, got ${data.length}`, { expected, received: data.length });
    const vectors: (Float32Array | undefined)[] = new Array(expected);
    data.forEach((item: unknown, position) => {
      const entry = (typeof item === 'object' && item !== null ? item : {}) as { index?: unknown; embedding?: unknown };
      const index = entry.index === undefined ? position : entry.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected || vectors[index] !== undefined) {
        throw invalid(`item ${position} has a missing, repeated or out-of-range index ${JSON.stringify(index)}`);
      }
      const vector = decode(entry.embedding, index);
      if (dimensions === 0) dimensions = vector.length;
      if (vector.length !== dimensions) {
        throw invalid(`embedding ${index} has ${vector.length} dimensions, expected ${dimensions}`, { expected: dimensions, received: vector.length });
      }
      if (!normaliseInPlace(vector)) throw invalid(`embedding ${index} holds a value that is not a finite number`);
      vectors[index] = vector;
    });
    return vectors as Float32Array[];
  }

  function decode(embedding: unknown, index: number): Float32Array {
    if (Array.isArray(embedding)) {
      if (embedding.length === 0) throw invalid(`embedding ${index} is empty`);
      const vector = new Float32Array(embedding.length);
      for (let at = 0; at < embedding.length; at++) {
        const value = embedding[at];
        if (typeof value !== 'number') throw invalid(`embedding ${index} holds ${JSON.stringify(value)}, not a number`);
        vector[at] = value;
      }
      return vector;
    }
    if (typeof embedding === 'string') {
      // Buffer's base64 decoder skips characters it does not know, so the alphabet is checked first.
      if (embedding.length === 0 || embedding.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(embedding)) {
        throw invalid(`embedding ${index} is a string that is not base64`);
      }
      const bytes = Buffer.from(embedding, 'base64');
      if (bytes.length % 4 !== 0) throw invalid(`embedding ${index} decodes to ${bytes.length} bytes, not whole float32 values`);
      const vector = new Float32Array(bytes.length / 4);
      for (let at = 0; at < vector.length; at++) vector[at] = bytes.readFloatLE(at * 4);
      return vector;
    }
    throw invalid(`embedding ${index} is neither a list of numbers nor a base64 string`);
  }

  const embedder: RemoteEmbedder = {
    id: openAiEmbedderId({ baseURL: options.baseURL, model, dimensions: options.dimensions, maxChars }),
    get dimensions() {
      return dimensions;
    },
    async embed(texts: readonly string[], embedOptions: EmbedOptions = {}): Promise<Float32Array[]> {
      const signal = embedOptions.signal;
      signal?.throwIfAborted();
      const prepared = texts.map((text) => prepareText(text, maxChars));
      const wanted = prepared.flatMap((text, index) => (isBlank(text) ? [] : [index]));
      const out: Float32Array[] = new Array(texts.length);
      const batches: number[][] = [];
      for (let from = 0; from < wanted.length; from += batchSize) batches.push(wanted.slice(from, from + batchSize));
      // One failing batch stops the others (no point embedding the rest of a set that will be refused).
      const controller = new AbortController();
      const onAbort = () => controller.abort(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await Promise.all(
          batches.map((batch) =>
            gate
              .run(async () => {
                const vectors = await request(
                  batch.map((index) => prepared[index]!),
                  controller.signal,
                );
                batch.forEach((index, at) => (out[index] = vectors[at]!));
              }, controller.signal)
              .catch((error: unknown) => {
                if (!controller.signal.aborted) controller.abort(error);
                throw error;
              }),
          ),
        );
      } catch (error) {
        signal?.throwIfAborted();
        throw controller.signal.reason ?? error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
      counts.texts += wanted.length;
      if (wanted.length < texts.length) {
        // Blank texts: zeros of the model's length, learnt from one tiny request if no answer has told it yet.
        if (dimensions === 0) await request(['dimensions'], signal);
        for (let index = 0; index < texts.length; index++) out[index] ??= new Float32Array(dimensions);
      }
      return out;
    },
    stats: () => ({ ...counts }),
  };
  return embedder;
}
