/**
 * @module Reading what structured ingestion stored: `GET /datasets`, `GET /datasets/{name}`, `GET /datasets/{name}/rows`
 * and a source's quarantine, `GET /sources/{id}/quarantine` (every rejected row with file, row, column and reason).
 */
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { notFound } from '../core/errors.js';
import { IdParams } from '../graph/schemas.js';
import { problemResponses } from '../server/responses.js';
import type { Services } from '../server/services.js';
import { datasetRowsIfAny, getDataset, listDatasets, quarantineOf } from './mapping/index.js';

const datasetName = Type.String({ minLength: 1, maxLength: 200, description: 'The dataset name of the mapping' });
const NameParams = Type.Object({ name: datasetName }, { additionalProperties: false });
const RowsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
    cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'nextCursor of the previous page (a row key)' })),
  },
  { additionalProperties: false },
);
const json = Type.Record(Type.String(), Type.Unknown());
const DatasetSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  sourceId: Type.Union([Type.String(), Type.Null()]),
  definition: json,
  rowCount: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const RowSchema = Type.Object({ key: Type.String(), row: Type.Integer(), sourceId: Type.String(), values: json });
const QuarantineSchema = Type.Object({
  id: Type.String(),
  sourceId: Type.String(),
  datasetId: Type.Union([Type.String(), Type.Null()]),
  file: Type.String(),
  row: Type.Integer(),
  column: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
  values: json,
  createdAt: Type.String(),
});

/** Registers the dataset and quarantine reads (scope read). */
export function registerDatasetRoutes(app: FastifyInstance, services: Services): void {
  const { store, graph } = services;

  app.get(
    '/datasets',
    {
      config: { access: 'read' },
      schema: { tags: ['datasets'], summary: 'List datasets filled by mapped files', response: { 200: Type.Object({ items: Type.Array(DatasetSchema) }) } },
    },
    async (request) => ({ items: await listDatasets(store, request.auth.tenantId) }),
  );

  app.get<{ Params: Static<typeof NameParams> }>(
    '/datasets/:name',
    {
      config: { access: 'read' },
      schema: {
        tags: ['datasets'],
        summary: 'A dataset: its definition (columns, key) and row count',
        params: NameParams,
        response: { 200: DatasetSchema, ...problemResponses(404) },
      },
    },
    async (request) => {
      const dataset = await getDataset(store, request.auth.tenantId, request.params.name);
      if (!dataset) throw notFound('Dataset', request.params.name);
      return dataset;
    },
  );

  app.get<{ Params: Static<typeof NameParams>; Querystring: Static<typeof RowsQuery> }>(
    '/datasets/:name/rows',
    {
      config: { access: 'read' },
      schema: {
        tags: ['datasets'],
        summary: 'Rows of a dataset in key order, each with the source and row number it came from',
        params: NameParams,
        querystring: RowsQuery,
        response: { 200: Type.Object({ items: Type.Array(RowSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...problemResponses(404) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const items = await datasetRowsIfAny(store, request.auth.tenantId, request.params.name, limit + 1, cursor);
      if (!items) throw notFound('Dataset', request.params.name);
      const more = items.length > limit;
      if (more) items.pop();
      return { items, nextCursor: more ? (items.at(-1)?.key ?? null) : null };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/sources/:id/quarantine',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sources'],
        summary: "A source's quarantined rows: file, row, column, reason and the raw values",
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(QuarantineSchema) }), ...problemResponses(404) },
      },
    },
    async (request) => {
      const id = request.params.id.toLowerCase();
      await graph.getSource(request.auth.tenantId, id); // 404 for an unknown or another tenant's source
      return { items: await quarantineOf(store, request.auth.tenantId, id) };
    },
  );
}
