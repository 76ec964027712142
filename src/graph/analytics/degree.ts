/** @module Degree centrality: relations in, out and in total at each entity, counted with multiplicity (self-loops count once each way). */
import type { AnalyticsGraph } from './csr.js';

/** Each node's in-degree, out-degree and their sum. */
export interface Degrees {
  in: Uint32Array;
  out: Uint32Array;
  total: Uint32Array;
}

/** Degrees read off the CSR row lengths. */
export function degrees(graph: AnalyticsGraph): Degrees {
  const { nodeCount, outStart, inStart } = graph;
  const result: Degrees = { in: new Uint32Array(nodeCount), out: new Uint32Array(nodeCount), total: new Uint32Array(nodeCount) };
  for (let node = 0; node < nodeCount; node++) {
    const incoming = (inStart[node + 1] as number) - (inStart[node] as number);
    const outgoing = (outStart[node + 1] as number) - (outStart[node] as number);
    result.in[node] = incoming;
    result.out[node] = outgoing;
    result.total[node] = incoming + outgoing;
  }
  return result;
}
