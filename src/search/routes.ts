/** @module Search's HTTP surface: `GET /search`, hybrid by default. */
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { TrellisError } from '../core/errors.js';
import { problemResponses } from '../server/responses.js';
import type { SearchService } from './index.js';
import { searchLimits } from './index.js';
import type { HitKind } from './types.js';

const uuidList = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const typeNamePattern = '[A-Za-z][A-Za-z0-9_.-]{0,63}';

export const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: searchLimits.maxQueryLength, description: 'The question or words to look for' }),
    mode: Type.Optional(Type.Union([Type.Literal('hybrid'), Type.Literal('text'), Type.Literal('vector')], { default: 'hybrid' })),
    kinds: Type.Optional(
      Type.String({
        pattern: '^(passage|entity|memory)(,(passage|entity|memory)){0,2}$',
        description: 'Comma-separated result kinds: passage, entity, memory (default passage,entity; memories only when named)',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: searchLimits.maxLimit, default: searchLimits.defaultLimit })),
    types: Type.Optional(Type.String({ pattern: `^${typeNamePattern}(,${typeNamePattern}){0,49}$`, description: 'Entity types to keep (entity results)' })),
    sources: Type.Optional(
      Type.String({ pattern: `^${uuidList}(,${uuidList}){0,99}$`, description: 'Source IDs to keep (up to 100); a memory is its own source' }),
    ),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Passages of sources created, entities updated, memories created, at or after' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Passages of sources created, entities updated, memories created, at or before' })),
  },
  { additionalProperties: false },
);

const SignalRankSchema = Type.Object({ rank: Type.Integer(), score: Type.Number() });
const CitationSchema = Type.Object({
  sourceId: Type.String(),
  uri: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  page: Type.Union([Type.Integer(), Type.Null()]),
  start: Type.Union([Type.Integer(), Type.Null()]),
  end: Type.Union([Type.Integer(), Type.Null()]),
  snippet: Type.Union([Type.String(), Type.Null()]),
});
const SignalReportSchema = Type.Object({ used: Type.Boolean(), hits: Type.Integer(), milliseconds: Type.Number(), note: Type.Optional(Type.String()) });

export const SearchResponseSchema = Type.Object({
  query: Type.String(),
  mode: Type.String(),
  results: Type.Array(
    Type.Object({
      kind: Type.Union([Type.Literal('passage'), Type.Literal('entity'), Type.Literal('memory')]),
      id: Type.String(),
      score: Type.Number({ description: 'Fused score: the sum over signals of 1 / (60 + rank)' }),
      signals: Type.Object({ text: Type.Optional(SignalRankSchema), vector: Type.Optional(SignalRankSchema), graph: Type.Optional(SignalRankSchema) }),
      snippet: Type.String(),
      highlights: Type.Array(Type.Array(Type.Integer(), { minItems: 2, maxItems: 2 })),
      entity: Type.Optional(Type.Object({ id: Type.String(), type: Type.String(), name: Type.String(), aliases: Type.Array(Type.String()) })),
      passage: Type.Optional(
        Type.Object({
          id: Type.String(),
          sourceId: Type.String(),
          ordinal: Type.Integer(),
          page: Type.Union([Type.Integer(), Type.Null()]),
          start: Type.Integer(),
          end: Type.Integer(),
        }),
      ),
      memory: Type.Optional(Type.Object({ id: Type.String(), kind: Type.String(), title: Type.Union([Type.String(), Type.Null()]), uri: Type.String() })),
      citations: Type.Array(CitationSchema),
    }),
  ),
  signals: Type.Object({ text: SignalReportSchema, vector: SignalReportSchema, graph: SignalReportSchema }),
  milliseconds: Type.Number(),
});

/** The request a query string describes (shared with the CLI, which builds the same shape from flags). */
export function searchRequestOf(query: Static<typeof SearchQuery>) {
  const kinds = (query.kinds ? [...new Set(query.kinds.split(','))] : ['passage', 'entity']) as HitKind[];
  const since = query.since;
  const until = query.until;
  // The route's schema checks these already; the CLI builds the same object from flags and relies on these checks.
  if (query.types !== undefined && !new RegExp(`^${typeNamePattern}(,${typeNamePattern}){0,49}$`).test(query.types))
    throw new TrellisError(
      'bad_request',
      `types must be comma-separated type names (a letter, then letters, digits, _ . -); got ${JSON.stringify(query.types)}`,
    );
  if (query.sources !== undefined && !new RegExp(`^${uuidList}(,${uuidList}){0,99}$`).test(query.sources))
    throw new TrellisError('bad_request', `sources must be up to 100 comma-separated source IDs (UUIDs); got ${JSON.stringify(query.sources)}`);
  if (since !== undefined && until !== undefined && Date.parse(since) > Date.parse(until)) throw new TrellisError('bad_request', 'since is after until');
  return {
    query: query.q,
    mode: query.mode ?? 'hybrid',
    kinds,
    limit: query.limit ?? searchLimits.defaultLimit,
    filter: {
      ...(query.types ? { types: query.types.split(',') } : {}),
      ...(query.sources ? { sourceIds: query.sources.toLowerCase().split(',') } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
    },
  };
}

/** Registers `GET /search`. */
export function registerSearchRoutes(app: FastifyInstance, search: SearchService): void {
  app.get<{ Querystring: Static<typeof SearchQuery> }>(
    '/search',
    {
      config: { access: 'read' },
      schema: {
        tags: ['search'],
        summary:
          'Passages and entities (and memories, with kinds=memory) for a query: full-text, vector and graph signals fused by reciprocal rank fusion, with citations',
        querystring: SearchQuery,
        response: { 200: SearchResponseSchema, ...problemResponses(422) },
      },
    },
    async (request) => search.search(request.auth.tenantId, searchRequestOf(request.query)),
  );
}
