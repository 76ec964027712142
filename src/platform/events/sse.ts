/** @module The SSE stream (`GET /events/stream`): replay from Last-Event-ID, then live, with heartbeats and a bound on slow clients. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { TrellisError } from '../../core/errors.js';
import { problemResponses } from '../../server/responses.js';
import type { Services } from '../../server/services.js';
import type { LoggedEvent } from './event-log.js';
import { openEventStream } from './event-stream.js';
import { parseEventFilter } from './filters.js';
import { StreamQuery } from './schemas.js';

/** The response header that tells a client its cursor is older than retention: the oldest retained sequence. */
export const cursorExpiredHeader = 'trellis-cursor-expired';

/** How long a closing slow client may take to read what is already buffered before its socket is destroyed. */
const slowClientGraceMs = 30_000;

/** SSE frames, built once per event however many streams send it. */
const frames = new WeakMap<LoggedEvent, string>();
function frame(event: LoggedEvent): string {
  let text = frames.get(event);
  if (text === undefined) {
    // JSON has no raw newlines, so `data` is one line.
    text = `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    frames.set(event, text);
  }
  return text;
}

/**
 * The frames of a list of events as one chunk, encoded once per list: live batches give every stream with the same
 * filter the same list, so a thousand streams write one shared Buffer instead of encoding a thousand strings.
 */
const chunks = new WeakMap<readonly LoggedEvent[], Buffer>();
function chunk(events: readonly LoggedEvent[]): Buffer {
  let bytes = chunks.get(events);
  if (bytes === undefined) {
    let text = '';
    for (const event of events) text += frame(event);
    bytes = Buffer.from(text);
    chunks.set(events, bytes);
  }
  return bytes;
}

/** The cursor of a request: the Last-Event-ID header wins over `last_event_id`; null for live only. */
function requestCursor(request: FastifyRequest<{ Querystring: Static<typeof StreamQuery> }>): number | null {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') {
    if (!/^\d{1,16}$/.test(header) || Number(header) > Number.MAX_SAFE_INTEGER) {
      throw new TrellisError('invalid_cursor', `Last-Event-ID ${JSON.stringify(header.slice(0, 40))} is not an event sequence number`);
    }
    return Number(header);
  }
  return request.query.last_event_id ?? null;
}

/** Registers `GET /events/stream`. */
export function registerSseRoute(app: FastifyInstance, { events, config, store }: Services): void {
  app.get<{ Querystring: Static<typeof StreamQuery> }>(
    '/events/stream',
    {
      config: { access: 'read', streamToken: true },
      schema: {
        tags: ['events'],
        summary: 'Live stream of the event log (Server-Sent Events)',
        description:
          'Replays events after the `Last-Event-ID` header (or `last_event_id`) and then stays live. SSE `id` is the sequence, `event` the type, `data` the event as JSON. ' +
          `When events after the cursor were deleted by retention, the \`${cursorExpiredHeader}\` header gives the oldest retained sequence. ` +
          'Authenticate with the Authorization header or `?token=` from POST /events/stream-tokens.',
        querystring: StreamQuery,
        response: { 200: { description: 'text/event-stream', type: 'string' }, ...problemResponses() },
      },
    },
    async (request, reply) => {
      const { tenantId } = request.auth;
      const filter = parseEventFilter(request.query.types, request.query.subject);
      const cursor = requestCursor(request);
      const check = await events.checkCursor(tenantId, cursor ?? Number.MAX_SAFE_INTEGER);
      const after = cursor === null ? check.latest : cursor;
      const headers: Record<string, string | number | string[]> = {
        ...(reply.getHeaders() as Record<string, string | number | string[]>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      };
      if (check.expiredFloor !== null) headers[cursorExpiredHeader] = String(check.expiredFloor);
      reply.hijack();
      const raw = reply.raw;
      // Held here: a finished response lets go of its socket.
      const socket = raw.socket;
      raw.writeHead(200, headers);
      raw.write(`retry: 2000\n: connected at ${check.latest}\n\n`);

      let ended = false;
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), config.eventStreamHeartbeatMs);
      const end = (comment?: string) => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        stream.close();
        events.openStreams.delete(shutdown);
        if (raw.destroyed) return;
        // The connection goes with the stream: an SSE client reconnects anyway, and a kept-alive socket would hold the server open.
        raw.end(comment === undefined ? '' : `: ${comment}\n\n`, () => socket?.destroy());
      };
      const shutdown = () => end('server shutting down; reconnect with Last-Event-ID');
      const stream = openEventStream({
        store,
        feeds: events.feeds,
        tenantId,
        filter,
        after,
        maxBufferBytes: config.eventStreamMaxBufferBytes,
        sink: {
          send(events) {
            raw.write(chunk(events));
          },
          buffered: () => raw.writableLength,
          drained: () =>
            new Promise<void>((resolve) => {
              if (raw.writableLength === 0 || raw.destroyed) return resolve();
              const done = () => {
                raw.off('drain', done);
                raw.off('close', done);
                resolve();
              };
              raw.on('drain', done);
              raw.on('close', done);
            }),
          tooSlow(lastSeq) {
            end(`closed: too far behind (position ${lastSeq}); reconnect with Last-Event-ID set to the last id you received`);
            setTimeout(() => socket?.destroy(), slowClientGraceMs).unref();
          },
        },
        onError(error) {
          request.log.warn({ err: error }, 'event stream failed');
          end('stream failed; reconnect with Last-Event-ID');
        },
      });
      events.openStreams.add(shutdown);
      raw.on('close', () => end());
    },
  );
}
