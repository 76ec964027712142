/**
 * @module Louvain community detection (Blondel et al. 2008) on the undirected view of the graph, edge weight = the
 * number of relations between two entities. Nodes are visited in a seeded random order, so a seed repeats exactly.
 */
import { seededRandom, shuffle } from './random.js';

/** Louvain's parameters. */
export interface LouvainParams {
  /** Modularity resolution γ: above 1 favours smaller communities, below 1 larger ones. */
  resolution: number;
  /** Seed of the visiting order. */
  seed: number;
  /** Most aggregation levels. */
  maxLevels: number;
  /** Most node visits per level, as a multiple of the level's node count (a guard; the queue normally empties long before). */
  maxPasses: number;
}

/** Communities found: each node's community (0 = the largest), community sizes, and the partition's modularity. */
export interface LouvainResult {
  community: Uint32Array;
  sizes: Uint32Array;
  modularity: number;
  levels: number;
}

/**
 * A weighted undirected graph: symmetric rows of neighbours without self-loops, their weights, and each node's loop
 * weight. `weight` is null on the first level, where every entry weighs 1 and a pair joined by several relations
 * simply appears several times: no weight array (8 bytes an entry) and no merging for the largest graph of the run.
 */
interface WeightedGraph {
  nodeCount: number;
  start: Uint32Array;
  neighbour: Uint32Array;
  weight: Float64Array | null;
  loop: Float64Array;
}

/** The undirected view of an edge list, one row entry per relation end; a self-loop adds 1 to the node's loop weight. */
function weightedView(nodeCount: number, from: Uint32Array, to: Uint32Array, count: number): WeightedGraph {
  const loop = new Float64Array(nodeCount);
  const start = new Uint32Array(nodeCount + 1);
  for (let edge = 0; edge < count; edge++) {
    const a = from[edge] as number;
    const b = to[edge] as number;
    if (a === b) loop[a] = (loop[a] as number) + 1;
    else {
      (start[a + 1] as number)++;
      (start[b + 1] as number)++;
    }
  }
  for (let node = 0; node < nodeCount; node++) start[node + 1] = (start[node + 1] as number) + (start[node] as number);
  const neighbour = new Uint32Array(start[nodeCount] as number);
  const fill = start.slice(0, nodeCount);
  for (let edge = 0; edge < count; edge++) {
    const a = from[edge] as number;
    const b = to[edge] as number;
    if (a === b) continue;
    neighbour[(fill[a] as number)++] = b;
    neighbour[(fill[b] as number)++] = a;
  }
  return { nodeCount, start, neighbour, weight: null, loop };
}

/** Weighted degree of each node: its edges plus twice its loop. */
function degrees(graph: WeightedGraph): Float64Array {
  const { nodeCount, start, weight, loop } = graph;
  const degree = new Float64Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) {
    let sum = 2 * (loop[node] as number);
    const end = start[node + 1] as number;
    if (weight) for (let position = start[node] as number; position < end; position++) sum += weight[position] as number;
    else sum += end - (start[node] as number);
    degree[node] = sum;
  }
  return degree;
}

/**
 * Moves nodes between communities while a move raises modularity, by a queue of nodes to visit (the "fast local
 * move" of Leiden): every node once in a seeded random order, then only the neighbours of nodes that moved, until
 * no move is left. Returns each node's community (labels < nodeCount) and whether any node moved.
 */
function moveNodes(graph: WeightedGraph, resolution: number, maxVisits: number, random: () => number): { community: Uint32Array; moved: boolean } {
  const { nodeCount, start, neighbour, weight } = graph;
  const degree = degrees(graph);
  let twiceTotal = 0;
  for (let node = 0; node < nodeCount; node++) twiceTotal += degree[node] as number;
  const community = new Uint32Array(nodeCount);
  const queue = new Uint32Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) community[node] = queue[node] = node;
  shuffle(queue, random);
  const total = Float64Array.from(degree);
  const linkWeight = new Float64Array(nodeCount);
  const touched = new Uint32Array(nodeCount);
  const queued = new Uint8Array(nodeCount).fill(1);
  let head = 0;
  let size = nodeCount;
  let moved = false;
  if (twiceTotal === 0) return { community, moved };
  for (let visits = 0; size > 0 && visits < maxVisits; visits++) {
    const node = queue[head] as number;
    head = head + 1 === nodeCount ? 0 : head + 1;
    size--;
    queued[node] = 0;
    const own = community[node] as number;
    const nodeDegree = degree[node] as number;
    let touchedCount = 0;
    linkWeight[own] = 0;
    touched[touchedCount++] = own;
    const first = start[node] as number;
    const end = start[node + 1] as number;
    for (let position = first; position < end; position++) {
      const other = community[neighbour[position] as number] as number;
      if (linkWeight[other] === 0 && other !== own) touched[touchedCount++] = other;
      linkWeight[other] = (linkWeight[other] as number) + (weight ? (weight[position] as number) : 1);
    }
    total[own] = (total[own] as number) - nodeDegree;
    // Gain of joining c (up to a constant factor): links to c − γ · total(c) · degree / 2m. Staying wins ties.
    const factor = (resolution * nodeDegree) / twiceTotal;
    let best = own;
    let bestGain = (linkWeight[own] as number) - (total[own] as number) * factor;
    for (let item = 1; item < touchedCount; item++) {
      const candidate = touched[item] as number;
      const gain = (linkWeight[candidate] as number) - (total[candidate] as number) * factor;
      if (gain > bestGain + 1e-12) {
        best = candidate;
        bestGain = gain;
      }
    }
    total[best] = (total[best] as number) + nodeDegree;
    for (let item = 0; item < touchedCount; item++) linkWeight[touched[item] as number] = 0;
    if (best === own) continue;
    community[node] = best;
    moved = true;
    // Neighbours outside the new community may now prefer it: visit them again.
    for (let position = first; position < end; position++) {
      const other = neighbour[position] as number;
      if (queued[other] === 0 && community[other] !== best) {
        queued[other] = 1;
        queue[(head + size) % nodeCount] = other;
        size++;
      }
    }
  }
  return { community, moved };
}

/** Labels 0…k-1 in order of first appearance by node. */
function compact(community: Uint32Array): { labels: Uint32Array; count: number } {
  const map = new Int32Array(community.length).fill(-1);
  const labels = new Uint32Array(community.length);
  let count = 0;
  for (let node = 0; node < community.length; node++) {
    const raw = community[node] as number;
    if (map[raw] === -1) map[raw] = count++;
    labels[node] = map[raw] as number;
  }
  return { labels, count };
}

/**
 * The graph of communities: one node per community, edge weights summed, internal weight as the loop. Rows are
 * counted first so the arrays have their exact size (the finer graph is still alive while this one is built).
 */
function aggregate(graph: WeightedGraph, labels: Uint32Array, count: number): WeightedGraph {
  const { nodeCount, start, neighbour, weight } = graph;
  const membersStart = new Uint32Array(count + 1);
  for (let node = 0; node < nodeCount; node++) (membersStart[(labels[node] as number) + 1] as number)++;
  for (let label = 0; label < count; label++) membersStart[label + 1] = (membersStart[label + 1] as number) + (membersStart[label] as number);
  const fill = membersStart.slice(0, count);
  const members = new Uint32Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) members[(fill[labels[node] as number] as number)++] = node;

  // Pass 1: how many distinct neighbouring communities each community has.
  const seenBy = new Int32Array(count).fill(-1);
  const rowStart = new Uint32Array(count + 1);
  for (let label = 0; label < count; label++) {
    let distinct = 0;
    for (let index = membersStart[label] as number; index < (membersStart[label + 1] as number); index++) {
      const node = members[index] as number;
      for (let position = start[node] as number; position < (start[node + 1] as number); position++) {
        const other = labels[neighbour[position] as number] as number;
        if (other !== label && seenBy[other] !== label) {
          seenBy[other] = label;
          distinct++;
        }
      }
    }
    rowStart[label + 1] = (rowStart[label] as number) + distinct;
  }

  // Pass 2: the summed weights.
  const loop = new Float64Array(count);
  const neighbours = new Uint32Array(rowStart[count] as number);
  const weights = new Float64Array(rowStart[count] as number);
  const sum = new Float64Array(count);
  const touched = new Uint32Array(count);
  for (let label = 0; label < count; label++) {
    let touchedCount = 0;
    let internal = 0;
    for (let index = membersStart[label] as number; index < (membersStart[label + 1] as number); index++) {
      const node = members[index] as number;
      internal += graph.loop[node] as number;
      for (let position = start[node] as number; position < (start[node + 1] as number); position++) {
        const other = labels[neighbour[position] as number] as number;
        const entry = weight ? (weight[position] as number) : 1;
        if (other === label) {
          // Each internal edge is seen from both ends.
          internal += entry / 2;
          continue;
        }
        if (sum[other] === 0) touched[touchedCount++] = other;
        sum[other] = (sum[other] as number) + entry;
      }
    }
    loop[label] = internal;
    let position = rowStart[label] as number;
    for (let item = 0; item < touchedCount; item++) {
      const other = touched[item] as number;
      neighbours[position] = other;
      weights[position++] = sum[other] as number;
      sum[other] = 0;
    }
  }
  return { nodeCount: count, start: rowStart, neighbour: neighbours, weight: weights, loop };
}

/** Modularity of a partition of a weighted graph, with resolution γ. */
function modularityOf(graph: WeightedGraph, community: Uint32Array, count: number, resolution: number): number {
  const degree = degrees(graph);
  const inside = new Float64Array(count);
  const total = new Float64Array(count);
  let twiceTotal = 0;
  for (let node = 0; node < graph.nodeCount; node++) {
    const label = community[node] as number;
    twiceTotal += degree[node] as number;
    total[label] = (total[label] as number) + (degree[node] as number);
    inside[label] = (inside[label] as number) + 2 * (graph.loop[node] as number);
    for (let position = graph.start[node] as number; position < (graph.start[node + 1] as number); position++) {
      if (community[graph.neighbour[position] as number] === label)
        inside[label] = (inside[label] as number) + (graph.weight ? (graph.weight[position] as number) : 1);
    }
  }
  if (twiceTotal === 0) return 0;
  let modularity = 0;
  for (let label = 0; label < count; label++) {
    modularity += (inside[label] as number) / twiceTotal - resolution * ((total[label] as number) / twiceTotal) ** 2;
  }
  return modularity;
}

/**
 * Louvain communities of the undirected view of an edge list (the first `edgeCount` of `from` and `to`, nodes below
 * `nodeCount`).
 * @example
 * const { community, modularity } = louvain(3, Uint32Array.of(0, 1), Uint32Array.of(1, 2), 2, { resolution: 1, seed: 1, maxLevels: 20, maxPasses: 64 });
 */
export function louvain(nodeCount: number, from: Uint32Array, to: Uint32Array, edgeCount: number, params: LouvainParams): LouvainResult {
  const random = seededRandom(params.seed);
  // Only the current level's graph is kept: modularity is the same on the last aggregated graph (each of its nodes
  // one community) as on the original graph with the final communities.
  let current = weightedView(nodeCount, from, to, edgeCount);
  let membership = new Uint32Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) membership[node] = node;
  let levels = 0;
  for (let level = 0; level < params.maxLevels; level++) {
    const { community, moved } = moveNodes(current, params.resolution, params.maxPasses * current.nodeCount, random);
    if (!moved) break;
    levels++;
    const { labels, count: communities } = compact(community);
    for (let node = 0; node < membership.length; node++) membership[node] = labels[membership[node] as number] as number;
    current = aggregate(current, labels, communities);
  }
  const identity = new Uint32Array(current.nodeCount);
  for (let node = 0; node < current.nodeCount; node++) identity[node] = node;
  const modularity = modularityOf(current, identity, current.nodeCount, params.resolution);
  // Number communities by size, largest first, ties by their lowest node.
  const { labels, count } = compact(membership);
  const sizes = new Uint32Array(count);
  for (let node = 0; node < labels.length; node++) (sizes[labels[node] as number] as number)++;
  const order = Array.from({ length: count }, (_, label) => label).sort((a, b) => (sizes[b] as number) - (sizes[a] as number) || a - b);
  const rank = new Uint32Array(count);
  order.forEach((label, position) => (rank[label] = position));
  membership = labels.map((label) => rank[label] as number);
  return { community: membership, sizes: Uint32Array.from(order, (label) => sizes[label] as number), modularity, levels };
}
