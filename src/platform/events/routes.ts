/** @module The event log's HTTP surface: pages of events, stream tokens, the SSE and WebSocket streams. */
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { TrellisError } from '../../core/errors.js';
import { problemResponses } from '../../server/responses.js';
import type { Services } from '../../server/services.js';
import type { AuthContext } from '../auth-context.js';
import { parseEventFilter } from './filters.js';
import { EventListQuery, EventPageSchema, StreamTokenSchema } from './schemas.js';
import { cursorExpiredHeader, registerSseRoute } from './sse.js';
import { closeCodes, registerWebSocketRoute, websocketPluginOptions } from './websocket.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route also accepts a stream token as `?token=` (see src/platform/events/stream-tokens.ts). */
    streamToken?: boolean;
  }
}

/**
 * Registers the event routes. `devContext` is the auth hook's identity for dev mode (the WebSocket route
 * authenticates in its handler). Open streams end when the server closes, before it waits for connections.
 */
export function registerEventRoutes(app: FastifyInstance, services: Services, devContext: () => Promise<AuthContext>): void {
  const { events } = services;

  app.get<{ Querystring: Static<typeof EventListQuery> }>(
    '/events',
    {
      config: { access: 'read' },
      schema: {
        tags: ['events'],
        summary: 'Read the event log (pages after a sequence)',
        description: `Events with \`seq > after\`, oldest first. \`types\` takes exact types and prefix wildcards (\`entity.*\`). When events after \`after\` were deleted by retention, \`cursorExpired\` (and the \`${cursorExpiredHeader}\` header) give the oldest retained sequence.`,
        querystring: EventListQuery,
        response: { 200: EventPageSchema, ...problemResponses() },
      },
    },
    async (request, reply) => {
      const filter = parseEventFilter(request.query.types, request.query.subject);
      const page = await events.list(request.auth.tenantId, { after: request.query.after ?? 0, filter, limit: request.query.limit ?? 100 });
      // A first read (after=0) of a log whose start was deleted is no resync: only a cursor a client held can be stale.
      if (page.cursorExpired !== null && (request.query.after ?? 0) > 0) reply.header(cursorExpiredHeader, String(page.cursorExpired));
      else page.cursorExpired = null;
      return page;
    },
  );

  app.post(
    '/events/stream-tokens',
    {
      config: { access: 'read' },
      schema: {
        tags: ['events'],
        summary: 'Issue a short-lived token for GET /events/stream or /events/ws (?token=), for clients that cannot send headers',
        response: { 201: StreamTokenSchema, ...problemResponses() },
      },
    },
    async (request, reply) => {
      // The token carries the caller's tenant and read scope, nothing chosen by the client: a body with fields is a mistake.
      const body = request.body;
      if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length > 0)) {
        throw new TrellisError('validation_failed', 'POST /events/stream-tokens takes no fields');
      }
      return reply.code(201).send(await events.streamTokens.issue(request.auth));
    },
  );

  registerSseRoute(app, services);
  registerWebSocketRoute(app, services, devContext);
  app.addHook('preClose', async () => {
    for (const close of [...events.openStreams]) close();
  });
}

export { closeCodes, cursorExpiredHeader, websocketPluginOptions };
