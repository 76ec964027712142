/**
 * @module The analytics HTTP surface: `POST /graph/analytics/{algorithm}` (one route per algorithm, each with its own
 * parameter schema) and `GET /graph/analytics/results/{id}` for the rows a job kept.
 */
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { TrellisError } from '../../core/errors.js';
import { problemResponses } from '../../server/responses.js';
import { IdParams } from '../schemas.js';
import type { Algorithm } from './params.js';
import { algorithms, paramSchemas } from './params.js';
import { AnalyticsAcceptedSchema, AnalyticsJobSchema, AnalyticsPageSchema, ResultPageQuery, WindowQuery } from './schemas.js';
import { type AnalyticsService, analyticsJobType } from './service.js';

const summaries: Record<Algorithm, string> = {
  pagerank: 'PageRank of every entity (damping, tolerance, iterations; converged flag)',
  degree: 'Degree centrality: relations in, out and in total',
  betweenness: 'Betweenness centrality (Brandes; exact on small graphs, sampled sources on large ones)',
  components: 'Connected components, weakly or strongly',
  communities: 'Louvain communities with their modularity',
};

/** Registers the analytics routes. */
export function registerAnalyticsRoutes(app: FastifyInstance, analytics: AnalyticsService): void {
  for (const algorithm of algorithms) {
    app.post<{ Body: Record<string, unknown> | undefined; Querystring: Static<typeof WindowQuery> }>(
      `/graph/analytics/${algorithm}`,
      {
        config: { access: 'read', rateLimit: 'expensive' },
        // No body at all means every default, as an empty object does.
        preValidation: (request, _reply, done) => {
          request.body ??= {};
          done();
        },
        schema: {
          tags: ['analytics'],
          summary: summaries[algorithm],
          description:
            'Runs in a worker thread on the tenant\'s graph as committed now. A graph with at most analyticsInlineMaxRelations relations and entities is answered at once (200, the ranked rows top…); a larger one answers 202 with a graph.analytics job. writeBack: true needs the "write" scope. docs/analytics.md defines each algorithm.',
          body: paramSchemas[algorithm],
          querystring: WindowQuery,
          response: { 200: AnalyticsPageSchema, 202: AnalyticsAcceptedSchema, ...problemResponses(404, 422) },
        },
      },
      async (request, reply) => {
        const params = request.body ?? {};
        if (params.writeBack === true && !request.auth.scopes.has('write'))
          throw new TrellisError('forbidden', 'writeBack needs the "write" scope', { required: 'write' });
        const outcome = await analytics.request(request.auth.tenantId, algorithm, params, { offset: request.query.offset ?? 0, top: request.query.top ?? 100 });
        if (outcome.kind === 'result') return reply.code(200).send(outcome.page);
        const resultUrl = `/graph/analytics/results/${outcome.jobId}`;
        return reply.code(202).header('location', resultUrl).send({ jobId: outcome.jobId, type: analyticsJobType, status: 'queued', resultUrl });
      },
    );
  }

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof ResultPageQuery> }>(
    '/graph/analytics/results/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['analytics'],
        summary: "A graph.analytics job's state and the rows it kept",
        params: IdParams,
        querystring: ResultPageQuery,
        response: { 200: AnalyticsJobSchema, ...problemResponses(404) },
      },
    },
    async (request) =>
      analytics.jobResult(request.auth.tenantId, request.params.id.toLowerCase(), {
        ...(request.query.offset === undefined ? {} : { offset: request.query.offset }),
        limit: request.query.limit ?? 100,
      }),
  );
}
