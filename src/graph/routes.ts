/** @module The graph's HTTP surface: entities, relations, sources, neighbourhoods and paths. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { auditActor, auditOrigin, recordAudit } from '../platform/audit/index.js';
import type { Services } from '../server/services.js';
import { problemResponses } from '../server/responses.js';
import {
  BulkResultSchema,
  EntityInputSchema,
  EntityListQuery,
  EntitySchema,
  EntityWithEvidenceSchema,
  IdParams,
  NeighboursQuery,
  NeighboursSchema,
  PathQuery,
  PathSchema,
  PathsQuery,
  PathsSchema,
  RelationInputSchema,
  RelationListQuery,
  RelationSchema,
  RelationWithEvidenceSchema,
  SourceDeletedSchema,
  SourceListQuery,
  SourceSchema,
  SourceWithChunksSchema,
  SubgraphBody,
  SubgraphSchema,
  pageOf,
} from './schemas.js';
import { Type } from 'typebox';
import { type DeleteOptions, checkPropertyFilter, maxBulkItems, parsePropertyFilter } from './index.js';
import { createReadCache } from './read-cache.js';

const splitList = (value: string | undefined) => (value ? value.split(',') : undefined);

/** Registers the graph routes. */
export function registerGraphRoutes(app: FastifyInstance, { graph, config, store }: Services): void {
  // A deletion's audit row is written in the deletion's own transaction: both commit or neither does.
  const auditDeletion = (request: FastifyRequest, kind: 'entity' | 'relation' | 'source', id: string): DeleteOptions => ({
    within: async (tx) => {
      await recordAudit(tx, { action: `${kind}.deleted`, actor: auditActor(request.auth), target: { kind, id }, origin: auditOrigin(request) });
    },
  });
  const bulkLimit = config.bulkBodyLimit;
  // Entity and relation answers by ID, serialised once and kept until the tenant's next write (src/graph/read-cache.ts).
  const answers = createReadCache(config.readCacheMaxBytes);
  /** Sends the answer for (tenant, id): from the cache while the tenant is unchanged, else loaded and serialised by the route's schema. */
  async function answerById(
    tenantId: string,
    id: string,
    reply: FastifyReply,
    load: (tenantId: string, id: string) => Promise<unknown>,
  ): Promise<FastifyReply> {
    const version = await store.version(tenantId);
    const body = answers.get(tenantId, id, version) ?? answers.set(tenantId, id, version, reply.serialize(await load(tenantId, id)) as string);
    return reply.type('application/json; charset=utf-8').send(body);
  }

  app.post<{ Body: Static<typeof EntityInputSchema> }>(
    '/entities',
    {
      config: { access: 'write' },
      schema: {
        tags: ['entities'],
        summary: 'Create or merge an entity (identity: type + key)',
        description:
          'Properties merge as a JSON merge patch; aliases and evidence accumulate. Without evidence the fact is recorded as asserted through the API.',
        body: EntityInputSchema,
        response: { 200: EntitySchema, 201: EntitySchema, ...problemResponses(413, 422) },
      },
    },
    async (request, reply) => {
      const { entity, created } = await graph.upsertEntity(request.auth.tenantId, request.body);
      if (created) reply.header('location', `/entities/${entity.id}`);
      return reply.code(created ? 201 : 200).send(entity);
    },
  );

  app.post<{ Body: { entities: Static<typeof EntityInputSchema>[] } }>(
    '/entities/bulk',
    {
      bodyLimit: bulkLimit,
      config: { access: 'write' },
      schema: {
        tags: ['entities'],
        summary: `Upsert up to ${maxBulkItems} entities in one transaction`,
        body: Type.Object({ entities: Type.Array(EntityInputSchema, { minItems: 1, maxItems: maxBulkItems }) }, { additionalProperties: false }),
        response: { 200: BulkResultSchema, ...problemResponses(413, 422) },
      },
    },
    async (request) => graph.upsertEntities(request.auth.tenantId, request.body.entities),
  );

  app.get<{ Querystring: Static<typeof EntityListQuery> }>(
    '/entities',
    {
      config: { access: 'read' },
      schema: {
        tags: ['entities'],
        summary: 'List entities (cursor pagination)',
        querystring: EntityListQuery,
        response: { 200: pageOf(EntitySchema), ...problemResponses() },
      },
    },
    async (request) => graph.listEntities(request.auth.tenantId, { ...request.query, limit: request.query.limit ?? 100 }),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/entities/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['entities'],
        summary: 'Get an entity with its evidence',
        params: IdParams,
        response: { 200: EntityWithEvidenceSchema, ...problemResponses(404) },
      },
    },
    (request, reply) => answerById(request.auth.tenantId, request.params.id.toLowerCase(), reply, graph.getEntity),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/entities/:id',
    {
      config: { access: 'write' },
      schema: {
        tags: ['entities'],
        summary: 'Delete an entity and the relations touching it',
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      const id = request.params.id.toLowerCase();
      await graph.deleteEntity(request.auth.tenantId, id, auditDeletion(request, 'entity', id));
      return reply.code(204).send();
    },
  );

  app.post<{ Body: Static<typeof RelationInputSchema> }>(
    '/relations',
    {
      config: { access: 'write' },
      schema: {
        tags: ['relations'],
        summary: 'Create or merge a relation (identity: from + type + to)',
        body: RelationInputSchema,
        response: { 200: RelationSchema, 201: RelationSchema, ...problemResponses(413, 422) },
      },
    },
    async (request, reply) => {
      const { relation, created } = await graph.upsertRelation(request.auth.tenantId, request.body);
      if (created) reply.header('location', `/relations/${relation.id}`);
      return reply.code(created ? 201 : 200).send(relation);
    },
  );

  app.post<{ Body: { relations: Static<typeof RelationInputSchema>[] } }>(
    '/relations/bulk',
    {
      bodyLimit: bulkLimit,
      config: { access: 'write' },
      schema: {
        tags: ['relations'],
        summary: `Upsert up to ${maxBulkItems} relations in one transaction`,
        body: Type.Object({ relations: Type.Array(RelationInputSchema, { minItems: 1, maxItems: maxBulkItems }) }, { additionalProperties: false }),
        response: { 200: BulkResultSchema, ...problemResponses(413, 422) },
      },
    },
    async (request) => graph.upsertRelations(request.auth.tenantId, request.body.relations),
  );

  app.get<{ Querystring: Static<typeof RelationListQuery> }>(
    '/relations',
    {
      config: { access: 'read' },
      schema: {
        tags: ['relations'],
        summary: 'List relations (cursor pagination)',
        querystring: RelationListQuery,
        response: { 200: pageOf(RelationSchema), ...problemResponses() },
      },
    },
    async (request) => graph.listRelations(request.auth.tenantId, { ...request.query, limit: request.query.limit ?? 100 }),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/relations/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['relations'],
        summary: 'Get a relation with its evidence',
        params: IdParams,
        response: { 200: RelationWithEvidenceSchema, ...problemResponses(404) },
      },
    },
    (request, reply) => answerById(request.auth.tenantId, request.params.id.toLowerCase(), reply, graph.getRelation),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/relations/:id',
    {
      config: { access: 'write' },
      schema: { tags: ['relations'], summary: 'Delete a relation', params: IdParams, response: { 204: Type.Null(), ...problemResponses(404) } },
    },
    async (request, reply) => {
      const id = request.params.id.toLowerCase();
      await graph.deleteRelation(request.auth.tenantId, id, auditDeletion(request, 'relation', id));
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof NeighboursQuery> }>(
    '/graph/neighbors',
    {
      config: { access: 'read' },
      schema: {
        tags: ['graph'],
        summary: 'Entities within k hops of an entity, and the relations between them',
        querystring: NeighboursQuery,
        response: { 200: NeighboursSchema, ...problemResponses(404) },
      },
    },
    async (request) => {
      const query = request.query;
      return graph.neighbours(request.auth.tenantId, query.entity.toLowerCase(), {
        depth: query.depth ?? 1,
        direction: query.direction ?? 'both',
        relationTypes: splitList(query.relationTypes),
        entityTypes: splitList(query.entityTypes),
        where: query.where === undefined ? undefined : parsePropertyFilter(query.where),
        limit: query.limit ?? 1000,
      });
    },
  );

  app.get<{ Querystring: Static<typeof PathQuery> }>(
    '/graph/path',
    {
      config: { access: 'read' },
      schema: {
        tags: ['graph'],
        summary: 'A shortest path between two entities, bounded in length',
        querystring: PathQuery,
        response: { 200: PathSchema, ...problemResponses(404) },
      },
    },
    async (request) => {
      const query = request.query;
      return graph.path(request.auth.tenantId, query.from.toLowerCase(), query.to.toLowerCase(), {
        maxDepth: query.maxDepth ?? 6,
        direction: query.direction ?? 'both',
        relationTypes: splitList(query.relationTypes),
        entityTypes: splitList(query.entityTypes),
        where: query.where === undefined ? undefined : parsePropertyFilter(query.where),
      });
    },
  );

  app.get<{ Querystring: Static<typeof PathsQuery> }>(
    '/graph/paths',
    {
      config: { access: 'read' },
      schema: {
        tags: ['graph'],
        summary: 'The k shortest loopless paths between two entities (Yen), shortest first',
        description:
          'Paths count hops (relations). Two relations between the same entities make two paths. An unconnected pair answers found: false. Entities inside a path must pass entityTypes and where; the ends need not.',
        querystring: PathsQuery,
        response: { 200: PathsSchema, ...problemResponses(404) },
      },
    },
    async (request) => {
      const query = request.query;
      return graph.paths(request.auth.tenantId, query.from.toLowerCase(), query.to.toLowerCase(), {
        k: query.k ?? 3,
        maxDepth: query.maxDepth ?? 6,
        direction: query.direction ?? 'both',
        relationTypes: splitList(query.relationTypes),
        entityTypes: splitList(query.entityTypes),
        where: query.where === undefined ? undefined : parsePropertyFilter(query.where),
      });
    },
  );

  app.post<{ Body: Static<typeof SubgraphBody> }>(
    '/graph/subgraph',
    {
      config: { access: 'read' },
      schema: {
        tags: ['graph'],
        summary: 'The induced subgraph of seed entities and their neighbourhood to a depth',
        description:
          'Nodes: the seeds (depth 0) and every entity within depth hops that passes entityTypes and where; relations: every relation of the allowed types among them. truncated when maxNodes or maxEdges cut the result.',
        body: SubgraphBody,
        response: { 200: SubgraphSchema, ...problemResponses(404) },
      },
    },
    async (request) => {
      const body = request.body;
      return graph.subgraph(
        request.auth.tenantId,
        body.seeds.map((seed) => seed.toLowerCase()),
        {
          depth: body.depth ?? 1,
          direction: body.direction ?? 'both',
          relationTypes: body.relationTypes,
          entityTypes: body.entityTypes,
          where: body.where === undefined ? undefined : checkPropertyFilter(body.where),
          maxNodes: body.maxNodes ?? 1000,
          maxEdges: body.maxEdges ?? 5000,
        },
      );
    },
  );

  // POST /sources (a source with its chunks, or an upload) is the ingest module's: src/ingest/routes.ts.

  app.get<{ Querystring: Static<typeof SourceListQuery> }>(
    '/sources',
    {
      config: { access: 'read' },
      schema: { tags: ['sources'], summary: 'List sources', querystring: SourceListQuery, response: { 200: pageOf(SourceSchema), ...problemResponses() } },
    },
    async (request) => graph.listSources(request.auth.tenantId, { ...request.query, limit: request.query.limit ?? 100 }),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/sources/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sources'],
        summary: 'Get a source with its chunks',
        params: IdParams,
        response: { 200: SourceWithChunksSchema, ...problemResponses(404) },
      },
    },
    async (request) => graph.getSource(request.auth.tenantId, request.params.id.toLowerCase()),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/sources/:id',
    {
      config: { access: 'write' },
      schema: {
        tags: ['sources'],
        summary: 'Delete a source: retract its evidence and remove facts left without evidence',
        params: IdParams,
        response: { 200: SourceDeletedSchema, ...problemResponses(404, 409) },
      },
    },
    async (request) => {
      const id = request.params.id.toLowerCase();
      const deleted = await graph.deleteSource(request.auth.tenantId, id, auditDeletion(request, 'source', id));
      return deleted;
    },
  );
}
