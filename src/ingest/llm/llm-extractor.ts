/** @module The LLM extractor: any OpenAI-compatible chat-completions endpoint, JSON-schema answers grounded in the chunk text. */
import OpenAI from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { TrellisError } from '../../core/errors.js';
import type { ChunkDraft, Extraction, ExtractionContext, Extractor } from '../types.js';
import { answerParser, answerSchema } from './answer-schema.js';
import { groundAnswer } from './locate.js';
import { chunkMessage, repairMessage, systemMessage, type ChatMessage } from './prompt.js';
import { classify } from './failure.js';
import { retryDelay, sleep, type RetryPolicy } from './retry.js';
import type { LlmExtractionSchema } from './schema-shape.js';
import { createSemaphore } from './semaphore.js';
import { addUsage, emptyUsage, recordMetrics, type LlmUsage, type LlmUsageReport, type SourceUsage } from './usage.js';

/** Where warnings go (a pino logger fits). The API key is never part of what is logged. */
export interface LlmLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Options of {@link createLlmExtractor}. */
export interface LlmExtractorOptions {
  /** Base URL of the OpenAI-compatible API, up to and including `/v1` (e.g. `http://127.0.0.1:11434/v1` for Ollama). */
  baseURL: string;
  /** Bearer token; local servers usually ignore it. @default "unused" */
  apiKey?: string;
  /** Model name as the endpoint knows it. */
  model: string;
  /** Entity and relation types to extract (the ingest extraction schema fits). */
  schema: LlmExtractionSchema;
  /** Requests in flight at once, over all `extract` calls of this extractor. @default 4 */
  concurrency?: number;
  /** Time allowed for one request to be answered, in ms; a slower one is abandoned and retried. @default 60000 */
  timeoutMs?: number;
  /** Retries of a request after 429, 5xx, timeouts and connection resets. @default 5 */
  maxRetries?: number;
  /** Backoff ceiling of the first retry, in ms, doubled per retry (full jitter below it). @default 500 */
  retryBaseMs?: number;
  /** Largest backoff ceiling, in ms. @default 30000 */
  retryCapMs?: number;
  /** Longest `Retry-After` honoured, in ms; a server asking for longer fails the request. @default 120000 */
  maxRetryAfterMs?: number;
  /** Sampling temperature. @default 0 */
  temperature?: number;
  /** Price of 1,000 input (prompt) tokens, for cost accounting. @default 0 */
  pricePer1kInput?: number;
  /** Price of 1,000 output (completion) tokens. @default 0 */
  pricePer1kOutput?: number;
  /** Sources whose usage {@link LlmExtractor.usage} keeps (the total keeps everything). @default 1000 */
  usageHistory?: number;
  /** Recorded on evidence as the extractor's version. @default "1/<model>" */
  version?: string;
  logger?: LlmLogger;
  /** Source of randomness for the jitter (tests make it deterministic). @default Math.random */
  random?: () => number;
}

/** An {@link Extractor} that also reports what it spent. */
export interface LlmExtractor extends Extractor {
  /** Tokens, requests, retries, failures and cost: in total and per source (one `extract` call = one source). */
  usage(): LlmUsageReport;
}

/**
 * Creates the LLM extractor. The SDK's own retries are off: the retry policy here is the only one (exponential
 * backoff with full jitter, `Retry-After` honoured, never on 400/401/403/404).
 * @example
 * const extractor = createLlmExtractor({ baseURL: 'http://127.0.0.1:11434/v1', model: 'llama3.1', schema });
 * const extractions = await extractor.extract(chunks, { document: info, sourceId });
 */
export function createLlmExtractor(options: LlmExtractorOptions): LlmExtractor {
  const model = options.model;
  const endpoint = `${options.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const policy: RetryPolicy = {
    maxRetries: options.maxRetries ?? 5,
    baseMs: options.retryBaseMs ?? 500,
    capMs: options.retryCapMs ?? 30_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
  };
  const timeoutMs = options.timeoutMs ?? 60_000;
  const priceIn = options.pricePer1kInput ?? 0;
  const priceOut = options.pricePer1kOutput ?? 0;
  const history = options.usageHistory ?? 1000;
  const random = options.random ?? Math.random;
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
  const responseFormat = {
    type: 'json_schema' as const,
    json_schema: { name: 'extraction', strict: true, schema: answerSchema(options.schema) },
  };
  const parse = answerParser(options.schema);
  const system = systemMessage(options.schema);
  const total = emptyUsage();
  const sources: SourceUsage[] = [];
  let calls = 0;

  const account = (source: SourceUsage, part: Partial<LlmUsage>) => {
    addUsage(source, part);
    addUsage(total, part);
  };

  /** One chat completion, retried by the policy; throws `llm_request_failed` when it gives up. */
  async function complete(messages: ChatMessage[], source: SourceUsage, signal: AbortSignal): Promise<ChatCompletion> {
    for (let retry = 0; ; retry += 1) {
      account(source, { requests: 1 });
      try {
        const completion = await client.chat.completions.create(
          { model, messages, temperature: options.temperature ?? 0, response_format: responseFormat },
          { signal, timeout: timeoutMs, maxRetries: 0 },
        );
        const inputTokens = completion.usage?.prompt_tokens ?? 0;
        const outputTokens = completion.usage?.completion_tokens ?? 0;
        const spent = (inputTokens / 1000) * priceIn + (outputTokens / 1000) * priceOut;
        account(source, { inputTokens, outputTokens, cost: spent });
        recordMetrics(model, 'success', inputTokens, outputTokens, spent);
        return completion;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const failure = classify(error);
        account(source, { failures: 1 });
        const wait = failure.retryAfterMs;
        const tooLong = wait !== undefined && wait > policy.maxRetryAfterMs;
        if (!failure.retryable || retry >= policy.maxRetries || tooLong) {
          recordMetrics(model, 'failed');
          const why = !failure.retryable
            ? 'not retryable'
            : tooLong
              ? `Retry-After of ${wait} ms is longer than the ${policy.maxRetryAfterMs} ms allowed`
              : `gave up after ${retry + 1} attempts`;
          throw new TrellisError(
            'llm_request_failed',
            `LLM endpoint ${endpoint} (model ${model}) failed: ${failure.description} (${why})`,
            { endpoint, model, status: failure.status, attempts: retry + 1 },
            { cause: error },
          );
        }
        recordMetrics(model, 'retried');
        account(source, { retries: 1 });
        await sleep(retryDelay(policy, retry, wait, random), signal);
      }
    }
  }

  /** One chunk: ask, repair once if the answer is unusable, ground the answer in the text. */
  async function extractChunk(chunk: ChunkDraft, context: ExtractionContext, source: SourceUsage, signal: AbortSignal): Promise<Extraction> {
    const messages: ChatMessage[] = [
      { role: 'system', content: system },
      { role: 'user', content: chunkMessage(chunk.text, context.document) },
    ];
    let result = read(await complete(messages, source, signal));
    if ('error' in result) {
      recordMetrics(model, 'invalid_output');
      account(source, { repairs: 1 });
      messages.push({ role: 'assistant', content: result.content }, { role: 'user', content: repairMessage(result.error) });
      result = read(await complete(messages, source, signal));
    }
    if ('error' in result) {
      recordMetrics(model, 'invalid_output');
      account(source, { rejectedChunks: 1 });
      const message = `Chunk ${chunk.ordinal}: the answer was still invalid after a repair request: ${result.error}`;
      source.errors.push({ ordinal: chunk.ordinal, code: 'llm_output_invalid', message });
      options.logger?.warn({ source: source.source, chunk: chunk.ordinal, model, endpoint }, message);
      return { mentions: [], relations: [] };
    }
    const { extraction, unsupported } = groundAnswer(result.answer, chunk.text, options.schema);
    account(source, { unsupportedMentions: unsupported.mentions, unsupportedRelations: unsupported.relations });
    return extraction;
  }

  function read(completion: ChatCompletion) {
    const choice = completion.choices[0];
    const content = choice?.message.content ?? '';
    if (choice?.message.refusal) return { error: `The model refused: ${choice.message.refusal}`, content };
    if (choice?.finish_reason === 'length') return { error: 'The answer was cut off at the token limit; answer more briefly.', content };
    const parsed = parse(content);
    return 'error' in parsed ? { error: parsed.error, content } : parsed;
  }

  return {
    name: 'llm',
    version: options.version ?? `1/${model}`,
    async extract(chunks, context) {
      calls += 1;
      const source: SourceUsage = {
        ...emptyUsage(),
        source: context.sourceId ?? `document #${calls}`,
        ...(context.document.title === undefined ? {} : { title: context.document.title }),
        chunks: chunks.length,
        errors: [],
      };
      sources.push(source);
      if (sources.length > history) sources.splice(0, sources.length - history);
      // One failing chunk (an endpoint that refuses us) stops the others; so does the caller's signal.
      const controller = new AbortController();
      const onAbort = () => controller.abort(context.signal?.reason);
      if (context.signal?.aborted) onAbort();
      context.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const settled = await Promise.allSettled(
          chunks.map((chunk) =>
            gate
              .run(() => extractChunk(chunk, context, source, controller.signal), controller.signal)
              .catch((error: unknown) => {
                if (!controller.signal.aborted) controller.abort(error);
                throw error;
              }),
          ),
        );
        if (context.signal?.aborted) throw context.signal.reason;
        const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
        if (failed) throw controller.signal.reason ?? failed.reason;
        return settled.map((outcome) => (outcome as PromiseFulfilledResult<Extraction>).value);
      } finally {
        context.signal?.removeEventListener('abort', onAbort);
      }
    },
    usage() {
      return { total: { ...total }, sources: sources.map((source) => ({ ...source, errors: [...source.errors] })) };
    },
  };
}
