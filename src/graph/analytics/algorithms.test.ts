/** @module The analytics algorithms against hand-computed values and graphology on the same graphs, and their determinism. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import { MultiDirectedGraph, MultiUndirectedGraph, UndirectedGraph } from 'graphology';
import type { AbstractGraph } from 'graphology-types';
import { betweennessScores, prepareBetweenness, runBetweennessShare, sampleSources } from './betweenness.js';
import { strongComponents, weakComponents } from './components.js';
import { type AnalyticsGraph, graphFromEdges, reversed, simple, undirected } from './csr.js';
import { degrees } from './degree.js';
import { louvain } from './louvain.js';
import { pageRank, preparePageRank } from './pagerank.js';
import { seededRandom } from './random.js';
import { rankBy } from './rank.js';
import { type KernelThreads, startKernelThreads } from './threads.js';

// The graphology packages are CommonJS whose typings declare an ES default export: load them as CommonJS.
const require = createRequire(import.meta.url);
const pagerankReference = require('graphology-metrics/centrality/pagerank.js') as typeof import('graphology-metrics/centrality/pagerank.js').default;
const betweennessReference = require('graphology-metrics/centrality/betweenness.js') as typeof import('graphology-metrics/centrality/betweenness.js').default;
const modularityReference = require('graphology-metrics/graph/modularity.js') as typeof import('graphology-metrics/graph/modularity.js').default;
const louvainReference = require('graphology-communities-louvain') as typeof import('graphology-communities-louvain').default;

/** A graph from `[from, to]` pairs. */
function graphOf(nodeCount: number, edges: [number, number][]): AnalyticsGraph {
  return graphFromEdges(
    nodeCount,
    Uint32Array.from(edges, ([from]) => from),
    Uint32Array.from(edges, ([, to]) => to),
    edges.length,
  );
}

/** Endpoint arrays and count of `[from, to]` pairs. */
function endpoints(edges: [number, number][]): [Uint32Array, Uint32Array, number] {
  return [Uint32Array.from(edges, ([from]) => from), Uint32Array.from(edges, ([, to]) => to), edges.length];
}

/** Random edges (with repeats and self-loops unless `simpleOnly`). */
function randomEdges(nodeCount: number, edgeCount: number, seed: number, simpleOnly = false): [number, number][] {
  const random = seededRandom(seed);
  const seen = new Set<number>();
  const edges: [number, number][] = [];
  while (edges.length < edgeCount) {
    const from = Math.floor(random() * nodeCount);
    const to = Math.floor(random() * nodeCount);
    if (simpleOnly && (from === to || seen.has(from * nodeCount + to))) continue;
    seen.add(from * nodeCount + to);
    edges.push([from, to]);
  }
  return edges;
}

/** The same graph in graphology: a multigraph with self-loops, or a simple undirected graph (modularity takes only those). */
function referenceGraph(nodeCount: number, edges: [number, number][], type: 'directed' | 'undirected' | 'simple'): AbstractGraph {
  const graph = type === 'directed' ? new MultiDirectedGraph() : type === 'undirected' ? new MultiUndirectedGraph() : new UndirectedGraph();
  for (let node = 0; node < nodeCount; node++) graph.addNode(String(node));
  for (const [from, to] of edges) graph.addEdge(String(from), String(to));
  return graph;
}

const strictPageRank = { damping: 0.85, tolerance: 1e-12, maxIterations: 1000 };

describe('PageRank', () => {
  it('matches the hand-solved fixed point of a four-node graph', () => {
    // A→B, A→C, B→C, C→A, D→C. D has no incoming links: (1 − d)/N. Substituting B and D into C and C into A:
    // a = (0.0375 + 0.85 · 0.10125) / (1 − 0.85 · 0.78625), c = 0.10125 + 0.78625 a, b = 0.0375 + 0.425 a.
    const result = pageRank(
      graphOf(4, [
        [0, 1],
        [0, 2],
        [1, 2],
        [2, 0],
        [3, 2],
      ]),
      strictPageRank,
    );
    const a = (0.0375 + 0.85 * 0.10125) / (1 - 0.85 * 0.78625);
    const expected = [a, 0.0375 + 0.425 * a, 0.10125 + 0.78625 * a, 0.0375];
    // Contributions are gathered as Float32: agreement to about 1e-7 relative.
    expected.forEach((value, node) =>
      assert.ok(Math.abs((result.scores[node] as number) - value) < 1e-7 * value, `node ${node}: ${result.scores[node]} vs ${value}`),
    );
    assert.ok(Math.abs(expected.reduce((sum, value) => sum + value, 0) - 1) < 1e-12, 'the hand solution sums to 1');
    assert.equal(result.converged, true);
  });

  it('hands a dangling node’s score to every node alike', () => {
    // A⇄B, A→C; C has no out-links. By symmetry b = c, a + 2b = 1, b = 0.475 / (1.85 − 0.85/3).
    const result = pageRank(
      graphOf(3, [
        [0, 1],
        [1, 0],
        [0, 2],
      ]),
      strictPageRank,
    );
    const b = 0.475 / (1.85 - 0.85 / 3);
    [1 - 2 * b, b, b].forEach((value, node) => assert.ok(Math.abs((result.scores[node] as number) - value) < 1e-7 * value, `node ${node}`));
  });

  it('reports no convergence when the iterations run out, with the iterations run', () => {
    const result = pageRank(graphOf(50, randomEdges(50, 200, 3)), { damping: 0.85, tolerance: 1e-15, maxIterations: 3 });
    assert.equal(result.converged, false);
    assert.equal(result.iterations, 3);
    assert.ok(result.delta > 0);
  });

  it('matches graphology-metrics within 1e-6 on a random 2,000-node multigraph, directed and undirected', () => {
    const edges = randomEdges(2000, 12_000, 7);
    const graph = graphOf(2000, edges);
    const directed = pagerankReference(referenceGraph(2000, edges, 'directed'), { alpha: 0.85, tolerance: 1e-10, maxIterations: 1000, getEdgeWeight: null });
    const ours = pageRank(graph, { damping: 0.85, tolerance: 1e-10, maxIterations: 1000 });
    let largest = 0;
    for (let node = 0; node < 2000; node++) largest = Math.max(largest, Math.abs((ours.scores[node] as number) - (directed[String(node)] as number)));
    assert.ok(largest < 1e-6, `largest difference ${largest}`);
    const both = pagerankReference(referenceGraph(2000, edges, 'undirected'), { alpha: 0.85, tolerance: 1e-10, maxIterations: 1000, getEdgeWeight: null });
    const oursBoth = pageRank(undirected(graph), { damping: 0.85, tolerance: 1e-10, maxIterations: 1000 });
    largest = 0;
    for (let node = 0; node < 2000; node++) largest = Math.max(largest, Math.abs((oursBoth.scores[node] as number) - (both[String(node)] as number)));
    assert.ok(largest < 1e-6, `largest difference (undirected) ${largest}`);
  });

  it('handles the empty graph and a graph without edges', () => {
    assert.deepEqual(pageRank(graphOf(0, []), strictPageRank), { converged: true, iterations: 0, delta: 0, scores: new Float64Array(0) });
    const lonely = pageRank(graphOf(4, []), strictPageRank);
    assert.deepEqual([...lonely.scores], [0.25, 0.25, 0.25, 0.25]);
  });
});

describe('parallel kernels', () => {
  let threads: KernelThreads;
  before(async () => {
    threads = await startKernelThreads(2);
  });
  after(() => threads.close());

  it('PageRank on two threads equals one thread bit for bit', () => {
    const graph = graphOf(30_000, randomEdges(30_000, 150_000, 11));
    const params = { damping: 0.85, tolerance: 1e-9, maxIterations: 50 };
    const one = pageRank(graph, params);
    const task = preparePageRank(graph, params, 2);
    assert.equal(task.threads, 2);
    const outcome = threads.pageRank(task);
    assert.deepEqual(outcome, { converged: one.converged, iterations: one.iterations, delta: one.delta });
    assert.deepEqual(
      Buffer.from(task.scores.buffer, task.scores.byteOffset, task.scores.byteLength),
      Buffer.from(one.scores.buffer, one.scores.byteOffset, one.scores.byteLength),
    );
    const again = threads.pageRank(task);
    assert.deepEqual(again, outcome, 'a task runs again from the start, to the same result');
    assert.deepEqual([...task.scores], [...one.scores]);
  });

  it('betweenness on two threads matches one thread', () => {
    const graph = simple(graphOf(400, randomEdges(400, 1600, 5)));
    const sources = sampleSources(400, 400, seededRandom(1));
    const one = prepareBetweenness(graph, sources, 1);
    runBetweennessShare(one, 0);
    const two = prepareBetweenness(graph, sources, 2);
    threads.betweenness(two);
    const scaling = { undirected: false, normalized: true };
    const [a, b] = [betweennessScores(one, scaling), betweennessScores(two, scaling)];
    for (let node = 0; node < 400; node++) assert.ok(Math.abs((a[node] as number) - (b[node] as number)) < 1e-12);
  });
});

describe('betweenness', () => {
  function exact(graph: AnalyticsGraph, scaling: { undirected: boolean; normalized: boolean }): Float64Array {
    const task = prepareBetweenness(graph, sampleSources(graph.nodeCount, graph.nodeCount, seededRandom(1)), 1);
    runBetweennessShare(task, 0);
    return betweennessScores(task, scaling);
  }

  it('is exact on a path and a star', () => {
    // Path 0→1→2→3: node 1 lies on (0,2), (0,3); node 2 on (0,3), (1,3).
    assert.deepEqual(
      [
        ...exact(
          graphOf(4, [
            [0, 1],
            [1, 2],
            [2, 3],
          ]),
          { undirected: false, normalized: false },
        ),
      ],
      [0, 2, 2, 0],
    );
    // Undirected star with centre 0 and 4 leaves: the centre is on all C(4,2) = 6 leaf pairs.
    const star = simple(
      undirected(
        graphOf(5, [
          [0, 1],
          [0, 2],
          [0, 3],
          [0, 4],
        ]),
      ),
    );
    assert.deepEqual([...exact(star, { undirected: true, normalized: false })], [6, 0, 0, 0, 0]);
    // Normalised, each pair counted from both ends over (n − 1)(n − 2) = 12 ordered pairs, as networkx: 12 / 12.
    assert.deepEqual([...exact(star, { undirected: true, normalized: true })], [1, 0, 0, 0, 0]);
  });

  it('matches graphology-metrics on random directed and undirected graphs', () => {
    const edges = randomEdges(300, 1200, 9, true);
    const directed = betweennessReference(referenceGraph(300, edges, 'directed'), { getEdgeWeight: null, normalized: true });
    const ours = exact(simple(graphOf(300, edges)), { undirected: false, normalized: true });
    for (let node = 0; node < 300; node++) assert.ok(Math.abs((ours[node] as number) - (directed[String(node)] as number)) < 1e-9, `directed node ${node}`);
    const undirectedEdges = edges.filter(([from, to]) => from < to);
    const reference = betweennessReference(referenceGraph(300, undirectedEdges, 'undirected'), { getEdgeWeight: null, normalized: false });
    const oursUndirected = exact(simple(undirected(graphOf(300, undirectedEdges))), { undirected: true, normalized: false });
    for (let node = 0; node < 300; node++) assert.ok(Math.abs((oursUndirected[node] as number) - (reference[String(node)] as number)) < 1e-9, `node ${node}`);
  });

  it('samples sources deterministically for a seed and scales by n / samples', () => {
    const first = sampleSources(1000, 50, seededRandom(42));
    assert.deepEqual(first, sampleSources(1000, 50, seededRandom(42)));
    assert.notDeepEqual(first, sampleSources(1000, 50, seededRandom(43)));
    assert.equal(new Set(first).size, 50);
    assert.ok([...first].every((node) => node < 1000));
    // On a star each BFS from a leaf adds 99 (the other leaves) to the centre: 5 sources × 99 × (101 / 5), halved.
    const star = simple(
      undirected(
        graphOf(
          101,
          Array.from({ length: 100 }, (_, leaf) => [0, leaf + 1] as [number, number]),
        ),
      ),
    );
    const task = prepareBetweenness(star, Uint32Array.from([1, 2, 3, 4, 5]), 1);
    runBetweennessShare(task, 0);
    assert.equal(betweennessScores(task, { undirected: true, normalized: false })[0], (99 * 101) / 2);
  });
});

describe('degrees and components', () => {
  const graph = graphOf(7, [
    [0, 1],
    [1, 2],
    [2, 0],
    [2, 3],
    [4, 5],
    [5, 5],
    [0, 1],
  ]);

  it('counts degrees with multiplicity', () => {
    const counted = degrees(graph);
    assert.deepEqual([...counted.in], [1, 2, 1, 1, 0, 2, 0]);
    assert.deepEqual([...counted.out], [2, 1, 2, 0, 1, 1, 0]);
    assert.deepEqual([...counted.total], [3, 3, 3, 1, 1, 3, 0]);
  });

  it('finds weak components, largest first', () => {
    const found = weakComponents(graph);
    assert.deepEqual([...found.component], [0, 0, 0, 0, 1, 1, 2]);
    assert.deepEqual([...found.sizes], [4, 2, 1]);
  });

  it('finds strong components, largest first, ties by lowest node', () => {
    const found = strongComponents(graph);
    // {0,1,2} cycle; 3, 4, 5, 6 alone (the self-loop does not join 4 and 5).
    assert.deepEqual([...found.component], [0, 0, 0, 1, 2, 3, 4]);
    assert.deepEqual([...found.sizes], [3, 1, 1, 1, 1]);
    assert.deepEqual(strongComponents(reversed(graph)).component, found.component, 'reversing edges keeps strong components');
  });

  it('handles a long chain without recursion', () => {
    const chain = graphOf(
      200_000,
      Array.from({ length: 199_999 }, (_, node) => [node, node + 1] as [number, number]),
    );
    assert.equal(strongComponents(chain).sizes.length, 200_000);
    assert.equal(weakComponents(chain).sizes.length, 1);
  });
});

describe('Louvain', () => {
  /** `groups` cliques of `size` nodes, each joined to the next by one edge. */
  function plantedCliques(groups: number, size: number): [number, number][] {
    const edges: [number, number][] = [];
    for (let group = 0; group < groups; group++) {
      for (let a = 0; a < size; a++) for (let b = a + 1; b < size; b++) edges.push([group * size + a, group * size + b]);
      edges.push([group * size, ((group + 1) % groups) * size + 1]);
    }
    return edges;
  }

  it('finds planted communities and reports their modularity as graphology computes it', () => {
    const edges = plantedCliques(8, 12);
    const result = louvain(96, ...endpoints(edges), { resolution: 1, seed: 1, maxLevels: 32, maxPasses: 64 });
    assert.equal(result.sizes.length, 8);
    assert.deepEqual([...result.sizes], new Array(8).fill(12));
    for (let group = 0; group < 8; group++) {
      const labels = new Set(Array.from({ length: 12 }, (_, member) => result.community[group * 12 + member]));
      assert.equal(labels.size, 1, `clique ${group} is one community`);
    }
    const reference = referenceGraph(96, edges, 'simple');
    const partition = Object.fromEntries(Array.from({ length: 96 }, (_, node) => [String(node), result.community[node] as number]));
    const expected = modularityReference(reference, { getNodeCommunity: (node: string) => partition[node] as number });
    assert.ok(Math.abs(result.modularity - expected) < 1e-12, `${result.modularity} vs ${expected}`);
    const theirs = louvainReference.detailed(reference, { rng: seededRandom(1) });
    assert.ok(result.modularity >= theirs.modularity - 1e-9, `ours ${result.modularity}, graphology ${theirs.modularity}`);
  });

  it('reaches graphology’s modularity on a random graph, and repeats exactly for a seed', () => {
    const edges = randomEdges(1500, 6000, 21, true).filter(([from, to]) => from < to);
    const params = { resolution: 1, seed: 7, maxLevels: 32, maxPasses: 64 };
    const first = louvain(1500, ...endpoints(edges), params);
    assert.deepEqual(louvain(1500, ...endpoints(edges), params), first);
    const theirs = louvainReference.detailed(referenceGraph(1500, edges, 'simple'), { rng: seededRandom(7) });
    assert.ok(first.modularity > theirs.modularity - 0.02, `ours ${first.modularity}, graphology ${theirs.modularity}`);
    const lower = louvain(1500, ...endpoints(edges), { ...params, resolution: 0.2 });
    assert.ok(lower.sizes.length < first.sizes.length, 'a lower resolution gives fewer, larger communities');
  });

  it('puts every node of a graph without edges alone', () => {
    const result = louvain(3, ...endpoints([]), { resolution: 1, seed: 1, maxLevels: 32, maxPasses: 64 });
    assert.deepEqual([...result.community], [0, 1, 2]);
    assert.equal(result.modularity, 0);
  });
});

describe('rankBy', () => {
  it('orders descending and ascending, ties in row order, negatives and -0 included', () => {
    const keys = Float64Array.of(0.5, -1, 0.5, 3, -0, 0, -2.5, 1e-300);
    assert.deepEqual([...rankBy(keys, true)], [3, 0, 2, 7, 4, 5, 1, 6]);
    assert.deepEqual([...rankBy(keys, false)], [6, 1, 4, 5, 7, 0, 2, 3]);
  });

  it('matches a comparator sort on many random keys with repeats', () => {
    const random = seededRandom(3);
    const keys = Float64Array.from({ length: 50_000 }, () => Math.floor(random() * 1000) / 7 - 50);
    const expected = Array.from({ length: keys.length }, (_, index) => index).sort((a, b) => (keys[b] as number) - (keys[a] as number) || a - b);
    assert.deepEqual([...rankBy(keys, true)], expected);
  });
});
