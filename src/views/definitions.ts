/**
 * @module View definitions: what a view derives and from what, as one TypeBox union (validation, types and OpenAPI),
 * and the checks the schema cannot express.
 */
import { createHash } from 'node:crypto';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import { TrellisError } from '../core/errors.js';
import { checkPropertyFilter } from '../graph/index.js';

/** A view name: also the name of the dataset it writes; letters, digits, `_`, then also `.` and `-`. */
export const viewNamePattern = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$';
const typeName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' });
const propertyName = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\p{L}\\p{N}_][\\p{L}\\p{N}_ .:-]{0,127}$' });
const types = (what: string) => Type.Array(typeName, { minItems: 1, maxItems: 50, uniqueItems: true, description: `${what} types to include` });
const properties = (what: string) =>
  Type.Optional(Type.Array(propertyName, { maxItems: 200, uniqueItems: true, description: `Top-level properties of the ${what} that become columns` }));

/** Metrics a nodes view can compute per entity. */
export const nodeMetrics = ['degree', 'in_degree', 'out_degree', 'pagerank', 'community'] as const;
/** A metric of {@link nodeMetrics}. */
export type NodeMetric = (typeof nodeMetrics)[number];

export const NodesDefinitionSchema = Type.Object(
  {
    kind: Type.Literal('nodes'),
    entityTypes: types('Entity'),
    properties: properties('entities'),
    metrics: Type.Optional(
      Type.Array(
        Type.Union([Type.Literal('degree'), Type.Literal('in_degree'), Type.Literal('out_degree'), Type.Literal('pagerank'), Type.Literal('community')]),
        {
          uniqueItems: true,
          maxItems: nodeMetrics.length,
          description: 'degree, in_degree, out_degree (relations of any type); pagerank and community come from graph analytics',
        },
      ),
    ),
    where: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { maxProperties: 20, description: 'Property filter, as in graph queries' })),
    metricParams: Type.Optional(
      Type.Object(
        {
          pagerank: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { maxProperties: 20, description: 'PageRank parameters (docs/analytics.md)' })),
          community: Type.Optional(
            Type.Record(Type.String(), Type.Unknown(), { maxProperties: 20, description: 'Community (Louvain) parameters (docs/analytics.md)' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const EdgesDefinitionSchema = Type.Object(
  { kind: Type.Literal('edges'), relationTypes: types('Relation'), properties: properties('relations') },
  { additionalProperties: false },
);

export const EdgeJoinDefinitionSchema = Type.Object(
  {
    kind: Type.Literal('edge_join'),
    relationTypes: types('Relation'),
    properties: properties('relations'),
    fromProperties: properties('start entities (columns from_<name>)'),
    toProperties: properties('end entities (columns to_<name>)'),
  },
  { additionalProperties: false },
);

const mappingItems = (what: string) =>
  Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 20, description: `${what}, as in a mapping file (docs/ingestion.md)` });

export const GraphDefinitionSchema = Type.Object(
  {
    kind: Type.Literal('graph'),
    datasets: Type.Array(
      Type.Object(
        {
          dataset: Type.String({ pattern: viewNamePattern, description: 'An existing dataset of the tenant' }),
          entities: mappingItems('Row → entity mappings'),
          relations: Type.Optional(mappingItems('Row → relation mappings')),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
  },
  { additionalProperties: false },
);

export const VectorsDefinitionSchema = Type.Object(
  {
    kind: Type.Literal('vectors'),
    dataset: Type.String({ pattern: viewNamePattern }),
    columns: Type.Array(propertyName, { minItems: 1, maxItems: 20, uniqueItems: true, description: 'Text columns embedded together per row' }),
  },
  { additionalProperties: false },
);

export const ViewDefinitionSchema = Type.Union([
  NodesDefinitionSchema,
  EdgesDefinitionSchema,
  EdgeJoinDefinitionSchema,
  GraphDefinitionSchema,
  VectorsDefinitionSchema,
]);

/** A view definition. */
export type ViewDefinition = Static<typeof ViewDefinitionSchema>;
/** The kind of a view. */
export type ViewKind = ViewDefinition['kind'];
/** Kinds whose output is a dataset. */
export const tableKinds: readonly ViewKind[] = ['nodes', 'edges', 'edge_join'];

/** Largest definition accepted, as JSON text. */
export const maxDefinitionBytes = 64 * 1024;

/** Columns every nodes row has; properties may not take these names. */
export const nodeColumns = ['id', 'type', 'name'] as const;
/** Columns every edges row has. */
export const edgeColumns = ['id', 'type', 'from_id', 'from_type', 'from_name', 'to_id', 'to_type', 'to_name'] as const;

/**
 * Checks what the schema cannot: the size, the property filter, and property columns that would collide with the
 * fixed ones or with each other. Throws `bad_request` or `payload_too_large`.
 */
export function checkDefinition(definition: ViewDefinition): void {
  const size = Buffer.byteLength(JSON.stringify(definition));
  if (size > maxDefinitionBytes) throw new TrellisError('payload_too_large', `A view definition is at most ${maxDefinitionBytes} bytes of JSON, not ${size}`);
  const collide = (names: readonly string[] | undefined, fixed: readonly string[], prefix = '') => {
    for (const name of names ?? []) {
      if (fixed.includes(prefix + name))
        throw new TrellisError('bad_request', `Property "${name}" would be column "${prefix + name}", which every row already has (${fixed.join(', ')})`);
    }
  };
  if (definition.kind === 'nodes') {
    if (definition.where) checkPropertyFilter(definition.where);
    collide(definition.properties, [...nodeColumns, ...(definition.metrics ?? [])]);
  }
  if (definition.kind === 'edges' || definition.kind === 'edge_join') collide(definition.properties, edgeColumns);
  if (definition.kind === 'edge_join') {
    const relationColumns = [...edgeColumns, ...(definition.properties ?? [])];
    collide(definition.fromProperties, relationColumns, 'from_');
    collide(definition.toProperties, relationColumns, 'to_');
  }
  if (definition.kind === 'graph') {
    const names = definition.datasets.map((entry) => entry.dataset);
    if (new Set(names).size !== names.length) throw new TrellisError('bad_request', 'A graph view names each dataset once');
  }
}

/** Checks a view name (the HTTP schema does the same): `bad_request` naming the rule. */
export function checkViewName(name: unknown): string {
  if (typeof name !== 'string' || !new RegExp(viewNamePattern).test(name))
    throw new TrellisError(
      'bad_request',
      `A view name is 1 to 128 letters, digits, _ . - (not starting with . or -); got ${JSON.stringify(String(name).slice(0, 140))}`,
    );
  return name;
}

/**
 * Validates a definition given as a value (the CLI's file or flag; HTTP bodies are validated by the route schema):
 * `validation_failed` naming the first bad field.
 */
export function parseViewDefinition(value: unknown): ViewDefinition {
  if (!Value.Check(ViewDefinitionSchema, value)) {
    const kind = (value as { kind?: unknown } | null)?.kind;
    const branch = [NodesDefinitionSchema, EdgesDefinitionSchema, EdgeJoinDefinitionSchema, GraphDefinitionSchema, VectorsDefinitionSchema].find(
      (schema) => (schema.properties.kind as { const: string }).const === kind,
    );
    if (!branch)
      throw new TrellisError('validation_failed', `A view definition's kind is nodes, edges, edge_join, graph or vectors; got ${JSON.stringify(kind)}`);
    const [first] = Value.Errors(branch, value);
    const field = first?.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'definition';
    const message = first?.message === 'schema is false' ? 'is not a field of this kind' : (first?.message ?? 'invalid');
    throw new TrellisError('validation_failed', `View definition: ${field}: ${message}`, { field });
  }
  checkDefinition(value);
  return value;
}

/** A stable hash of a definition (recorded in the lineage). */
export function definitionHash(definition: ViewDefinition): string {
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 16);
}
