/** @module The graph's HTTP schemas: one TypeBox definition gives validation, TypeScript types and OpenAPI. */
import { Type } from 'typebox';

const id = (description = 'ID (UUID)') =>
  Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description });
const typeName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$', description: 'Type name: a letter, then letters, digits, _ . -' });
const confidence = Type.Number({ minimum: 0, maximum: 1 });
const properties = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Free-form properties; on upsert they merge as a JSON merge patch (null removes a key)',
});

export const IdParams = Type.Object({ id: id() }, { additionalProperties: false });

export const EvidenceInputSchema = Type.Object(
  {
    sourceId: Type.Optional(id('Source the fact was read from')),
    chunkId: Type.Optional(id('Chunk of that source')),
    start: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, description: 'Start offset (characters) in the source text' })),
    end: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, description: 'End offset (exclusive)' })),
    quote: Type.Optional(Type.String({ maxLength: 10_000 })),
    extractor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    extractorVersion: Type.Optional(Type.String({ maxLength: 100 })),
    confidence: Type.Optional(confidence),
  },
  { additionalProperties: false },
);

export const EvidenceSchema = Type.Object({
  id: Type.String(),
  subjectKind: Type.Union([Type.Literal('entity'), Type.Literal('relation')]),
  subjectId: Type.String(),
  sourceId: Type.Union([Type.String(), Type.Null()]),
  chunkId: Type.Union([Type.String(), Type.Null()]),
  start: Type.Union([Type.Integer(), Type.Null()]),
  end: Type.Union([Type.Integer(), Type.Null()]),
  quote: Type.Union([Type.String(), Type.Null()], { description: 'The cited passage' }),
  extractor: Type.String(),
  extractorVersion: Type.Union([Type.String(), Type.Null()]),
  confidence: Type.Number(),
  createdAt: Type.String(),
  source: Type.Union([
    Type.Object({ uri: Type.String(), title: Type.Union([Type.String(), Type.Null()]), page: Type.Union([Type.Integer(), Type.Null()]) }),
    Type.Null(),
  ]),
});

export const EntityInputSchema = Type.Object(
  {
    type: typeName,
    name: Type.String({ minLength: 1, maxLength: 1000 }),
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Identity within the type; defaults to the normalised name' })),
    aliases: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), { maxItems: 1000 })),
    properties: Type.Optional(properties),
    confidence: Type.Optional(confidence),
    evidence: Type.Optional(Type.Array(EvidenceInputSchema, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);

export const EntitySchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  name: Type.String(),
  key: Type.String(),
  aliases: Type.Array(Type.String()),
  properties,
  confidence: Type.Number(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const EntityWithEvidenceSchema = Type.Intersect([EntitySchema, Type.Object({ evidence: Type.Array(EvidenceSchema) })]);

export const RelationInputSchema = Type.Object(
  {
    type: typeName,
    from: id('Entity the relation starts at'),
    to: id('Entity the relation ends at'),
    properties: Type.Optional(properties),
    confidence: Type.Optional(confidence),
    validFrom: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
    validTo: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
    evidence: Type.Optional(Type.Array(EvidenceInputSchema, { maxItems: 1000 })),
  },
  { additionalProperties: false },
);

export const RelationSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  from: Type.String(),
  to: Type.String(),
  properties,
  confidence: Type.Number(),
  validFrom: Type.Union([Type.String(), Type.Null()]),
  validTo: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const RelationWithEvidenceSchema = Type.Intersect([RelationSchema, Type.Object({ evidence: Type.Array(EvidenceSchema) })]);

export const BulkResultSchema = Type.Object({ ids: Type.Array(Type.String()), created: Type.Integer(), updated: Type.Integer() });

const limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });
const cursor = Type.String({ maxLength: 500, description: 'nextCursor of the previous page' });

export const EntityListQuery = Type.Object(
  {
    type: Type.Optional(typeName),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Case-insensitive substring of the name' })),
    limit: Type.Optional(limit),
    cursor: Type.Optional(cursor),
  },
  { additionalProperties: false },
);

export const RelationListQuery = Type.Object(
  { type: Type.Optional(typeName), from: Type.Optional(id()), to: Type.Optional(id()), limit: Type.Optional(limit), cursor: Type.Optional(cursor) },
  { additionalProperties: false },
);

export const pageOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

const direction = Type.Union([Type.Literal('out'), Type.Literal('in'), Type.Literal('both')], { default: 'both' });
const typeList = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}(,[A-Za-z][A-Za-z0-9_.-]{0,63}){0,49}$', description: 'Comma-separated type names' });

const where = Type.String({
  minLength: 2,
  maxLength: 8000,
  description:
    'Property filter as a JSON object: {"country":"FR","age":{"gte":18,"lt":65},"status":{"in":["open","new"]}}; conditions on top-level properties, all must hold',
});

export const NeighboursQuery = Type.Object(
  {
    entity: id('Start entity'),
    depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, default: 1 })),
    direction: Type.Optional(direction),
    relationTypes: Type.Optional(typeList),
    entityTypes: Type.Optional(typeList),
    where: Type.Optional(where),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
  },
  { additionalProperties: false },
);

export const PathQuery = Type.Object(
  {
    from: id('Start entity'),
    to: id('End entity'),
    maxDepth: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, default: 6 })),
    direction: Type.Optional(direction),
    relationTypes: Type.Optional(typeList),
    entityTypes: Type.Optional(typeList),
    where: Type.Optional(where),
  },
  { additionalProperties: false },
);

export const PathsQuery = Type.Object(
  {
    from: id('Start entity'),
    to: id('End entity'),
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 3, description: 'How many shortest paths' })),
    maxDepth: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, default: 6 })),
    direction: Type.Optional(direction),
    relationTypes: Type.Optional(typeList),
    entityTypes: Type.Optional(typeList),
    where: Type.Optional(where),
  },
  { additionalProperties: false },
);

const typeArray = Type.Array(typeName, { maxItems: 50 });

export const SubgraphBody = Type.Object(
  {
    seeds: Type.Array(id('Seed entity'), { minItems: 1, maxItems: 100 }),
    depth: Type.Optional(Type.Integer({ minimum: 0, maximum: 3, default: 1, description: 'Hops from the seeds' })),
    direction: Type.Optional(direction),
    relationTypes: Type.Optional(typeArray),
    entityTypes: Type.Optional(typeArray),
    where: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'Property filter (see GET /graph/neighbors), as an object', maxProperties: 20 }),
    ),
    maxNodes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
    maxEdges: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000, default: 5000 })),
  },
  { additionalProperties: false },
);

const NodeSchema = Type.Object({ id: Type.String(), type: Type.String(), name: Type.String(), depth: Type.Integer() });
const EdgeSchema = Type.Object({ id: Type.String(), type: Type.String(), from: Type.String(), to: Type.String() });

export const NeighboursSchema = Type.Object({ root: Type.String(), nodes: Type.Array(NodeSchema), edges: Type.Array(EdgeSchema), truncated: Type.Boolean() });
export const SubgraphSchema = Type.Object({ nodes: Type.Array(NodeSchema), edges: Type.Array(EdgeSchema), truncated: Type.Boolean() });
export const PathsSchema = Type.Object({
  found: Type.Boolean(),
  paths: Type.Array(Type.Object({ length: Type.Integer(), nodes: Type.Array(NodeSchema), edges: Type.Array(EdgeSchema) })),
  truncated: Type.Boolean({ description: 'The query examined its most relations before finding k paths; the paths found are returned' }),
});
export const PathSchema = Type.Object({
  found: Type.Boolean(),
  length: Type.Union([Type.Integer(), Type.Null()]),
  nodes: Type.Array(NodeSchema),
  edges: Type.Array(EdgeSchema),
});

export const SourceInputSchema = Type.Object(
  {
    uri: Type.String({ minLength: 1, maxLength: 2000 }),
    kind: Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,31}$', description: 'text, md, pdf, csv …' }),
    title: Type.Optional(Type.String({ maxLength: 1000 })),
    contentHash: Type.Optional(Type.String({ maxLength: 200 })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    chunks: Type.Optional(
      Type.Array(
        Type.Object(
          {
            text: Type.String({ maxLength: 1_000_000 }),
            start: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
            end: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647 })),
            page: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100_000 },
      ),
    ),
  },
  { additionalProperties: false },
);

const ChunkSchema = Type.Object({
  id: Type.String(),
  sourceId: Type.String(),
  ordinal: Type.Integer(),
  text: Type.String(),
  start: Type.Integer(),
  end: Type.Integer(),
  page: Type.Union([Type.Integer(), Type.Null()]),
});

export const SourceSchema = Type.Object({
  id: Type.String(),
  uri: Type.String(),
  kind: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  contentHash: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  status: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const SourceWithChunksSchema = Type.Intersect([SourceSchema, Type.Object({ chunks: Type.Array(ChunkSchema) })]);

export const SourceListQuery = Type.Object(
  { kind: Type.Optional(Type.String({ maxLength: 32 })), limit: Type.Optional(limit), cursor: Type.Optional(cursor) },
  { additionalProperties: false },
);

export const SourceDeletedSchema = Type.Object({ retractedEvidence: Type.Integer(), deletedEntities: Type.Integer(), deletedRelations: Type.Integer() });
