/** @module Tests of the LLM extractor against a real chat-completions server on 127.0.0.1: answers, retries, timeouts, repairs, concurrency, usage. */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TrellisError } from '../../core/errors.js';
import { metricsRegistry } from '../../platform/observability/metrics-registry.js';
import { defaultSchema } from '../schema.js';
import type { ChunkDraft, DocumentInfo } from '../types.js';
import { createLlmExtractor, type LlmExtractorOptions } from './llm-extractor.js';
import type { LlmExtractionSchema } from './schema-shape.js';

const schema: LlmExtractionSchema = {
  entityTypes: [
    { name: 'Person', description: 'A human being' },
    { name: 'Organization', description: 'A company or institution' },
  ],
  relationTypes: [{ name: 'WORKS_FOR', description: 'Employment', from: ['Person'], to: ['Organization'] }],
};

const document: DocumentInfo = { kind: 'txt', title: 'staff.txt', metadata: {} };

function chunk(ordinal: number, text: string): ChunkDraft {
  return { ordinal, text, start: 0, end: text.length };
}

/** A request as the server saw it. */
interface Seen {
  at: number;
  body: { model: string; temperature: number; messages: { role: string; content: string }[]; response_format: Record<string, unknown> };
  headers: IncomingHttpHeaders;
  /** The chunk text quoted in the last user message that carries one. */
  text: string;
}

/** What a test's handler answers: a reply, or "hang" (never answer). */
type Reply = { status?: number; headers?: Record<string, string>; content?: string; raw?: string; usage?: [number, number]; delayMs?: number } | 'hang';

function completion(content: string, usage: [number, number] = [100, 20]) {
  return JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'test-model',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: usage[0], completion_tokens: usage[1], total_tokens: usage[0] + usage[1] },
  });
}

const answer = (value: unknown) => JSON.stringify(value);

let server: Server;
let baseURL: string;
let seen: Seen[] = [];
let inFlight = 0;
let maxInFlight = 0;
let handler: (request: Seen, index: number) => Reply = () => ({ content: answer({ entities: [], relations: [] }) });
const sockets = new Set<Socket>();

before(async () => {
  server = createServer((request, response) => {
    let raw = '';
    request.on('data', (part: Buffer) => (raw += part.toString('utf8')));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
        response.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as Seen['body'];
      const users = body.messages.filter((message) => message.role === 'user' && message.content.includes('"""'));
      const quoted = /"""\n([\s\S]*)\n"""/.exec(users.at(-1)?.content ?? '');
      const entry: Seen = { at: Date.now(), body, headers: request.headers, text: quoted?.[1] ?? '' };
      const reply = handler(entry, seen.length);
      seen.push(entry);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      response.on('close', () => (inFlight -= 1));
      if (reply === 'hang') return;
      setTimeout(() => {
        const status = reply.status ?? 200;
        const payload =
          reply.raw ??
          (status === 200 ? completion(reply.content ?? '', reply.usage) : JSON.stringify({ error: { message: `status ${status}`, type: 'test' } }));
        response.writeHead(status, { 'content-type': 'application/json', ...reply.headers }).end(payload);
      }, reply.delayMs ?? 0);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  inFlight = 0;
  maxInFlight = 0;
});

function extractor(options: Partial<LlmExtractorOptions> = {}) {
  return createLlmExtractor({
    baseURL,
    apiKey: 'sk-test-secret',
    model: 'test-model',
    schema,
    retryBaseMs: 5,
    retryCapMs: 20,
    timeoutMs: 2000,
    ...options,
  });
}

/** The answer a good model gives for the staff texts. */
function goodAnswer(text: string): string {
  if (text.includes('Ada')) {
    return answer({
      entities: [
        { type: 'Person', name: 'Ada Lovelace', mentions: [{ text: 'Ada Lovelace' }] },
        { type: 'Organization', name: 'Analytical Engines Ltd', mentions: [{ text: 'analytical engines ltd' }] },
      ],
      relations: [{ type: 'WORKS_FOR', from: 'Ada Lovelace', to: 'Analytical Engines Ltd', evidence: '' }],
    });
  }
  return answer({ entities: [], relations: [] });
}

describe('LLM extractor', () => {
  it('turns a good answer into mentions and relations with exact offsets, asking with a strict JSON schema', async () => {
    handler = (request) => ({ content: goodAnswer(request.text) });
    const text = 'The weather was fine. Later, Ada Lovelace joined Analytical Engines Ltd as an analyst. Nothing else.';
    const [result] = await extractor().extract([chunk(0, text)], { document });
    assert.ok(result);
    assert.deepEqual(
      result.mentions.map((mention) => [mention.type, mention.text, mention.start, mention.end, mention.rule]),
      [
        ['Person', 'Ada Lovelace', 29, 41, 'llm'],
        ['Organization', 'Analytical Engines Ltd', 49, 71, 'llm'],
      ],
    );
    for (const mention of result.mentions) assert.equal(text.slice(mention.start, mention.end), mention.text);
    assert.ok(result.mentions[0]!.confidence > result.mentions[1]!.confidence, 'a case-insensitive match is less certain');
    assert.equal(result.relations.length, 1);
    const relation = result.relations[0]!;
    assert.deepEqual([relation.type, relation.from, relation.to], ['WORKS_FOR', 0, 1]);
    assert.equal(text.slice(relation.start, relation.end), 'Later, Ada Lovelace joined Analytical Engines Ltd as an analyst.');

    const request = seen[0]!;
    assert.equal(request.body.model, 'test-model');
    assert.equal(request.body.temperature, 0);
    assert.equal(request.headers.authorization, 'Bearer sk-test-secret');
    const format = request.body.response_format as { type: string; json_schema: { strict: boolean; schema: { properties: Record<string, unknown> } } };
    assert.equal(format.type, 'json_schema');
    assert.equal(format.json_schema.strict, true);
    assert.match(JSON.stringify(format.json_schema.schema), /"enum":\["Person","Organization"\]/);
    assert.match(JSON.stringify(format.json_schema.schema), /"enum":\["WORKS_FOR"\]/);
    assert.match(request.body.messages[0]!.content, /Person: A human being/);
    assert.equal(request.text, text);
  });

  it('takes the loaded default schema: co-occurrence types are never asked, an empty end allows any type', async () => {
    const text = 'ISO 9001 refers to Acme.';
    handler = () => ({
      content: answer({
        entities: [
          { type: 'Standard', name: 'ISO 9001', mentions: [{ text: 'ISO 9001' }] },
          { type: 'Organization', name: 'Acme', mentions: [{ text: 'Acme' }] },
        ],
        relations: [{ type: 'MENTIONS', from: 'ISO 9001', to: 'Acme', evidence: text }],
      }),
    });
    const [result] = await extractor({ schema: defaultSchema() }).extract([chunk(0, text)], { document });
    assert.equal(result!.relations.length, 1);
    assert.equal(result!.relations[0]!.type, 'MENTIONS');
    const schemaText = JSON.stringify(seen[0]!.body.response_format);
    assert.match(schemaText, /"MENTIONS"/);
    assert.doesNotMatch(schemaText, /CO_OCCURS_WITH/);
    assert.doesNotMatch(seen[0]!.body.messages[0]!.content, /CO_OCCURS_WITH/);
  });

  it('uses the located evidence text as the relation span', async () => {
    const text = 'Ada Lovelace is well known. She works at Acme; Ada Lovelace has worked for Acme since 1840.';
    handler = () => ({
      content: answer({
        entities: [
          { type: 'Person', name: 'Ada Lovelace', mentions: [{ text: 'Ada Lovelace' }] },
          { type: 'Organization', name: 'Acme', mentions: [{ text: 'Acme' }] },
        ],
        relations: [{ type: 'WORKS_FOR', from: 'Ada Lovelace', to: 'Acme', evidence: 'Ada Lovelace has worked for Acme since 1840.' }],
      }),
    });
    const [result] = await extractor().extract([chunk(0, text)], { document });
    const relation = result!.relations[0]!;
    assert.equal(text.slice(relation.start, relation.end), 'Ada Lovelace has worked for Acme since 1840.');
    assert.equal(result!.mentions[relation.from]!.start, text.lastIndexOf('Ada Lovelace'));
    assert.equal(result!.mentions[relation.to]!.start, text.lastIndexOf('Acme'));
  });

  it('drops a mention whose text is not in the chunk, and the relations it would anchor, and counts them', async () => {
    handler = () => ({
      content: answer({
        entities: [
          { type: 'Person', name: 'Ada Lovelace', mentions: [{ text: 'Ada Lovelace' }] },
          { type: 'Organization', name: 'Babbage Institute', mentions: [{ text: 'Babbage Institute' }] },
        ],
        relations: [{ type: 'WORKS_FOR', from: 'Ada Lovelace', to: 'Babbage Institute', evidence: 'She worked there.' }],
      }),
    });
    const llm = extractor();
    const [result] = await llm.extract([chunk(0, 'Ada Lovelace wrote the first program.')], { document, sourceId: 'source-1' });
    assert.deepEqual(
      result!.mentions.map((mention) => mention.text),
      ['Ada Lovelace'],
    );
    assert.deepEqual(result!.relations, []);
    const usage = llm.usage().sources[0]!;
    assert.equal(usage.source, 'source-1');
    assert.equal(usage.unsupportedMentions, 1);
    assert.equal(usage.unsupportedRelations, 1);
  });

  it('waits at least the Retry-After of a 429 before trying again', async () => {
    handler = (request, index) => (index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { content: goodAnswer(request.text) });
    const llm = extractor();
    const [result] = await llm.extract([chunk(0, 'Ada Lovelace joined Analytical Engines Ltd.')], { document });
    assert.equal(result!.mentions.length, 2);
    assert.equal(seen.length, 2);
    assert.ok(seen[1]!.at - seen[0]!.at >= 900, `the retry came ${seen[1]!.at - seen[0]!.at} ms after the 429`);
    assert.equal(llm.usage().total.retries, 1);
    assert.equal(llm.usage().total.failures, 1);
    assert.equal(llm.usage().total.requests, 2);
  });

  it('retries 500s with backoff and succeeds on the third attempt', async () => {
    handler = (request, index) => (index < 2 ? { status: 500 } : { content: goodAnswer(request.text) });
    const llm = extractor();
    const [result] = await llm.extract([chunk(0, 'Ada Lovelace joined Analytical Engines Ltd.')], { document });
    assert.equal(result!.mentions.length, 2);
    assert.equal(seen.length, 3);
    assert.deepEqual([llm.usage().total.retries, llm.usage().total.requests], [2, 3]);
  });

  it('abandons a request that hangs past timeoutMs and retries it', async () => {
    handler = (request, index) => (index === 0 ? 'hang' : { content: goodAnswer(request.text) });
    const llm = extractor({ timeoutMs: 300 });
    const [result] = await llm.extract([chunk(0, 'Ada Lovelace joined Analytical Engines Ltd.')], { document });
    assert.equal(result!.mentions.length, 2);
    assert.equal(seen.length, 2);
    assert.ok(seen[1]!.at - seen[0]!.at >= 250, 'the second request came after the timeout');
    assert.equal(llm.usage().total.retries, 1);
  });

  it('never retries a 401 and names the endpoint and the status', async () => {
    handler = () => ({ status: 401 });
    const llm = extractor();
    await assert.rejects(
      llm.extract([chunk(0, 'Ada Lovelace.'), chunk(1, 'Nobody.')], { document }),
      (error: unknown) =>
        error instanceof TrellisError &&
        error.code === 'llm_request_failed' &&
        error.message.includes(`${baseURL}/chat/completions`) &&
        error.message.includes('401') &&
        !error.message.includes('sk-test-secret'),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(seen.length <= 2, 'one request per chunk at most, no retries');
    assert.equal(llm.usage().total.retries, 0);
  });

  it('gives up after maxRetries and fails the source with a clear error', async () => {
    handler = () => ({ status: 503 });
    await assert.rejects(
      extractor({ maxRetries: 2 }).extract([chunk(0, 'Ada Lovelace.')], { document }),
      (error: unknown) => error instanceof TrellisError && /503/.test(error.message) && /after 3 attempts/.test(error.message),
    );
    assert.equal(seen.length, 3);
  });

  it('sends malformed JSON back once for repair and uses the corrected answer', async () => {
    handler = (request, index) => (index === 0 ? { content: '{"entities": [{"type": "Person", "name": ' } : { content: goodAnswer(request.text) });
    const llm = extractor();
    const [result] = await llm.extract([chunk(0, 'Ada Lovelace joined Analytical Engines Ltd.')], { document });
    assert.equal(result!.mentions.length, 2);
    const repair = seen[1]!.body.messages;
    assert.equal(repair.at(-2)!.role, 'assistant');
    assert.equal(repair.at(-2)!.content, '{"entities": [{"type": "Person", "name": ');
    assert.match(repair.at(-1)!.content, /not valid JSON/);
    assert.equal(llm.usage().total.repairs, 1);
    assert.equal(llm.usage().total.rejectedChunks, 0);
  });

  it('repairs an answer that parses but breaks the schema (unknown entity type)', async () => {
    handler = (request, index) =>
      index === 0 ? { content: answer({ entities: [{ type: 'Planet', name: 'Mars', mentions: [] }], relations: [] }) } : { content: goodAnswer(request.text) };
    const [result] = await extractor().extract([chunk(0, 'Ada Lovelace joined Analytical Engines Ltd.')], { document });
    assert.equal(result!.mentions.length, 2);
    assert.match(seen[1]!.body.messages.at(-1)!.content, /does not match the schema.*Person, Organization/);
  });

  it('rejects a chunk whose answer is malformed twice, records the error, and extracts the other chunks', async () => {
    handler = (request) => (request.text.includes('Broken') ? { content: 'not json at all' } : { content: goodAnswer(request.text) });
    const llm = extractor({ concurrency: 1 });
    const results = await llm.extract([chunk(0, 'Ada Lovelace joined Analytical Engines Ltd.'), chunk(1, 'Broken chunk.'), chunk(2, 'Ada Lovelace again.')], {
      document,
      sourceId: 'source-2',
    });
    assert.equal(results.length, 3);
    assert.equal(results[0]!.mentions.length, 2);
    assert.deepEqual(results[1], { mentions: [], relations: [] });
    assert.equal(results[2]!.mentions.length, 1);
    const usage = llm.usage().sources[0]!;
    assert.equal(usage.rejectedChunks, 1);
    assert.equal(usage.repairs, 1);
    assert.equal(usage.errors.length, 1);
    assert.equal(usage.errors[0]!.ordinal, 1);
    assert.equal(usage.errors[0]!.code, 'llm_output_invalid');
    assert.equal(seen.filter((request) => request.text.includes('Broken')).length, 2);
  });

  it('never has more than `concurrency` requests in flight', async () => {
    handler = (request) => ({ content: goodAnswer(request.text), delayMs: 40 });
    const chunks = Array.from({ length: 12 }, (_, index) => chunk(index, `Chunk ${index}: Ada Lovelace.`));
    const llm = extractor({ concurrency: 3 });
    const results = await Promise.all([llm.extract(chunks.slice(0, 6), { document }), llm.extract(chunks.slice(6), { document })]);
    assert.equal(results.flat().length, 12);
    assert.equal(seen.length, 12);
    assert.equal(maxInFlight, 3);
  });

  it('accounts tokens, requests and cost per source and in total, and counts them in Prometheus', async () => {
    const before = await metricsRegistry.getSingleMetricAsString('trellis_llm_tokens_total');
    const tokensOf = (text: string, direction: string) =>
      Number(new RegExp(`trellis_llm_tokens_total\\{model="usage-model",direction="${direction}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    handler = (request, index) => (index === 0 ? { status: 500 } : { content: goodAnswer(request.text), usage: [1000, 200] });
    const llm = extractor({ model: 'usage-model', pricePer1kInput: 0.5, pricePer1kOutput: 2, concurrency: 1 });
    await llm.extract([chunk(0, 'Ada Lovelace.'), chunk(1, 'Nobody.')], { document, sourceId: 'a' });
    await llm.extract([chunk(0, 'Ada Lovelace.')], { document, sourceId: 'b' });
    const report = llm.usage();
    assert.deepEqual(
      report.sources.map((source) => [source.source, source.chunks, source.requests, source.retries, source.inputTokens, source.outputTokens, source.cost]),
      [
        ['a', 2, 3, 1, 2000, 400, 1.8],
        ['b', 1, 1, 0, 1000, 200, 0.9],
      ],
    );
    assert.equal(report.total.inputTokens, 3000);
    assert.equal(report.total.outputTokens, 600);
    assert.equal(report.total.requests, 4);
    assert.equal(report.total.failures, 1);
    assert.ok(Math.abs(report.total.cost - 2.7) < 1e-9);
    const afterText = await metricsRegistry.getSingleMetricAsString('trellis_llm_tokens_total');
    assert.equal(tokensOf(afterText, 'input') - tokensOf(before, 'input'), 3000);
    assert.equal(tokensOf(afterText, 'output') - tokensOf(before, 'output'), 600);
    assert.match(await metricsRegistry.getSingleMetricAsString('trellis_llm_requests_total'), /outcome="retried"/);
  });

  it('stops waiting and rejects when the context signal aborts', async () => {
    handler = () => 'hang';
    const controller = new AbortController();
    const pending = extractor({ timeoutMs: 10_000 }).extract([chunk(0, 'Ada Lovelace.'), chunk(1, 'More.')], { document, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('ingest cancelled')), 50);
    await assert.rejects(pending, /ingest cancelled/);
  });
});
