/**
 * @module Connected components: weakly (edges taken both ways) by breadth-first search, strongly by Tarjan's
 * algorithm without recursion. Components are numbered by size, largest first, ties by their lowest node.
 */
import type { AnalyticsGraph } from './csr.js';

/** Each node's component number and the size of every component. */
export interface Components {
  /** Component of each node: 0 is the largest. */
  component: Uint32Array;
  /** Nodes in component c: `sizes[c]`. */
  sizes: Uint32Array;
}

/** Renumbers raw labels (first seen in node order) by size descending, ties by first node; labels < count. */
function bySize(raw: Uint32Array, count: number): Components {
  const sizes = new Uint32Array(count);
  for (let node = 0; node < raw.length; node++) (sizes[raw[node] as number] as number)++;
  // Raw labels follow each component's lowest node, so a stable counting sort by size (descending) keeps that tie order.
  let largest = 0;
  for (let label = 0; label < count; label++) if ((sizes[label] as number) > largest) largest = sizes[label] as number;
  const start = new Uint32Array(largest + 2);
  for (let label = 0; label < count; label++) (start[largest - (sizes[label] as number) + 1] as number)++;
  for (let bucket = 0; bucket <= largest; bucket++) start[bucket + 1] = (start[bucket + 1] as number) + (start[bucket] as number);
  const rank = new Uint32Array(count);
  const ordered = new Uint32Array(count);
  for (let label = 0; label < count; label++) {
    const position = (start[largest - (sizes[label] as number)] as number)++;
    rank[label] = position;
    ordered[position] = sizes[label] as number;
  }
  const component = new Uint32Array(raw.length);
  for (let node = 0; node < raw.length; node++) component[node] = rank[raw[node] as number] as number;
  return { component, sizes: ordered };
}

/** Weakly connected components: nodes joined by edges in either direction. */
export function weakComponents(graph: AnalyticsGraph): Components {
  const { nodeCount, outStart, outTarget, inStart, inSource } = graph;
  const unseen = 0xffffffff;
  const raw = new Uint32Array(nodeCount).fill(unseen);
  const queue = new Uint32Array(nodeCount);
  let count = 0;
  for (let root = 0; root < nodeCount; root++) {
    if (raw[root] !== unseen) continue;
    raw[root] = count;
    queue[0] = root;
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const node = queue[head++] as number;
      for (let side = 0; side < 2; side++) {
        const start = side === 0 ? outStart : inStart;
        const list = side === 0 ? outTarget : inSource;
        const end = start[node + 1] as number;
        for (let position = start[node] as number; position < end; position++) {
          const next = list[position] as number;
          if (raw[next] === unseen) {
            raw[next] = count;
            queue[tail++] = next;
          }
        }
      }
    }
    count++;
  }
  return bySize(raw, count);
}

/** Strongly connected components: nodes that reach each other along edge directions (Tarjan, iterative). */
export function strongComponents(graph: AnalyticsGraph): Components {
  const { nodeCount, outStart, outTarget } = graph;
  const unvisited = -1;
  const index = new Int32Array(nodeCount).fill(unvisited);
  const low = new Int32Array(nodeCount);
  const onStack = new Uint8Array(nodeCount);
  const stack = new Uint32Array(nodeCount);
  const callNode = new Uint32Array(nodeCount);
  const callEdge = new Uint32Array(nodeCount);
  const raw = new Uint32Array(nodeCount);
  let stackSize = 0;
  let counter = 0;
  let count = 0;
  // Tarjan numbers components in reverse topological order; relabel by each component's lowest node afterwards.
  for (let root = 0; root < nodeCount; root++) {
    if (index[root] !== unvisited) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = outStart[root] as number;
    index[root] = low[root] = counter++;
    stack[stackSize++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const node = callNode[depth] as number;
      const position = callEdge[depth] as number;
      if (position < (outStart[node + 1] as number)) {
        callEdge[depth] = position + 1;
        const next = outTarget[position] as number;
        if (index[next] === unvisited) {
          index[next] = low[next] = counter++;
          stack[stackSize++] = next;
          onStack[next] = 1;
          depth++;
          callNode[depth] = next;
          callEdge[depth] = outStart[next] as number;
        } else if (onStack[next] === 1 && (index[next] as number) < (low[node] as number)) low[node] = index[next] as number;
        continue;
      }
      if (low[node] === index[node]) {
        let member: number;
        do {
          member = stack[--stackSize] as number;
          onStack[member] = 0;
          raw[member] = count;
        } while (member !== node);
        count++;
      }
      depth--;
      if (depth >= 0) {
        const parent = callNode[depth] as number;
        if ((low[node] as number) < (low[parent] as number)) low[parent] = low[node] as number;
      }
    }
  }
  // Labels in order of each component's lowest node, as bySize expects.
  const relabel = new Int32Array(count).fill(-1);
  let next = 0;
  for (let node = 0; node < nodeCount; node++) {
    const label = raw[node] as number;
    if (relabel[label] === -1) relabel[label] = next++;
    raw[node] = relabel[label] as number;
  }
  return bySize(raw, count);
}
