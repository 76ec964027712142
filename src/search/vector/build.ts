/**
 * @module Builds one in-memory index from the store (runs in the build worker): reads the scope's vectors in one
 * snapshot, stamps the index with the tenant's version read in the same snapshot, and lays it out in a shared memory
 * that the search workers scan. Flat below `exactBelow` vectors; IVF (two-level k-means lists, 4-bit codes) above.
 */
import { createMemory, type WasmMemory } from './kernels.js';
import { seededRandom } from '../../core/random.js';
import { createClusterer } from './kmeans.js';
import { type IndexLayout, layoutIndex, paddedDimensions, viewsOf } from './layout.js';
import { encode, trainQuantiser } from './quantise.js';
import { lookupMetadata } from './metadata.js';
import { type SnapshotReader, type VectorSource, openReader, readVector } from './reader.js';
import { type VectorScope, countRows, ownerRows, vectorRows, vectorsBySeq } from './sql.js';

/** What a build is asked to do. */
export interface BuildRequest {
  source: VectorSource;
  scope: VectorScope;
  /** Below this many vectors the index is flat (exact). */
  exactBelow: number;
  /** Scratch areas to reserve (search workers). */
  workers: number;
  /** Refuse to build an index larger than this many bytes. */
  maxBytes: number;
  /** IVF lists; 0 chooses √vectors. */
  lists: number;
}

/** Per-vector filter numbers: what each number stands for, and how many vectors carry it. */
export interface Metadata {
  /** A passage's source ID or an entity's type; "" when the owner row was not found. */
  names: string[];
  /** Passages: each source's creation time in epoch ms (NaN otherwise). */
  times: number[];
  counts: number[];
}

/** A built index, ready to hand to the search workers. */
export interface BuiltIndex {
  memory: WasmMemory;
  layout: IndexLayout;
  /** The tenant's version in the snapshot the build read. */
  version: number;
  /** Slots filled (all vectors the build read). */
  count: number;
  maxSeq: number;
  /** Every seq the index holds, ascending. */
  sortedSeqs: Float64Array;
  metadata: Metadata;
}

export type BuildResult = { index: BuiltIndex } | { tooLarge: { bytes: number; vectors: number } };

/** Assigns small numbers to metadata names, counting their vectors. */
export function metadataTable(metadata: Metadata = { names: [], times: [], counts: [] }) {
  const numbers = new Map<string, number>();
  metadata.names.forEach((name, index) => numbers.set(name, index));
  return {
    metadata,
    numbers,
    of(name: string, time: number): number {
      let number = numbers.get(name);
      if (number === undefined) {
        number = metadata.names.length;
        numbers.set(name, number);
        metadata.names.push(name);
        metadata.times.push(time);
        metadata.counts.push(0);
      }
      metadata.counts[number] = (metadata.counts[number] as number) + 1;
      return number;
    },
  };
}

/** Scales `vector` (first `dimensions` values) to unit length in place; a zero vector stays zero. */
export function normalise(vector: Float32Array, dimensions: number): void {
  let norm = 0;
  for (let d = 0; d < dimensions; d++) norm += (vector[d] as number) ** 2;
  if (norm === 0) return;
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < dimensions; d++) vector[d] = (vector[d] as number) * scale;
}

/** Room left for appended vectors: a flat index grows to `exactBelow`, an IVF index by a tenth. */
export function capacityFor(shape: 'flat' | 'ivf', count: number, exactBelow: number): number {
  if (shape === 'flat') return Math.max(count + 256, Math.min(2 * count, exactBelow));
  return count + Math.max(1024, Math.ceil(count / 10));
}

async function readMetadata(reader: SnapshotReader, scope: VectorScope) {
  const seqList: number[] = [];
  const owners: string[] = [];
  for await (const batch of reader.batches(ownerRows(reader.dialect, scope))) {
    for (const [seq, owner] of batch) {
      seqList.push(Number(seq));
      owners.push(String(owner));
    }
  }
  const count = seqList.length;
  const metadataOf = await lookupMetadata((statement) => reader.all(statement), reader.dialect, scope.kind, scope.tenantId, owners);
  const table = metadataTable();
  const meta = new Uint32Array(count);
  for (let index = 0; index < count; index++) {
    const found = metadataOf(owners[index] as string);
    meta[index] = table.of(found.name, found.time);
  }
  return { seqs: Float64Array.from(seqList), meta, metadata: table.metadata, count };
}

/** Moves fixed-size records so that the record at `from` ends at `target[from]`, in place (cycle by cycle). */
function permuteRecords(bytes: Uint8Array, base: number, size: number, target: Uint32Array): void {
  const held = new Uint8Array(size);
  const swap = new Uint8Array(size);
  const done = new Uint8Array(target.length);
  for (let start = 0; start < target.length; start++) {
    if (done[start] || target[start] === start) {
      done[start] = 1;
      continue;
    }
    held.set(bytes.subarray(base + start * size, base + (start + 1) * size));
    let current = start;
    do {
      const next = target[current] as number;
      const at = base + next * size;
      swap.set(bytes.subarray(at, at + size));
      bytes.set(held, at);
      held.set(swap);
      done[current] = 1;
      current = next;
    } while (current !== start);
  }
}

/** Reads the scope from the store and builds its index; refuses one larger than `maxBytes`. */
export async function buildIndex(request: BuildRequest): Promise<BuildResult> {
  const { scope } = request;
  const reader = await openReader(request.source, scope.tenantId);
  try {
    await reader.begin();
    const [versionRow] = await reader.all({ sql: 'SELECT seq FROM event_counters WHERE tenant_id = ?', params: [scope.tenantId] });
    const version = Number(versionRow?.[0] ?? 0);
    const dimensions = scope.dimensions;
    const padded = paddedDimensions(dimensions);
    const vector = new Float32Array(padded);
    const shapeFor = (vectors: number) => (vectors < request.exactBelow ? 'flat' : 'ivf');
    const listsFor = (vectors: number) =>
      shapeFor(vectors) === 'ivf' ? Math.max(1, Math.min(65_535, request.lists > 0 ? request.lists : Math.round(Math.sqrt(vectors)))) : 0;
    const bytesFor = (vectors: number) => {
      const lists = listsFor(vectors);
      return layoutIndex(
        shapeFor(vectors),
        dimensions,
        capacityFor(shapeFor(vectors), vectors, request.exactBelow),
        lists + Math.ceil(Math.sqrt(lists)) + 1,
        request.workers,
      ).bytes;
    };
    // Refuse a scope too large for the memory cap before reading it.
    const [countRow] = await reader.all(countRows(scope));
    const counted = Number(countRow?.[0] ?? 0);
    if (bytesFor(counted) > request.maxBytes) return { tooLarge: { bytes: bytesFor(counted), vectors: counted } };
    const { seqs, meta, metadata, count } = await readMetadata(reader, scope);
    const shape = shapeFor(count);
    const capacity = capacityFor(shape, count, request.exactBelow);
    const targetLists = listsFor(count);
    if (bytesFor(count) > request.maxBytes) return { tooLarge: { bytes: bytesFor(count), vectors: count } };

    if (shape === 'flat') {
      const layout = layoutIndex('flat', dimensions, capacity, 0, request.workers);
      const memory = createMemory(layout.bytes);
      const views = viewsOf(memory, layout);
      let ordinal = 0;
      for await (const batch of reader.batches(vectorRows(reader.dialect, scope))) {
        for (const [seq, bytes] of batch) {
          if (Number(seq) !== seqs[ordinal]) throw new Error('The vectors changed between the passes of one snapshot');
          readVector(bytes, vector);
          normalise(vector, dimensions);
          views.floats.set(vector, ordinal * padded);
          ordinal++;
        }
      }
      views.seqs.set(seqs);
      views.meta.set(meta);
      return { index: { memory, layout, version, count, maxSeq: count > 0 ? (seqs[count - 1] as number) : 0, sortedSeqs: seqs.slice(), metadata } };
    }

    // IVF: train the quantiser and the lists on a sample read by seq, then quantise every vector in seq order and
    // sort the codes by list in place.
    const next = seededRandom(0x5eed ^ count);
    const sampleCount = Math.min(count, Math.max(10_000, targetLists * 40));
    const chosen = new Set<number>();
    if (sampleCount === count) for (let index = 0; index < count; index++) chosen.add(index);
    else while (chosen.size < sampleCount) chosen.add(Math.floor(next() * count));
    const sampleSeqs = [...chosen].sort((a, b) => a - b).map((ordinal) => seqs[ordinal] as number);
    const clusterer = createClusterer(sampleCount, padded, targetLists);
    let sampled = 0;
    for (let from = 0; from < sampleSeqs.length; from += 1000) {
      for (const [, bytes] of await reader.all(vectorsBySeq(reader.dialect, scope, sampleSeqs.slice(from, from + 1000)))) {
        const row = clusterer.sample.subarray(sampled * padded, (sampled + 1) * padded);
        readVector(bytes, row);
        normalise(row, dimensions);
        sampled++;
      }
    }
    const clustering = clusterer.train(targetLists, 0x5eed);
    const layout = layoutIndex('ivf', dimensions, capacity, clustering.lists, request.workers);
    const memory = createMemory(layout.bytes);
    const views = viewsOf(memory, layout);
    trainQuantiser(clusterer.sample, sampled, dimensions, padded, views.quantOffsets, views.quantSteps);
    views.centroids.set(clustering.centroids);

    const listOf = new Uint32Array(count);
    let ordinal = 0;
    for await (const batch of reader.batches(vectorRows(reader.dialect, scope))) {
      for (const [seq, bytes] of batch) {
        if (Number(seq) !== seqs[ordinal]) throw new Error('The vectors changed between the passes of one snapshot');
        readVector(bytes, vector);
        normalise(vector, dimensions);
        listOf[ordinal] = clustering.assign(vector);
        encode(vector, dimensions, padded, views.quantOffsets, views.quantSteps, views.codes, ordinal * layout.codeBytes);
        ordinal++;
      }
    }
    await reader.end();
    const starts = views.listStarts;
    for (let index = 0; index < count; index++) starts[(listOf[index] as number) + 1] = (starts[(listOf[index] as number) + 1] as number) + 1;
    for (let list = 0; list < clustering.lists; list++) starts[list + 1] = (starts[list + 1] as number) + (starts[list] as number);
    const fill = starts.slice(0, clustering.lists);
    const target = new Uint32Array(count);
    for (let index = 0; index < count; index++) {
      const list = listOf[index] as number;
      const slot = fill[list] as number;
      fill[list] = slot + 1;
      target[index] = slot;
      views.seqs[slot] = seqs[index] as number;
      views.meta[slot] = meta[index] as number;
    }
    permuteRecords(views.bytes, layout.vectors, layout.codeBytes, target);
    return { index: { memory, layout, version, count, maxSeq: count > 0 ? (seqs[count - 1] as number) : 0, sortedSeqs: seqs.slice(), metadata } };
  } finally {
    await reader.close();
  }
}
