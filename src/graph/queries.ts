/**
 * @module Graph queries beyond neighbourhoods: k shortest paths and subgraphs around a set of entities, with entity
 * and relation filters, on the in-memory projection when it is current and on SQL otherwise (same answers).
 */
import { TrellisError, notFound } from '../core/errors.js';
import { isId } from '../core/ids.js';
import type { Tx } from '../store/index.js';
import { entitiesBySeq, entitySeqs, propertiesBySeq } from './entities.js';
import type { EntityFilterOptions } from './filters.js';
import { kShortestPaths } from './k-paths.js';
import type { GraphProjection } from './projection-graph.js';
import { projectionWalker } from './projection-walker.js';
import { inducedSubgraph } from './subgraph.js';
import type { Direction, Edge, NodeSummary } from './types.js';
import { type Walker, type WalkerOptions, sqlWalker } from './walker.js';

/** Most paths one k-shortest-paths query returns. */
export const maxPathCount = 20;
/** Most seeds of one subgraph query. */
export const maxSeeds = 100;
/**
 * Most relations one query examines over all its searches (Yen's algorithm runs one search per spur node); past it
 * the paths found so far come back marked truncated, so a query on a dense graph cannot hold the server for long.
 */
export const maxQuerySteps = 2_000_000;

/** Options of {@link kPathsQuery}. */
export interface PathsOptions extends EntityFilterOptions {
  /** How many paths, 1 to {@link maxPathCount}. */
  k: number;
  /** Longest path in relations. */
  maxDepth: number;
  direction: Direction;
  relationTypes?: string[];
}

/** One path of a result: its entities in order (depth = position) and the relations between them. */
export interface PathResult {
  length: number;
  nodes: NodeSummary[];
  edges: Edge[];
}

/** Options of {@link subgraphQuery}. */
export interface SubgraphQueryOptions extends EntityFilterOptions {
  depth: number;
  direction: Direction;
  relationTypes?: string[];
  maxNodes: number;
  maxEdges: number;
}

/** Row numbers of the given entity IDs; an unknown ID (or another tenant's) is not_found. */
async function seqsOf(tx: Tx, tenantId: string, ids: readonly string[]): Promise<number[]> {
  const found = await entitySeqs(tx, tenantId, [...new Set(ids.filter(isId))]);
  return ids.map((id) => {
    const seq = found.get(id);
    if (seq === undefined) throw notFound('Entity', id);
    return seq;
  });
}

function walkerFor(tx: Tx, tenantId: string, projection: GraphProjection | null, options: WalkerOptions): Walker {
  if (!projection) return sqlWalker(tx, tenantId, options);
  return projectionWalker(
    projection,
    options,
    (seqs) => entitiesBySeq(tx, tenantId, seqs),
    (seqs) => propertiesBySeq(tx, tenantId, seqs),
  );
}

async function summaries(walker: Walker, nodes: readonly number[], depths: readonly number[]): Promise<NodeSummary[]> {
  const labels = await walker.labels(nodes);
  return nodes.map((node, index) => {
    const label = labels.get(node);
    return { id: label?.id ?? '', type: label?.type ?? '', name: label?.name ?? '', depth: depths[index] as number };
  });
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new TrellisError('bad_request', `${name} must be an integer from ${min} to ${max}; got ${value}`);
}

/**
 * Up to `k` shortest loopless paths from `from` to `to` (see k-paths.ts), as entity and relation summaries. Unknown
 * endpoints are not_found; no path is `found: false`. Entities inside a path must pass the entity filter; the two
 * ends need not.
 */
export async function kPathsQuery(
  tx: Tx,
  tenantId: string,
  projection: GraphProjection | null,
  from: string,
  to: string,
  options: PathsOptions,
): Promise<{ found: boolean; paths: PathResult[]; truncated: boolean }> {
  checkRange('k', options.k, 1, maxPathCount);
  checkRange('maxDepth', options.maxDepth, 1, 10);
  const [fromSeq, toSeq] = (await seqsOf(tx, tenantId, [from, to])) as [number, number];
  if (fromSeq === toSeq) {
    const label = (await entitiesBySeq(tx, tenantId, [fromSeq])).get(fromSeq);
    return { found: true, paths: [{ length: 0, nodes: label ? [{ ...label, depth: 0 }] : [], edges: [] }], truncated: false };
  }
  const walker = walkerFor(tx, tenantId, projection, options);
  const [start, end] = [walker.nodeOfSeq(fromSeq), walker.nodeOfSeq(toSeq)];
  // On the projection, an entity it does not hold has no relations: no path, as SQL finds.
  if (start < 0 || end < 0) return { found: false, paths: [], truncated: false };
  const { paths, truncated } = await kShortestPaths(walker, start, end, {
    k: options.k,
    maxLength: options.maxDepth,
    direction: options.direction,
    maxSteps: maxQuerySteps,
  });
  const results: PathResult[] = [];
  for (const path of paths) {
    const nodes = await summaries(
      walker,
      path.nodes,
      path.nodes.map((_, index) => index),
    );
    const ids = new Map(path.nodes.map((node, index) => [node, (nodes[index] as NodeSummary).id]));
    const edges = path.steps.map((step) => ({
      id: walker.idOf(step.relation),
      type: walker.typeOf(step.relation),
      from: ids.get(step.from) as string,
      to: ids.get(step.to) as string,
    }));
    results.push({ length: edges.length, nodes, edges });
  }
  return { found: results.length > 0, paths: results, truncated };
}

/**
 * The induced subgraph of `seeds` and the entities within `depth` hops of them (see subgraph.ts). Unknown seeds are
 * not_found; `maxNodes` must leave room for the seeds.
 */
export async function subgraphQuery(
  tx: Tx,
  tenantId: string,
  projection: GraphProjection | null,
  seeds: readonly string[],
  options: SubgraphQueryOptions,
): Promise<{ nodes: NodeSummary[]; edges: Edge[]; truncated: boolean }> {
  const distinct = [...new Set(seeds)];
  if (distinct.length === 0 || distinct.length > maxSeeds)
    throw new TrellisError('bad_request', `A subgraph takes 1 to ${maxSeeds} seed entities, not ${distinct.length}`);
  checkRange('depth', options.depth, 0, 3);
  if (options.maxNodes < distinct.length)
    throw new TrellisError('bad_request', `maxNodes (${options.maxNodes}) is smaller than the number of seeds (${distinct.length})`);
  const seedSeqs = await seqsOf(tx, tenantId, distinct);
  const walker = walkerFor(tx, tenantId, projection, options);
  const known = seedSeqs.map((seq) => walker.nodeOfSeq(seq));
  const held = known.filter((node) => node >= 0);
  // Seeds the projection does not hold still take their place in maxNodes, as they do on the SQL path.
  const walked = await inducedSubgraph(walker, held, {
    depth: options.depth,
    direction: options.direction,
    maxNodes: options.maxNodes - (known.length - held.length),
    maxRelations: options.maxEdges,
  });
  const nodes = await summaries(
    walker,
    walked.nodes.map((entry) => entry.node),
    walked.nodes.map((entry) => entry.depth),
  );
  const seqs = walked.nodes.map((entry) => walker.seqOf(entry.node));
  // Seeds the projection does not hold (entities without relations added since its build) are isolated.
  const isolated = seedSeqs.filter((_, index) => (known[index] as number) < 0);
  if (isolated.length > 0) {
    const labels = await entitiesBySeq(tx, tenantId, isolated);
    for (const seq of isolated) {
      const label = labels.get(seq);
      if (label) {
        nodes.push({ ...label, depth: 0 });
        seqs.push(seq);
      }
    }
  }
  // Seeds first in row-number order, then each depth in row-number order, as on the SQL path.
  const order = nodes
    .map((_, index) => index)
    .sort((a, b) => (nodes[a] as NodeSummary).depth - (nodes[b] as NodeSummary).depth || (seqs[a] as number) - (seqs[b] as number));
  const ids = new Map(walked.nodes.map((entry, index) => [entry.node, (nodes[index] as NodeSummary).id]));
  return {
    nodes: order.map((index) => nodes[index] as NodeSummary),
    edges: walked.relations.map((entry) => ({
      id: walker.idOf(entry.relation),
      type: walker.typeOf(entry.relation),
      from: ids.get(entry.from) as string,
      to: ids.get(entry.to) as string,
    })),
    truncated: walked.truncated,
  };
}
