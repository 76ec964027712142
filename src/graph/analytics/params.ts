/**
 * @module The algorithms and their parameters: one TypeBox schema per algorithm, used to validate HTTP bodies, CLI
 * flags and job payloads alike, and the defaults that make a run repeatable.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { TrellisError } from '../../core/errors.js';

/** The algorithms, as named in routes, the CLI and job payloads. */
export const algorithms = ['pagerank', 'degree', 'betweenness', 'components', 'communities'] as const;
export type Algorithm = (typeof algorithms)[number];

/** Whether a name is one of {@link algorithms}. */
export function isAlgorithm(name: string): name is Algorithm {
  return (algorithms as readonly string[]).includes(name);
}

const typeName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,63}$' });
const direction = Type.Union([Type.Literal('out'), Type.Literal('in'), Type.Literal('both')], {
  description: 'Which way relations are followed: out (from → to), in (to → from) or both (the undirected graph)',
});

/** Fields every algorithm takes: the subgraph to analyse and what to do with the result. */
const common = {
  relationTypes: Type.Optional(
    Type.Array(typeName, {
      minItems: 1,
      maxItems: 100,
      description: 'Only relations of these types; a type the graph does not have is refused with 400 (a typo would otherwise analyse an empty graph)',
    }),
  ),
  entityTypes: Type.Optional(
    Type.Array(typeName, {
      minItems: 1,
      maxItems: 100,
      description: 'Only entities of these types and the relations between them (the induced subgraph); unknown types are refused with 400',
    }),
  ),
  writeBack: Type.Optional(Type.Boolean({ description: "Write each entity's value into its properties (merge patch) under `property`; default false" })),
  property: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$',
      description: 'Property name for write-back; default the algorithm name (pagerank, degree, betweenness, component, community)',
    }),
  ),
};

const seed = Type.Integer({ minimum: 0, maximum: 4294967295, description: 'Seed of the random choices (sampled sources, visiting order); default 1' });

/** The parameter schema of each algorithm (additional properties refused). */
export const paramSchemas = {
  pagerank: Type.Object(
    {
      ...common,
      damping: Type.Optional(
        Type.Number({
          exclusiveMinimum: 0,
          exclusiveMaximum: 1,
          description: 'Probability of following a relation rather than jumping anywhere; default 0.85',
        }),
      ),
      iterations: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Most iterations; fewer when it converges first; default 100' })),
      tolerance: Type.Optional(
        Type.Number({
          exclusiveMinimum: 0,
          maximum: 1,
          description: 'Converged once the L1 change of the scores is below entities × tolerance (networkx and graphology rule); default 1e-6',
        }),
      ),
      direction: Type.Optional(direction),
    },
    { additionalProperties: false },
  ),
  degree: Type.Object(
    {
      ...common,
      mode: Type.Optional(
        Type.Union([Type.Literal('in'), Type.Literal('out'), Type.Literal('total')], {
          description: 'The degree that ranks and is written back; default total',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  betweenness: Type.Object(
    {
      ...common,
      direction: Type.Optional(direction),
      samples: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: 1_000_000,
          description: 'Source nodes sampled (Brandes from each, scaled by entities / samples); default: exact up to 5,000 entities, else 64',
        }),
      ),
      normalized: Type.Optional(Type.Boolean({ description: 'Divide by (n − 1)(n − 2) as networkx and graphology do; default true' })),
      seed: Type.Optional(seed),
    },
    { additionalProperties: false },
  ),
  components: Type.Object(
    {
      ...common,
      mode: Type.Optional(
        Type.Union([Type.Literal('weak'), Type.Literal('strong')], {
          description: 'weak: joined by relations either way; strong: reaching each other along relation directions; default weak',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  communities: Type.Object(
    {
      ...common,
      resolution: Type.Optional(
        Type.Number({ exclusiveMinimum: 0, maximum: 100, description: 'Modularity resolution: above 1 gives smaller communities; default 1' }),
      ),
      seed: Type.Optional(seed),
    },
    { additionalProperties: false },
  ),
} satisfies Record<Algorithm, TSchema>;

/** The parameters of each algorithm, as given (every field optional). */
export type ParamsInput = { [A in Algorithm]: Static<(typeof paramSchemas)[A]> };

/** Fields every algorithm has once defaults are applied. */
interface CommonParams {
  relationTypes: string[] | null;
  entityTypes: string[] | null;
  writeBack: boolean;
  property: string;
}

/** The parameters with every default applied: what a run used, as its result reports. */
export type Params = {
  pagerank: CommonParams & { damping: number; iterations: number; tolerance: number; direction: 'out' | 'in' | 'both' };
  degree: CommonParams & { mode: 'in' | 'out' | 'total' };
  betweenness: CommonParams & { direction: 'out' | 'in' | 'both'; samples: number | null; normalized: boolean; seed: number };
  components: CommonParams & { mode: 'weak' | 'strong' };
  communities: CommonParams & { resolution: number; seed: number };
};

/** Any algorithm's full parameters. */
export type AnyParams = Params[Algorithm];

/** The default write-back property of each algorithm. */
export const defaultProperty: Record<Algorithm, string> = {
  pagerank: 'pagerank',
  degree: 'degree',
  betweenness: 'betweenness',
  components: 'component',
  communities: 'community',
};

/** Betweenness is exact up to this many entities unless `samples` is given. */
export const exactBetweennessMaxEntities = 5000;
/** Sources sampled for betweenness above {@link exactBetweennessMaxEntities} unless `samples` is given. */
export const defaultBetweennessSamples = 64;

const sortedUnique = (list: string[] | undefined) => (list ? [...new Set(list)].sort() : null);

/**
 * Checks `input` against the algorithm's schema (a `validation_failed` error names the first bad field) and fills in
 * the defaults.
 * @example
 * checkParams('pagerank', { damping: 0.9 }); // { damping: 0.9, iterations: 100, tolerance: 1e-6, direction: 'out', … }
 */
export function checkParams<A extends Algorithm>(algorithm: A, input: unknown): Params[A] {
  const schema = paramSchemas[algorithm];
  const given = input ?? {};
  if (!Value.Check(schema, given)) {
    const [first] = Value.Errors(schema, given).filter((error) => error.keyword !== 'boolean');
    const field =
      first?.instancePath.replace(/^\//, '').replace(/\//g, '.') || (first?.params as { additionalProperties?: string[] })?.additionalProperties?.[0];
    const message =
      first?.keyword === 'additionalProperties' ? `unknown parameter ${JSON.stringify(field)}` : `${field || 'parameters'}: ${first?.message ?? 'invalid'}`;
    throw new TrellisError('validation_failed', `${algorithm}: ${message}`, { field: field ?? null });
  }
  const raw = given as ParamsInput[Algorithm] & Record<string, unknown>;
  const common: CommonParams = {
    relationTypes: sortedUnique(raw.relationTypes),
    entityTypes: sortedUnique(raw.entityTypes),
    writeBack: raw.writeBack ?? false,
    property: raw.property ?? defaultProperty[algorithm],
  };
  const all = {
    pagerank: () => ({
      ...common,
      damping: (raw.damping as number | undefined) ?? 0.85,
      iterations: (raw.iterations as number | undefined) ?? 100,
      tolerance: (raw.tolerance as number | undefined) ?? 1e-6,
      direction: (raw.direction as Params['pagerank']['direction'] | undefined) ?? 'out',
    }),
    degree: () => ({ ...common, mode: (raw.mode as Params['degree']['mode'] | undefined) ?? 'total' }),
    betweenness: () => ({
      ...common,
      direction: (raw.direction as Params['betweenness']['direction'] | undefined) ?? 'out',
      samples: (raw.samples as number | undefined) ?? null,
      normalized: (raw.normalized as boolean | undefined) ?? true,
      seed: (raw.seed as number | undefined) ?? 1,
    }),
    components: () => ({ ...common, mode: (raw.mode as Params['components']['mode'] | undefined) ?? 'weak' }),
    communities: () => ({ ...common, resolution: (raw.resolution as number | undefined) ?? 1, seed: (raw.seed as number | undefined) ?? 1 }),
  };
  return all[algorithm]() as Params[A];
}
