/**
 * @module The embedding HTTP surface: `GET /embeddings/status` (how many passages, entities and memories have a vector of the
 * current embedder) and `POST /embeddings/jobs` (queue a `search.embed` job; 202 with the job).
 */
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { JobSchema } from '../../platform/jobs/schemas.js';
import { problemResponses } from '../../server/responses.js';
import type { EmbeddingService } from './service.js';

const Counts = Type.Object({ total: Type.Integer(), embedded: Type.Integer(), missing: Type.Integer() });
const StatusSchema = Type.Object({
  embedderId: Type.String({ description: 'Stored vectors of another embedder are stale and never searched' }),
  dimensions: Type.Integer(),
  passages: Counts,
  entities: Counts,
  rows: Type.Object({ total: Type.Integer(), embedded: Type.Integer() }),
  memories: Counts,
  embedded: Type.Integer(),
  missing: Type.Integer(),
});
const JobBody = Type.Object(
  {
    kinds: Type.Optional(
      Type.Array(Type.Union([Type.Literal('passage'), Type.Literal('entity'), Type.Literal('memory')]), {
        minItems: 1,
        maxItems: 3,
        uniqueItems: true,
        description: 'Which owners to embed; all three when omitted',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Registers the routes (read scope for the status, write scope to queue a job). */
export function registerEmbeddingRoutes(app: FastifyInstance, embeddings: EmbeddingService): void {
  const tags = ['embeddings'];
  app.get(
    '/embeddings/status',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'How many passages, entities and memories have a vector of the current embedder',
        response: { 200: StatusSchema, ...problemResponses() },
      },
    },
    async (request) => embeddings.status(request.auth.tenantId),
  );

  app.post<{ Body: Static<typeof JobBody> }>(
    '/embeddings/jobs',
    {
      config: { access: 'write' },
      // No body at all means {} (both kinds); a body is validated as given.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags,
        summary: 'Queue a search.embed job that embeds missing and stale passages and entities',
        description:
          'Answers 202 with the job (or the one already queued for the same kinds). The job embeds in batches; follow it at GET /jobs/{id}, job.progress events and embeddings.written events.',
        body: JobBody,
        response: { 202: JobSchema, ...problemResponses() },
      },
    },
    async (request, reply) => {
      const job = await embeddings.queueJob(request.auth.tenantId, request.body.kinds);
      return reply.code(202).header('location', `/jobs/${job.id}`).send(job);
    },
  );
}
