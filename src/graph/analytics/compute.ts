/**
 * @module One analytics run on a tenant's projection arrays: select the subgraph (entity and relation types), build
 * the analytics CSR, run the algorithm and rank the rows. Pure computation; it runs in the analytics worker.
 */
import { TrellisError } from '../../core/errors.js';
import type { ProjectionArrays } from '../projection-data.js';
import { betweennessScores, prepareBetweenness, runBetweennessShare, sampleSources } from './betweenness.js';
import { strongComponents, weakComponents } from './components.js';
import { type AnalyticsGraph, degreeOrder, graphFromEdges, renumber, reversed, simple, undirected } from './csr.js';
import { degrees } from './degree.js';
import { louvain } from './louvain.js';
import { type Algorithm, type Params, defaultBetweennessSamples, exactBetweennessMaxEntities } from './params.js';
import { preparePageRankFromEdges, runPageRankShare } from './pagerank.js';
import { seededRandom } from './random.js';
import { rankBy } from './rank.js';
import type { KernelThreads } from './threads.js';

/** What a run reads of the projection. */
export type ComputeInput = Pick<
  ProjectionArrays,
  'entityCount' | 'entityTypes' | 'entityTypeNames' | 'relationTypes' | 'relationTypeNames' | 'outStart' | 'outTarget' | 'outRelation'
>;

/** Facts about a run beside its rows (convergence, counts, modularity …), all plain JSON values. */
export type RunSummary = Record<string, number | boolean | null>;

/** A run's rows in rank order: their entity numbers in the projection and their value columns. */
export interface ComputeOutput {
  /** Entity numbers (positions in the projection's entity arrays), best first. */
  order: Uint32Array;
  /** Value columns by name, in rank order; the first is the algorithm's main value (ranked, written back). */
  values: Record<string, Float64Array>;
  summary: RunSummary;
  /** Entities and relations in the analysed subgraph. */
  entities: number;
  relations: number;
}

/** Graphs at least this large use the helper threads (below, starting them costs more than it saves). */
const parallelMinEdges = 200_000;

/** The selected subgraph: node i is entity `entityOf[i]` (entity order kept), edges as endpoint arrays. */
interface Selection {
  entityOf: Uint32Array;
  from: Uint32Array;
  to: Uint32Array;
  edgeCount: number;
}

/** A type-name filter as a mask over interned type numbers; unknown names are a bad request. */
function typeMask(names: readonly string[], wanted: readonly string[] | null, what: string): Uint8Array | null {
  if (!wanted) return null;
  const known = new Map(names.map((name, number) => [name, number]));
  const unknown = wanted.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new TrellisError('bad_request', `Unknown ${what} type${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      field: what === 'relation' ? 'relationTypes' : 'entityTypes',
      unknown,
      known: [...names].sort().slice(0, 100),
    });
  }
  const mask = new Uint8Array(names.length);
  for (const name of wanted) mask[known.get(name) as number] = 1;
  return mask;
}

function select(input: ComputeInput, params: Params[Algorithm]): Selection {
  const { entityCount, outStart, outTarget, outRelation } = input;
  const entityMask = typeMask(input.entityTypeNames, params.entityTypes, 'entity');
  const relationMask = typeMask(input.relationTypeNames, params.relationTypes, 'relation');
  const nodeOf = new Int32Array(entityCount);
  let nodeCount = 0;
  for (let entity = 0; entity < entityCount; entity++) {
    nodeOf[entity] = !entityMask || entityMask[input.entityTypes[entity] as number] === 1 ? nodeCount++ : -1;
  }
  const entityOf = new Uint32Array(nodeCount);
  for (let entity = 0; entity < entityCount; entity++) if ((nodeOf[entity] as number) >= 0) entityOf[nodeOf[entity] as number] = entity;
  const relations = outTarget.length;
  const from = new Uint32Array(relations);
  const to = new Uint32Array(relations);
  let edgeCount = 0;
  for (let entity = 0; entity < entityCount; entity++) {
    const near = nodeOf[entity] as number;
    if (near < 0) continue;
    const end = outStart[entity + 1] as number;
    for (let position = outStart[entity] as number; position < end; position++) {
      if (relationMask && relationMask[input.relationTypes[outRelation[position] as number] as number] !== 1) continue;
      const far = nodeOf[outTarget[position] as number] as number;
      if (far < 0) continue;
      from[edgeCount] = near;
      to[edgeCount++] = far;
    }
  }
  return { entityOf, from, to, edgeCount };
}

/** The graph a direction asks for. */
function directed(graph: AnalyticsGraph, direction: 'out' | 'in' | 'both'): AnalyticsGraph {
  return direction === 'out' ? graph : direction === 'in' ? reversed(graph) : undirected(graph);
}

function pageRankRun(selection: Selection, params: Params['pagerank'], threads: KernelThreads | null) {
  const { entityOf, from, to, edgeCount } = selection;
  const nodeCount = entityOf.length;
  // Renumbered by degree, so the scores gathered most often share cache lines; mapped back afterwards. The selection
  // is this run's own, so it is renamed in place.
  const { newOf, oldOf } = degreeOrder(nodeCount, from, to, edgeCount);
  renumber(from, to, edgeCount, newOf);
  const pageRankParams = { damping: params.damping, tolerance: params.tolerance, maxIterations: params.iterations };
  const parallel = threads && threads.size > 1 && edgeCount >= parallelMinEdges ? threads : null;
  const task = preparePageRankFromEdges(nodeCount, from, to, edgeCount, params.direction, pageRankParams, parallel ? parallel.size : 1);
  const outcome = parallel ? parallel.pageRank(task) : runPageRankShare(task, 0);
  const scores = new Float64Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) scores[oldOf[node] as number] = task.scores[node] as number;
  return { scores, summary: { converged: outcome.converged, iterations: outcome.iterations, delta: outcome.delta, threads: task.threads } };
}

function betweennessRun(graph: AnalyticsGraph, params: Params['betweenness'], threads: KernelThreads | null) {
  const paths = simple(directed(graph, params.direction));
  const nodeCount = graph.nodeCount;
  const wanted = params.samples ?? (nodeCount <= exactBetweennessMaxEntities ? nodeCount : defaultBetweennessSamples);
  const sources = sampleSources(nodeCount, wanted, seededRandom(params.seed));
  const parallel = threads && threads.size > 1 && sources.length * paths.edgeCount >= parallelMinEdges ? threads : null;
  const task = prepareBetweenness(paths, sources, parallel ? parallel.size : 1);
  if (parallel) parallel.betweenness(task);
  else runBetweennessShare(task, 0);
  const scores = betweennessScores(task, { undirected: params.direction === 'both', normalized: params.normalized });
  return { scores, summary: { exact: sources.length === nodeCount, sampledSources: sources.length, threads: task.threads } };
}

/** Float64 copies of integer columns, reordered by rank. */
function inOrder(values: ArrayLike<number>, order: Uint32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let row = 0; row < order.length; row++) out[row] = values[order[row] as number] as number;
  return out;
}

/** The values of groups (components, communities) and their sizes, per node. */
function groupColumns(group: Uint32Array, sizes: Uint32Array): { group: Float64Array; size: Float64Array } {
  const size = new Float64Array(group.length);
  for (let node = 0; node < group.length; node++) size[node] = sizes[group[node] as number] as number;
  return { group: Float64Array.from(group), size };
}

/**
 * Runs `algorithm` on the projection with full parameters. Rows rank by the main value (descending for scores and
 * degrees, ascending for component and community numbers), ties in entity row-number order.
 * @example
 * const output = compute(arrays, 'pagerank', checkParams('pagerank', {}), null);
 */
export function compute<A extends Algorithm>(input: ComputeInput, algorithm: A, params: Params[A], threads: KernelThreads | null): ComputeOutput {
  const selection = select(input, params);
  const { entityOf, edgeCount } = selection;
  const nodeCount = entityOf.length;
  let main: Float64Array;
  let extra: Record<string, Float64Array> = {};
  let descending = true;
  let summary: RunSummary = {};
  if (algorithm === 'pagerank') {
    const run = pageRankRun(selection, params as Params['pagerank'], threads);
    main = run.scores;
    summary = run.summary;
  } else if (algorithm === 'communities') {
    // Louvain builds its own undirected weighted rows from the edges: no directed CSR is needed.
    const communityParams = params as Params['communities'];
    const found = louvain(nodeCount, selection.from, selection.to, edgeCount, {
      resolution: communityParams.resolution,
      seed: communityParams.seed,
      maxLevels: 32,
      maxPasses: 64,
    });
    const columns = groupColumns(found.community, found.sizes);
    main = columns.group;
    extra = { communitySize: columns.size };
    descending = false;
    summary = { communities: found.sizes.length, largestCommunity: found.sizes[0] ?? 0, modularity: found.modularity, levels: found.levels };
  } else {
    const graph = graphFromEdges(nodeCount, selection.from, selection.to, edgeCount);
    if (algorithm === 'degree') {
      const counted = degrees(graph);
      const mode = (params as Params['degree']).mode;
      main = Float64Array.from(counted[mode]);
      extra = { inDegree: Float64Array.from(counted.in), outDegree: Float64Array.from(counted.out) };
    } else if (algorithm === 'betweenness') {
      const run = betweennessRun(graph, params as Params['betweenness'], threads);
      main = run.scores;
      summary = run.summary;
    } else {
      const found = (params as Params['components']).mode === 'strong' ? strongComponents(graph) : weakComponents(graph);
      const columns = groupColumns(found.component, found.sizes);
      main = columns.group;
      extra = { componentSize: columns.size };
      descending = false;
      summary = { components: found.sizes.length, largestComponent: found.sizes[0] ?? 0 };
    }
  }
  const ranked = rankBy(main, descending);
  const values: Record<string, Float64Array> = { [mainColumn[algorithm]]: inOrder(main, ranked) };
  for (const [name, column] of Object.entries(extra)) values[name] = inOrder(column, ranked);
  const order = new Uint32Array(nodeCount);
  for (let row = 0; row < nodeCount; row++) order[row] = entityOf[ranked[row] as number] as number;
  return { order, values, summary, entities: nodeCount, relations: edgeCount };
}

/** The name of each algorithm's main value column. */
export const mainColumn: Record<Algorithm, string> = {
  pagerank: 'pagerank',
  degree: 'degree',
  betweenness: 'betweenness',
  components: 'component',
  communities: 'community',
};
