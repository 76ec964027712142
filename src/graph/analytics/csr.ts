/**
 * @module The analytics graph: compressed adjacency (CSR) in both directions over node numbers 0…n-1, in shared
 * memory so helper threads read it without copies, and the renumbering that puts busy nodes next to each other.
 */

/**
 * A directed multigraph for analytics. Edges are relations (a relation from `a` to `b` is the edge a→b); parallel
 * edges and self-loops are kept. Node `v`'s successors are `outTarget[outStart[v] … outStart[v + 1]]` and its
 * predecessors `inSource[inStart[v] … inStart[v + 1]]`, each list in ascending order. Every array lives in a
 * SharedArrayBuffer.
 */
export interface AnalyticsGraph {
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly outStart: Uint32Array;
  readonly outTarget: Uint32Array;
  readonly inStart: Uint32Array;
  readonly inSource: Uint32Array;
}

/** How nodes are numbered in the analytics graph. */
export type NodeOrder = 'degree' | 'input';

/** A typed array over fresh shared memory (zero-filled). */
export function sharedUint32(length: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(Math.max(1, length) * 4), 0, length);
}

/** @see sharedUint32 */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, length) * 8), 0, length);
}

/** @see sharedUint32 */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, length) * 4), 0, length);
}

/**
 * A numbering of nodes by total degree, highest first (ties keep input order): the nodes most edges point at sit
 * together, so the scores a pull iteration gathers most often share cache lines. Returns `newOf[old]` and `oldOf[new]`.
 */
export function degreeOrder(nodeCount: number, from: Uint32Array, to: Uint32Array, edgeCount: number): { newOf: Uint32Array; oldOf: Uint32Array } {
  const degree = new Uint32Array(nodeCount);
  for (let edge = 0; edge < edgeCount; edge++) {
    (degree[from[edge] as number] as number)++;
    (degree[to[edge] as number] as number)++;
  }
  let maxDegree = 0;
  for (let node = 0; node < nodeCount; node++) if ((degree[node] as number) > maxDegree) maxDegree = degree[node] as number;
  // Counting sort by descending degree: bucket k holds degree maxDegree - k.
  const start = new Uint32Array(maxDegree + 2);
  for (let node = 0; node < nodeCount; node++) (start[maxDegree - (degree[node] as number) + 1] as number)++;
  for (let bucket = 0; bucket <= maxDegree; bucket++) start[bucket + 1] = (start[bucket + 1] as number) + (start[bucket] as number);
  const oldOf = new Uint32Array(nodeCount);
  const newOf = new Uint32Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) {
    const position = (start[maxDegree - (degree[node] as number)] as number)++;
    oldOf[position] = node;
    newOf[node] = position;
  }
  return { newOf, oldOf };
}

/** Row starts (prefix sums) of the counts of `keys[0 … edgeCount]`. */
function rowStarts(nodeCount: number, keys: Uint32Array, edgeCount: number): Uint32Array {
  const start = sharedUint32(nodeCount + 1);
  for (let edge = 0; edge < edgeCount; edge++) (start[(keys[edge] as number) + 1] as number)++;
  for (let node = 0; node < nodeCount; node++) start[node + 1] = (start[node + 1] as number) + (start[node] as number);
  return start;
}

/**
 * Builds the graph from edge endpoint arrays (the first `edgeCount` entries of `from` and `to`, node numbers below
 * `nodeCount`); they are not modified. Three scatter passes and no sort: successors in input order, predecessors by
 * walking those rows in node order (so each predecessor list comes out ascending), successors again by walking the
 * predecessor lists (ascending too). Every adjacency list is thus sorted, whatever order the edges came in.
 * @example
 * const graph = graphFromEdges(3, Uint32Array.of(0, 1), Uint32Array.of(1, 2), 2); // 0→1→2
 */
export function graphFromEdges(nodeCount: number, from: Uint32Array, to: Uint32Array, edgeCount: number): AnalyticsGraph {
  const outStart = rowStarts(nodeCount, from, edgeCount);
  const inStart = rowStarts(nodeCount, to, edgeCount);
  const outTarget = sharedUint32(edgeCount);
  const inSource = sharedUint32(edgeCount);
  const fill = new Uint32Array(nodeCount);
  fill.set(outStart.subarray(0, nodeCount));
  for (let edge = 0; edge < edgeCount; edge++) outTarget[(fill[from[edge] as number] as number)++] = to[edge] as number;
  fill.set(inStart.subarray(0, nodeCount));
  for (let node = 0; node < nodeCount; node++) {
    const end = outStart[node + 1] as number;
    for (let position = outStart[node] as number; position < end; position++) inSource[(fill[outTarget[position] as number] as number)++] = node;
  }
  fill.set(outStart.subarray(0, nodeCount));
  for (let node = 0; node < nodeCount; node++) {
    const end = inStart[node + 1] as number;
    for (let position = inStart[node] as number; position < end; position++) outTarget[(fill[inSource[position] as number] as number)++] = node;
  }
  return { nodeCount, edgeCount, outStart, outTarget, inStart, inSource };
}

/** Sorts `list[first … end]` ascending: insertion sort for the short rows most are, the built-in sort otherwise. */
export function sortRow(list: Uint32Array, first: number, end: number): void {
  if (end - first > 32) {
    list.subarray(first, end).sort();
    return;
  }
  for (let position = first + 1; position < end; position++) {
    const value = list[position] as number;
    let hole = position;
    while (hole > first && (list[hole - 1] as number) > value) {
      list[hole] = list[hole - 1] as number;
      hole--;
    }
    list[hole] = value;
  }
}

/** Renames the endpoints of the first `edgeCount` edges in place: node v becomes `newOf[v]`. */
export function renumber(from: Uint32Array, to: Uint32Array, edgeCount: number, newOf: Uint32Array): void {
  for (let edge = 0; edge < edgeCount; edge++) {
    from[edge] = newOf[from[edge] as number] as number;
    to[edge] = newOf[to[edge] as number] as number;
  }
}

/** The graph with every edge turned around. */
export function reversed(graph: AnalyticsGraph): AnalyticsGraph {
  return {
    nodeCount: graph.nodeCount,
    edgeCount: graph.edgeCount,
    outStart: graph.inStart,
    outTarget: graph.inSource,
    inStart: graph.outStart,
    inSource: graph.outTarget,
  };
}

/**
 * The undirected view as a symmetric directed graph: each edge a→b also gives b→a; a self-loop stays one edge (as
 * networkx's `to_directed` and graphology's undirected graphs count it). Successor and predecessor lists are then the
 * same arrays.
 */
export function undirected(graph: AnalyticsGraph): AnalyticsGraph {
  const { nodeCount, outStart, outTarget, inStart, inSource } = graph;
  const loops = new Uint32Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) {
    for (let position = inStart[node] as number; position < (inStart[node + 1] as number); position++)
      if (inSource[position] === node) (loops[node] as number)++;
  }
  const start = sharedUint32(nodeCount + 1);
  for (let node = 0; node < nodeCount; node++) {
    const outgoing = (outStart[node + 1] as number) - (outStart[node] as number);
    const incoming = (inStart[node + 1] as number) - (inStart[node] as number);
    start[node + 1] = (start[node] as number) + outgoing + incoming - (loops[node] as number);
  }
  const list = sharedUint32(start[nodeCount] as number);
  for (let node = 0; node < nodeCount; node++) {
    // Merge the two ascending lists, so the row stays ascending; self-loops are taken from the outgoing side only.
    let position = start[node] as number;
    let a = outStart[node] as number;
    let b = inStart[node] as number;
    const aEnd = outStart[node + 1] as number;
    const bEnd = inStart[node + 1] as number;
    while (a < aEnd || b < bEnd) {
      if (b < bEnd && inSource[b] === node) {
        b++;
        continue;
      }
      list[position++] =
        b >= bEnd || (a < aEnd && (outTarget[a] as number) <= (inSource[b] as number)) ? (outTarget[a++] as number) : (inSource[b++] as number);
    }
  }
  return { nodeCount, edgeCount: list.length, outStart: start, outTarget: list, inStart: start, inSource: list };
}

/** The graph with parallel edges merged into one and self-loops dropped (what shortest-path counting needs). */
export function simple(graph: AnalyticsGraph): AnalyticsGraph {
  const { nodeCount, outStart, outTarget } = graph;
  let count = 0;
  for (let pass = 0; pass < 2; pass++) {
    const from = pass === 0 ? null : new Uint32Array(count);
    const to = pass === 0 ? null : new Uint32Array(count);
    let edge = 0;
    for (let node = 0; node < nodeCount; node++) {
      let previous = -1;
      const end = outStart[node + 1] as number;
      for (let position = outStart[node] as number; position < end; position++) {
        const target = outTarget[position] as number;
        if (target !== previous && target !== node) {
          if (from && to) {
            from[edge] = node;
            to[edge] = target;
          }
          edge++;
        }
        previous = target;
      }
    }
    if (pass === 0) {
      if (edge === graph.edgeCount) return graph;
      count = edge;
    } else return graphFromEdges(nodeCount, from as Uint32Array, to as Uint32Array, count);
  }
  return graph;
}
