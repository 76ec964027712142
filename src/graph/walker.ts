/**
 * @module The walker: what k shortest paths and subgraphs need from a graph (steps from a frontier, row numbers,
 * relation types, the entity filter, labels), and its SQL implementation. The in-memory projection has its own
 * (projection-walker.ts); the algorithms are written once over this interface, so both paths give the same answers.
 */
import type { Tx } from '../store/index.js';
import { entitiesBySeq, propertiesBySeq } from './entities.js';
import { type CompiledFilter, type EntityFilterOptions, compileFilter } from './filters.js';
import type { NodeLabel } from './projection-graph.js';
import { adjacent } from './traversal.js';
import type { Direction } from './types.js';

/** Relations reached from a frontier, as parallel lists: near end, far end, relation handle, whether it leaves `near`. */
export interface StepList {
  near: number[];
  far: number[];
  relation: number[];
  out: boolean[];
}

/** An empty {@link StepList}. */
export const emptySteps = (): StepList => ({ near: [], far: [], relation: [], out: [] });

/**
 * A graph as the query algorithms walk it. Nodes and relations are numbers whose meaning is the walker's own (row
 * numbers and discovery order in SQL, node and relation numbers on the projection); every order the algorithms
 * depend on goes through {@link Walker.seqOf} and {@link Walker.typeOf}, which mean the same on both.
 */
export interface Walker {
  /** Every relation of the allowed types at each node of `frontier` in `direction`. */
  expand(frontier: readonly number[], direction: Direction): Promise<StepList>;
  /** The entity row number of a node. */
  seqOf(node: number): number;
  /** The node of an entity row number; -1 when the walker does not know it. */
  nodeOfSeq(seq: number): number;
  /** The type of a relation. */
  typeOf(relation: number): string;
  /** The ID (UUID) of a relation. */
  idOf(relation: number): string;
  /** Of `nodes`, those that pass the entity filter (all when there is none), in the given order. */
  accept(nodes: readonly number[]): Promise<number[]>;
  /** ID, type and name of nodes. */
  labels(nodes: readonly number[]): Promise<Map<number, NodeLabel>>;
}

/** Reads what a filter needs of some entities: their labels (for the type) and, with property conditions, their properties. */
export type FilterReader = {
  labels(nodes: readonly number[]): Promise<Map<number, NodeLabel>>;
  properties(nodes: readonly number[]): Promise<Map<number, Record<string, unknown>>>;
};

/**
 * An entity filter over a walker's nodes, with answers remembered for the query. Types are tested on labels,
 * property conditions on properties read once per node.
 */
export function nodeFilter(options: EntityFilterOptions, read: FilterReader): ((nodes: readonly number[]) => Promise<number[]>) | null {
  const types = options.entityTypes && options.entityTypes.length > 0 ? new Set(options.entityTypes) : null;
  const conditions: CompiledFilter | null = options.where ? compileFilter(options.where) : null;
  if (!types && !conditions) return null;
  const known = new Map<number, boolean>();
  return async (nodes) => {
    const unknown = [...new Set(nodes.filter((node) => !known.has(node)))];
    if (unknown.length > 0) {
      let candidates = unknown;
      if (types) {
        const labels = await read.labels(unknown);
        candidates = [];
        for (const node of unknown) {
          const label = labels.get(node);
          if (label && types.has(label.type)) candidates.push(node);
          else known.set(node, false);
        }
      }
      if (conditions) {
        const properties = await read.properties(candidates);
        for (const node of candidates) {
          const found = properties.get(node);
          known.set(node, found !== undefined && conditions.test(found));
        }
      } else for (const node of candidates) known.set(node, true);
    }
    return nodes.filter((node) => known.get(node) === true);
  };
}

/** Options of a walker: the relation types it follows (none: all) and the entity filter. */
export interface WalkerOptions extends EntityFilterOptions {
  relationTypes?: string[];
}

/** A walker over SQL: nodes are entity row numbers, relations numbered as first met. */
export function sqlWalker(tx: Tx, tenantId: string, options: WalkerOptions): Walker {
  const relations: { id: string; type: string }[] = [];
  const handles = new Map<string, number>();
  const labelsOf = async (nodes: readonly number[]) => entitiesBySeq(tx, tenantId, nodes);
  const filter = nodeFilter(options, { labels: labelsOf, properties: (nodes) => propertiesBySeq(tx, tenantId, nodes) });
  return {
    async expand(frontier, direction) {
      const steps = emptySteps();
      for (const side of ['out', 'in'] as const) {
        if (side === 'out' ? direction === 'in' : direction === 'out') continue;
        for (const edge of await adjacent(tx, tenantId, frontier, side, options.relationTypes)) {
          let handle = handles.get(edge.id);
          if (handle === undefined) {
            handle = relations.push({ id: edge.id, type: edge.type }) - 1;
            handles.set(edge.id, handle);
          }
          steps.near.push(side === 'out' ? edge.from : edge.to);
          steps.far.push(side === 'out' ? edge.to : edge.from);
          steps.relation.push(handle);
          steps.out.push(side === 'out');
        }
      }
      return steps;
    },
    seqOf: (node) => node,
    nodeOfSeq: (seq) => seq,
    typeOf: (relation) => (relations[relation] as { type: string }).type,
    idOf: (relation) => (relations[relation] as { id: string }).id,
    accept: async (nodes) => (filter ? filter(nodes) : [...nodes]),
    labels: labelsOf,
  };
}
