/** @module Traversal: neighbourhoods to depth k and shortest paths, level by level with one query per level and direction. */
import type { Tx } from '../store/index.js';
import { inList } from './dialect.js';
import type { Direction, Edge, NodeSummary } from './types.js';

/** Relations leaving (`out`) or entering (`in`) any of `ids`, optionally of the given types only. */
export async function adjacent(tx: Tx, tenantId: string, ids: readonly string[], direction: 'out' | 'in', relationTypes?: readonly string[]): Promise<Edge[]> {
  if (ids.length === 0) return [];
  const column = direction === 'out' ? 'from_id' : 'to_id';
  const nodes = inList(tx.dialect, column, 'uuid');
  const params = [tenantId, nodes.param(ids)];
  let typeSql = '';
  if (relationTypes && relationTypes.length > 0) {
    const types = inList(tx.dialect, 'type', 'text');
    typeSql = ` AND ${types.sql}`;
    params.push(types.param(relationTypes));
  }
  const rows = await tx.all<{ id: string; type: string; from_id: string; to_id: string }>(
    `SELECT id, type, from_id, to_id FROM relations WHERE tenant_id = ? AND ${nodes.sql}${typeSql}`,
    params,
  );
  return rows.map((row) => ({ id: row.id, type: row.type, from: row.from_id, to: row.to_id }));
}

/** A relation reached while expanding a frontier: `near` is the frontier's end, `far` the other. */
interface Step {
  edge: Edge;
  near: string;
  far: string;
}

async function expand(tx: Tx, tenantId: string, ids: readonly string[], direction: Direction, relationTypes?: readonly string[]): Promise<Step[]> {
  const steps: Step[] = [];
  if (direction !== 'in') for (const edge of await adjacent(tx, tenantId, ids, 'out', relationTypes)) steps.push({ edge, near: edge.from, far: edge.to });
  if (direction !== 'out') for (const edge of await adjacent(tx, tenantId, ids, 'in', relationTypes)) steps.push({ edge, near: edge.to, far: edge.from });
  return steps;
}

/** Type and name of each entity in `ids` that exists. */
async function summaries(tx: Tx, tenantId: string, ids: readonly string[]): Promise<Map<string, { type: string; name: string }>> {
  if (ids.length === 0) return new Map();
  const filter = inList(tx.dialect, 'id', 'uuid');
  const rows = await tx.all<{ id: string; type: string; name: string }>(`SELECT id, type, name FROM entities WHERE tenant_id = ? AND ${filter.sql}`, [tenantId, filter.param(ids)]);
  return new Map(rows.map((row) => [row.id, { type: row.type, name: row.name }]));
}

/** Options of {@link neighbourhood}. */
export interface NeighbourOptions {
  depth: number;
  direction: Direction;
  relationTypes?: string[];
  /** Only entities of these types are visited (and so returned and expanded). */
  entityTypes?: string[];
  /** Most nodes returned, the start included. */
  limit: number;
}

/** The entities within `depth` hops of `start` and the relations between them. */
export async function neighbourhood(
  tx: Tx,
  tenantId: string,
  start: NodeSummary,
  options: NeighbourOptions,
): Promise<{ nodes: NodeSummary[]; edges: Edge[]; truncated: boolean }> {
  const nodes = new Map<string, NodeSummary>([[start.id, start]]);
  const edges = new Map<string, Edge>();
  const typeFilter = options.entityTypes && options.entityTypes.length > 0 ? new Set(options.entityTypes) : null;
  let frontier = [start.id];
  let truncated = false;
  for (let depth = 1; depth <= options.depth && frontier.length > 0 && !truncated; depth++) {
    const found = await expand(tx, tenantId, frontier, options.direction, options.relationTypes);
    const fresh = new Set<string>();
    for (const step of found) if (!nodes.has(step.far)) fresh.add(step.far);
    const known = await summaries(tx, tenantId, [...fresh]);
    const next: string[] = [];
    for (const id of fresh) {
      const summary = known.get(id);
      if (!summary || (typeFilter && !typeFilter.has(summary.type))) continue;
      if (nodes.size >= options.limit) {
        truncated = true;
        break;
      }
      nodes.set(id, { id, type: summary.type, name: summary.name, depth });
      next.push(id);
    }
    for (const { edge } of found) if (nodes.has(edge.from) && nodes.has(edge.to)) edges.set(edge.id, edge);
    frontier = next;
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], truncated };
}

/** Options of {@link shortestPath}. */
export interface PathOptions {
  maxDepth: number;
  direction: Direction;
  relationTypes?: string[];
}

const reverse: Record<Direction, Direction> = { out: 'in', in: 'out', both: 'both' };

/**
 * A shortest path from `from` to `to` of at most `maxDepth` relations, by bidirectional breadth-first search
 * that always expands the smaller frontier. Returns the node IDs and relations along it, or null.
 */
export async function shortestPath(tx: Tx, tenantId: string, from: string, to: string, options: PathOptions): Promise<{ nodes: string[]; edges: Edge[] } | null> {
  if (from === to) return { nodes: [from], edges: [] };
  // For each side: node → [depth, the edge that reached it, the node it came from].
  const sides = [new Map<string, [number, Edge | null, string | null]>([[from, [0, null, null]]]), new Map<string, [number, Edge | null, string | null]>([[to, [0, null, null]]])];
  const frontiers = [[from], [to]];
  const depths = [0, 0];
  while (depths[0]! + depths[1]! < options.maxDepth && frontiers[0]!.length > 0 && frontiers[1]!.length > 0) {
    const side = frontiers[0]!.length <= frontiers[1]!.length ? 0 : 1;
    const mine = sides[side]!;
    const other = sides[1 - side]!;
    const direction = side === 0 ? options.direction : reverse[options.direction];
    const depth = depths[side]! + 1;
    const found = await expand(tx, tenantId, frontiers[side]!, direction, options.relationTypes);
    const next: string[] = [];
    let best: { node: string; total: number } | null = null;
    for (const { edge, near, far } of found) {
      if (mine.has(far)) continue;
      mine.set(far, [depth, edge, near]);
      next.push(far);
      const meet = other.get(far);
      if (meet && (!best || depth + meet[0] < best.total)) best = { node: far, total: depth + meet[0] };
    }
    depths[side] = depth;
    frontiers[side] = next;
    if (best) return joinPath(sides[0]!, sides[1]!, best.node);
  }
  return null;
}

function joinPath(forward: Map<string, [number, Edge | null, string | null]>, backward: Map<string, [number, Edge | null, string | null]>, meet: string): { nodes: string[]; edges: Edge[] } {
  const nodes = [meet];
  const edges: Edge[] = [];
  let cursor = forward.get(meet);
  while (cursor && cursor[2] !== null) {
    edges.unshift(cursor[1] as Edge);
    nodes.unshift(cursor[2]);
    cursor = forward.get(cursor[2]);
  }
  cursor = backward.get(meet);
  while (cursor && cursor[2] !== null) {
    edges.push(cursor[1] as Edge);
    nodes.push(cursor[2]);
    cursor = backward.get(cursor[2]);
  }
  return { nodes, edges };
}
