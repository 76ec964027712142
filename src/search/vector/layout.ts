/**
 * @module Where an index's parts lie in its shared memory. Flat indexes hold float32 vectors and are scanned whole
 * (exact); IVF indexes hold 4-bit codes sorted by list, with centroids and the quantiser, and a tail of vectors
 * appended since the build that is scanned whole.
 */

import type { WasmMemory } from './kernels.js';
import { codeBytes } from './quantise.js';

/** The two shapes of an in-memory index. */
export type IndexShape = 'flat' | 'ivf';

/** Byte offsets of every part, and the sizes they were made for. */
export interface IndexLayout {
  shape: IndexShape;
  dimensions: number;
  /** Dimensions rounded up to a multiple of 32 (the kernels' stride); the padding is zeros. */
  padded: number;
  /** IVF: bytes of one vector's codes (padded / 2). */
  codeBytes: number;
  /** Vector slots: the build's vectors plus room for appended ones. */
  capacity: number;
  /** IVF lists (0 for flat). */
  lists: number;
  /** Scratch areas, one per search worker. */
  workers: number;
  /** Vectors scored per kernel call (the size of a scratch area's score buffer). */
  chunk: number;
  centroids: number;
  listStarts: number;
  quantOffsets: number;
  quantSteps: number;
  vectors: number;
  seqs: number;
  meta: number;
  dead: number;
  scratch: number;
  scratchBytes: number;
  bytes: number;
}

const align = (offset: number) => Math.ceil(offset / 16) * 16;

/** Dimensions rounded up to a multiple of 32: 16 bytes of 4-bit codes, and whole 64-byte float32 steps. */
export function paddedDimensions(dimensions: number): number {
  return Math.ceil(dimensions / 32) * 32;
}

/** Lays out an index; every part starts on a 16-byte boundary. */
export function layoutIndex(shape: IndexShape, dimensions: number, capacity: number, lists: number, workers: number): IndexLayout {
  const padded = paddedDimensions(dimensions);
  const ivf = shape === 'ivf';
  const codes = ivf ? codeBytes(padded) : 0;
  const chunk = 4096;
  let offset = 16;
  const take = (bytes: number) => {
    const at = offset;
    offset = align(offset + bytes);
    return at;
  };
  const centroids = take(ivf ? lists * padded * 4 : 0);
  const listStarts = take(ivf ? (lists + 1) * 4 : 0);
  const quantOffsets = take(ivf ? padded * 4 : 0);
  const quantSteps = take(ivf ? padded * 4 : 0);
  const vectors = take(capacity * (ivf ? codes : padded * 4));
  const seqs = take(capacity * 8);
  const meta = take(capacity * 4);
  const dead = take(capacity);
  // Per worker: the query as float32 and as int16, the scores of one chunk, and the scores of every list.
  const scratchBytes = align(padded * 4) + align(padded * 2) + chunk * 4 + align(Math.max(lists, 1) * 4);
  const scratch = take(scratchBytes * workers);
  return {
    shape,
    dimensions,
    padded,
    codeBytes: codes,
    capacity,
    lists: ivf ? lists : 0,
    workers,
    chunk,
    centroids,
    listStarts,
    quantOffsets,
    quantSteps,
    vectors,
    seqs,
    meta,
    dead,
    scratch,
    scratchBytes,
    bytes: offset,
  };
}

/** Typed views of an index's parts over its memory's current buffer. */
export interface IndexViews {
  bytes: Uint8Array;
  centroids: Float32Array;
  listStarts: Uint32Array;
  quantOffsets: Float32Array;
  quantSteps: Float32Array;
  /** IVF: the packed 4-bit codes. */
  codes: Uint8Array;
  /** Flat: the vectors. */
  floats: Float32Array;
  seqs: Float64Array;
  meta: Uint32Array;
  dead: Uint8Array;
}

export function viewsOf(memory: WasmMemory, layout: IndexLayout): IndexViews {
  const buffer = memory.buffer;
  const { padded, capacity, lists } = layout;
  const ivf = layout.shape === 'ivf';
  return {
    bytes: new Uint8Array(buffer),
    centroids: new Float32Array(buffer, layout.centroids, ivf ? lists * padded : 0),
    listStarts: new Uint32Array(buffer, layout.listStarts, ivf ? lists + 1 : 0),
    quantOffsets: new Float32Array(buffer, layout.quantOffsets, ivf ? padded : 0),
    quantSteps: new Float32Array(buffer, layout.quantSteps, ivf ? padded : 0),
    codes: new Uint8Array(buffer, layout.vectors, ivf ? capacity * layout.codeBytes : 0),
    floats: new Float32Array(buffer, layout.vectors, ivf ? 0 : capacity * padded),
    seqs: new Float64Array(buffer, layout.seqs, capacity),
    meta: new Uint32Array(buffer, layout.meta, capacity),
    dead: new Uint8Array(buffer, layout.dead, capacity),
  };
}

/** One worker's scratch area: where it writes the query and reads scores. */
export interface Scratch {
  queryF32: number;
  query16: number;
  scores: number;
  listScores: number;
}

export function scratchOf(layout: IndexLayout, worker: number): Scratch {
  const base = layout.scratch + worker * layout.scratchBytes;
  const queryF32 = base;
  const query16 = queryF32 + align(layout.padded * 4);
  const scores = query16 + align(layout.padded * 2);
  const listScores = scores + layout.chunk * 4;
  return { queryF32, query16, scores, listScores };
}
