/**
 * @module Test helper: a real HTTP server on 127.0.0.1 that speaks the OpenAI `/v1/embeddings` wire protocol (JSON
 * floats or base64 float32 per `encoding_format`, `dimensions`, `index`, `usage`), with failures a test injects.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { builtinOptions, embedTextsInline } from '../../src/search/embed/builtin-embedder.js';

/** A request as the server saw it. */
export interface SeenRequest {
  body: { model?: string; input?: unknown; encoding_format?: string; dimensions?: number };
  headers: IncomingHttpHeaders;
  at: number;
}

/**
 * What the server does with one request: answer normally (optionally changed), fail with a status, send a raw body,
 * close the connection, or never answer.
 */
export type Fault =
  | { status: number; headers?: Record<string, string>; body?: string }
  | { raw: string; contentType?: string }
  | { transform: (answer: EmbeddingAnswer) => unknown }
  | { delayMs: number }
  | 'reset'
  | 'hang';

/** The normal answer, before a `transform` fault changes it. */
export interface EmbeddingAnswer {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** A running fake endpoint. */
export interface EmbeddingsServer {
  /** Base URL including `/v1`. */
  baseURL: string;
  seen: SeenRequest[];
  /** Most requests in flight at once so far. */
  maxInFlight(): number;
  /** Decides the fault of request number `index` (0-based, over the server's life); undefined answers normally. */
  faults: (request: SeenRequest, index: number) => Fault | undefined;
  /** The vector the server gives a text (its native length). */
  vectorOf(text: string, dimensions?: number): Float32Array;
  close(): Promise<void>;
}

/**
 * Starts the server. Vectors are the built-in embedder's (deterministic, meaningful) of `nativeDimensions`, or of the
 * request's `dimensions` when it names one; they are scaled by 3 so the client's normalising is exercised.
 */
export async function startEmbeddingsServer(nativeDimensions = 32): Promise<EmbeddingsServer> {
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let most = 0;
  const vectorOf = (text: string, dimensions = nativeDimensions) => embedTextsInline([text], builtinOptions(dimensions))[0]!;
  const state: EmbeddingsServer = {
    baseURL: '',
    seen: [],
    maxInFlight: () => most,
    faults: () => undefined,
    vectorOf,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/embeddings') {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'no such route' } }));
        return;
      }
      let body: SeenRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as SeenRequest['body'];
      } catch {
        response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'body is not JSON' } }));
        return;
      }
      const seen: SeenRequest = { body, headers: request.headers, at: Date.now() };
      const fault = state.faults(seen, state.seen.length);
      state.seen.push(seen);
      inFlight += 1;
      most = Math.max(most, inFlight);
      response.on('close', () => (inFlight -= 1));
      if (fault === 'hang') return;
      if (fault === 'reset') {
        request.socket.destroy();
        return;
      }
      const send = () => {
        if (fault && typeof fault === 'object' && 'status' in fault) {
          response
            .writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
            .end(fault.body ?? JSON.stringify({ error: { message: `injected ${fault.status}`, type: 'test' } }));
          return;
        }
        if (fault && typeof fault === 'object' && 'raw' in fault) {
          response.writeHead(200, { 'content-type': fault.contentType ?? 'application/json' }).end(fault.raw);
          return;
        }
        const inputs = Array.isArray(body.input) ? (body.input as unknown[]) : [body.input];
        if (inputs.length === 0 || inputs.some((input) => typeof input !== 'string' || input === '')) {
          response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: "'$.input' is invalid" } }));
          return;
        }
        const answer: EmbeddingAnswer = {
          object: 'list',
          data: (inputs as string[]).map((text, index) => {
            const vector = vectorOf(text, body.dimensions ?? nativeDimensions).map((value) => value * 3);
            const embedding = body.encoding_format === 'base64' ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
            return { object: 'embedding' as const, index, embedding };
          }),
          model: body.model ?? 'unknown',
          usage: { prompt_tokens: inputs.length, total_tokens: inputs.length },
        };
        const out = fault && typeof fault === 'object' && 'transform' in fault ? fault.transform(answer) : answer;
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      };
      const delay = fault && typeof fault === 'object' && 'delayMs' in fault ? fault.delayMs : 0;
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
