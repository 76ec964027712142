/**
 * @module Embeds what a tenant lacks: passages without a vector from the current embedder, and entities whose vector
 * is missing, from another embedder, or of a text that changed (name, type, aliases). Batch by batch, each batch
 * committed with one `embeddings.written` event, so a killed run loses at most one batch and the next run simply
 * finds what is still missing (idempotent; no progress to store).
 */
import type { Store } from '../../store/index.js';
import { appendEvent } from '../../store/outbox.js';
import { nowIso } from '../../store/values.js';
import type { Embedder } from '../types.js';
import { type EmbeddingWrite, type OwnerKind, entityPage, pendingPassages, writeEmbeddings } from './embedding-rows.js';
import { contentHash, entityText, prepareText } from './texts.js';

/** The kinds the pending work covers (dataset rows are embedded on request, see `embedDatasetRows`). */
export type PendingKind = Extract<OwnerKind, 'passage' | 'entity'>;

/** Progress after each batch. */
export interface EmbedProgress {
  kind: PendingKind;
  /** Vectors written so far in this run, per kind. */
  passages: number;
  entities: number;
}

/** Options of {@link embedPending}. */
export interface EmbedPendingOptions {
  /** Which owners. @default ['passage', 'entity'] */
  kinds?: readonly PendingKind[];
  /** Texts per batch (one embedder call and one transaction). @default 256 */
  batchSize?: number;
  /** Stops between batches (and inside a remote embedder's requests). */
  signal?: AbortSignal;
  onProgress?: (progress: EmbedProgress) => void;
  /** Stop after this many vectors in total (tests and benchmarks of resuming). @default unlimited */
  limit?: number;
}

/** What a run did. */
export interface EmbedSummary {
  embedderId: string;
  passages: number;
  entities: number;
  /** Entities whose stored vector was already of their current text (re-checked and left alone). */
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
  const kinds = options.kinds ?? ['passage', 'entity'];
  const batchSize = options.batchSize ?? 256;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const summary: EmbedSummary = { embedderId: embedder.id, passages: 0, entities: 0, unchanged: 0, seconds: 0 };
  const done = () => summary.passages + summary.entities;

  const write = async (kind: PendingKind, ids: string[], texts: string[]) => {
    const vectors = await embedder.embed(texts, options.signal ? { signal: options.signal } : {});
    const writes: EmbeddingWrite[] = ids.map((ownerId, index) => ({ ownerId, vector: vectors[index]!, contentHash: contentHash(texts[index]!) }));
    const written = await store.transaction({ tenantId }, async (tx) => {
      const count = await writeEmbeddings(tx, tenantId, kind, embedder.id, writes, nowIso());
      if (count > 0) await appendEvent(tx, { type: 'embeddings.written', payload: { kind, count, embedder: embedder.id } });
      return count;
    });
    if (kind === 'passage') summary.passages += written;
    else summary.entities += written;
    options.onProgress?.({ kind, passages: summary.passages, entities: summary.entities });
  };

  if (kinds.includes('passage')) {
    let after = '';
    while (done() < limit) {
      options.signal?.throwIfAborted();
      const take = Math.min(batchSize, limit - done());
      const rows = await store.read({ tenantId }, (tx) => pendingPassages(tx, tenantId, embedder.id, after, take));
      if (rows.length === 0) break;
      after = String(rows.at(-1)!.id);
      await write(
        'passage',
        rows.map((row) => String(row.id)),
        rows.map((row) => cleanText(row.text)),
      );
    }
  }

  if (kinds.includes('entity')) {
    let after = '';
    let ids: string[] = [];
    let texts: string[] = [];
    let exhausted = false;
    while (!exhausted && done() < limit) {
      options.signal?.throwIfAborted();
      const page = await store.read({ tenantId }, (tx) => entityPage(tx, tenantId, after, entityPageSize));
      exhausted = page.length < entityPageSize;
      if (page.length > 0) after = page.at(-1)!.id;
      for (const entity of page) {
        const text = cleanText(entityText(entity));
        if (entity.embedder === embedder.id && entity.contentHash === contentHash(text)) {
          summary.unchanged += 1;
          continue;
        }
        ids.push(entity.id);
        texts.push(text);
        if (ids.length >= Math.min(batchSize, limit - done())) {
          await write('entity', ids, texts);
          ids = [];
          texts = [];
          if (done() >= limit) break;
        }
      }
    }
    if (ids.length > 0 && done() < limit) await write('entity', ids, texts);
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
