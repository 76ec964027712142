/**
 * @module The built-in embedder's arithmetic: signed feature hashing of words, adjacent content-word pairs and
 * character n-grams into a fixed number of dimensions, with fixed (corpus-independent) weights. Plain functions on
 * plain data, so they run the same in a worker thread.
 */
import { stopwords } from './stopwords.js';
import { mix32 } from '../../core/hash.js';

/** What the built-in embedder hashes and how much each feature counts. Every field is part of the embedder's ID. */
export interface FeatureHashingOptions {
  /** Length of every vector. */
  dimensions: number;
  /** Weight of a word (0 leaves words out). */
  wordWeight: number;
  /** Weight of two adjacent content words (stopwords skipped, so "Bank of America" gives bank→america). */
  pairWeight: number;
  /** Weight of a word's character n-grams, shared out over them (each gets weight / √count). */
  ngramWeight: number;
  /** Shortest and longest character n-gram, counting the word-boundary marks (`<word>`). */
  ngramMin: number;
  ngramMax: number;
  /** Multiplier of a stopword's own feature (stopwords give no pairs and no n-grams); 0 ignores them. */
  stopwordWeight: number;
  /** Whether each dimension is replaced by its signed square root before normalising (damps repeated terms). */
  sublinear: boolean;
}

/** Characters of a text that are embedded; the rest is ignored (a passage is far shorter; see docs/embeddings.md). */
export const maxEmbeddedChars = 32_768;

const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;
// Seeds keep the feature families apart: the word "ab" and the n-gram "ab" land in unrelated places.
const wordSeed = 0x1b873593;
const pairSeed = 0x5bd1e995;
const ngramSeed = 0x27d4eb2f;
const leftMark = 0x3c; // "<"
const rightMark = 0x3e; // ">"

/** FNV-1a over a string's UTF-16 code units, then mixed: the hash of a word as {@link hashFeatures} computes it. */
export function wordHash(word: string): number {
  let hash = fnvOffset;
  for (let at = 0; at < word.length; at++) hash = Math.imul(hash ^ word.charCodeAt(at), fnvPrime);
  return mix32(hash);
}

const stopwordHashes = new Set(stopwords.map(wordHash));

// Whether each BMP code unit is part of a word (a letter, digit or combining mark), computed once per thread.
let wordTable: Uint8Array | undefined;
function wordCharacters(): Uint8Array {
  if (wordTable) return wordTable;
  const table = new Uint8Array(65_536);
  const pattern = /[\p{L}\p{N}\p{M}]/u;
  for (let code = 0; code < 65_536; code++) {
    // Surrogates are word characters here: an astral letter (CJK extension B, …) stays inside its word.
    if ((code >= 0xd800 && code <= 0xdfff) || pattern.test(String.fromCharCode(code))) table[code] = 1;
  }
  wordTable = table;
  return table;
}

/**
 * Adds the hashed features of `text` into `out` (all `options.dimensions` of it, zeroed first) and normalises it to
 * unit length; a text without a word leaves `out` all zeros. Only the first {@link maxEmbeddedChars} characters count.
 * `weightOf` (benchmarks only) scales a word's features by its hash, e.g. with corpus IDF.
 */
export function hashFeatures(text: string, options: FeatureHashingOptions, out: Float32Array, weightOf?: (hash: number, length: number) => number): void {
  const dimensions = options.dimensions;
  out.fill(0, 0, dimensions);
  const lower = (text.length > maxEmbeddedChars ? text.slice(0, maxEmbeddedChars) : text).toLowerCase();
  const isWord = wordCharacters();
  const { wordWeight, pairWeight, ngramWeight, ngramMin, ngramMax, stopwordWeight } = options;
  const add = (hash: number, weight: number) => {
    const bucket = (hash >>> 1) % dimensions;
    out[bucket] = out[bucket]! + (hash & 1 ? weight : -weight);
  };
  let previous = -1;
  const length = lower.length;
  let at = 0;
  while (at < length) {
    if (isWord[lower.charCodeAt(at)] === 0) {
      at++;
      continue;
    }
    const start = at;
    let hash = fnvOffset;
    while (at < length && isWord[lower.charCodeAt(at)] === 1) hash = Math.imul(hash ^ lower.charCodeAt(at++), fnvPrime);
    const word = mix32(hash);
    const stop = stopwordHashes.has(word);
    const scale = (stop ? stopwordWeight : 1) * (weightOf ? weightOf(word, at - start) : 1);
    if (scale === 0) continue;
    if (wordWeight !== 0) add(mix32(word ^ wordSeed), wordWeight * scale);
    if (stop) continue;
    if (pairWeight !== 0 && previous !== -1) add(mix32(Math.imul(previous, 31) ^ word ^ pairSeed), pairWeight * scale);
    previous = word;
    if (ngramWeight !== 0) addNgrams(lower, start, at, ngramMin, ngramMax, ngramWeight * scale, add);
  }
  let norm = 0;
  for (let index = 0; index < dimensions; index++) {
    let value = out[index]!;
    if (options.sublinear && value !== 0) out[index] = value = value > 0 ? Math.sqrt(value) : -Math.sqrt(-value);
    norm += value * value;
  }
  if (norm === 0) return;
  const inverse = 1 / Math.sqrt(norm);
  for (let index = 0; index < dimensions; index++) out[index] = out[index]! * inverse;
}

/** The character n-grams of `<word>` (lengths min…max), each with weight / √(their count). */
function addNgrams(text: string, start: number, end: number, min: number, max: number, weight: number, add: (hash: number, weight: number) => void): void {
  const padded = end - start + 2;
  let count = 0;
  for (let size = min; size <= max; size++) count += Math.max(0, padded - size + 1);
  if (count === 0) return;
  const each = weight / Math.sqrt(count);
  for (let from = 0; from + min <= padded; from++) {
    let hash = fnvOffset ^ ngramSeed;
    const last = Math.min(padded, from + max);
    for (let at = from; at < last; at++) {
      const code = at === 0 ? leftMark : at === padded - 1 ? rightMark : text.charCodeAt(start + at - 1);
      hash = Math.imul(hash ^ code, fnvPrime);
      if (at - from + 1 >= min) add(mix32(hash ^ (at - from + 1)), each);
    }
  }
}
