/**
 * @module One search worker's share of a query: the flat index's slots, or the IVF index's lists in the order of
 * their centroids' scores (every `parts`-th list from `part`) and its share of the appended tail. Deleted slots and
 * slots the filter excludes are skipped before scoring, so a filter never takes a candidate place.
 */
import { TopK } from './heap.js';
import type { Kernels, WasmMemory } from './kernels.js';
import { type IndexLayout, type IndexViews, scratchOf } from './layout.js';
import { quantiseQuery } from './quantise.js';

/** A worker's part of one search. */
export interface ScanRequest {
  /** The query, unit length, `dimensions` long. */
  query: Float32Array;
  /** Slots in use. */
  count: number;
  /** IVF: slots sorted into lists by the build; the rest (to `count`) is the appended tail. */
  built: number;
  part: number;
  parts: number;
  /** Candidates to return. */
  keep: number;
  /** IVF lists to scan (in centroid order). */
  probes: number;
  /** Allowed metadata numbers (1 = allowed), or null for no filter. */
  allowed: Uint8Array | null;
  /** Whether any slot is tombstoned (false lets a scan skip the per-slot checks). */
  anyDead: boolean;
  /** IVF with a filter: scan further lists until at least this many allowed vectors were scored. */
  minimumScanned: number;
}

export interface ScanResult {
  slots: Float64Array;
  scores: Float64Array;
  scanned: number;
}

/** An index as a worker holds it. */
export interface WorkerIndex {
  layout: IndexLayout;
  kernels: Kernels;
  memory: WasmMemory;
  views: IndexViews;
}

let eligibleBuffer = new Uint32Array(0);

/** A reusable buffer for one chunk's eligible slots. */
function eligibleSlots(chunk: number): Uint32Array {
  if (eligibleBuffer.length < chunk) eligibleBuffer = new Uint32Array(chunk);
  return eligibleBuffer;
}

/**
 * Scores the eligible slots of [from, to) (live, and allowed by the filter) and offers each to `top`; returns how many
 * were eligible. A chunk where most slots are eligible is scored whole (one kernel call, the rest skipped after); one
 * where few are is scored run by run, so a selective filter costs little more than its matches.
 */
function scoreRange(
  index: WorkerIndex,
  from: number,
  to: number,
  allowed: Uint8Array | null,
  anyDead: boolean,
  top: TopK,
  score: (first: number, count: number) => void,
  results: Float32Array | Int32Array,
): number {
  const { dead, meta } = index.views;
  const chunk = index.layout.chunk;
  const eligible = eligibleSlots(chunk);
  let scanned = 0;
  for (let start = from; start < to; start += chunk) {
    const end = Math.min(to, start + chunk);
    if (allowed === null && !anyDead) {
      // Nothing to skip: one kernel call, and only scores above the current floor go to the heap.
      score(start, end - start);
      let floor = top.floor;
      for (let slot = start; slot < end; slot++) {
        const value = results[slot - start] as number;
        if (value > floor) {
          top.push(value, slot);
          floor = top.floor;
        }
      }
      scanned += end - start;
      continue;
    }
    // One pass lists the eligible slots (live, and allowed by the filter).
    let count = 0;
    for (let slot = start; slot < end; slot++) {
      if (dead[slot] === 0 && (allowed === null || allowed[meta[slot] as number] === 1)) eligible[count++] = slot;
    }
    if (count === 0) continue;
    scanned += count;
    if (count * 4 >= end - start) {
      score(start, end - start);
      for (let at = 0; at < count; at++) {
        const slot = eligible[at] as number;
        const value = results[slot - start] as number;
        if (value > top.floor) top.push(value, slot);
      }
      continue;
    }
    // Few eligible: score them run by run (a run is consecutive eligible slots).
    for (let at = 0; at < count;) {
      const first = eligible[at] as number;
      let length = 1;
      while (at + length < count && eligible[at + length] === first + length) length++;
      score(first, length);
      for (let offset = 0; offset < length; offset++) {
        const value = results[offset] as number;
        if (value > top.floor) top.push(value, first + offset);
      }
      at += length;
    }
  }
  return scanned;
}

/** Runs one worker's part of a search. */
export function scan(index: WorkerIndex, request: ScanRequest, worker: number): ScanResult {
  const { layout, kernels } = index;
  const scratch = scratchOf(layout, worker);
  const buffer = index.memory.buffer;
  const padded = layout.padded;
  const queryF32 = new Float32Array(buffer, scratch.queryF32, padded);
  queryF32.fill(0);
  queryF32.set(request.query.subarray(0, layout.dimensions));
  const top = new TopK(Math.max(1, request.keep));
  let scanned = 0;

  if (layout.shape === 'flat') {
    const results = new Float32Array(buffer, scratch.scores, layout.chunk);
    const share = Math.ceil(request.count / request.parts);
    const from = Math.min(request.count, request.part * share);
    const to = Math.min(request.count, from + share);
    scanned = scoreRange(
      index,
      from,
      to,
      request.allowed,
      request.anyDead,
      top,
      (first, count) => kernels.dotF32(scratch.queryF32, layout.vectors + first * padded * 4, count, padded, scratch.scores),
      results,
    );
    return { ...top.sorted(), scanned };
  }

  const lists = layout.lists;
  const listScores = new Float32Array(buffer, scratch.listScores, lists);
  kernels.dotF32(scratch.queryF32, layout.centroids, lists, padded, scratch.listScores);
  const order = Uint32Array.from({ length: lists }, (_, list) => list).sort((a, b) => (listScores[b] as number) - (listScores[a] as number) || a - b);
  quantiseQuery(queryF32, padded, index.views.quantSteps, new Int16Array(buffer, scratch.query16, padded));
  const results = new Int32Array(buffer, scratch.scores, layout.chunk);
  const score = (first: number, count: number) =>
    kernels.dotU4(scratch.query16, layout.vectors + first * layout.codeBytes, count, layout.codeBytes, scratch.scores);
  const starts = index.views.listStarts;
  for (let rank = request.part; rank < lists; rank += request.parts) {
    if (rank >= request.probes && (request.allowed === null || scanned >= request.minimumScanned)) break;
    const list = order[rank] as number;
    scanned += scoreRange(index, starts[list] as number, starts[list + 1] as number, request.allowed, request.anyDead, top, score, results);
  }
  const tail = request.count - request.built;
  if (tail > 0) {
    const share = Math.ceil(tail / request.parts);
    const from = Math.min(request.count, request.built + request.part * share);
    const to = Math.min(request.count, from + share);
    scanned += scoreRange(index, from, to, request.allowed, request.anyDead, top, score, results);
  }
  return { ...top.sorted(), scanned };
}
