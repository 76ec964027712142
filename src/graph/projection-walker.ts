/** @module The walker over a tenant's in-memory projection: node and relation numbers, labels from memory, properties from the store. */
import { type GraphProjection, type NodeLabel, labelOf, nodeOfSeq, relationOf, seqOfNode } from './projection-graph.js';
import { type LabelReader, type PropertyReader, collectSteps, ensureLabels, typeTest } from './projection-traversal.js';
import { type Walker, type WalkerOptions, emptySteps, nodeFilter } from './walker.js';

/** A walker over `projection`; labels of entities added since its build and all properties are read from the store. */
export function projectionWalker(projection: GraphProjection, options: WalkerOptions, readLabels: LabelReader, readProperties: PropertyReader): Walker {
  const test = typeTest(projection, options.relationTypes);
  const labels = async (nodes: readonly number[]) => {
    await ensureLabels(projection, nodes, readLabels);
    const out = new Map<number, NodeLabel>();
    for (const node of nodes) {
      const label = labelOf(projection, node);
      if (label) out.set(node, label);
    }
    return out;
  };
  const filter = nodeFilter(options, {
    labels,
    properties: async (nodes) => {
      const bySeq = await readProperties(nodes.map((node) => seqOfNode(projection, node)));
      const out = new Map<number, Record<string, unknown>>();
      for (const node of nodes) {
        const found = bySeq.get(seqOfNode(projection, node));
        if (found) out.set(node, found);
      }
      return out;
    },
  });
  return {
    async expand(frontier, direction) {
      const steps = emptySteps();
      for (const near of frontier) collectSteps(projection, near, direction, test, steps);
      return steps;
    },
    seqOf: (node) => seqOfNode(projection, node),
    nodeOfSeq: (seq) => nodeOfSeq(projection, seq),
    // The type without the ID: sorts and tie-breaks call this per comparison. Measured against relationOf(…).type, interleaved in
    // one process (100k entities, 1M relations): subgraph of 10 seeds at depth 2, p50 27.1 → 19.2 ms, p95 60.4 → 39.3 ms.
    typeOf: (relation) =>
      relation < projection.arrays.relationCount
        ? (projection.arrays.relationTypeNames[projection.arrays.relationTypes[relation] as number] as string)
        : (projection.addedRelations[relation - projection.arrays.relationCount] as { type: string }).type,
    idOf: (relation) => (relationOf(projection, relation) as { id: string }).id,
    accept: async (nodes) => (filter ? filter(nodes) : [...nodes]),
    labels,
  };
}
