/** @module The in-memory graph projection's layout: compressed adjacency (CSR) and node labels in typed arrays, and their helpers. */

/**
 * One tenant's graph structure at one version, as a worker builds it. Entities are numbered 0…N-1 in row-number
 * (`seq`) order and relations 0…M-1 in ID order; every array is a typed array, so a worker hands them over
 * without copying.
 */
export interface ProjectionArrays {
  /** The tenant's event sequence the data was read at (same snapshot). */
  version: number;
  entityCount: number;
  relationCount: number;
  /** Row number of each entity, ascending. */
  entitySeqs: Float64Array;
  /** Each entity's UUID as 16 bytes. */
  entityIds: Uint8Array;
  /** Entity numbers in ID order, to find an entity by ID (deletes). */
  entityIdOrder: Uint32Array;
  entityTypes: Uint16Array;
  entityTypeNames: string[];
  /** UTF-8 names: entity i's name is `nameBytes[nameOffsets[i] … nameOffsets[i + 1]]`. */
  nameOffsets: Uint32Array;
  nameBytes: Uint8Array;
  /** Each relation's UUID as 16 bytes, in ascending byte order (relation numbers follow ID order). */
  relationIds: Uint8Array;
  relationTypes: Uint16Array;
  relationTypeNames: string[];
  /** Outgoing adjacency: relations leaving entity i are positions `outStart[i] … outStart[i + 1]`. */
  outStart: Uint32Array;
  outTarget: Uint32Array;
  outRelation: Uint32Array;
  /** Incoming adjacency, the same way. */
  inStart: Uint32Array;
  inTarget: Uint32Array;
  inRelation: Uint32Array;
}

/** The typed arrays of a projection, for transfer lists and byte counts. */
export function typedArraysOf(arrays: ProjectionArrays): ArrayBufferView[] {
  return [
    arrays.entitySeqs,
    arrays.entityIds,
    arrays.entityIdOrder,
    arrays.entityTypes,
    arrays.nameOffsets,
    arrays.nameBytes,
    arrays.relationIds,
    arrays.relationTypes,
    arrays.outStart,
    arrays.outTarget,
    arrays.outRelation,
    arrays.inStart,
    arrays.inTarget,
    arrays.inRelation,
  ];
}

const hexDigits = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** The canonical lower-case UUID text of the 16 bytes at `bytes[offset…]` (no closures: this runs for every node and relation returned). */
export function uuidAt(bytes: Uint8Array, o: number): string {
  const d = hexDigits;
  const b = bytes;
  return (
    (d[b[o] as number] as string) +
    d[b[o + 1] as number] +
    d[b[o + 2] as number] +
    d[b[o + 3] as number] +
    '-' +
    d[b[o + 4] as number] +
    d[b[o + 5] as number] +
    '-' +
    d[b[o + 6] as number] +
    d[b[o + 7] as number] +
    '-' +
    d[b[o + 8] as number] +
    d[b[o + 9] as number] +
    '-' +
    d[b[o + 10] as number] +
    d[b[o + 11] as number] +
    d[b[o + 12] as number] +
    d[b[o + 13] as number] +
    d[b[o + 14] as number] +
    d[b[o + 15] as number]
  );
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Writes a UUID's 16 bytes at `target[offset…]`; false when the text is not a UUID. */
export function writeUuid(id: string, target: Uint8Array, offset: number): boolean {
  let byte = 0;
  let half = -1;
  for (let index = 0; index < id.length; index++) {
    const code = id.charCodeAt(index);
    if (code === 45) continue;
    const value = hexValue(code);
    if (value < 0 || byte >= 16) return false;
    if (half < 0) half = value;
    else {
      target[offset + byte++] = half * 16 + value;
      half = -1;
    }
  }
  return byte === 16 && half < 0;
}

/** Compares the 16-byte UUID at `bytes[index * 16]` with `key`. */
function compareAt(bytes: Uint8Array, index: number, key: Uint8Array): number {
  const base = index * 16;
  for (let offset = 0; offset < 16; offset++) {
    const difference = (bytes[base + offset] as number) - (key[offset] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Position of the UUID `id` among `count` sorted 16-byte IDs (through `order` when given), or -1. */
export function findUuid(bytes: Uint8Array, count: number, id: string, order?: Uint32Array): number {
  const key = new Uint8Array(16);
  if (!writeUuid(id, key, 0)) return -1;
  let low = 0;
  let high = count - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const index = order ? (order[middle] as number) : middle;
    const difference = compareAt(bytes, index, key);
    if (difference === 0) return index;
    if (difference < 0) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** Position of `seq` in the ascending `seqs`, or -1. */
export function findSeq(seqs: Float64Array, seq: number): number {
  let low = 0;
  let high = seqs.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = seqs[middle] as number;
    if (value === seq) return middle;
    if (value < seq) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}
