/** @module The WebSocket stream (`GET /events/ws`): the SSE cursor protocol over messages, with acks, pings and close codes. */
import type { WebSocket } from 'ws';
import type { WebsocketPluginOptions } from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { TrellisError } from '../../core/errors.js';
import type { Services } from '../../server/services.js';
import type { AuthContext } from '../auth-context.js';
import type { LoggedEvent } from './event-log.js';
import { type EventStream, openEventStream } from './event-stream.js';
import { parseEventFilter } from './filters.js';
import { WebSocketQuery } from './schemas.js';

/** Close codes of the event WebSocket (4000–4999 are the application's). */
export const closeCodes = { unauthenticated: 4401, forbidden: 4403, badMessage: 4400, tooSlow: 4008, failed: 1011, shuttingDown: 1001 } as const;

const maxMessageBytes = 16 * 1024;

/** WebSocket messages, encoded once per event however many sockets send it. */
const messages = new WeakMap<LoggedEvent, Buffer>();
function message(event: LoggedEvent): Buffer {
  let bytes = messages.get(event);
  if (bytes === undefined) {
    bytes = Buffer.from(`{"type":"event","seq":${event.seq},"event":${JSON.stringify(event)}}`);
    messages.set(event, bytes);
  }
  return bytes;
}
const asText = { binary: false } as const;

interface Subscribe {
  after: number | null;
  types: string[] | undefined;
  subject: string | null | undefined;
}

/** Checks a client message; a bad one closes the socket with 4400 and the reason. */
function parseMessage(data: string): { type: 'subscribe'; subscribe: Subscribe } | { type: 'ack'; seq: number } | { type: 'ping' } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw new TrellisError('invalid_json', 'The message is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TrellisError('bad_request', 'A message is a JSON object');
  const body = parsed as Record<string, unknown>;
  const allowed: Record<string, string[]> = { subscribe: ['type', 'after', 'types', 'subject'], ack: ['type', 'seq'], ping: ['type'] };
  const fields = typeof body.type === 'string' ? allowed[body.type] : undefined;
  if (!fields) throw new TrellisError('bad_request', 'type must be "subscribe", "ack" or "ping"');
  const unknown = Object.keys(body).find((key) => !fields.includes(key));
  if (unknown !== undefined) throw new TrellisError('bad_request', `Unknown field ${JSON.stringify(unknown.slice(0, 40))}`);
  const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
  if (body.type === 'ack') {
    if (!isSeq(body.seq)) throw new TrellisError('bad_request', 'seq must be a non-negative integer');
    return { type: 'ack', seq: body.seq };
  }
  if (body.type === 'ping') return { type: 'ping' };
  if (body.after !== undefined && body.after !== null && !isSeq(body.after)) throw new TrellisError('bad_request', 'after must be a non-negative integer');
  if (body.types !== undefined && (!Array.isArray(body.types) || !body.types.every((type) => typeof type === 'string'))) {
    throw new TrellisError('bad_request', 'types must be a list of strings');
  }
  if (body.subject !== undefined && body.subject !== null && typeof body.subject !== 'string')
    throw new TrellisError('bad_request', 'subject must be a string');
  return {
    type: 'subscribe',
    subscribe: {
      after: (body.after as number | null | undefined) ?? null,
      types: body.types as string[] | undefined,
      subject: body.subject as string | null | undefined,
    },
  };
}

/**
 * Options for registering `@fastify/websocket`: on shutdown every event socket is closed with 1001 (going away) and a
 * reason, before the plugin's own hook would close them with no code.
 */
export function websocketPluginOptions(services: Services): WebsocketPluginOptions {
  return {
    options: { maxPayload: 64 * 1024 },
    preClose(this: FastifyInstance, done: () => void) {
      for (const close of [...services.events.openStreams]) close();
      for (const client of this.websocketServer.clients) closeWith(client, closeCodes.shuttingDown, 'server shutting down');
      this.websocketServer.close();
      done();
    },
  };
}

/** Closes with a code and a reason trimmed to the 123 bytes a close frame allows. */
function closeWith(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, Buffer.from(reason).subarray(0, 123).toString());
}

/**
 * Registers `GET /events/ws`. The route is public at the gate so that a failed authentication can be told as a
 * close code (4401, 4403) the browser's WebSocket exposes, instead of an HTTP status it hides; the handler
 * authenticates before it reads any message.
 */
export function registerWebSocketRoute(app: FastifyInstance, services: Services, devContext: () => Promise<AuthContext>): void {
  const { events, config, store, platform } = services;

  async function authenticate(request: FastifyRequest<{ Querystring: Static<typeof WebSocketQuery> }>): Promise<AuthContext> {
    if (request.headers.authorization) return platform.authenticate(request.headers.authorization);
    if (request.query.token !== undefined) return events.streamTokens.verify(request.query.token);
    if (config.auth === 'off') return devContext();
    return platform.authenticate(undefined);
  }

  app.get<{ Querystring: Static<typeof WebSocketQuery> }>(
    '/events/ws',
    {
      websocket: true,
      config: { access: 'public' },
      schema: {
        tags: ['events'],
        summary: 'Live stream of the event log (WebSocket)',
        description:
          'Send {"type":"subscribe","after":seq,"types":[…],"subject":…}; receive {"type":"subscribed",…} and {"type":"event","seq",…}; ack with {"type":"ack","seq"}. ' +
          'Close codes: 4401 unauthenticated, 4403 forbidden, 4400 bad message, 4008 too far behind, 1001 server shutting down. Authenticate with the Authorization header or `?token=`.',
        querystring: WebSocketQuery,
      },
    },
    async (socket, request) => {
      let stream: EventStream | null = null;
      let acked = 0;
      let alive = true;
      const pending: string[] = [];
      let auth: AuthContext | null = null;
      const finish = () => {
        clearInterval(pinger);
        stream?.close();
        events.openStreams.delete(shutdown);
      };
      const shutdown = () => closeWith(socket, closeCodes.shuttingDown, 'server shutting down; resubscribe after your last seq');
      events.openStreams.add(shutdown);
      socket.on('close', finish);
      socket.on('pong', () => {
        alive = true;
      });
      // A client that misses a whole ping interval is gone (its socket may never report it).
      const pinger = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, config.eventStreamHeartbeatMs);

      const handle = async (data: string) => {
        const parsed = parseMessage(data);
        if (parsed.type === 'ping') return socket.send('{"type":"pong"}');
        if (parsed.type === 'ack') {
          acked = Math.max(acked, parsed.seq);
          return;
        }
        if (stream) throw new TrellisError('bad_request', 'Already subscribed; open another socket for another subscription');
        const tenantId = (auth as AuthContext).tenantId;
        const filter = parseEventFilter(parsed.subscribe.types, parsed.subscribe.subject);
        const check = await events.checkCursor(tenantId, parsed.subscribe.after ?? Number.MAX_SAFE_INTEGER);
        const after = parsed.subscribe.after ?? check.latest;
        if (socket.readyState !== socket.OPEN) return;
        socket.send(JSON.stringify({ type: 'subscribed', after, latestSeq: check.latest, cursorExpired: check.expiredFloor }));
        stream = openEventStream({
          store,
          feeds: events.feeds,
          tenantId,
          filter,
          after,
          maxBufferBytes: config.eventStreamMaxBufferBytes,
          sink: {
            send(batch) {
              // One message per event (the protocol), but corked so that a batch leaves in one write.
              const tcp = request.raw.socket;
              tcp.cork();
              for (const event of batch) socket.send(message(event), asText);
              tcp.uncork();
            },
            buffered: () => socket.bufferedAmount,
            drained: () =>
              new Promise<void>((resolve) => {
                const check = () => (socket.bufferedAmount === 0 || socket.readyState !== socket.OPEN ? resolve() : setTimeout(check, 20));
                check();
              }),
            tooSlow: () => closeWith(socket, closeCodes.tooSlow, `too far behind; resubscribe after ${acked}, your last ack`),
          },
          onError: () => closeWith(socket, closeCodes.failed, 'stream failed; resubscribe after your last seq'),
        });
      };
      const failed = (error: unknown) => {
        if (error instanceof TrellisError && error.status < 500) closeWith(socket, closeCodes.badMessage, error.message);
        else {
          request.log.warn({ err: error }, 'event websocket failed');
          closeWith(socket, closeCodes.failed, 'internal error');
        }
      };
      // Messages that arrive while authenticating are held, then handled in order.
      let chain: Promise<void> = Promise.resolve();
      socket.on('message', (data, isBinary) => {
        const size = Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : (data as Buffer | ArrayBuffer).byteLength;
        if (isBinary || size > maxMessageBytes) return closeWith(socket, closeCodes.badMessage, isBinary ? 'messages are JSON text' : 'message too large');
        const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
        if (!auth) pending.push(text);
        else chain = chain.then(() => handle(text)).catch(failed);
      });
      try {
        auth = await authenticate(request);
      } catch (error) {
        const status = error instanceof TrellisError ? error.status : 500;
        return closeWith(
          socket,
          status === 401 ? closeCodes.unauthenticated : closeCodes.failed,
          error instanceof Error ? error.message : 'authentication failed',
        );
      }
      if (!auth.scopes.has('read')) return closeWith(socket, closeCodes.forbidden, 'This stream needs the "read" scope');
      for (const text of pending.splice(0)) chain = chain.then(() => handle(text)).catch(failed);
    },
  );
}
