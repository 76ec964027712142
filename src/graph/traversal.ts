/** @module Traversal on entity row numbers: neighbourhoods to depth k and shortest paths, one query per level and direction. */
import type { Tx } from '../store/index.js';
import { inList, tenantCheck } from './dialect.js';
import { entitiesBySeq, propertiesBySeq } from './entities.js';
import { type PropertyFilter, compileFilter } from './filters.js';
import type { Direction, Edge, NodeSummary } from './types.js';

/** A relation as traversal sees it: its ID and type, and its endpoints as entity row numbers. */
export interface SeqEdge {
  id: string;
  type: string;
  from: number;
  to: number;
}

/** Relations leaving (`out`) or entering (`in`) any of the entities `seqs`, optionally of the given types only. */
export async function adjacent(
  tx: Tx,
  tenantId: string,
  seqs: readonly number[],
  direction: 'out' | 'in',
  relationTypes?: readonly string[],
): Promise<SeqEdge[]> {
  if (seqs.length === 0) return [];
  const nodes = inList(tx.dialect, direction === 'out' ? 'from_seq' : 'to_seq', 'int8');
  const params = [nodes.param(seqs.map(String)), tenantId];
  let typeSql = '';
  if (relationTypes && relationTypes.length > 0) {
    const types = inList(tx.dialect, 'type', 'text');
    typeSql = ` AND ${types.sql}`;
    params.push(types.param(relationTypes));
  }
  const rows = await tx.all<{ id: string; type: string; from_seq: number; to_seq: number }>(
    `SELECT id, type, from_seq, to_seq FROM relations WHERE ${nodes.sql} AND ${tenantCheck(tx.dialect)}${typeSql}`,
    params,
  );
  return rows.map((row) => ({ id: row.id, type: row.type, from: Number(row.from_seq), to: Number(row.to_seq) }));
}

/** A relation reached while expanding a frontier: `near` is the frontier's end, `far` the other; `out` when it leaves `near`. */
interface Step {
  edge: SeqEdge;
  near: number;
  far: number;
  out: boolean;
}

async function expand(tx: Tx, tenantId: string, seqs: readonly number[], direction: Direction, relationTypes?: readonly string[]): Promise<Step[]> {
  const steps: Step[] = [];
  if (direction !== 'in')
    for (const edge of await adjacent(tx, tenantId, seqs, 'out', relationTypes)) steps.push({ edge, near: edge.from, far: edge.to, out: true });
  if (direction !== 'out')
    for (const edge of await adjacent(tx, tenantId, seqs, 'in', relationTypes)) steps.push({ edge, near: edge.to, far: edge.from, out: false });
  return steps;
}

/** Options of {@link neighbourhood}. */
export interface NeighbourOptions {
  depth: number;
  direction: Direction;
  relationTypes?: string[];
  /** Only entities of these types are visited (and so returned and expanded). */
  entityTypes?: string[];
  /** Only entities whose properties meet these conditions are visited (see filters.ts). */
  where?: PropertyFilter;
  /** Most nodes returned, the start included. */
  limit: number;
}

/**
 * The entities within `depth` hops of the entity `start` and the relations between them. Each level's new
 * entities enter in row-number order, so when `limit` truncates, the ones kept do not depend on the order the
 * database returned rows in (the in-memory projection keeps the same ones).
 */
export async function neighbourhood(
  tx: Tx,
  tenantId: string,
  start: { seq: number; id: string; type: string; name: string },
  options: NeighbourOptions,
): Promise<{ nodes: NodeSummary[]; edges: Edge[]; truncated: boolean }> {
  const nodes = new Map<number, NodeSummary>([[start.seq, { id: start.id, type: start.type, name: start.name, depth: 0 }]]);
  const edges = new Map<string, SeqEdge>();
  const typeFilter = options.entityTypes && options.entityTypes.length > 0 ? new Set(options.entityTypes) : null;
  const conditions = options.where ? compileFilter(options.where) : null;
  let frontier = [start.seq];
  let truncated = false;
  for (let depth = 1; depth <= options.depth && frontier.length > 0 && !truncated; depth++) {
    const found = await expand(tx, tenantId, frontier, options.direction, options.relationTypes);
    const fresh = new Set<number>();
    for (const step of found) if (!nodes.has(step.far)) fresh.add(step.far);
    const ordered = [...fresh].sort((a, b) => a - b);
    const known = await entitiesBySeq(tx, tenantId, ordered);
    const properties = conditions
      ? await propertiesBySeq(
          tx,
          tenantId,
          ordered.filter((seq) => !typeFilter || typeFilter.has(known.get(seq)?.type ?? '')),
        )
      : null;
    const next: number[] = [];
    for (const seq of ordered) {
      const entity = known.get(seq);
      if (!entity || (typeFilter && !typeFilter.has(entity.type))) continue;
      if (conditions && !conditions.test(properties?.get(seq) ?? {})) continue;
      if (nodes.size >= options.limit) {
        truncated = true;
        break;
      }
      nodes.set(seq, { ...entity, depth });
      next.push(seq);
    }
    for (const { edge } of found) if (nodes.has(edge.from) && nodes.has(edge.to)) edges.set(edge.id, edge);
    frontier = next;
  }
  const idOf = (seq: number) => (nodes.get(seq) as NodeSummary).id;
  return {
    nodes: [...nodes.values()],
    edges: [...edges.values()].map((edge) => ({ id: edge.id, type: edge.type, from: idOf(edge.from), to: idOf(edge.to) })),
    truncated,
  };
}

/** Options of {@link shortestPath}. */
export interface PathOptions {
  maxDepth: number;
  direction: Direction;
  relationTypes?: string[];
}

const reverse: Record<Direction, Direction> = { out: 'in', in: 'out', both: 'both' };

/** For each node one side reached: its depth, the relation that reached it and the node it came from. */
type Visits = Map<number, [depth: number, edge: SeqEdge | null, previous: number | null]>;

/** Steps in a fixed order: far end, near end (row numbers), outgoing before incoming, relation type. */
function canonicalOrder(a: Step, b: Step): number {
  if (a.far !== b.far) return a.far - b.far;
  if (a.near !== b.near) return a.near - b.near;
  if (a.out !== b.out) return a.out ? -1 : 1;
  return a.edge.type < b.edge.type ? -1 : a.edge.type > b.edge.type ? 1 : 0;
}

/**
 * A shortest path from `from` to `to` of at most `maxDepth` relations, by bidirectional breadth-first search
 * that always expands the smaller frontier. Returns the entity row numbers and relations along it, or null.
 * Among equally short paths the choice is fixed (steps in {@link canonicalOrder}: a node keeps the first relation
 * that reached it, the meeting node is the lowest row number), so the in-memory projection finds the same one.
 */
export async function shortestPath(
  tx: Tx,
  tenantId: string,
  from: number,
  to: number,
  options: PathOptions,
): Promise<{ nodes: number[]; edges: SeqEdge[] } | null> {
  if (from === to) return { nodes: [from], edges: [] };
  const sides: [Visits, Visits] = [new Map([[from, [0, null, null]]]), new Map([[to, [0, null, null]]])];
  const frontiers: [number[], number[]] = [[from], [to]];
  const depths = [0, 0];
  while ((depths[0] as number) + (depths[1] as number) < options.maxDepth && frontiers[0].length > 0 && frontiers[1].length > 0) {
    const side = frontiers[0].length <= frontiers[1].length ? 0 : 1;
    const mine = sides[side];
    const other = sides[1 - side] as Visits;
    const direction = side === 0 ? options.direction : reverse[options.direction];
    const depth = (depths[side] as number) + 1;
    const found = (await expand(tx, tenantId, frontiers[side], direction, options.relationTypes)).sort(canonicalOrder);
    const next: number[] = [];
    let best: { node: number; total: number } | null = null;
    for (const { edge, near, far } of found) {
      if (mine.has(far)) continue;
      mine.set(far, [depth, edge, near]);
      next.push(far);
      const meet = other.get(far);
      if (meet && (!best || depth + meet[0] < best.total)) best = { node: far, total: depth + meet[0] };
    }
    depths[side] = depth;
    frontiers[side] = next;
    if (best) return joinPath(sides[0], sides[1], best.node);
  }
  return null;
}

function joinPath(forward: Visits, backward: Visits, meet: number): { nodes: number[]; edges: SeqEdge[] } {
  const nodes = [meet];
  const edges: SeqEdge[] = [];
  for (let visit = forward.get(meet); visit && visit[2] !== null; visit = forward.get(visit[2])) {
    edges.unshift(visit[1] as SeqEdge);
    nodes.unshift(visit[2]);
  }
  for (let visit = backward.get(meet); visit && visit[2] !== null; visit = backward.get(visit[2])) {
    edges.push(visit[1] as SeqEdge);
    nodes.push(visit[2]);
  }
  return { nodes, edges };
}
