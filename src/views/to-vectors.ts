/**
 * @module Table → vectors: the text columns of a dataset's rows, embedded through the embedding service and stored as
 * the rows' vectors (owner kind `row`), where vector and hybrid search find them.
 */
import { TrellisError, notFound } from '../core/errors.js';
import { type DatasetHead, datasetHead, sourcedRows } from '../ingest/mapping/index.js';
import type { RowEmbedResult, RowText } from '../search/embed/index.js';
import { maxRowsPerCall } from '../search/embed/index.js';
import type { Tx } from '../store/index.js';
import type { ViewDefinition } from './definitions.js';

type VectorsDefinition = Extract<ViewDefinition, { kind: 'vectors' }>;

/** What a vectors view needs of the embedding service. */
export interface RowEmbeddings {
  embedderId(): string;
  embedDatasetRows(tenantId: string, datasetId: string, rows: readonly RowText[]): Promise<RowEmbedResult>;
}

/** The texts of a dataset's rows: the chosen columns' non-empty values, one per line. */
export interface RowTexts {
  head: DatasetHead;
  rows: RowText[];
  /** Rows with no text in any chosen column (given no vector). */
  empty: number;
}

/**
 * Reads the texts to embed. A missing dataset is not_found; with `strict`, a column the dataset does not declare is
 * bad_request; a dataset above `maxRows` is unprocessable.
 */
export async function readRowTexts(tx: Tx, tenantId: string, definition: VectorsDefinition, options: { strict: boolean; maxRows: number }): Promise<RowTexts> {
  const head = await datasetHead(tx, tenantId, definition.dataset);
  if (!head) throw notFound('Dataset', definition.dataset);
  const declared = Object.keys((head.definition as { columns?: Record<string, unknown> }).columns ?? {});
  const unknown = definition.columns.filter((column) => !declared.includes(column));
  if (options.strict && unknown.length > 0)
    throw new TrellisError('bad_request', `Unknown columns of dataset "${head.name}": ${unknown.join(', ')} (it has ${declared.join(', ') || 'none'})`);
  if (head.rowCount > options.maxRows)
    throw new TrellisError('unprocessable', `The view would read ${head.rowCount} rows; a view holds at most ${options.maxRows} (viewMaxRows)`);
  const out: RowTexts = { head, rows: [], empty: 0 };
  for (let after: string | null = null; ;) {
    const page = await sourcedRows(tx, tenantId, head.id, after, 5000);
    if (page.length === 0) break;
    after = page[page.length - 1]?.key ?? null;
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const row of page) {
      const parts = definition.columns
        .map((column) => row.values[column])
        .filter((value) => value !== null && value !== undefined && String(value).trim() !== '');
      if (parts.length === 0) out.empty++;
      else out.rows.push({ key: row.key, text: parts.map(String).join('\n') });
    }
  }
  return out;
}

/** Embeds and stores the rows' vectors, at most {@link maxRowsPerCall} per call (each call is one transaction). */
export async function embedRowTexts(embeddings: RowEmbeddings, tenantId: string, datasetId: string, rows: readonly RowText[]): Promise<number> {
  let written = 0;
  for (let start = 0; start < rows.length; start += maxRowsPerCall) {
    written += (await embeddings.embedDatasetRows(tenantId, datasetId, rows.slice(start, start + maxRowsPerCall))).written;
  }
  return written;
}
