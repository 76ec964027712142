/** @module Neighbourhoods and shortest paths on a tenant's in-memory projection, with the same results as the SQL traversal. */
import { type GraphProjection, type NodeLabel, labelOf, nodeOfSeq, relationOf, seqOfNode } from './projection-graph.js';
import { compileFilter } from './filters.js';
import type { NeighbourOptions, PathOptions, SeqEdge } from './traversal.js';
import type { Direction, Edge, NodeSummary } from './types.js';

/** Reads labels of entities by row number from the store (entities added since the build). */
export type LabelReader = (seqs: number[]) => Promise<Map<number, NodeLabel>>;

/** Reads properties of entities by row number from the store (for property filters). */
export type PropertyReader = (seqs: number[]) => Promise<Map<number, Record<string, unknown>>>;

/** Relations reached from a frontier, as parallel lists: near end, far end, relation number, whether it leaves `near`. */
export interface Steps {
  near: number[];
  far: number[];
  relation: number[];
  out: boolean[];
}

/** A relation-type test on relation numbers, or null for any type. */
export function typeTest(projection: GraphProjection, relationTypes?: readonly string[]): ((relation: number) => boolean) | null {
  if (!relationTypes || relationTypes.length === 0) return null;
  const wanted = new Set(relationTypes);
  const { arrays } = projection;
  const mask = new Uint8Array(arrays.relationTypeNames.length);
  arrays.relationTypeNames.forEach((name, number) => (mask[number] = wanted.has(name) ? 1 : 0));
  return (relation) =>
    relation < arrays.relationCount
      ? mask[arrays.relationTypes[relation] as number] === 1
      : wanted.has((projection.addedRelations[relation - arrays.relationCount] as { type: string }).type);
}

/** Appends to `steps` every live relation at `near` in `direction` that passes `test` (a plain loop: no callback per relation). */
export function collectSteps(
  projection: GraphProjection,
  near: number,
  direction: Direction,
  test: ((relation: number) => boolean) | null,
  steps: Steps,
): void {
  const { arrays, deletedRelations } = projection;
  const checkDeleted = deletedRelations.size > 0;
  for (let side = 0; side < 2; side++) {
    const out = side === 0;
    if (out ? direction === 'in' : direction === 'out') continue;
    if (near < arrays.entityCount) {
      const start = out ? arrays.outStart : arrays.inStart;
      const target = out ? arrays.outTarget : arrays.inTarget;
      const relations = out ? arrays.outRelation : arrays.inRelation;
      const end = start[near + 1] as number;
      for (let position = start[near] as number; position < end; position++) {
        const relation = relations[position] as number;
        if (checkDeleted && deletedRelations.has(relation)) continue;
        if (test && !test(relation)) continue;
        steps.near.push(near);
        steps.far.push(target[position] as number);
        steps.relation.push(relation);
        steps.out.push(out);
      }
    }
    const added = (out ? projection.addedOut : projection.addedIn).get(near);
    if (!added) continue;
    for (const relation of added) {
      const entry = projection.addedRelations[relation - arrays.relationCount];
      if (!entry || (test && !test(relation))) continue;
      steps.near.push(near);
      steps.far.push(out ? entry.to : entry.from);
      steps.relation.push(relation);
      steps.out.push(out);
    }
  }
}

const emptySteps = (): Steps => ({ near: [], far: [], relation: [], out: [] });

/** Labels for nodes, reading those of added entities from the store once. */
export async function ensureLabels(projection: GraphProjection, nodes: readonly number[], read: LabelReader): Promise<void> {
  const missing = nodes.filter((node) => node >= projection.arrays.entityCount && labelOf(projection, node) === null);
  if (missing.length === 0) return;
  const found = await read(missing.map((node) => seqOfNode(projection, node)));
  for (const node of missing) {
    const label = found.get(seqOfNode(projection, node));
    if (label) (projection.extraNodes[node - projection.arrays.entityCount] as { label: NodeLabel | null }).label = label;
  }
}

/** The neighbourhood of `start` on the projection; see `neighbourhood` in traversal.ts for the rules it shares. */
export async function projectedNeighbourhood(
  projection: GraphProjection,
  start: { seq: number } & NodeLabel,
  options: NeighbourOptions,
  read: LabelReader,
  readProperties?: PropertyReader,
): Promise<{ nodes: NodeSummary[]; edges: Edge[]; truncated: boolean }> {
  const root = nodeOfSeq(projection, start.seq);
  const nodes: NodeSummary[] = [{ id: start.id, type: start.type, name: start.name, depth: 0 }];
  if (root < 0) return { nodes, edges: [], truncated: false };
  const idOf = new Map<number, string>([[root, start.id]]);
  const edges = new Map<number, Edge>();
  const test = typeTest(projection, options.relationTypes);
  const typeFilter = options.entityTypes && options.entityTypes.length > 0 ? new Set(options.entityTypes) : null;
  const conditions = options.where ? compileFilter(options.where) : null;
  if (conditions && !readProperties) throw new Error('a property filter needs a property reader');
  let frontier = [root];
  let truncated = false;
  for (let depth = 1; depth <= options.depth && frontier.length > 0 && !truncated; depth++) {
    const steps = emptySteps();
    for (const near of frontier) collectSteps(projection, near, options.direction, test, steps);
    const fresh: number[] = [];
    const seen = new Set<number>();
    for (const far of steps.far) {
      if (!idOf.has(far) && !seen.has(far)) {
        seen.add(far);
        fresh.push(far);
      }
    }
    // Nodes enter in row-number order, as on the SQL path, so a limit keeps the same ones.
    let builtOnly = true;
    for (const node of fresh) if (node >= projection.arrays.entityCount) builtOnly = false;
    fresh.sort(builtOnly ? numeric : (a, b) => seqOfNode(projection, a) - seqOfNode(projection, b));
    await ensureLabels(projection, fresh, read);
    const properties =
      conditions && readProperties
        ? await readProperties(
            fresh.filter((node) => !typeFilter || typeFilter.has(labelOf(projection, node)?.type ?? '')).map((node) => seqOfNode(projection, node)),
          )
        : null;
    const next: number[] = [];
    for (const node of fresh) {
      const label = labelOf(projection, node);
      if (!label || (typeFilter && !typeFilter.has(label.type))) continue;
      if (conditions && !conditions.test(properties?.get(seqOfNode(projection, node)) ?? {})) continue;
      if (nodes.length >= options.limit) {
        truncated = true;
        break;
      }
      idOf.set(node, label.id);
      nodes.push({ id: label.id, type: label.type, name: label.name, depth });
      next.push(node);
    }
    for (let index = 0; index < steps.near.length; index++) {
      const near = steps.near[index] as number;
      const far = steps.far[index] as number;
      const relation = steps.relation[index] as number;
      if (edges.has(relation) || !idOf.has(near) || !idOf.has(far)) continue;
      const { id, type } = relationOf(projection, relation) as { id: string; type: string };
      const out = steps.out[index] as boolean;
      edges.set(relation, { id, type, from: idOf.get(out ? near : far) as string, to: idOf.get(out ? far : near) as string });
    }
    frontier = next;
  }
  return { nodes, edges: [...edges.values()], truncated };
}

const numeric = (a: number, b: number) => a - b;

const reverse: Record<Direction, Direction> = { out: 'in', in: 'out', both: 'both' };

/** For each node one side reached: its depth, the relation that reached it (-1 at the ends), whether it left the previous node, and that node. */
type Visits = Map<number, [depth: number, relation: number, out: boolean, previous: number]>;

function relationType(projection: GraphProjection, relation: number): string {
  return (relationOf(projection, relation) as { type: string }).type;
}

/**
 * A shortest path on the projection, by the same bidirectional search as `shortestPath` in traversal.ts: of the
 * relations reaching a node in one expansion the one with the lowest (near row number, outgoing first, type name)
 * wins, and the meeting node is the one with the lowest total depth, then row number.
 */
export function projectedPath(projection: GraphProjection, fromSeq: number, toSeq: number, options: PathOptions): { nodes: number[]; edges: SeqEdge[] } | null {
  if (fromSeq === toSeq) return { nodes: [fromSeq], edges: [] };
  const from = nodeOfSeq(projection, fromSeq);
  const to = nodeOfSeq(projection, toSeq);
  if (from < 0 || to < 0) return null;
  const sides: [Visits, Visits] = [new Map([[from, [0, -1, true, -1]]]), new Map([[to, [0, -1, true, -1]]])];
  const frontiers: [number[], number[]] = [[from], [to]];
  const depths = [0, 0];
  const test = typeTest(projection, options.relationTypes);
  while ((depths[0] as number) + (depths[1] as number) < options.maxDepth && frontiers[0].length > 0 && frontiers[1].length > 0) {
    const side = frontiers[0].length <= frontiers[1].length ? 0 : 1;
    const mine = sides[side];
    const other = sides[1 - side] as Visits;
    const direction = side === 0 ? options.direction : reverse[options.direction];
    const depth = (depths[side] as number) + 1;
    const reached = new Map<number, [near: number, relation: number, out: boolean]>();
    const steps = emptySteps();
    for (const near of frontiers[side]) collectSteps(projection, near, direction, test, steps);
    for (let index = 0; index < steps.far.length; index++) {
      const far = steps.far[index] as number;
      if (mine.has(far)) continue;
      const [near, relation, out] = [steps.near[index] as number, steps.relation[index] as number, steps.out[index] as boolean];
      const held = reached.get(far);
      if (held && !precedes(projection, near, out, relation, held)) continue;
      reached.set(far, [near, relation, out]);
    }
    const next: number[] = [];
    let best: { node: number; total: number } | null = null;
    for (const [far, [near, relation, out]] of reached) {
      mine.set(far, [depth, relation, out, near]);
      next.push(far);
      const meet = other.get(far);
      if (!meet) continue;
      const total = depth + meet[0];
      if (!best || total < best.total || (total === best.total && seqOfNode(projection, far) < seqOfNode(projection, best.node))) best = { node: far, total };
    }
    depths[side] = depth;
    frontiers[side] = next;
    if (best) return joinPath(projection, sides[0], sides[1], best.node);
  }
  return null;
}

/** Whether reaching a node from `near` over `relation` ranks before the step already held. */
function precedes(projection: GraphProjection, near: number, out: boolean, relation: number, held: [number, number, boolean]): boolean {
  const difference = seqOfNode(projection, near) - seqOfNode(projection, held[0]);
  if (difference !== 0) return difference < 0;
  if (out !== held[2]) return out;
  return relationType(projection, relation) < relationType(projection, held[1]);
}

function seqEdge(projection: GraphProjection, near: number, far: number, relation: number, out: boolean): SeqEdge {
  const { id, type } = relationOf(projection, relation) as { id: string; type: string };
  const [from, to] = out ? [near, far] : [far, near];
  return { id, type, from: seqOfNode(projection, from), to: seqOfNode(projection, to) };
}

function joinPath(projection: GraphProjection, forward: Visits, backward: Visits, meet: number): { nodes: number[]; edges: SeqEdge[] } {
  const nodes = [meet];
  const edges: SeqEdge[] = [];
  for (let node = meet, visit = forward.get(meet); visit && visit[3] >= 0; node = visit[3], visit = forward.get(node)) {
    edges.unshift(seqEdge(projection, visit[3], node, visit[1], visit[2]));
    nodes.unshift(visit[3]);
  }
  for (let node = meet, visit = backward.get(meet); visit && visit[3] >= 0; node = visit[3], visit = backward.get(node)) {
    edges.push(seqEdge(projection, visit[3], node, visit[1], visit[2]));
    nodes.push(visit[3]);
  }
  return { nodes: nodes.map((node) => seqOfNode(projection, node)), edges };
}
