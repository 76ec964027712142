/** @module Recall over HTTP: `POST /recall` (memories for a question, with why each ranked) and `POST /memories/find-error` (past mistakes matching an error, with their solutions). */
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { problemResponses } from '../server/responses.js';
import type { Services } from '../server/services.js';
import { findErrorLimits } from './find-error.js';
import { memoryKinds, memoryLimits } from './index.js';
import { recallLimits } from './recall.js';
import { MemorySchema, nullable, uuid } from './routes.js';

const SignalRank = Type.Object({ rank: Type.Integer(), score: Type.Number() });

const RecallBody = Type.Object(
  {
    query: Type.String({ minLength: 1, maxLength: recallLimits.maxQueryLength, description: 'Words, "phrases", -excluded and prefix* as in GET /search' }),
    kinds: Type.Optional(Type.Array(Type.Union(memoryKinds.map((kind) => Type.Literal(kind))), { minItems: 1, maxItems: memoryKinds.length })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: recallLimits.maxLimit, default: recallLimits.defaultLimit })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: memoryLimits.tagCharacters }), { maxItems: memoryLimits.tags })),
    sessionId: Type.Optional(uuid),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or before' })),
    includeArchived: Type.Optional(Type.Boolean({ default: false, description: 'Archived memories too (hidden by default)' })),
    entityId: Type.Optional(Type.String({ maxLength: 36, description: 'Only memories cited by evidence of this entity; the query ranks them' })),
  },
  { additionalProperties: false },
);

const RecallResponse = Type.Object({
  query: Type.String(),
  results: Type.Array(
    Type.Object({
      memory: MemorySchema,
      score: Type.Number(),
      why: Type.Object({
        text: Type.Optional(SignalRank),
        vector: Type.Optional(SignalRank),
        graph: Type.Optional(SignalRank),
        recency: Type.Number({ description: '0.5 + 0.5 × 2^(−age of updatedAt / 30 days)' }),
        importance: Type.Number({ description: 'critical 1.5, high 1.2, normal 1, low 0.8, ephemeral 0.6' }),
      }),
      citations: Type.Array(
        Type.Object({
          sourceId: Type.String(),
          uri: Type.String(),
          title: nullable(Type.String()),
          start: nullable(Type.Integer()),
          end: nullable(Type.Integer()),
          snippet: nullable(Type.String()),
          entityId: Type.Optional(Type.String()),
        }),
      ),
    }),
  ),
  milliseconds: Type.Number(),
});

const FindErrorBody = Type.Object(
  {
    message: Type.String({ minLength: 1, maxLength: findErrorLimits.maxMessageLength }),
    errorType: Type.Optional(Type.String({ minLength: 1, maxLength: findErrorLimits.maxErrorTypeLength })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: findErrorLimits.maxLimit, default: findErrorLimits.defaultLimit })),
    includeArchived: Type.Optional(Type.Boolean({ default: false, description: 'Archived mistakes too (hidden by default)' })),
  },
  { additionalProperties: false },
);

const FindErrorResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      mistake: MemorySchema,
      similarity: Type.Number(),
      effectiveness: Type.Number(),
      score: Type.Number(),
      solution: nullable(Type.String()),
      solutionSteps: Type.Array(Type.String()),
    }),
  ),
  milliseconds: Type.Number(),
});

/** Registers POST /recall and POST /memories/find-error (read scope). */
export function registerRecallRoutes(app: FastifyInstance, { memory }: Services): void {
  app.post<{ Body: Static<typeof RecallBody> }>(
    '/recall',
    {
      config: { access: 'read' },
      schema: {
        tags: ['memory'],
        summary: 'Recall memories: full-text, vector and graph signals fused (RRF), times recency and importance, each result with why it ranked',
        body: RecallBody,
        response: { 200: RecallResponse, ...problemResponses(413) },
      },
    },
    async (request) => memory.recall(request.auth.tenantId, request.body),
  );

  app.post<{ Body: Static<typeof FindErrorBody> }>(
    '/memories/find-error',
    {
      config: { access: 'read' },
      schema: {
        tags: ['memory'],
        summary: 'Past mistakes matching an error message, ranked by similarity × (0.5 + effectiveness), with their solutions',
        body: FindErrorBody,
        response: { 200: FindErrorResponse, ...problemResponses(413) },
      },
    },
    async (request) => memory.findError(request.auth.tenantId, request.body),
  );
}
