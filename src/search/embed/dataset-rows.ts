/** @module Vectors of dataset rows (owner kind `row`): the texts a caller chose (a view's text columns), stored against the rows that exist. */
import { TrellisError, notFound } from '../../core/errors.js';
import { isId, normaliseId } from '../../core/ids.js';
import type { Store } from '../../store/index.js';
import { appendEvent } from '../../store/outbox.js';
import { nowIso } from '../../store/values.js';
import type { Embedder } from '../types.js';
import { rowOwnerId, writeEmbeddings } from './embedding-rows.js';
import { contentHash, prepareText } from './texts.js';

/** One row to embed: its key in the dataset and the text to embed for it. */
export interface RowText {
  key: string;
  text: string;
}

/** What {@link embedDatasetRows} did. */
export interface RowEmbedResult {
  /** Vectors written. */
  written: number;
  /** Keys of the request that are not rows of the dataset (nothing was written for them). */
  missing: string[];
}

/** Rows one call may embed. */
export const maxRowsPerCall = 10_000;

/**
 * Embeds texts for rows of one dataset of the tenant and stores them (owner `<datasetId>:<rowKey>`), replacing
 * earlier vectors of those rows. Rows that do not exist get nothing and are reported; a dataset that is not the
 * tenant's is `not_found`. Deleting a row (or its source) deletes its vector.
 * @example
 * await embedDatasetRows(store, pool, tenantId, datasetId, rows.map((row) => ({ key: row.key, text: `${row.values.title} ${row.values.summary}` })));
 */
export async function embedDatasetRows(
  store: Store,
  embedder: Embedder,
  tenantId: string,
  datasetId: string,
  rows: readonly RowText[],
  options: { signal?: AbortSignal } = {},
): Promise<RowEmbedResult> {
  if (typeof datasetId !== 'string' || !isId(normaliseId(datasetId))) throw notFound('Dataset', String(datasetId));
  const dataset = normaliseId(datasetId);
  if (rows.length > maxRowsPerCall)
    throw new TrellisError('payload_too_large', `At most ${maxRowsPerCall} rows can be embedded in one call; got ${rows.length}`);
  const seen = new Set<string>();
  for (const row of rows) {
    if (typeof row?.key !== 'string' || row.key === '' || typeof row.text !== 'string') {
      throw new TrellisError('validation_failed', 'Every row needs a non-empty string key and a string text', { key: row?.key });
    }
    if (seen.has(row.key)) throw new TrellisError('validation_failed', `Row key ${JSON.stringify(row.key)} appears twice`, { key: row.key });
    seen.add(row.key);
  }
  const exists = await store.read({ tenantId }, (tx) => tx.get('SELECT 1 AS found FROM datasets WHERE tenant_id = ? AND id = ?', [tenantId, dataset]));
  if (!exists) throw notFound('Dataset', dataset);
  if (rows.length === 0) return { written: 0, missing: [] };
  const texts = rows.map((row) => prepareText(row.text, Number.MAX_SAFE_INTEGER));
  const vectors = await embedder.embed(texts, options.signal ? { signal: options.signal } : {});
  return store.transaction({ tenantId }, async (tx) => {
    const writes = rows.map((row, index) => ({ ownerId: rowOwnerId(dataset, row.key), vector: vectors[index]!, contentHash: contentHash(texts[index]!) }));
    const written = await writeEmbeddings(tx, tenantId, 'row', embedder.id, writes, nowIso(), dataset);
    let missing: string[] = [];
    if (written < rows.length) {
      const list = tx.dialect === 'sqlite' ? 'row_key IN (SELECT value FROM json_each(?))' : 'row_key = ANY(?::text[])';
      const keys = rows.map((row) => row.key);
      const found = await tx.all<{ row_key: string }>(`SELECT row_key FROM dataset_rows WHERE tenant_id = ? AND dataset_id = ? AND ${list}`, [
        tenantId,
        dataset,
        tx.dialect === 'sqlite' ? JSON.stringify(keys) : (keys as unknown as string),
      ]);
      const present = new Set(found.map((row) => row.row_key));
      missing = keys.filter((key) => !present.has(key));
    }
    if (written > 0) await appendEvent(tx, { type: 'embeddings.written', subject: dataset, payload: { kind: 'row', count: written, embedder: embedder.id } });
    return { written, missing };
  });
}
