/**
 * @module Text similarity for memory analysis: word shingles, MinHash signatures, LSH banding and union-find, so
 * texts that share most of their words fall into one cluster in time linear in their number and memory bounded by
 * 64 integers per text. Pure functions: the cluster worker runs them off the event loop.
 */
import { mix32 } from '../../core/hash.js';

/** MinHash values per text (the signature's length); bands × rows. */
export const signatureLength = 64;
/** LSH bands: two texts become candidates when all rows of one band agree (half the time at Jaccard (1/bands)^(1/rows) = 0.5, almost always at 0.7). */
const bands = 16;
const rows = signatureLength / bands;

/** Texts are cut to this many characters before shingling, so one huge memory costs no more than a long one. */
export const maxTextCharacters = 2000;

/**
 * The words of a text, lower-cased, with the parts that vary between occurrences of the same problem replaced by
 * placeholders: UUIDs, hex numbers and numbers (line numbers, ports, sizes, counts); `placeholders` false keeps them.
 */
export function words(text: string, placeholders = true): string[] {
  const cut = text.slice(0, maxTextCharacters).toLowerCase();
  if (!placeholders) return cut.match(/[\p{L}\p{N}_]+/gu) ?? [];
  const lowered = cut
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ' _id_ ')
    .replace(/\b0x[0-9a-f]+\b/g, ' _hex_ ')
    .replace(/\d+/g, ' _n_ ');
  return lowered.match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/** FNV-1a, 32 bits. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Words too common to tell two texts apart on their own; they still count inside word pairs. */
const stopWords = new Set([
  'a',
  'an',
  'the',
  'of',
  'to',
  'in',
  'on',
  'at',
  'for',
  'is',
  'was',
  'be',
  'and',
  'or',
  'by',
  'with',
  'from',
  'it',
  'this',
  'that',
  'as',
]);
const isPlaceholder = (word: string) => word === '_n_' || word === '_hex_' || word === '_id_';

/**
 * The shingles of a text, hashed, sorted and unique: its words (less stop words and placeholders, which say nothing
 * alone) and its pairs of adjacent words (less pairs of two placeholders).
 */
export function shingles(text: string, placeholders = true): Uint32Array {
  const list = words(text, placeholders);
  const out: number[] = [];
  for (let index = 0; index < list.length; index++) {
    const word = list[index] as string;
    if (!stopWords.has(word) && !isPlaceholder(word)) out.push(hashText(word));
    const following = list[index + 1];
    if (following !== undefined && !(isPlaceholder(word) && isPlaceholder(following))) out.push(hashText(`${word} ${following}`));
  }
  const sorted = Uint32Array.from(out).sort();
  let unique = 0;
  for (let index = 0; index < sorted.length; index++) if (index === 0 || sorted[index] !== sorted[index - 1]) sorted[unique++] = sorted[index] as number;
  return sorted.slice(0, unique);
}

/** The exact Jaccard similarity of two sorted, unique shingle sets. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if ((a[i] as number) < (b[j] as number)) i++;
    else j++;
  }
  return shared / (a.length + b.length - shared);
}

const seeds = Uint32Array.from({ length: signatureLength }, (_, index) => mix32(0x9e3779b9 + index * 0x632be5ab));

/** Writes the MinHash signature of a shingle set at `offset` of `into` (all ones for an empty set). */
export function minhash(set: Uint32Array, into: Uint32Array, offset: number): void {
  into.fill(0xffffffff, offset, offset + signatureLength);
  for (let s = 0; s < set.length; s++) {
    const value = set[s] as number;
    for (let index = 0; index < signatureLength; index++) {
      const hashed = mix32(value ^ (seeds[index] as number));
      if (hashed < (into[offset + index] as number)) into[offset + index] = hashed;
    }
  }
}

/** The share of equal positions of two signatures: an unbiased estimate of their sets' Jaccard similarity. */
export function estimate(signatures: Uint32Array, a: number, b: number): number {
  let same = 0;
  for (let index = 0; index < signatureLength; index++) if (signatures[a * signatureLength + index] === signatures[b * signatureLength + index]) same++;
  return same / signatureLength;
}

/** One text to cluster: a group (texts of different groups never cluster) and its text. */
export interface ClusterItem {
  group: string;
  text: string;
}

/** Options of {@link cluster}. */
export interface ClusterOptions {
  /** Two texts join when their similarity is at least this. */
  threshold: number;
  /** Clusters smaller than this are left out. @default 2 */
  minSize?: number;
  /** "estimate": MinHash's estimate (fast, for patterns); "exact": the Jaccard of the shingle sets (near-duplicates). */
  verify: 'estimate' | 'exact';
  /**
   * Shingles found in more than this share of the texts (and in at least 100) are left out, as stop words are: in a
   * large store the words of a common message shape ("must be a string, got") say less than the names that differ
   * between its variants. A text that would keep fewer than 2 shingles keeps all. @default undefined (keep all)
   */
  commonShare?: number;
  /** Whether numbers and IDs count as placeholders (patterns) or as themselves (near-duplicates: port 8081 is not port 8082). @default true */
  placeholders?: boolean;
}

/** The shingles in more than `share` of the sets, and in at least 100. */
function commonShingles(sets: readonly Uint32Array[], share: number): Set<number> {
  const counts = new Map<number, number>();
  for (const set of sets) for (const shingle of set) counts.set(shingle, (counts.get(shingle) ?? 0) + 1);
  const limit = Math.max(100, share * sets.length);
  const common = new Set<number>();
  for (const [shingle, seen] of counts) if (seen > limit) common.add(shingle);
  return common;
}

/** A cluster: its members (indexes into the items, ascending), the first of them, and its cohesion. */
export interface Cluster {
  members: number[];
  /** The oldest member (the lowest index): the text the cluster is compared with. */
  representative: number;
  /** The mean similarity of the members to the representative (the representative counts as 1). */
  cohesion: number;
}

/**
 * Clusters texts: MinHash signatures, then for each of 16 bands of 4 rows, texts whose band agrees become candidates
 * of the first text seen with that band; when the candidate's cluster root and that text's cluster root are similar
 * enough, the clusters unite (union-find, the older root staying root). Time O(n × (shingles + bands)); memory
 * 256 bytes per text beside the texts.
 */
export function cluster(items: readonly ClusterItem[], options: ClusterOptions): Cluster[] {
  const count = items.length;
  const signatures = new Uint32Array(count * signatureLength);
  const groups = new Uint32Array(count);
  let sets: Uint32Array[] = new Array(count);
  for (let index = 0; index < count; index++) {
    const item = items[index] as ClusterItem;
    sets[index] = shingles(item.text, options.placeholders ?? true);
    groups[index] = hashText(item.group);
  }
  const common = options.commonShare === undefined ? null : commonShingles(sets, options.commonShare);
  for (let index = 0; index < count; index++) {
    let set = sets[index] as Uint32Array;
    if (common !== null) {
      const rare = set.filter((shingle) => !common.has(shingle));
      if (rare.length >= 2) set = rare;
    }
    minhash(set, signatures, index * signatureLength);
  }
  if (options.verify !== 'exact') sets = [];
  const similarity = (a: number, b: number) =>
    options.verify === 'exact' ? jaccard(sets[a] as Uint32Array, sets[b] as Uint32Array) : estimate(signatures, a, b);

  const parent = Int32Array.from({ length: count }, (_, index) => index);
  const find = (index: number): number => {
    let root = index;
    while (parent[root] !== root) root = parent[root] as number;
    while (parent[index] !== root) {
      const next = parent[index] as number;
      parent[index] = root;
      index = next;
    }
    return root;
  };
  for (let band = 0; band < bands; band++) {
    const buckets = new Map<number, number>();
    for (let index = 0; index < count; index++) {
      // A text with no words has an all-ones signature: it joins nothing.
      const base = index * signatureLength + band * rows;
      if (signatures[index * signatureLength] === 0xffffffff) continue;
      let key = mix32((groups[index] as number) ^ Math.imul(band + 1, 0x27d4eb2d));
      for (let row = 0; row < rows; row++) key = mix32(key ^ (signatures[base + row] as number));
      const first = buckets.get(key);
      if (first === undefined) {
        buckets.set(key, index);
        continue;
      }
      if (groups[first] !== groups[index]) continue;
      // Clusters form around their oldest member (the root): a text joins, or two clusters merge, only when similar
      // enough to that root, so a chain of each-a-little-different texts never drifts into one cluster.
      const a = find(first);
      const b = find(index);
      if (a === b || similarity(a, b) < options.threshold) continue;
      if (a < b) parent[b] = a;
      else parent[a] = b;
    }
  }

  const byRoot = new Map<number, number[]>();
  for (let index = 0; index < count; index++) {
    const root = find(index);
    const members = byRoot.get(root);
    if (members) members.push(index);
    else byRoot.set(root, [index]);
  }
  const minSize = options.minSize ?? 2;
  const out: Cluster[] = [];
  for (const [root, members] of byRoot) {
    if (members.length < minSize) continue;
    let total = 0;
    for (const member of members) total += member === root ? 1 : similarity(root, member);
    out.push({ members, representative: root, cohesion: total / members.length });
  }
  return out.sort((a, b) => b.members.length - a.members.length || a.representative - b.representative);
}
