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
 * Rows of a CSR from parallel endpoint arrays: for each `near` node its `far` nodes. Edges are placed by a counting
 * sort over `far`-major input order, so when `order` (edge positions sorted by far node) is given every row comes out
 * ascending.
 */
function rows(nodeCount: number, near: Uint32Array, far: Uint32Array, edgeCount: number, byFar: Uint32Array | null): { start: Uint32Array; list: Uint32Array } {
  const start = sharedUint32(nodeCount + 1);
  for (let edge = 0; edge < edgeCount; edge++) (start[(near[edge] as number) + 1] as number)++;
  for (let node = 0; node < nodeCount; node++) start[node + 1] = (start[node + 1] as number) + (start[node] as number);
  const fill = start.slice(0, nodeCount);
  const list = sharedUint32(edgeCount);
  if (byFar) {
    for (let index = 0; index < edgeCount; index++) {
      const edge = byFar[index] as number;
      list[(fill[near[edge] as number] as number)++] = far[edge] as number;
    }
  } else {
    for (let edge = 0; edge < edgeCount; edge++) list[(fill[near[edge] as number] as number)++] = far[edge] as number;
  }
  return { start, list };
}

/** Edge positions sorted by `key` (a stable counting sort). */
function sortedBy(nodeCount: number, key: Uint32Array, edgeCount: number): Uint32Array {
  const start = new Uint32Array(nodeCount + 1);
  for (let edge = 0; edge < edgeCount; edge++) (start[(key[edge] as number) + 1] as number)++;
  for (let node = 0; node < nodeCount; node++) start[node + 1] = (start[node + 1] as number) + (start[node] as number);
  const order = new Uint32Array(edgeCount);
  for (let edge = 0; edge < edgeCount; edge++) order[(start[key[edge] as number] as number)++] = edge;
  return order;
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

/**
 * Builds the graph from edge endpoint arrays (the first `edgeCount` entries of `from` and `to`, node numbers below
 * `nodeCount`). `from` and `to` are not modified.
 * @example
 * const graph = graphFromEdges(3, Uint32Array.of(0, 1), Uint32Array.of(1, 2), 2); // 0→1→2
 */
export function graphFromEdges(nodeCount: number, from: Uint32Array, to: Uint32Array, edgeCount: number): AnalyticsGraph {
  // Rows are filled in order of the far end, so every adjacency list is ascending (sequential gathers, and the same
  // result whatever order the edges came in).
  const out = rows(nodeCount, from, to, edgeCount, sortedBy(nodeCount, to, edgeCount));
  const incoming = rows(nodeCount, to, from, edgeCount, sortedBy(nodeCount, from, edgeCount));
  return { nodeCount, edgeCount, outStart: out.start, outTarget: out.list, inStart: incoming.start, inSource: incoming.list };
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
