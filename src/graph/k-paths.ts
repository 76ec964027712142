/**
 * @module The k shortest loopless paths between two entities (Yen's algorithm over unweighted hops), written once over
 * a {@link Walker}, so SQL and the in-memory projection find the same paths in the same order.
 */
import type { Direction } from './types.js';
import type { Walker } from './walker.js';

/** One relation of a path, oriented as the relation is stored (`from` → `to`, as nodes). */
export interface PathStep {
  relation: number;
  from: number;
  to: number;
}

/** A path: its nodes from start to end and the relations between them. */
export interface WalkedPath {
  nodes: number[];
  steps: PathStep[];
}

/** Options of {@link kShortestPaths}. */
export interface KPathOptions {
  k: number;
  /** Longest path, in relations. */
  maxLength: number;
  direction: Direction;
  /** Most relations examined in all, over every search; when passed the paths found so far are returned, marked truncated. */
  maxSteps: number;
}

const reverse: Record<Direction, Direction> = { out: 'in', in: 'out', both: 'both' };

/** Thrown inside the search when the step budget is spent. */
class BudgetSpent extends Error {}

/** For each node one side reached: its depth, the relation that reached it (-1 at the ends), whether it left the previous node, and that node. */
type Visits = Map<number, [depth: number, relation: number, out: boolean, previous: number]>;

interface SearchState {
  walker: Walker;
  direction: Direction;
  stepsLeft: number;
}

/**
 * A shortest path from `from` to `to` of at most `maxLength` relations that avoids `blockedNodes` and
 * `blockedRelations`, by bidirectional breadth-first search expanding the smaller frontier. Ties are broken as
 * `shortestPath` in traversal.ts does: of the relations reaching a node in one expansion the one from the lowest row
 * number, outgoing first, then by type name, wins; the meeting node has the lowest total depth, then row number.
 * Nodes other than the two ends must pass the walker's entity filter.
 */
async function search(
  state: SearchState,
  from: number,
  to: number,
  maxLength: number,
  blockedNodes: ReadonlySet<number>,
  blockedRelations: ReadonlySet<number>,
): Promise<WalkedPath | null> {
  const { walker } = state;
  if (from === to) return { nodes: [from], steps: [] };
  const sides: [Visits, Visits] = [new Map([[from, [0, -1, true, -1]]]), new Map([[to, [0, -1, true, -1]]])];
  const frontiers: [number[], number[]] = [[from], [to]];
  const depths = [0, 0];
  while ((depths[0] as number) + (depths[1] as number) < maxLength && frontiers[0].length > 0 && frontiers[1].length > 0) {
    const side = frontiers[0].length <= frontiers[1].length ? 0 : 1;
    const mine = sides[side];
    const other = sides[1 - side] as Visits;
    const direction = side === 0 ? state.direction : reverse[state.direction];
    const depth = (depths[side] as number) + 1;
    const steps = await walker.expand(frontiers[side], direction);
    state.stepsLeft -= steps.far.length;
    if (state.stepsLeft < 0) throw new BudgetSpent();
    const candidates: number[] = [];
    const seen = new Set<number>();
    for (let index = 0; index < steps.far.length; index++) {
      const far = steps.far[index] as number;
      if (mine.has(far) || seen.has(far) || blockedNodes.has(far) || blockedRelations.has(steps.relation[index] as number)) continue;
      seen.add(far);
      candidates.push(far);
    }
    const ends = candidates.filter((node) => node === from || node === to);
    const allowed = new Set([...ends, ...(await walker.accept(candidates.filter((node) => node !== from && node !== to)))]);
    const reached = new Map<number, [near: number, relation: number, out: boolean]>();
    for (let index = 0; index < steps.far.length; index++) {
      const far = steps.far[index] as number;
      const relation = steps.relation[index] as number;
      if (!allowed.has(far) || blockedRelations.has(relation)) continue;
      const step: [number, number, boolean] = [steps.near[index] as number, relation, steps.out[index] as boolean];
      const held = reached.get(far);
      if (held && !precedes(walker, step, held)) continue;
      reached.set(far, step);
    }
    const next: number[] = [];
    let best: { node: number; total: number } | null = null;
    for (const [far, [near, relation, out]] of reached) {
      mine.set(far, [depth, relation, out, near]);
      next.push(far);
      const meet = other.get(far);
      if (!meet) continue;
      const total = depth + meet[0];
      if (!best || total < best.total || (total === best.total && walker.seqOf(far) < walker.seqOf(best.node))) best = { node: far, total };
    }
    depths[side] = depth;
    frontiers[side] = next;
    if (best) return joinPath(sides[0], sides[1], best.node);
  }
  return null;
}

/** Whether reaching a node by `step` ranks before the step already held. */
function precedes(walker: Walker, step: [number, number, boolean], held: [number, number, boolean]): boolean {
  const difference = walker.seqOf(step[0]) - walker.seqOf(held[0]);
  if (difference !== 0) return difference < 0;
  if (step[2] !== held[2]) return step[2];
  return walker.typeOf(step[1]) < walker.typeOf(held[1]);
}

function joinPath(forward: Visits, backward: Visits, meet: number): WalkedPath {
  const nodes = [meet];
  const steps: PathStep[] = [];
  for (let node = meet, visit = forward.get(meet); visit && visit[3] >= 0; node = visit[3], visit = forward.get(node)) {
    steps.unshift(visit[2] ? { relation: visit[1], from: visit[3], to: node } : { relation: visit[1], from: node, to: visit[3] });
    nodes.unshift(visit[3]);
  }
  for (let node = meet, visit = backward.get(meet); visit && visit[3] >= 0; node = visit[3], visit = backward.get(node)) {
    // The backward side walked from the end: "out" means the relation leaves the previous node, which lies nearer the end.
    steps.push(visit[2] ? { relation: visit[1], from: visit[3], to: node } : { relation: visit[1], from: node, to: visit[3] });
    nodes.push(visit[3]);
  }
  return { nodes, steps };
}

/** Paths in result order: fewer relations first, then by the row numbers of their nodes, then by their relations (from, type, to). */
function comparePaths(walker: Walker, a: WalkedPath, b: WalkedPath): number {
  if (a.steps.length !== b.steps.length) return a.steps.length - b.steps.length;
  for (let index = 0; index < a.nodes.length; index++) {
    const difference = walker.seqOf(a.nodes[index] as number) - walker.seqOf(b.nodes[index] as number);
    if (difference !== 0) return difference;
  }
  for (let index = 0; index < a.steps.length; index++) {
    const [x, y] = [a.steps[index] as PathStep, b.steps[index] as PathStep];
    const difference = walker.seqOf(x.from) - walker.seqOf(y.from) || walker.seqOf(x.to) - walker.seqOf(y.to);
    if (difference !== 0) return difference;
    const [typeX, typeY] = [walker.typeOf(x.relation), walker.typeOf(y.relation)];
    if (typeX !== typeY) return typeX < typeY ? -1 : 1;
  }
  return 0;
}

const pathKey = (path: WalkedPath) => path.steps.map((step) => step.relation).join(',');

/**
 * Up to `k` shortest loopless paths from `from` to `to` (nodes of the walker), by Yen's algorithm: each next path is
 * the best of the candidates made by leaving an earlier path at one of its nodes (the spur) and finding a shortest
 * path from there that avoids the earlier path's prefix and the relations earlier paths took from that prefix.
 * Paths are told apart by their relations, so two relations between the same entities give two paths.
 * @example
 * const { paths } = await kShortestPaths(walker, from, to, { k: 5, maxLength: 6, direction: 'both', maxSteps: 2_000_000 });
 */
export async function kShortestPaths(walker: Walker, from: number, to: number, options: KPathOptions): Promise<{ paths: WalkedPath[]; truncated: boolean }> {
  const state: SearchState = { walker, direction: options.direction, stepsLeft: options.maxSteps };
  const found: WalkedPath[] = [];
  try {
    const first = await search(state, from, to, options.maxLength, new Set(), new Set());
    if (!first) return { paths: [], truncated: false };
    found.push(first);
    const candidates: WalkedPath[] = [];
    const keys = new Set([pathKey(first)]);
    while (found.length < options.k) {
      const previous = found[found.length - 1] as WalkedPath;
      for (let spurIndex = 0; spurIndex < previous.steps.length && spurIndex < options.maxLength; spurIndex++) {
        const spur = previous.nodes[spurIndex] as number;
        const rootSteps = previous.steps.slice(0, spurIndex);
        const blockedRelations = new Set<number>();
        for (const path of found) {
          if (path.steps.length > spurIndex && rootSteps.every((step, index) => step.relation === (path.steps[index] as PathStep).relation))
            blockedRelations.add((path.steps[spurIndex] as PathStep).relation);
        }
        const blockedNodes = new Set(previous.nodes.slice(0, spurIndex));
        const spurPath = await search(state, spur, to, options.maxLength - spurIndex, blockedNodes, blockedRelations);
        if (!spurPath) continue;
        const candidate = { nodes: [...previous.nodes.slice(0, spurIndex), ...spurPath.nodes], steps: [...rootSteps, ...spurPath.steps] };
        const key = pathKey(candidate);
        if (keys.has(key)) continue;
        keys.add(key);
        candidates.push(candidate);
      }
      if (candidates.length === 0) break;
      candidates.sort((a, b) => comparePaths(walker, a, b));
      found.push(candidates.shift() as WalkedPath);
    }
    return { paths: found, truncated: false };
  } catch (error) {
    if (error instanceof BudgetSpent) return { paths: found, truncated: true };
    throw error;
  }
}
