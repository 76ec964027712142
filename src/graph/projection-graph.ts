/** @module A tenant's projection in use: the built arrays plus a small overlay of the changes this process committed since. */
import { type ProjectionArrays, findSeq, findUuid, typedArraysOf, uuidAt } from './projection-data.js';

/** A structural change one committed transaction made, applied on top of the arrays. */
export interface GraphDelta {
  /** Relations created, with their endpoints as entity row numbers. */
  addedRelations?: { id: string; type: string; fromSeq: number; toSeq: number }[];
  deletedRelations?: readonly string[];
  deletedEntities?: readonly string[];
}

/** ID, type and name of an entity, as results show it. */
export interface NodeLabel {
  id: string;
  type: string;
  name: string;
}

/** A relation added since the build: endpoints as node numbers; null once deleted again. */
interface AddedRelation {
  id: string;
  type: string;
  from: number;
  to: number;
}

/**
 * A projection at `version`. Node numbers below `arrays.entityCount` are the built entities; higher ones are
 * entities met since (endpoints of added relations), whose labels are read from the store on first need.
 * Relation numbers below `arrays.relationCount` are built relations; higher ones index `addedRelations`.
 */
export interface GraphProjection {
  readonly arrays: ProjectionArrays;
  version: number;
  readonly deletedRelations: Set<number>;
  readonly deletedNodes: Set<number>;
  /** Entities added after the build: row number and label (null until read). */
  readonly extraNodes: { seq: number; label: NodeLabel | null }[];
  readonly extraNodeBySeq: Map<number, number>;
  readonly addedRelations: (AddedRelation | null)[];
  readonly addedRelationById: Map<string, number>;
  /** Added relations by node number, each direction. */
  readonly addedOut: Map<number, number[]>;
  readonly addedIn: Map<number, number[]>;
  /** Changes applied since the build; a large overlay triggers a rebuild. */
  changes: number;
  readonly builtMilliseconds: number;
}

/** A projection over freshly built arrays, with an empty overlay. */
export function createGraphProjection(arrays: ProjectionArrays, builtMilliseconds: number): GraphProjection {
  return {
    arrays,
    version: arrays.version,
    deletedRelations: new Set(),
    deletedNodes: new Set(),
    extraNodes: [],
    extraNodeBySeq: new Map(),
    addedRelations: [],
    addedRelationById: new Map(),
    addedOut: new Map(),
    addedIn: new Map(),
    changes: 0,
    builtMilliseconds,
  };
}

/** The node number of an entity row number, or -1 when the projection has no such live entity. */
export function nodeOfSeq(projection: GraphProjection, seq: number): number {
  const extra = projection.extraNodeBySeq.get(seq);
  if (extra !== undefined) return projection.arrays.entityCount + extra;
  const index = findSeq(projection.arrays.entitySeqs, seq);
  return index >= 0 && !projection.deletedNodes.has(index) ? index : -1;
}

/** The row number of a node. */
export function seqOfNode(projection: GraphProjection, node: number): number {
  const { arrays } = projection;
  return node < arrays.entityCount ? (arrays.entitySeqs[node] as number) : (projection.extraNodes[node - arrays.entityCount] as { seq: number }).seq;
}

/** Names as a Buffer over the same memory, whose `toString` decodes short UTF-8 slices faster than TextDecoder. */
const nameBuffers = new WeakMap<Uint8Array, Buffer>();
function nameBuffer(bytes: Uint8Array): Buffer {
  let buffer = nameBuffers.get(bytes);
  if (!buffer) {
    buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    nameBuffers.set(bytes, buffer);
  }
  return buffer;
}

/** The label of a node, or null for an added entity not read yet. */
export function labelOf(projection: GraphProjection, node: number): NodeLabel | null {
  const { arrays } = projection;
  if (node >= arrays.entityCount) return (projection.extraNodes[node - arrays.entityCount] as { label: NodeLabel | null }).label;
  return {
    id: uuidAt(arrays.entityIds, node * 16),
    type: arrays.entityTypeNames[arrays.entityTypes[node] as number] as string,
    name: nameBuffer(arrays.nameBytes).toString('utf8', arrays.nameOffsets[node], arrays.nameOffsets[node + 1]),
  };
}

/** The ID and type of a relation number; null when deleted. */
export function relationOf(projection: GraphProjection, relation: number): { id: string; type: string } | null {
  const { arrays } = projection;
  if (relation < arrays.relationCount) {
    return { id: uuidAt(arrays.relationIds, relation * 16), type: arrays.relationTypeNames[arrays.relationTypes[relation] as number] as string };
  }
  return projection.addedRelations[relation - arrays.relationCount] ?? null;
}

function nodeForSeq(projection: GraphProjection, seq: number): number {
  const found = nodeOfSeq(projection, seq);
  if (found >= 0) return found;
  projection.extraNodes.push({ seq, label: null });
  projection.extraNodeBySeq.set(seq, projection.extraNodes.length - 1);
  return projection.arrays.entityCount + projection.extraNodes.length - 1;
}

function push(map: Map<number, number[]>, node: number, relation: number): void {
  const list = map.get(node);
  if (list) list.push(relation);
  else map.set(node, [relation]);
}

/** Applies a committed change to the overlay. */
export function applyDelta(projection: GraphProjection, delta: GraphDelta): void {
  const { arrays } = projection;
  for (const id of delta.deletedRelations ?? []) {
    const built = findUuid(arrays.relationIds, arrays.relationCount, id);
    if (built >= 0) projection.deletedRelations.add(built);
    const added = projection.addedRelationById.get(id);
    if (added !== undefined) {
      projection.addedRelations[added] = null;
      projection.addedRelationById.delete(id);
    }
    projection.changes++;
  }
  for (const id of delta.deletedEntities ?? []) {
    const built = findUuid(arrays.entityIds, arrays.entityCount, id, arrays.entityIdOrder);
    if (built >= 0) projection.deletedNodes.add(built);
    // A later entity may get the same row number on SQLite: forget the number so it is read afresh.
    for (const [seq, extra] of projection.extraNodeBySeq) if (projection.extraNodes[extra]?.label?.id === id) projection.extraNodeBySeq.delete(seq);
    projection.changes++;
  }
  for (const relation of delta.addedRelations ?? []) {
    const from = nodeForSeq(projection, relation.fromSeq);
    const to = nodeForSeq(projection, relation.toSeq);
    const number = arrays.relationCount + projection.addedRelations.length;
    projection.addedRelations.push({ id: relation.id, type: relation.type, from, to });
    projection.addedRelationById.set(relation.id, number - arrays.relationCount);
    push(projection.addedOut, from, number);
    push(projection.addedIn, to, number);
    projection.changes++;
  }
}

/** Bytes the arrays take, and an estimate for the overlay. */
export function projectionBytes(projection: GraphProjection): number {
  const typed = typedArraysOf(projection.arrays).reduce((sum, array) => sum + array.byteLength, 0);
  return typed + projection.changes * 200;
}
