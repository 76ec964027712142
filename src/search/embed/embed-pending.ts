/**
 * @module Embeds what a tenant lacks: passages without a vector from the current embedder, and entities and memories
 * whose vector is missing, from another embedder, or of a text that changed (an entity's name, type, aliases; a
 * memory's search text). Batch by batch, each batch
 * committed with one `embeddings.written` event, so a killed run loses at most one batch and the next run simply
 * finds what is still missing (idempotent; no progress to store).
 */
import type { Store } from '../../store/index.js';
import { appendEvent } from '../../store/outbox.js';
import { nowIso } from '../../store/values.js';
import type { Embedder } from '../types.js';
import { type EmbeddingWrite, type OwnerKind, clearMemoriesPending, entityPage, memoryPage, pendingPassages, writeEmbeddings } from './embedding-rows.js';
import { contentHash, entityText, prepareText } from './texts.js';

/** The kinds the pending work covers (dataset rows are embedded on request, see `embedDatasetRows`). */
export type PendingKind = Extract<OwnerKind, 'passage' | 'entity' | 'memory'>;

/** Every pending kind, in the order a run embeds them. */
export const pendingKinds: readonly PendingKind[] = ['passage', 'entity', 'memory'];

/** Progress after each batch. */
export interface EmbedProgress {
  kind: PendingKind;
  /** Vectors written so far in this run, per kind. */
  passages: number;
  entities: number;
  memories: number;
}

/** Options of {@link embedPending}. */
export interface EmbedPendingOptions {
  /** Which owners. @default ['passage', 'entity', 'memory'] */
  kinds?: readonly PendingKind[];
  /** Texts per batch (one embedder call and one transaction). @default 256 */
  batchSize?: number;
  /** Stops between batches (and inside a remote embedder's requests). */
  signal?: AbortSignal;
  onProgress?: (progress: EmbedProgress) => void;
  /** Stop after this many vectors in total (tests and benchmarks of resuming). @default unlimited */
  limit?: number;
  /**
   * Memories: `pending` reads only those flagged pending (created or changed since their vector was written), `all`
   * checks every memory's vector by embedder and text hash — what a run must do once per embedder, since the flag
   * does not see an embedder change. @default 'all'
   */
  memories?: 'all' | 'pending';
}

/** What a run did. */
export interface EmbedSummary {
  embedderId: string;
  passages: number;
  entities: number;
  /** Memories embedded (missing, from another embedder, or of a search text that changed). */
  memories: number;
  /** Entities and memories whose stored vector was already of their current text (re-checked and left alone). */
  unchanged: number;
  seconds: number;
}

/** The owner's text cleaned but not cut (each embedder cuts by its own limit); its hash is what is stored. */
const cleanText = (text: string) => prepareText(text, Number.MAX_SAFE_INTEGER);

/** Entities read per page while looking for stale ones. */
const entityPageSize = 1000;

/**
 * Embeds the tenant's missing and stale passages and entities with `embedder` (the bulk embedder: the worker pool for
 * the built-in one). Passages are compared by presence and embedder only (a chunk's text never changes; a changed
 * source gets new chunks); entities also by the hash of their text.
 * @example
 * const summary = await embedPending(store, pool, tenantId, { onProgress: console.log });
 */
export async function embedPending(store: Store, embedder: Embedder, tenantId: string, options: EmbedPendingOptions = {}): Promise<EmbedSummary> {
  const started = performance.now();
  const kinds = options.kinds ?? pendingKinds;
  const batchSize = options.batchSize ?? 256;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const summary: EmbedSummary = { embedderId: embedder.id, passages: 0, entities: 0, memories: 0, unchanged: 0, seconds: 0 };
  let taken = 0;

  /** The batches to embed, in order: missing passages, then missing or stale entities; at most `limit` texts. */
  async function* batches(): AsyncGenerator<Batch> {
    if (kinds.includes('passage')) {
      let after = '';
      while (taken < limit) {
        const rows = await store.read({ tenantId }, (tx) => pendingPassages(tx, tenantId, embedder.id, after, Math.min(batchSize, limit - taken)));
        if (rows.length === 0) break;
        after = String(rows.at(-1)!.id);
        taken += rows.length;
        yield { kind: 'passage', ids: rows.map((row) => String(row.id)), texts: rows.map((row) => cleanText(row.text)) };
      }
    }
    if (kinds.includes('entity')) {
      let after = '';
      let batch: Batch = { kind: 'entity', ids: [], texts: [] };
      let exhausted = false;
      while (!exhausted && taken < limit) {
        const page = await store.read({ tenantId }, (tx) => entityPage(tx, tenantId, after, entityPageSize));
        exhausted = page.length < entityPageSize;
        if (page.length > 0) after = page.at(-1)!.id;
        for (const entity of page) {
          if (taken >= limit) break;
          const text = cleanText(entityText(entity));
          if (entity.embedder === embedder.id && entity.contentHash === contentHash(text)) {
            summary.unchanged += 1;
            continue;
          }
          batch.ids.push(entity.id);
          batch.texts.push(text);
          taken += 1;
          if (batch.ids.length >= batchSize) {
            yield batch;
            batch = { kind: 'entity', ids: [], texts: [] };
          }
        }
      }
      if (batch.ids.length > 0) yield batch;
    }
    if (kinds.includes('memory')) {
      // Like entities: a memory's search text changes when it is updated, so its vector is stale when the hash differs.
      // Its pending flag says which changed; the vector written (or found current) clears it for exactly that text.
      const pendingOnly = options.memories === 'pending';
      let after = '';
      let batch: Batch = { kind: 'memory', ids: [], texts: [], searchTexts: [] };
      let exhausted = false;
      while (!exhausted && taken < limit) {
        const page = await store.read({ tenantId }, (tx) => memoryPage(tx, tenantId, after, entityPageSize, pendingOnly));
        exhausted = page.length < entityPageSize;
        if (page.length > 0) after = page.at(-1)!.id;
        const current: [string, string][] = [];
        for (const memory of page) {
          if (taken >= limit) break;
          const text = cleanText(memory.text);
          if (memory.embedder === embedder.id && memory.contentHash === contentHash(text)) {
            summary.unchanged += 1;
            if (memory.pending) current.push([memory.id, memory.text]);
            continue;
          }
          batch.ids.push(memory.id);
          batch.texts.push(text);
          batch.searchTexts!.push(memory.text);
          taken += 1;
          if (batch.ids.length >= batchSize) {
            yield batch;
            batch = { kind: 'memory', ids: [], texts: [], searchTexts: [] };
          }
        }
        if (current.length > 0) await store.transaction({ tenantId }, (tx) => clearMemoriesPending(tx, tenantId, current));
      }
      if (batch.ids.length > 0) yield batch;
    }
  }

  const write = async (batch: Batch, vectors: Float32Array[]) => {
    const writes: EmbeddingWrite[] = batch.ids.map((ownerId, index) => ({ ownerId, vector: vectors[index]!, contentHash: contentHash(batch.texts[index]!) }));
    const kind = batch.kind;
    const written = await store.transaction({ tenantId }, async (tx) => {
      const count = await writeEmbeddings(tx, tenantId, kind, embedder.id, writes, nowIso());
      if (batch.searchTexts)
        await clearMemoriesPending(
          tx,
          tenantId,
          batch.ids.map((id, index) => [id, batch.searchTexts![index]!] as const),
        );
      if (count > 0) await appendEvent(tx, { type: 'embeddings.written', payload: { kind, count, embedder: embedder.id } });
      return count;
    });
    if (kind === 'passage') summary.passages += written;
    else if (kind === 'entity') summary.entities += written;
    else summary.memories += written;
    options.onProgress?.({ kind, passages: summary.passages, entities: summary.entities, memories: summary.memories });
  };

  // A pipeline of two: batch N is written (on this thread) while batch N + 1 is read and embedded (in the worker pool
  // or at the endpoint). One write at a time, in order; nothing is written after the signal aborts.
  let writing: Promise<void> | undefined;
  try {
    for await (const batch of batches()) {
      options.signal?.throwIfAborted();
      const vectors = await embedder.embed(batch.texts, options.signal ? { signal: options.signal } : {});
      await writing;
      options.signal?.throwIfAborted();
      writing = write(batch, vectors);
      writing.catch(() => undefined);
    }
    await writing;
  } finally {
    await writing?.catch(() => undefined);
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** Owners of one kind and their texts, embedded and written together. */
interface Batch {
  kind: PendingKind;
  ids: string[];
  texts: string[];
  /** Memories: each one's search text as read (what its pending flag is cleared for). */
  searchTexts?: string[];
}
