/**
 * @module IVF lists by two-level spherical k-means: √lists coarse clusters, then each split in proportion to its
 * share of the sample. Assigning a vector costs √lists + (its cluster's lists) dot products instead of `lists`,
 * which is what makes a build of a million vectors take seconds rather than minutes in JavaScript.
 */
import { seededRandom } from '../../core/random.js';
import { createMemory, kernelsFor } from './kernels.js';

/** Trained lists: their unit centroids and how to find the list of a vector. */
export interface Clustering {
  lists: number;
  /** lists × padded float32. */
  centroids: Float32Array;
  /** The list of a unit vector of length `padded`. */
  assign(vector: Float32Array): number;
}

/** Holds a training sample in WebAssembly memory (where the kernels read it) and trains lists on it. */
export interface Clusterer {
  /** The sample to fill: `count` rows of `padded` float32, unit length. */
  sample: Float32Array;
  train(lists: number, seed: number): Clustering;
}

const coarseIterations = 12;
const fineIterations = 10;

export function createClusterer(count: number, padded: number, maxLists: number): Clusterer {
  const floats = (n: number) => Math.ceil(n / 4) * 4;
  const coarseMax = Math.ceil(Math.sqrt(maxLists)) + 1;
  const sampleAt = 0;
  const coarseAt = sampleAt + floats(count * padded);
  const fineAt = coarseAt + floats(coarseMax * padded);
  const queryAt = fineAt + floats((maxLists + coarseMax) * padded);
  const outAt = queryAt + floats(padded);
  const total = outAt + floats(maxLists + coarseMax + 16);
  const memory = createMemory(total * 4);
  const kernels = kernelsFor(memory);
  const all = new Float32Array(memory.buffer);
  const sample = all.subarray(sampleAt, sampleAt + count * padded);

  /** Index of the best of `k` centroids at float offset `centroidsAt` for the vector at float offset `vectorAt`. */
  function best(vectorAt: number, centroidsAt: number, k: number): number {
    kernels.dotF32(vectorAt * 4, centroidsAt * 4, k, padded, outAt * 4);
    let bestIndex = 0;
    let bestScore = -Infinity;
    for (let index = 0; index < k; index++) {
      const score = all[outAt + index] as number;
      if (score > bestScore) {
        bestScore = score;
        bestIndex = index;
      }
    }
    return bestIndex;
  }

  /** Spherical k-means of the sample rows `members` into `k` centroids written at float offset `centroidsAt`. */
  function kmeans(members: Uint32Array, k: number, centroidsAt: number, iterations: number, next: () => number): Uint32Array {
    const assignment = new Uint32Array(members.length);
    // Start from k distinct members chosen at random.
    const picked = new Set<number>();
    for (let index = 0; index < k; index++) {
      let choice = Math.floor(next() * members.length);
      for (let tries = 0; picked.has(choice) && tries < 10; tries++) choice = Math.floor(next() * members.length);
      picked.add(choice);
      all.copyWithin(centroidsAt + index * padded, sampleAt + (members[choice] as number) * padded, sampleAt + ((members[choice] as number) + 1) * padded);
    }
    const sums = new Float64Array(k * padded);
    const sizes = new Uint32Array(k);
    for (let iteration = 0; iteration < iterations; iteration++) {
      sums.fill(0);
      sizes.fill(0);
      for (let index = 0; index < members.length; index++) {
        const row = sampleAt + (members[index] as number) * padded;
        const cluster = best(row, centroidsAt, k);
        assignment[index] = cluster;
        sizes[cluster] = (sizes[cluster] as number) + 1;
        const base = cluster * padded;
        for (let d = 0; d < padded; d++) sums[base + d] = (sums[base + d] as number) + (all[row + d] as number);
      }
      if (iteration === iterations - 1) break;
      for (let cluster = 0; cluster < k; cluster++) {
        const at = centroidsAt + cluster * padded;
        if (sizes[cluster] === 0) {
          // An empty cluster restarts at a random member.
          const row = sampleAt + (members[Math.floor(next() * members.length)] as number) * padded;
          all.copyWithin(at, row, row + padded);
          continue;
        }
        let norm = 0;
        for (let d = 0; d < padded; d++) norm += (sums[cluster * padded + d] as number) ** 2;
        norm = Math.sqrt(norm) || 1;
        for (let d = 0; d < padded; d++) all[at + d] = (sums[cluster * padded + d] as number) / norm;
      }
    }
    return assignment;
  }

  return {
    sample,
    train(lists, seed) {
      const next = seededRandom(seed); // the same data gives the same lists
      const target = Math.max(1, Math.min(lists, maxLists, count));
      const coarse = Math.max(1, Math.min(coarseMax, Math.round(Math.sqrt(target))));
      const everyone = Uint32Array.from({ length: count }, (_, index) => index);
      const coarseOf = kmeans(everyone, coarse, coarseAt, coarseIterations, next);
      const membersOf: number[][] = Array.from({ length: coarse }, () => []);
      for (let index = 0; index < count; index++) (membersOf[coarseOf[index] as number] as number[]).push(index);
      // Each coarse cluster gets lists in proportion to its share of the sample (at least one, at most its size).
      const firstList = new Uint32Array(coarse + 1);
      let made = 0;
      for (let cluster = 0; cluster < coarse; cluster++) {
        const members = Uint32Array.from(membersOf[cluster] as number[]);
        firstList[cluster] = made;
        if (members.length === 0) continue;
        const k = Math.max(1, Math.min(members.length, Math.round((target * members.length) / count), maxLists + coarseMax - made - (coarse - cluster - 1)));
        kmeans(members, k, fineAt + made * padded, fineIterations, next);
        made += k;
      }
      firstList[coarse] = made;
      const centroids = all.slice(fineAt, fineAt + made * padded);
      const query = all.subarray(queryAt, queryAt + padded);
      return {
        lists: made,
        centroids,
        assign(vector) {
          query.set(vector.subarray(0, padded));
          const cluster = best(queryAt, coarseAt, coarse);
          const from = firstList[cluster] as number;
          const size = (firstList[cluster + 1] as number) - from;
          if (size === 0) return best(queryAt, fineAt, made);
          return from + best(queryAt, fineAt + from * padded, size);
        },
      };
    },
  };
}
