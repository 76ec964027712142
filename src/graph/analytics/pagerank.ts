/**
 * @module PageRank by pull iteration over the incoming CSR, split by destination rows across threads that share
 * memory: each thread owns a block-aligned range of nodes and writes only their scores, so no locks are needed, and
 * every per-node sum is formed in the same order whatever the thread count (the results are bit-identical).
 */
import { type AnalyticsGraph, sharedFloat32, sharedFloat64, sharedUint32 } from './csr.js';

/** PageRank's parameters. */
export interface PageRankParams {
  /** Probability of following an edge rather than jumping to a random node, in (0, 1). */
  damping: number;
  /** Stop once the L1 change of the score vector is below `nodeCount × tolerance` (the networkx and graphology rule). */
  tolerance: number;
  /** Most iterations run. */
  maxIterations: number;
}

/** How a PageRank run ended. */
export interface PageRankOutcome {
  /** Whether the L1 change fell below `nodeCount × tolerance` within `maxIterations`. */
  converged: boolean;
  iterations: number;
  /** The L1 change of the last iteration. */
  delta: number;
}

/**
 * The state one run shares between its threads: the graph's incoming rows, 1/out-degree, the scores (updated in
 * place), two contribution buffers (score × 1/out-degree of the previous and the next iteration, Float32 so the
 * randomly gathered array is half the size), per-block partial sums, and the barrier.
 */
export interface PageRankTask {
  readonly nodeCount: number;
  readonly threads: number;
  readonly params: PageRankParams;
  readonly inStart: Uint32Array;
  readonly inSource: Uint32Array;
  readonly inverseOutDegree: Float32Array;
  readonly scores: Float64Array;
  readonly contributions: readonly [Float32Array, Float32Array];
  /** For block b and parity p: `[p × blocks + b]` = the block's dangling score mass and its L1 change. */
  readonly danglingMass: Float64Array;
  readonly change: Float64Array;
  /** Thread t owns nodes `bounds[t] … bounds[t + 1]`. */
  readonly bounds: Uint32Array;
  /** `[arrived, generation]` of the barrier. */
  readonly barrier: Int32Array;
}

/** Nodes per block of the partial sums: partitions are block-aligned, so sums run in block order for any thread count. */
export const blockSize = 4096;

/**
 * Sets up a run on `graph` (pull along incoming edges: a node's score flows to its successors) for `threads`
 * threads, giving each about the same number of edges.
 */
export function preparePageRank(graph: AnalyticsGraph, params: PageRankParams, threads: number): PageRankTask {
  const { nodeCount, outStart, inStart } = graph;
  const blocks = Math.ceil(nodeCount / blockSize);
  const inverseOutDegree = sharedFloat32(nodeCount);
  for (let node = 0; node < nodeCount; node++) {
    const degree = (outStart[node + 1] as number) - (outStart[node] as number);
    inverseOutDegree[node] = degree === 0 ? 0 : 1 / degree;
  }
  const count = Math.max(1, Math.min(threads, blocks));
  const bounds = sharedUint32(count + 1);
  const edges = inStart[nodeCount] as number;
  for (let thread = 1; thread < count; thread++) {
    // The first block boundary at or after this thread's share of edges (plus one per node, for the per-row work).
    const target = ((edges + nodeCount) * thread) / count;
    let low = 0;
    let high = blocks;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const node = Math.min(nodeCount, middle * blockSize);
      if ((inStart[node] as number) + node < target) low = middle + 1;
      else high = middle;
    }
    bounds[thread] = Math.max(bounds[thread - 1] as number, Math.min(nodeCount, low * blockSize));
  }
  bounds[count] = nodeCount;
  return {
    nodeCount,
    threads: count,
    params,
    inStart,
    inSource: graph.inSource,
    inverseOutDegree,
    scores: sharedFloat64(nodeCount),
    contributions: [sharedFloat32(nodeCount), sharedFloat32(nodeCount)],
    danglingMass: sharedFloat64(2 * blocks),
    change: sharedFloat64(2 * blocks),
    bounds,
    barrier: new Int32Array(new SharedArrayBuffer(8)),
  };
}

/** Waits until every thread of the run has arrived at the barrier numbered `generation`. */
function arrive(barrier: Int32Array, threads: number, generation: number): void {
  if (threads === 1) return;
  if (Atomics.add(barrier, 0, 1) + 1 === threads) {
    Atomics.store(barrier, 0, 0);
    Atomics.store(barrier, 1, generation + 1);
    Atomics.notify(barrier, 1);
  } else {
    while (Atomics.load(barrier, 1) === generation) Atomics.wait(barrier, 1, generation);
  }
}

/** The sum of `values[offset … offset + count]`, in order. */
function sumOf(values: Float64Array, offset: number, count: number): number {
  let sum = 0;
  for (let index = offset; index < offset + count; index++) sum += values[index] as number;
  return sum;
}

/**
 * Runs thread `thread`'s share of a prepared run, from the uniform start to convergence or `maxIterations`. Every
 * thread of the run must call it (helpers in their own workers); all return the same outcome, and the scores are in
 * `task.scores`. Allocates nothing inside the iteration loop.
 */
export function runPageRankShare(task: PageRankTask, thread: number): PageRankOutcome {
  const { nodeCount, threads, inStart, inSource, inverseOutDegree, scores, danglingMass, change, barrier } = task;
  const { damping, tolerance, maxIterations } = task.params;
  const blocks = Math.ceil(nodeCount / blockSize);
  const first = task.bounds[thread] as number;
  const last = task.bounds[thread + 1] as number;
  let generation = 0;

  // Start: uniform scores, their contributions, and each block's dangling mass (parity 0).
  const initial = 1 / nodeCount;
  const start = task.contributions[0];
  for (let block = first / blockSize; block * blockSize < last; block++) {
    let dangling = 0;
    const end = Math.min(last, (block + 1) * blockSize);
    for (let node = block * blockSize; node < end; node++) {
      const inverse = inverseOutDegree[node] as number;
      scores[node] = initial;
      start[node] = initial * inverse;
      if (inverse === 0) dangling += initial;
    }
    danglingMass[block] = dangling;
  }
  arrive(barrier, threads, generation++);

  let iterations = 0;
  let delta = 0;
  let converged = nodeCount === 0;
  while (!converged && iterations < maxIterations) {
    const parity = iterations & 1;
    const next = parity ^ 1;
    const gathered = task.contributions[parity] as Float32Array;
    const scattered = task.contributions[next] as Float32Array;
    // Dangling nodes hand their score to every node alike; every thread adds the same block sums in the same order.
    const base = (1 - damping) / nodeCount + (damping * sumOf(danglingMass, parity * blocks, blocks)) / nodeCount;
    for (let block = first / blockSize; block * blockSize < last; block++) {
      let dangling = 0;
      let blockChange = 0;
      const end = Math.min(last, (block + 1) * blockSize);
      let position = inStart[block * blockSize] as number;
      for (let node = block * blockSize; node < end; node++) {
        let sum = 0;
        const rowEnd = inStart[node + 1] as number;
        for (; position < rowEnd; position++) sum += gathered[inSource[position] as number] as number;
        const score = base + damping * sum;
        const inverse = inverseOutDegree[node] as number;
        blockChange += Math.abs(score - (scores[node] as number));
        scores[node] = score;
        scattered[node] = score * inverse;
        if (inverse === 0) dangling += score;
      }
      danglingMass[next * blocks + block] = dangling;
      change[parity * blocks + block] = blockChange;
    }
    arrive(barrier, threads, generation++);
    iterations++;
    delta = sumOf(change, parity * blocks, blocks);
    converged = delta < nodeCount * tolerance;
  }
  return { converged, iterations, delta };
}

/**
 * PageRank on one thread.
 * @example
 * const { scores, converged } = pageRank(graph, { damping: 0.85, tolerance: 1e-6, maxIterations: 100 });
 */
export function pageRank(graph: AnalyticsGraph, params: PageRankParams): PageRankOutcome & { scores: Float64Array } {
  const task = preparePageRank(graph, params, 1);
  return { ...runPageRankShare(task, 0), scores: task.scores };
}
