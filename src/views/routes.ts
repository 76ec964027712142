/**
 * @module The views' HTTP surface: `POST /views`, `GET /views`, `GET /views/{name}`, `POST /views/{name}/refresh`,
 * `DELETE /views/{name}`, and the citations behind a dataset row, `GET /datasets/{name}/rows/{key}/evidence`.
 */
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { EvidenceSchema } from '../graph/schemas.js';
import { problemResponses } from '../server/responses.js';
import type { Services } from '../server/services.js';
import { ViewDefinitionSchema, viewNamePattern } from './index.js';

const name = Type.String({ pattern: viewNamePattern, description: 'View name (also the name of the dataset it writes)' });
const NameParams = Type.Object({ name }, { additionalProperties: false });
const json = Type.Record(Type.String(), Type.Unknown());
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const ViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  definition: json,
  status: Type.String({ description: 'ready, pending (a job is materialising it) or failed' }),
  datasetId: nullable(Type.String()),
  sourceId: nullable(Type.String()),
  lineage: nullable(json),
  error: nullable(Type.String()),
  jobId: nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  materialisedAt: nullable(Type.String()),
});

const JobRef = nullable(Type.Object({ id: Type.String() }));
const CreatedSchema = Type.Object({ view: ViewSchema, job: JobRef });
const CreateBody = Type.Object({ name, definition: ViewDefinitionSchema }, { additionalProperties: false });
const RefreshSchema = Type.Object({
  view: ViewSchema,
  inputsChanged: Type.Boolean(),
  changes: json,
  rows: Type.Optional(json),
  facts: Type.Optional(json),
  previous: nullable(json),
  job: JobRef,
});
const RowParams = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), key: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
);
const RowEvidenceSchema = Type.Object({
  dataset: Type.String(),
  key: Type.String(),
  row: Type.Object({ sourceId: Type.String(), uri: Type.String(), title: nullable(Type.String()), number: Type.Integer() }),
  derivedFrom: nullable(Type.Object({ view: Type.String(), kind: Type.String() })),
  subjects: Type.Array(
    Type.Object({ kind: Type.String(), role: Type.String(), id: Type.String(), exists: Type.Boolean(), evidence: Type.Array(EvidenceSchema) }),
  ),
});

/** Registers the view routes (read scope to read, write scope to create, refresh and delete). */
export function registerViewRoutes(app: FastifyInstance, { views }: Services): void {
  app.post<{ Body: Static<typeof CreateBody> }>(
    '/views',
    {
      config: { access: 'write' },
      schema: {
        tags: ['views'],
        summary: 'Create a view and materialise it (201), or queue its materialisation as a job when it is big (202)',
        description:
          'kind nodes | edges | edge_join derive a dataset named like the view from the graph; graph turns datasets into entities and relations through a mapping; vectors embeds text columns. See docs/views.md.',
        body: CreateBody,
        response: { 201: CreatedSchema, 202: CreatedSchema, ...problemResponses(404, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const created = await views.create(request.auth.tenantId, request.body.name, request.body.definition);
      reply.header('location', `/views/${created.view.name}`);
      return reply.code(created.job ? 202 : 201).send(created);
    },
  );

  app.get(
    '/views',
    {
      config: { access: 'read' },
      schema: { tags: ['views'], summary: 'List views', response: { 200: Type.Object({ items: Type.Array(ViewSchema) }), ...problemResponses() } },
    },
    async (request) => ({ items: await views.list(request.auth.tenantId) }),
  );

  app.get<{ Params: Static<typeof NameParams> }>(
    '/views/:name',
    {
      config: { access: 'read' },
      schema: {
        tags: ['views'],
        summary: 'A view: its definition, status and lineage',
        params: NameParams,
        response: { 200: ViewSchema, ...problemResponses(404) },
      },
    },
    async (request) => views.get(request.auth.tenantId, request.params.name),
  );

  app.post<{ Params: Static<typeof NameParams> }>(
    '/views/:name/refresh',
    {
      config: { access: 'write' },
      schema: {
        tags: ['views'],
        summary: 'Re-derive a view from its inputs and report whether they changed since (202 when queued as a job)',
        params: NameParams,
        response: { 200: RefreshSchema, 202: RefreshSchema, ...problemResponses(404, 409, 422) },
      },
    },
    async (request, reply) => {
      const report = await views.refresh(request.auth.tenantId, request.params.name);
      return reply.code(report.job ? 202 : 200).send(report);
    },
  );

  app.delete<{ Params: Static<typeof NameParams> }>(
    '/views/:name',
    {
      config: { access: 'write' },
      schema: {
        tags: ['views'],
        summary: "Delete a view, its dataset and source (a graph view's citations are retracted)",
        params: NameParams,
        response: { 204: Type.Null(), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      await views.delete(request.auth.tenantId, request.params.name);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: Static<typeof RowParams> }>(
    '/datasets/:name/rows/:key/evidence',
    {
      config: { access: 'read' },
      schema: {
        tags: ['datasets'],
        summary: 'The citations behind a dataset row: for a view row, the graph facts it came from with their evidence; for a mapped row, its file and row',
        params: RowParams,
        response: { 200: RowEvidenceSchema, ...problemResponses(404) },
      },
    },
    async (request) => views.rowEvidence(request.auth.tenantId, request.params.name, request.params.key),
  );
}
