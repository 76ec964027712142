/**
 * @module The subgraph around a set of entities: the seeds, every entity within `depth` hops of one, and all relations
 * among them (the induced subgraph), bounded in nodes and relations. Written once over a {@link Walker}.
 */
import type { Direction } from './types.js';
import type { Walker } from './walker.js';

/** Options of {@link inducedSubgraph}. */
export interface SubgraphOptions {
  depth: number;
  direction: Direction;
  maxNodes: number;
  maxRelations: number;
}

/** What {@link inducedSubgraph} found: nodes with their distance from the nearest seed, relations as stored (from → to). */
export interface WalkedSubgraph {
  nodes: { node: number; depth: number }[];
  relations: { relation: number; from: number; to: number }[];
  truncated: boolean;
}

/**
 * The induced subgraph of the seeds and their neighbourhood. Each depth's new entities enter in row-number order
 * (seeds pass no filter; the others must pass the walker's entity filter), so when `maxNodes` cuts a depth the ones
 * kept are the same on every path. Relations are every relation of an allowed type between two kept nodes, in any
 * direction, ordered by (from row number, type, to row number) and cut at `maxRelations`.
 * @example
 * const result = await inducedSubgraph(walker, seeds, { depth: 2, direction: 'both', maxNodes: 1000, maxRelations: 5000 });
 */
export async function inducedSubgraph(walker: Walker, seeds: readonly number[], options: SubgraphOptions): Promise<WalkedSubgraph> {
  const bySeq = (a: number, b: number) => walker.seqOf(a) - walker.seqOf(b);
  const depthOf = new Map<number, number>();
  const order: number[] = [];
  for (const seed of [...new Set(seeds)].sort(bySeq)) {
    depthOf.set(seed, 0);
    order.push(seed);
  }
  let truncated = false;
  let frontier = [...order];
  for (let depth = 1; depth <= options.depth && frontier.length > 0 && !truncated; depth++) {
    const steps = await walker.expand(frontier, options.direction);
    const fresh = [...new Set(steps.far.filter((node) => !depthOf.has(node)))].sort(bySeq);
    const next: number[] = [];
    for (const node of await walker.accept(fresh)) {
      if (order.length >= options.maxNodes) {
        truncated = true;
        break;
      }
      depthOf.set(node, depth);
      order.push(node);
      next.push(node);
    }
    frontier = next;
  }
  const steps = await walker.expand(order, 'out');
  const relations: WalkedSubgraph['relations'] = [];
  const seen = new Set<number>();
  for (let index = 0; index < steps.far.length; index++) {
    const relation = steps.relation[index] as number;
    const to = steps.far[index] as number;
    if (!depthOf.has(to) || seen.has(relation)) continue;
    seen.add(relation);
    relations.push({ relation, from: steps.near[index] as number, to });
  }
  relations.sort((a, b) => {
    const difference = walker.seqOf(a.from) - walker.seqOf(b.from);
    if (difference !== 0) return difference;
    const [typeA, typeB] = [walker.typeOf(a.relation), walker.typeOf(b.relation)];
    if (typeA !== typeB) return typeA < typeB ? -1 : 1;
    return walker.seqOf(a.to) - walker.seqOf(b.to);
  });
  if (relations.length > options.maxRelations) {
    relations.length = options.maxRelations;
    truncated = true;
  }
  return { nodes: order.map((node) => ({ node, depth: depthOf.get(node) as number })), relations, truncated };
}
