/**
 * @module Betweenness centrality by Brandes' algorithm (unweighted shortest paths), exact over every source or
 * estimated from a seeded uniform sample of sources; sources are dealt round-robin to threads sharing memory.
 */
import { type AnalyticsGraph, sharedFloat64 } from './csr.js';

/** The shared state of one run. Thread t takes sources t, t + threads, t + 2·threads … and sums into its own array. */
export interface BetweennessTask {
  readonly nodeCount: number;
  readonly threads: number;
  /** The simple graph the paths run on (no parallel edges, no self-loops). */
  readonly outStart: Uint32Array;
  readonly outTarget: Uint32Array;
  readonly inStart: Uint32Array;
  readonly inSource: Uint32Array;
  readonly sources: Uint32Array;
  /** `threads × nodeCount` partial sums. */
  readonly partials: Float64Array;
  /** Threads that have finished, for the caller to wait on. */
  readonly finished: Int32Array;
}

/** Sets up a run over `sources` (all nodes for the exact value) for `threads` threads. */
export function prepareBetweenness(graph: AnalyticsGraph, sources: Uint32Array, threads: number): BetweennessTask {
  const count = Math.max(1, Math.min(threads, sources.length));
  return {
    nodeCount: graph.nodeCount,
    threads: count,
    outStart: graph.outStart,
    outTarget: graph.outTarget,
    inStart: graph.inStart,
    inSource: graph.inSource,
    sources,
    partials: sharedFloat64(count * graph.nodeCount),
    finished: new Int32Array(new SharedArrayBuffer(4)),
  };
}

/**
 * Runs thread `thread`'s sources: for each, a breadth-first search counting shortest paths, then the dependencies in
 * reverse order of distance. Predecessors are found again among a node's incoming neighbours one level closer,
 * instead of being stored per node.
 */
export function runBetweennessShare(task: BetweennessTask, thread: number): void {
  const { nodeCount, outStart, outTarget, inStart, inSource, sources } = task;
  const distance = new Int32Array(nodeCount).fill(-1);
  const paths = new Float64Array(nodeCount);
  const dependency = new Float64Array(nodeCount);
  const order = new Uint32Array(nodeCount);
  const sum = task.partials.subarray(thread * nodeCount, (thread + 1) * nodeCount);
  for (let index = thread; index < sources.length; index += task.threads) {
    const source = sources[index] as number;
    distance[source] = 0;
    paths[source] = 1;
    order[0] = source;
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const node = order[head++] as number;
      const next = (distance[node] as number) + 1;
      const end = outStart[node + 1] as number;
      for (let position = outStart[node] as number; position < end; position++) {
        const target = outTarget[position] as number;
        const seen = distance[target] as number;
        if (seen < 0) {
          distance[target] = next;
          order[tail++] = target;
          paths[target] = paths[node] as number;
        } else if (seen === next) paths[target] = (paths[target] as number) + (paths[node] as number);
      }
    }
    for (let position = tail - 1; position > 0; position--) {
      const node = order[position] as number;
      const previous = (distance[node] as number) - 1;
      const share = (1 + (dependency[node] as number)) / (paths[node] as number);
      const end = inStart[node + 1] as number;
      for (let edge = inStart[node] as number; edge < end; edge++) {
        const before = inSource[edge] as number;
        if (distance[before] === previous) dependency[before] = (dependency[before] as number) + (paths[before] as number) * share;
      }
      sum[node] = (sum[node] as number) + (dependency[node] as number);
    }
    for (let position = 0; position < tail; position++) {
      const node = order[position] as number;
      distance[node] = -1;
      paths[node] = 0;
      dependency[node] = 0;
    }
  }
  Atomics.add(task.finished, 0, 1);
  Atomics.notify(task.finished, 0);
}

/** Waits until every thread of the run has finished (call after running share 0 on this thread). */
export function awaitBetweenness(task: BetweennessTask): void {
  for (;;) {
    const done = Atomics.load(task.finished, 0);
    if (done >= task.threads) return;
    Atomics.wait(task.finished, 0, done, 1000);
  }
}

/** Options of {@link betweennessScores}. */
export interface BetweennessScaling {
  /** Whether the graph was the undirected view (every path counted from both ends). */
  undirected: boolean;
  /** Divide by (n − 1)(n − 2), the number of ordered pairs excluding the node, as networkx and graphology do. */
  normalized: boolean;
}

/**
 * The finished scores: the threads' partial sums added in thread order, scaled by n / sources for a sample, and
 * normalised or halved (undirected) as networkx and graphology-metrics do.
 */
export function betweennessScores(task: BetweennessTask, scaling: BetweennessScaling): Float64Array {
  const { nodeCount, threads, partials } = task;
  const scores = new Float64Array(nodeCount);
  for (let thread = 0; thread < threads; thread++) {
    const offset = thread * nodeCount;
    for (let node = 0; node < nodeCount; node++) scores[node] = (scores[node] as number) + (partials[offset + node] as number);
  }
  let scale = task.sources.length > 0 ? nodeCount / task.sources.length : 1;
  if (scaling.normalized) scale *= nodeCount > 2 ? 1 / ((nodeCount - 1) * (nodeCount - 2)) : 1;
  else if (scaling.undirected) scale *= 0.5;
  if (scale !== 1) for (let node = 0; node < nodeCount; node++) scores[node] = (scores[node] as number) * scale;
  return scores;
}

/** A seeded uniform sample of `count` distinct nodes out of `nodeCount` (all of them, in order, when count ≥ nodeCount). */
export function sampleSources(nodeCount: number, count: number, random: () => number): Uint32Array {
  if (count >= nodeCount) return Uint32Array.from({ length: nodeCount }, (_, index) => index);
  // Floyd's algorithm: count draws, no array of all nodes.
  const chosen = new Set<number>();
  for (let upper = nodeCount - count; upper < nodeCount; upper++) {
    const pick = Math.floor(random() * (upper + 1));
    chosen.add(chosen.has(pick) ? upper : pick);
  }
  return Uint32Array.from([...chosen].sort((a, b) => a - b));
}
