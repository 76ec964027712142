/** @module Request and response schemas of the analytics routes (TypeBox: validation, types and OpenAPI from one definition). */
import { Type } from 'typebox';
import { maxTop } from './service.js';

/** Which rows of the ranking an answer carries. */
export const WindowQuery = Type.Object(
  {
    top: Type.Optional(
      Type.Integer({ minimum: 1, maximum: maxTop, description: `Rows returned (inline) or kept with the job, best first; default 100, at most ${maxTop}` }),
    ),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Rows of the ranking skipped first; default 0' })),
  },
  { additionalProperties: false },
);

/** A page of kept rows of a job's result. */
export const ResultPageQuery = Type.Object(
  {
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Offset into the ranking; default: the first row the job kept' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: maxTop, description: 'Rows; default 100' })),
  },
  { additionalProperties: false },
);

const ColumnSchema = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('integer'), Type.Literal('number'), Type.Literal('string')]),
  description: Type.String(),
});

/** A result page: parameters used, facts, columns and rows as objects keyed by column name. */
export const AnalyticsPageSchema = Type.Object({
  algorithm: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown(), { description: 'The parameters with defaults applied' }),
  version: Type.Integer({ description: "The tenant's event sequence the graph was read at" }),
  entities: Type.Integer({ description: 'Entities analysed (rows of the full ranking)' }),
  relations: Type.Integer({ description: 'Relations analysed' }),
  summary: Type.Record(Type.String(), Type.Union([Type.Number(), Type.Boolean(), Type.Null()]), {
    description: 'converged, iterations, delta (pagerank); exact, sampledSources (betweenness); components; communities, modularity …',
  }),
  milliseconds: Type.Object({ read: Type.Number(), compute: Type.Number(), total: Type.Number() }),
  columns: Type.Array(ColumnSchema),
  total: Type.Integer({ description: 'Rows in the full ranking' }),
  offset: Type.Integer(),
  rows: Type.Array(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
  nextOffset: Type.Union([Type.Integer(), Type.Null()]),
  writtenBack: Type.Union([
    Type.Object({ property: Type.String(), updated: Type.Integer(), missing: Type.Integer(), milliseconds: Type.Number() }),
    Type.Null(),
  ]),
});

/** The answer for a graph too large to answer in the request. */
export const AnalyticsAcceptedSchema = Type.Object({
  jobId: Type.String({ description: 'The graph.analytics job; GET /graph/analytics/results/{jobId} for its rows' }),
  type: Type.Literal('graph.analytics'),
  status: Type.Literal('queued'),
  resultUrl: Type.String(),
});

/** A job's state and its kept rows. */
export const AnalyticsJobSchema = Type.Object({
  jobId: Type.String(),
  status: Type.String({ description: 'queued, running, failed (will retry), succeeded, dead or cancelled' }),
  progress: Type.Unknown(),
  error: Type.Union([Type.String(), Type.Null()]),
  result: Type.Union([AnalyticsPageSchema, Type.Null()]),
});
