/**
 * @module Test and bench helper: realistic synthetic embeddings (a Gaussian mixture of unequal clusters on the unit
 * sphere, queries drawn near stored vectors), writing them to the `embeddings` table with an event (so the tenant's
 * version moves, as every write does), and the brute-force reference answer.
 */
import { seededRandom as random } from '../../src/core/random.js';
import { appendEvent, type Store } from '../../src/store/index.js';

/** A standard normal sample (Box–Muller) from a uniform generator. */
export function gaussian(next: () => number): () => number {
  return () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
}

function normalised(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  const scale = 1 / Math.sqrt(norm || 1);
  for (let d = 0; d < vector.length; d++) vector[d] = (vector[d] as number) * scale;
  return vector;
}

/** Options of {@link clusteredVectors}. */
export interface MixtureOptions {
  dimensions: number;
  /** Number of mixture components. @default √count */
  clusters?: number;
  /** Noise around a centre relative to the centre's length; 0.6–1.0 gives realistic overlap between neighbours. @default 0.8 */
  spread?: number;
  /** How far cluster centres lie from their super-topic, relative. @default 1.2 */
  centreSpread?: number;
  /** Seeds the centres. @default 1 */
  seed?: number;
  /** Seeds the draws around the centres: the same `seed` with other `drawSeed`s gives more vectors of the same mixture. */
  drawSeed?: number;
}

/**
 * `count` unit vectors from a mixture of Gaussians whose component sizes follow a Zipf-like law (a few big topics,
 * many small ones), each centre itself drawn near one of a few "super-topics" so that clusters overlap the way
 * topics in real embeddings do. Neither uniform noise (where every neighbour is equally far) nor tight, separated
 * blobs (where any index is perfect).
 */
export function clusteredVectors(count: number, options: MixtureOptions): Float32Array[] {
  const { dimensions } = options;
  const seed = options.seed ?? 1;
  const next = random(seed);
  const normal = gaussian(next);
  const clusters = Math.max(1, options.clusters ?? Math.round(Math.sqrt(count)));
  const spread = options.spread ?? 0.8;
  const topics = Math.max(1, Math.round(Math.sqrt(clusters)));
  const topicCentres = Array.from({ length: topics }, () => normalised(Float32Array.from({ length: dimensions }, normal)));
  const centreNoise = (options.centreSpread ?? 1.2) / Math.sqrt(dimensions);
  const centres = Array.from({ length: clusters }, () => {
    const topic = topicCentres[Math.floor(next() * topics)] as Float32Array;
    return normalised(Float32Array.from(topic, (value) => value + centreNoise * normal()));
  });
  // Zipf-like weights: cluster i has weight 1 / (i + 1)^0.8.
  const weights = centres.map((_, index) => 1 / (index + 1) ** 0.8);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const weight of weights) cumulative.push((running += weight / total));
  const noise = spread / Math.sqrt(dimensions);
  const draw = random(options.drawSeed ?? seed * 7919 + 1);
  const drawNormal = gaussian(draw);
  const vectors: Float32Array[] = [];
  for (let index = 0; index < count; index++) {
    const pick = draw();
    let low = 0;
    let high = clusters - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] as number) < pick) low = middle + 1;
      else high = middle;
    }
    const centre = centres[low] as Float32Array;
    vectors.push(normalised(Float32Array.from(centre, (value) => value + noise * drawNormal())));
  }
  return vectors;
}

/**
 * Topic-model text: a vocabulary of pronounceable made-up words with Zipf-like frequencies, 400 topics each favouring
 * 150 of them, and passages of 8 sentences drawn from one or two topics mixed with common words — so passages on a
 * topic share words without being copies of each other. (test/support/ingest-corpus.ts builds its text from a dozen
 * fixed sentences: good for ingestion, but most of its passages tie exactly, which makes recall@10 a lottery.)
 */
export function topicTexts(): (seed: number) => string {
  const vocabulary = random(41);
  const syllables = [
    'ka',
    'lo',
    'mi',
    'ne',
    'ru',
    'sa',
    'ti',
    'vo',
    'ben',
    'dor',
    'fen',
    'gal',
    'har',
    'jun',
    'mar',
    'nol',
    'per',
    'quin',
    'sol',
    'tur',
    'val',
    'wen',
    'xi',
    'yor',
    'zel',
  ];
  const words = Array.from({ length: 20_000 }, () =>
    Array.from({ length: 2 + Math.floor(vocabulary() * 2) }, () => syllables[Math.floor(vocabulary() * syllables.length)]).join(''),
  );
  const topics = Array.from({ length: 400 }, () => Array.from({ length: 150 }, () => words[Math.floor(vocabulary() ** 1.5 * words.length)] as string));
  const zipf = (next: () => number, size: number) => Math.min(size - 1, Math.floor(size * next() ** 3));
  return (seed) => {
    const next = random(seed);
    const mine = [topics[Math.floor(next() * topics.length)] as string[], topics[Math.floor(next() * topics.length)] as string[]];
    const second = next() < 0.5 ? 0.3 : 0;
    const sentences = Array.from({ length: 8 }, () => {
      const length = 8 + Math.floor(next() * 10);
      const chosen = Array.from({ length }, () => {
        const roll = next();
        if (roll < 0.35) return words[zipf(next, 300)] as string;
        const topic = (roll < 0.35 + 0.65 * second ? mine[1] : mine[0]) as string[];
        return topic[zipf(next, topic.length)] as string;
      });
      return `${chosen.join(' ')}.`;
    });
    return sentences.join(' ');
  };
}

/** Queries near stored vectors: a random stored vector plus noise of relative size `noise`. */
export function queriesNear(vectors: readonly Float32Array[], count: number, noise = 0.5, seed = 2): Float32Array[] {
  const next = random(seed);
  const normal = gaussian(next);
  return Array.from({ length: count }, () => {
    const base = vectors[Math.floor(next() * vectors.length)] as Float32Array;
    const scale = noise / Math.sqrt(base.length);
    return normalised(Float32Array.from(base, (value) => value + scale * normal()));
  });
}

/** One vector to store. */
export interface StoredVector {
  ownerId: string;
  vector: Float32Array;
}

/**
 * Writes vectors in one transaction with one event (appended first: it takes the tenant's counter lock, so on
 * PostgreSQL vectors get their seqs in commit order, as the embedding writer does). A write replaces the owner's
 * earlier vector under a new seq.
 */
export async function storeVectors(
  store: Store,
  tenantId: string,
  kind: 'passage' | 'entity' | 'row',
  embedderId: string,
  items: readonly StoredVector[],
): Promise<void> {
  const now = new Date().toISOString();
  for (let from = 0; from < items.length; from += 2000) {
    const batch = items.slice(from, from + 2000);
    await store.transaction({ tenantId }, async (tx) => {
      await appendEvent(tx, { type: 'embeddings.written', payload: { kind, embedder: embedderId, count: batch.length } });
      for (const item of batch) {
        const bytes = Buffer.from(item.vector.buffer, item.vector.byteOffset, item.vector.byteLength);
        const values = [tenantId, kind, item.ownerId, embedderId, item.vector.length, bytes, 'hash', now];
        if (tx.dialect === 'sqlite') {
          await tx.run(
            'INSERT OR REPLACE INTO embeddings (tenant_id, owner_kind, owner_id, embedder, dimensions, vector, content_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            values,
          );
        } else {
          await tx.run(
            `INSERT INTO embeddings (tenant_id, owner_kind, owner_id, embedder, dimensions, vector, content_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (tenant_id, owner_kind, owner_id) DO UPDATE SET seq = DEFAULT, embedder = excluded.embedder, dimensions = excluded.dimensions,
               vector = excluded.vector, content_hash = excluded.content_hash, updated_at = excluded.updated_at`,
            values,
          );
        }
      }
    });
  }
}

/** Deletes the vectors of some owners (as the owners' deletion triggers do), with an event. */
export async function deleteVectors(store: Store, tenantId: string, kind: string, ownerIds: readonly string[]): Promise<void> {
  await store.transaction({ tenantId }, async (tx) => {
    await appendEvent(tx, { type: 'embeddings.deleted', payload: { count: ownerIds.length } });
    for (const ownerId of ownerIds) await tx.run('DELETE FROM embeddings WHERE tenant_id = ? AND owner_kind = ? AND owner_id = ?', [tenantId, kind, ownerId]);
  });
}

/** Brute force: cosine similarity against every vector, best `limit` first, ties by owner ID. */
export function reference(items: readonly StoredVector[], query: Float32Array, limit: number, keep: (item: StoredVector) => boolean = () => true) {
  let queryNorm = 0;
  for (const value of query) queryNorm += value * value;
  queryNorm = Math.sqrt(queryNorm);
  const scored = items.filter(keep).map((item) => {
    let dot = 0;
    let norm = 0;
    for (let d = 0; d < query.length; d++) {
      dot += (query[d] as number) * (item.vector[d] as number);
      norm += (item.vector[d] as number) ** 2;
    }
    return { id: item.ownerId, score: norm === 0 ? 0 : dot / (Math.sqrt(norm) * queryNorm) };
  });
  return scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).slice(0, limit);
}

/** recall@k of `found` against `truth`: the share of the true top k that was found. */
export function recall(found: readonly { id: string }[], truth: readonly { id: string }[]): number {
  if (truth.length === 0) return 1;
  const wanted = new Set(truth.map((hit) => hit.id));
  return found.filter((hit) => wanted.has(hit.id)).length / truth.length;
}
