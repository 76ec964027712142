/** @module The PageRank kernel: the committed WebAssembly matches its source, and runs built from edges equal runs built from the CSR. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import wabtInit from 'wabt';
import { graphFromEdges, reversed, undirected } from './csr.js';
import { type PageRankDirection, preparePageRank, preparePageRankFromEdges, runPageRankShare } from './pagerank.js';
import { pageRankKernelBase64 } from './pagerank-wasm.js';
import { seededRandom } from './random.js';

describe('PageRank kernel', () => {
  it('pagerank-wasm.ts holds pagerank.wat as assembled (run scripts/build-analytics-kernels.mjs after editing the .wat)', async () => {
    const wabt = await wabtInit();
    const source = readFileSync(new URL('./pagerank.wat', import.meta.url), 'utf8');
    const bytes = wabt.parseWat('pagerank.wat', source, { threads: true }).toBinary({}).buffer;
    assert.equal(Buffer.from(bytes).toString('base64'), pageRankKernelBase64);
  });

  it('gives the same scores built from edges as from the CSR, in every direction, with repeats and self-loops', () => {
    const random = seededRandom(5);
    const nodeCount = 3000;
    const count = 20_000;
    const from = Uint32Array.from({ length: count }, () => Math.floor(random() * nodeCount));
    const to = Uint32Array.from({ length: count }, (_, edge) => (edge % 50 === 0 ? (from[edge] as number) : Math.floor(random() * nodeCount)));
    const graph = graphFromEdges(nodeCount, from, to, count);
    const params = { damping: 0.85, tolerance: 1e-10, maxIterations: 200 };
    const views: Record<PageRankDirection, typeof graph> = { out: graph, in: reversed(graph), both: undirected(graph) };
    for (const direction of ['out', 'in', 'both'] as const) {
      const fromGraph = preparePageRank(views[direction], params, 1);
      const fromEdges = preparePageRankFromEdges(nodeCount, from, to, count, direction, params, 1);
      assert.deepEqual(fromEdges.inStart, fromGraph.inStart, direction);
      assert.deepEqual(fromEdges.inSource, fromGraph.inSource, direction);
      assert.deepEqual(fromEdges.inverseOutDegree, fromGraph.inverseOutDegree, direction);
      assert.deepEqual(runPageRankShare(fromEdges, 0), runPageRankShare(fromGraph, 0), direction);
      assert.deepEqual(fromEdges.scores, fromGraph.scores, direction);
      const sum = fromEdges.scores.reduce((total, score) => total + score, 0);
      assert.ok(Math.abs(sum - 1) < 1e-6, `${direction}: scores sum to ${sum}`);
    }
  });
});
