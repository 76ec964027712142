/** @module Tests of the remote embedder against a real `/v1/embeddings` server on 127.0.0.1: encodings, batching, retries, timeouts and bad answers. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type EmbeddingsServer, startEmbeddingsServer } from '../../../test/support/embeddings-server.js';
import { TrellisError } from '../../core/errors.js';
import { type OpenAiEmbedderOptions, createOpenAiEmbedder, openAiEmbedderId } from './openai-embedder.js';

let server: EmbeddingsServer;

before(async () => {
  server = await startEmbeddingsServer(32);
});
after(() => server.close());
beforeEach(() => {
  server.seen.length = 0;
  server.faults = () => undefined;
});

const embedder = (options: Partial<OpenAiEmbedderOptions> = {}) =>
  createOpenAiEmbedder({ baseURL: server.baseURL, model: 'test-embed', apiKey: 'sk-secret-key', retryBaseMs: 1, retryCapMs: 5, random: () => 0.5, ...options });

const norm = (vector: Float32Array) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));

function assertClose(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  const scale = norm(expected);
  for (let index = 0; index < actual.length; index++) assert.ok(Math.abs(actual[index]! - expected[index]! / scale) < 1e-6, `component ${index}`);
}

async function rejection(promise: Promise<unknown>): Promise<TrellisError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TrellisError, `expected a TrellisError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

describe('remote embedder (OpenAI-compatible /v1/embeddings)', () => {
  it('asks for base64, decodes little-endian float32 and answers unit-length vectors in input order', async () => {
    const vectors = await embedder().embed(['the cat sat', 'a dog ran']);
    assert.equal(server.seen.length, 1);
    const { body, headers } = server.seen[0]!;
    assert.equal(body.model, 'test-embed');
    assert.equal(body.encoding_format, 'base64');
    assert.deepEqual(body.input, ['the cat sat', 'a dog ran']);
    assert.equal(body.dimensions, undefined);
    assert.equal(headers.authorization, 'Bearer sk-secret-key');
    assertClose(vectors[0]!, server.vectorOf('the cat sat'));
    assertClose(vectors[1]!, server.vectorOf('a dog ran'));
    assert.ok(Math.abs(norm(vectors[0]!) - 1) < 1e-6);
  });

  it('asks for JSON floats with encoding "float"', async () => {
    const [vector] = await embedder({ encoding: 'float' }).embed(['plain floats']);
    assert.equal(server.seen[0]!.body.encoding_format, 'float');
    assertClose(vector!, server.vectorOf('plain floats'));
  });

  it('accepts floats when a server ignores encoding_format (Ollama), instead of reading them as base64 at a quarter width', async () => {
    server.faults = () => ({
      transform: (answer) => ({
        ...answer,
        data: answer.data.map((item, index) => ({ ...item, embedding: Array.from(server.vectorOf(['x y', 'z'][index]!)) })),
      }),
    });
    const vectors = await embedder().embed(['x y', 'z']);
    assert.equal(vectors[0]!.length, 32);
    assertClose(vectors[1]!, server.vectorOf('z'));
  });

  it('puts items back in input order by their index', async () => {
    server.faults = () => ({ transform: (answer) => ({ ...answer, data: [...answer.data].reverse() }) });
    const vectors = await embedder().embed(['first text', 'second text', 'third text']);
    assertClose(vectors[0]!, server.vectorOf('first text'));
    assertClose(vectors[2]!, server.vectorOf('third text'));
  });

  it('sends configured dimensions and checks every answer has them', async () => {
    const sixteen = embedder({ dimensions: 16 });
    const [vector] = await sixteen.embed(['short vectors']);
    assert.equal(server.seen[0]!.body.dimensions, 16);
    assert.equal(vector!.length, 16);
    assert.equal(sixteen.dimensions, 16);
    server.faults = () => ({
      transform: (answer) => ({ ...answer, data: answer.data.map((item) => ({ ...item, embedding: Array.from(server.vectorOf('q', 8)) })) }),
    });
    const error = await rejection(sixteen.embed(['wrong length']));
    assert.equal(error.code, 'embed_output_invalid');
    assert.match(error.message, /8 dimensions, expected 16/);
  });

  it('learns the model’s length from the first answer and refuses a later answer of another length', async () => {
    const native = embedder();
    assert.equal(native.dimensions, 0);
    await native.embed(['learn']);
    assert.equal(native.dimensions, 32);
    server.faults = () => ({ transform: (answer) => ({ ...answer, data: answer.data.map((item) => ({ ...item, embedding: [1, 2, 3] })) }) });
    assert.equal((await rejection(native.embed(['drift']))).code, 'embed_output_invalid');
  });

  it('splits a batch by batchSize and keeps at most `concurrency` requests in flight', async () => {
    server.faults = () => ({ delayMs: 40 });
    const texts = Array.from({ length: 10 }, (_, index) => `text number ${index}`);
    const remote = embedder({ batchSize: 3, concurrency: 2 });
    const vectors = await remote.embed(texts);
    assert.equal(server.seen.length, 4);
    assert.deepEqual(
      server.seen.map((seen) => (seen.body.input as string[]).length),
      [3, 3, 3, 1],
    );
    assert.equal(server.maxInFlight() <= 2, true);
    assertClose(vectors[9]!, server.vectorOf('text number 9'));
    assert.deepEqual(remote.stats(), { requests: 4, retries: 0, texts: 10 });
  });

  it('gives blank texts zero vectors without sending them, and cleans NUL bytes and cuts long texts', async () => {
    const vectors = await embedder({ maxChars: 50 }).embed(['', 'a\u0000b', '   ', `${'word '.repeat(30)}end`]);
    assert.equal(server.seen.length, 1);
    const sent = server.seen[0]!.body.input as string[];
    assert.deepEqual(sent[0], 'a b');
    assert.ok(sent[1]!.length <= 50 && sent[1]!.startsWith('word word'));
    assert.ok(vectors[0]!.every((value) => value === 0));
    assert.equal(vectors[0]!.length, 32);
    assert.ok(vectors[2]!.every((value) => value === 0));
    assertClose(vectors[1]!, server.vectorOf('a b'));
  });

  it('learns the length with one small request when every text is blank', async () => {
    const vectors = await embedder().embed(['', ' ']);
    assert.equal(server.seen.length, 1);
    assert.equal(vectors[1]!.length, 32);
    assert.deepEqual(await embedder().embed([]), []);
  });

  it('retries 500, 503 and a reset connection, then succeeds', async () => {
    server.faults = (_, index) => [{ status: 500 }, { status: 503 }, 'reset' as const][index];
    const remote = embedder();
    const [vector] = await remote.embed(['eventually']);
    assert.equal(server.seen.length, 4);
    assertClose(vector!, server.vectorOf('eventually'));
    assert.equal(remote.stats().retries, 3);
  });

  it('honours Retry-After on 429 as the least wait', async () => {
    server.faults = (_, index) => (index === 0 ? { status: 429, headers: { 'retry-after-ms': '250' } } : undefined);
    await embedder().embed(['rate limited']);
    assert.equal(server.seen.length, 2);
    assert.ok(server.seen[1]!.at - server.seen[0]!.at >= 240, `waited ${server.seen[1]!.at - server.seen[0]!.at} ms`);
  });

  it('gives up at once when Retry-After asks for longer than allowed', async () => {
    server.faults = () => ({ status: 429, headers: { 'retry-after': '3600' } });
    const error = await rejection(embedder().embed(['too long a wait']));
    assert.equal(error.code, 'embed_request_failed');
    assert.match(error.message, /Retry-After of 3600000 ms/);
    assert.equal(server.seen.length, 1);
  });

  it('abandons a request that does not answer within the timeout and retries it', async () => {
    server.faults = (_, index) => (index === 0 ? 'hang' : undefined);
    const [vector] = await embedder({ timeoutMs: 200 }).embed(['slow']);
    assert.equal(server.seen.length, 2);
    assertClose(vector!, server.vectorOf('slow'));
  });

  it('stops after maxRetries with the attempts counted', async () => {
    server.faults = () => ({ status: 502 });
    const error = await rejection(embedder({ maxRetries: 2 }).embed(['never']));
    assert.equal(error.code, 'embed_request_failed');
    assert.equal(error.status, 502);
    assert.match(error.message, /gave up after 3 attempts/);
    assert.equal(server.seen.length, 3);
    assert.equal(error.details?.attempts, 3);
  });

  for (const status of [400, 401, 404, 422]) {
    it(`does not retry HTTP ${status} and never shows the API key`, async () => {
      server.faults = () => ({ status });
      const error = await rejection(embedder().embed(['refused']));
      assert.equal(error.code, 'embed_request_failed');
      assert.match(error.message, new RegExp(`HTTP ${status}`));
      assert.match(error.message, /not retryable/);
      assert.doesNotMatch(JSON.stringify({ message: error.message, details: error.details }), /sk-secret-key/);
      assert.equal(server.seen.length, 1);
    });
  }

  const garbage: [string, (answer: import('../../../test/support/embeddings-server.js').EmbeddingAnswer) => unknown, RegExp][] = [
    ['too few items', (answer) => ({ ...answer, data: answer.data.slice(1) }), /asked for 2 embeddings, got 1/],
    ['no data list', () => ({ object: 'list' }), /no data list/],
    ['a non-number', (answer) => ({ ...answer, data: answer.data.map((item) => ({ ...item, embedding: [0.1, 'x', 0.3] })) }), /not a number/],
    ['a null', (answer) => ({ ...answer, data: answer.data.map((item) => ({ ...item, embedding: [0.1, null] })) }), /not a number/],
    ['an empty vector', (answer) => ({ ...answer, data: answer.data.map((item) => ({ ...item, embedding: [] })) }), /is empty/],
    ['bad base64', (answer) => ({ ...answer, data: answer.data.map((item) => ({ ...item, embedding: '!!notbase64!!' })) }), /not base64/],
    ['base64 of 6 bytes', (answer) => ({ ...answer, data: answer.data.map((item) => ({ ...item, embedding: 'AAAAAAAA' })) }), /6 bytes/],
    ['a repeated index', (answer) => ({ ...answer, data: answer.data.map((item) => ({ ...item, index: 0 })) }), /repeated or out-of-range index/],
    ['an object as embedding', (answer) => ({ ...answer, data: answer.data.map((item) => ({ ...item, embedding: { a: 1 } })) }), /neither a list/],
  ];
  for (const [name, transform, message] of garbage) {
    it(`refuses an answer with ${name} (embed_output_invalid)`, async () => {
      server.faults = () => ({ transform });
      const error = await rejection(embedder({ encoding: 'float' }).embed(['one', 'two']));
      assert.equal(error.code, 'embed_output_invalid');
      assert.match(error.message, message);
    });
  }

  it('refuses a 200 answer that is not JSON with a clear error', async () => {
    server.faults = () => ({ raw: '<html>gateway</html>', contentType: 'text/html' });
    const error = await rejection(embedder().embed(['html']));
    assert.equal(error.code, 'embed_output_invalid');
  });

  it('refuses a 200 answer that says JSON but is not', async () => {
    server.faults = () => ({ raw: '{"data": [1, 2', contentType: 'application/json' });
    const error = await rejection(embedder().embed(['broken']));
    assert.equal(error.code, 'embed_output_invalid');
    assert.match(error.message, /not JSON/);
  });

  it('stops waiting when the caller aborts', async () => {
    server.faults = () => 'hang';
    const controller = new AbortController();
    const pending = embedder().embed(['aborted'], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop now')), 50);
    await assert.rejects(pending, /stop now/);
  });

  it('names host, model, dimensions and cut length in its ID', () => {
    assert.equal(
      openAiEmbedderId({ baseURL: 'http://127.0.0.1:11434/v1', model: 'nomic-embed-text' }),
      'openai/127.0.0.1:11434/nomic-embed-text/dnative/c8192',
    );
    assert.notEqual(embedder({ dimensions: 16 }).id, embedder().id);
  });
});
