/**
 * @module PageRank by pull iteration over incoming rows, split by destination rows across threads that share one
 * WebAssembly memory: each thread owns a block-aligned range of nodes and writes only their scores, so no locks are
 * needed, and every per-node sum is formed in the same order whatever the thread count (results are bit-identical).
 * The per-block loop is a small WebAssembly kernel (pagerank.wat); the layout and the iteration live here.
 */
import { type AnalyticsGraph, sortRow } from './csr.js';
import { pageRankKernelBase64 } from './pagerank-wasm.js';

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

/** A shared WebAssembly memory (the project's TypeScript libs leave out the DOM, where the WebAssembly types live). */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
}

/** The part of the WebAssembly API used here. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => SharedMemory;
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Byte offsets of a run's arrays in its memory. */
interface Layout {
  inStart: number;
  inSource: number;
  inverse: number;
  scores: number;
  contributions: [number, number];
  danglingMass: number;
  change: number;
}

/**
 * One run's state, shared by its threads: the incoming rows (`inStart`, `inSource`, ascending), 1/out-degree, the
 * scores (updated in place, Float64), two contribution buffers (score × 1/out-degree of the previous and the next
 * iteration, Float32 so the randomly gathered array is half the size), per-block partial sums and the barrier, all in
 * one shared WebAssembly memory (`memory`); the typed arrays are views of it.
 */
export interface PageRankTask {
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly threads: number;
  readonly params: PageRankParams;
  readonly memory: SharedMemory;
  readonly layout: Layout;
  readonly inStart: Uint32Array;
  readonly inSource: Uint32Array;
  readonly inverseOutDegree: Float32Array;
  readonly scores: Float64Array;
  readonly contributions: readonly [Float32Array, Float32Array];
  /** For block b and parity p: `[p × blocks + b]` = the block's dangling score mass, and its L1 change. */
  readonly danglingMass: Float64Array;
  readonly change: Float64Array;
  /** Thread t owns nodes `bounds[t] … bounds[t + 1]`. */
  readonly bounds: Uint32Array;
  /** `[arrived, generation]` of the barrier. */
  readonly barrier: Int32Array;
}

/** Which way edges carry score: along them (out), against them (in), or both ways (the undirected graph). */
export type PageRankDirection = 'out' | 'in' | 'both';

/** Nodes per block of the partial sums: partitions are block-aligned, so sums run in block order for any thread count. */
export const blockSize = 4096;

type RowsKernel = (
  first: number,
  last: number,
  inStart: number,
  inSource: number,
  gathered: number,
  scattered: number,
  scores: number,
  inverse: number,
  base: number,
  damping: number,
  danglingOut: number,
) => number;

let kernelModule: object | null = null;
const kernels = new WeakMap<SharedMemory, RowsKernel>();

/** The kernel bound to a run's memory (compiled once per thread, instantiated once per memory). */
function kernelFor(memory: SharedMemory): RowsKernel {
  let kernel = kernels.get(memory);
  if (!kernel) {
    kernelModule ??= new wasm.Module(Buffer.from(pageRankKernelBase64, 'base64'));
    kernel = new wasm.Instance(kernelModule, { env: { memory } }).exports.rows as RowsKernel;
    kernels.set(memory, kernel);
  }
  return kernel;
}

const align = (bytes: number) => Math.ceil(bytes / 8) * 8;

/** A task's memory and views, sized for `nodeCount` nodes and `edgeCount` incoming entries. */
function allocate(nodeCount: number, edgeCount: number, params: PageRankParams): Omit<PageRankTask, 'threads' | 'bounds'> {
  if (edgeCount > 1_000_000_000) throw new Error(`PageRank takes at most 1,000,000,000 edges; this graph has ${edgeCount}`);
  const blocks = Math.ceil(nodeCount / blockSize);
  const sizes = {
    inStart: (nodeCount + 1) * 4,
    inSource: edgeCount * 4,
    inverse: nodeCount * 4,
    scores: nodeCount * 8,
    contribution0: nodeCount * 4,
    contribution1: nodeCount * 4,
    danglingMass: 2 * blocks * 8,
    change: 2 * blocks * 8,
  };
  const offsets: Record<string, number> = {};
  let total = 0;
  for (const [name, bytes] of Object.entries(sizes)) {
    offsets[name] = total;
    total += align(bytes);
  }
  const pages = Math.max(1, Math.ceil(total / 65536));
  const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  const buffer = memory.buffer;
  const at = (name: string) => offsets[name] as number;
  const layout: Layout = {
    inStart: at('inStart'),
    inSource: at('inSource'),
    inverse: at('inverse'),
    scores: at('scores'),
    contributions: [at('contribution0'), at('contribution1')],
    danglingMass: at('danglingMass'),
    change: at('change'),
  };
  return {
    nodeCount,
    edgeCount,
    params,
    memory,
    layout,
    inStart: new Uint32Array(buffer, layout.inStart, nodeCount + 1),
    inSource: new Uint32Array(buffer, layout.inSource, edgeCount),
    inverseOutDegree: new Float32Array(buffer, layout.inverse, nodeCount),
    scores: new Float64Array(buffer, layout.scores, nodeCount),
    contributions: [new Float32Array(buffer, layout.contributions[0], nodeCount), new Float32Array(buffer, layout.contributions[1], nodeCount)],
    danglingMass: new Float64Array(buffer, layout.danglingMass, 2 * blocks),
    change: new Float64Array(buffer, layout.change, 2 * blocks),
    barrier: new Int32Array(new SharedArrayBuffer(8)),
  };
}

/** Splits nodes into `threads` block-aligned ranges of about equal work (edges plus one per node). */
function partition(inStart: Uint32Array, nodeCount: number, threads: number): Uint32Array {
  const blocks = Math.ceil(nodeCount / blockSize);
  const count = Math.max(1, Math.min(threads, blocks));
  const bounds = new Uint32Array(new SharedArrayBuffer((count + 1) * 4));
  const edges = inStart[nodeCount] as number;
  for (let thread = 1; thread < count; thread++) {
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
  return bounds;
}

/** 1 / out-degree from out-degree counts (0 for a node without out-edges). */
function fillInverse(inverse: Float32Array, outDegree: Uint32Array): void {
  for (let node = 0; node < outDegree.length; node++) {
    const degree = outDegree[node] as number;
    inverse[node] = degree === 0 ? 0 : 1 / degree;
  }
}

/**
 * Sets up a run on an analytics graph (score flows from a node to its successors: pull along incoming rows) for
 * `threads` threads, copying the rows into the run's memory.
 */
export function preparePageRank(graph: AnalyticsGraph, params: PageRankParams, threads: number): PageRankTask {
  const { nodeCount, outStart, inStart } = graph;
  const base = allocate(nodeCount, inStart[nodeCount] as number, params);
  base.inStart.set(inStart.subarray(0, nodeCount + 1));
  base.inSource.set(graph.inSource.subarray(0, inStart[nodeCount] as number));
  const outDegree = new Uint32Array(nodeCount);
  for (let node = 0; node < nodeCount; node++) outDegree[node] = (outStart[node + 1] as number) - (outStart[node] as number);
  fillInverse(base.inverseOutDegree, outDegree);
  const bounds = partition(base.inStart, nodeCount, threads);
  return { ...base, threads: bounds.length - 1, bounds };
}

/**
 * Sets up a run straight from edge endpoint arrays (the first `count` of `from` and `to`, nodes below `nodeCount`),
 * building only what PageRank reads: incoming rows, sorted, in the run's memory, and out-degrees. For `both`, each
 * edge a→b also carries score b→a; a self-loop stays one edge (as networkx's `to_directed`).
 * @example
 * const task = preparePageRankFromEdges(3, Uint32Array.of(0, 1), Uint32Array.of(1, 2), 2, 'out', params, 1);
 */
export function preparePageRankFromEdges(
  nodeCount: number,
  from: Uint32Array,
  to: Uint32Array,
  count: number,
  direction: PageRankDirection,
  params: PageRankParams,
  threads: number,
): PageRankTask {
  // Score flows source → target; for 'in' the relation's ends swap.
  const sources = direction === 'in' ? to : from;
  const targets = direction === 'in' ? from : to;
  const both = direction === 'both';
  const outDegree = new Uint32Array(nodeCount);
  const incoming = new Uint32Array(nodeCount + 1);
  let entries = 0;
  for (let edge = 0; edge < count; edge++) {
    const source = sources[edge] as number;
    const target = targets[edge] as number;
    (outDegree[source] as number)++;
    (incoming[target + 1] as number)++;
    entries++;
    if (both && source !== target) {
      (outDegree[target] as number)++;
      (incoming[source + 1] as number)++;
      entries++;
    }
  }
  const base = allocate(nodeCount, entries, params);
  const { inStart, inSource } = base;
  for (let node = 0; node < nodeCount; node++) incoming[node + 1] = (incoming[node + 1] as number) + (incoming[node] as number);
  inStart.set(incoming);
  // Reuse the counts as fill positions.
  const fill = incoming;
  for (let edge = 0; edge < count; edge++) {
    const source = sources[edge] as number;
    const target = targets[edge] as number;
    inSource[(fill[target] as number)++] = source;
    if (both && source !== target) inSource[(fill[source] as number)++] = target;
  }
  // Ascending rows: nearby sources are gathered one after another, and the sum order does not depend on input order.
  for (let node = 0; node < nodeCount; node++) sortRow(inSource, inStart[node] as number, inStart[node + 1] as number);
  fillInverse(base.inverseOutDegree, outDegree);
  const bounds = partition(inStart, nodeCount, threads);
  return { ...base, threads: bounds.length - 1, bounds };
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
  const { nodeCount, threads, inverseOutDegree, scores, danglingMass, change, barrier, layout } = task;
  const { damping, tolerance, maxIterations } = task.params;
  const kernel = kernelFor(task.memory);
  const blocks = Math.ceil(nodeCount / blockSize);
  const first = task.bounds[thread] as number;
  const last = task.bounds[thread + 1] as number;
  // A task may run again: continue from the barrier's generation (every thread reads it before the first barrier can
  // complete, so all read the same value).
  let generation = Atomics.load(barrier, 1);

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
    // Dangling nodes hand their score to every node alike; every thread adds the same block sums in the same order.
    const base = (1 - damping) / nodeCount + (damping * sumOf(danglingMass, parity * blocks, blocks)) / nodeCount;
    for (let block = first / blockSize; block * blockSize < last; block++) {
      const end = Math.min(last, (block + 1) * blockSize);
      change[parity * blocks + block] = kernel(
        block * blockSize,
        end,
        layout.inStart,
        layout.inSource,
        layout.contributions[parity] as number,
        layout.contributions[next] as number,
        layout.scores,
        layout.inverse,
        base,
        damping,
        layout.danglingMass + (next * blocks + block) * 8,
      );
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
