/** @module Sources and their chunks: the documents and tables every piece of evidence points into. */
import { TrellisError } from '../core/errors.js';
import { isId, newId } from '../core/ids.js';
import { type Tx, parseJson } from '../store/index.js';
import { jsonParam, matchAny } from './dialect.js';
import { maxOffset, storableText } from './prepare.js';
import { pageClause, toPage } from './pagination.js';
import type { Chunk, Page, Source, SourceInput } from './types.js';

interface SourceRow {
  id: string;
  uri: string;
  kind: string;
  title: string | null;
  content_hash: string | null;
  metadata: unknown;
  status: string;
  created_at: string;
  updated_at: string;
}

const columns = 'id, uri, kind, title, content_hash, metadata, status, created_at, updated_at';

function toSource(row: SourceRow): Source {
  return {
    id: row.id,
    uri: row.uri,
    kind: row.kind,
    title: row.title,
    contentHash: row.content_hash,
    metadata: parseJson(row.metadata),
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function invalid(message: string): TrellisError {
  return new TrellisError('unprocessable', message);
}

/** Inserts a source and its chunks; a second source with the same URI is a conflict. */
export async function insertSource(tx: Tx, tenantId: string, input: SourceInput, now: string): Promise<{ source: Source; chunks: Chunk[] }> {
  if (typeof input.uri !== 'string' || input.uri.trim() === '' || input.uri.length > 2000 || !storableText(input.uri))
    throw invalid('uri must be 1 to 2000 characters');
  if (input.title !== undefined && (typeof input.title !== 'string' || !storableText(input.title)))
    throw invalid('title must be text without U+0000 or unpaired surrogates');
  if (typeof input.kind !== 'string' || !/^[a-z][a-z0-9_.-]{0,31}$/.test(input.kind))
    throw invalid('kind must be a short lower-case word such as "text" or "pdf"');
  const existing = await tx.get<{ id: string }>('SELECT id FROM sources WHERE tenant_id = ? AND uri = ?', [tenantId, input.uri]);
  if (existing) throw new TrellisError('conflict', `A source with uri ${JSON.stringify(input.uri)} already exists`, { id: existing.id });
  const id = newId();
  const status = input.status ?? 'registered';
  await tx.run(
    `INSERT INTO sources (tenant_id, id, uri, kind, title, content_hash, metadata, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ${jsonParam(tx.dialect)}, ?, ?, ?)`,
    [tenantId, id, input.uri, input.kind, input.title ?? null, input.contentHash ?? null, JSON.stringify(input.metadata ?? {}), status, now, now],
  );
  const chunks: Chunk[] = [];
  let offset = 0;
  for (const [ordinal, chunk] of (input.chunks ?? []).entries()) {
    if (typeof chunk.text !== 'string' || !storableText(chunk.text))
      throw invalid(`chunks[${ordinal}].text must be text without U+0000 or unpaired surrogates`);
    const start = chunk.start ?? offset;
    const end = chunk.end ?? start + chunk.text.length;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > maxOffset) {
      throw invalid(`chunks[${ordinal}]: start and end must be integers with 0 ≤ start ≤ end ≤ ${maxOffset}`);
    }
    if (chunk.page !== undefined && (!Number.isInteger(chunk.page) || chunk.page < 1 || chunk.page > maxOffset))
      throw invalid(`chunks[${ordinal}].page must be an integer from 1 to ${maxOffset}`);
    const chunkId = newId();
    await tx.run('INSERT INTO chunks (tenant_id, id, source_id, ordinal, text, start_offset, end_offset, page) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      tenantId,
      chunkId,
      id,
      ordinal,
      chunk.text,
      start,
      end,
      chunk.page ?? null,
    ]);
    chunks.push({ id: chunkId, sourceId: id, ordinal, text: chunk.text, start, end, page: chunk.page ?? null });
    offset = end;
  }
  const source = await findSource(tx, tenantId, id);
  return { source: source as Source, chunks };
}

/** One source, or undefined when it does not exist in this tenant. */
export async function findSource(tx: Tx, tenantId: string, id: string): Promise<Source | undefined> {
  if (!isId(id)) return undefined;
  const row = await tx.get<SourceRow>(`SELECT ${columns} FROM sources WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
  return row ? toSource(row) : undefined;
}

/** The source with this URI in the tenant, or undefined. */
export async function findSourceByUri(tx: Tx, tenantId: string, uri: string): Promise<Source | undefined> {
  const row = await tx.get<SourceRow>(`SELECT ${columns} FROM sources WHERE tenant_id = ? AND uri = ?`, [tenantId, uri]);
  return row ? toSource(row) : undefined;
}

/** The chunks of a source in order. */
export async function chunksOf(tx: Tx, tenantId: string, sourceId: string): Promise<Chunk[]> {
  const rows = await tx.all<{ id: string; ordinal: number; text: string; start_offset: number; end_offset: number; page: number | null }>(
    'SELECT id, ordinal, text, start_offset, end_offset, page FROM chunks WHERE tenant_id = ? AND source_id = ? ORDER BY ordinal',
    [tenantId, sourceId],
  );
  return rows.map((row) => ({
    id: row.id,
    sourceId,
    ordinal: Number(row.ordinal),
    text: row.text,
    start: Number(row.start_offset),
    end: Number(row.end_offset),
    page: row.page === null ? null : Number(row.page),
  }));
}

/** A page of sources in creation order. */
export async function listSources(tx: Tx, tenantId: string, filter: { kind?: string; limit: number; cursor?: string }): Promise<Page<Source>> {
  const where = ['tenant_id = ?'];
  const params: (string | number)[] = [tenantId];
  if (filter.kind !== undefined) {
    where.push('kind = ?');
    params.push(filter.kind);
  }
  const rows = await tx.all<SourceRow>(`SELECT ${columns} FROM sources ${pageClause(where, params, filter.cursor, filter.limit)}`, params);
  const page = toPage(rows, filter.limit);
  return { items: page.items.map(toSource), nextCursor: page.nextCursor };
}

/** Deletes a source row and its chunks (its evidence must have been retracted first). */
export async function deleteSourceRows(tx: Tx, tenantId: string, id: string): Promise<void> {
  // `ordinal >= 0` (always true) steers SQLite without table statistics onto the (tenant, source, ordinal) index: it
  // otherwise planned a scan of all the tenant's chunks by primary key (measured at 1M chunks).
  await tx.run('DELETE FROM chunks WHERE tenant_id = ? AND source_id = ? AND ordinal >= 0', [tenantId, id]);
  await tx.run('DELETE FROM sources WHERE tenant_id = ? AND id = ?', [tenantId, id]);
}

/** A chunk with the source it belongs to: what a search result cites. */
export interface Passage extends Chunk {
  source: { id: string; uri: string; kind: string; title: string | null; createdAt: string };
}

/** The chunks with these IDs in this tenant, with their sources; IDs that are not this tenant's chunks are left out. */
export async function passagesByIds(tx: Tx, tenantId: string, ids: readonly string[]): Promise<Map<string, Passage>> {
  const out = new Map<string, Passage>();
  const wanted = ids.filter(isId);
  if (wanted.length === 0) return out;
  const filter = matchAny(tx.dialect, 'c.id', 'uuid', wanted);
  const rows = await tx.all<{
    id: string;
    source_id: string;
    ordinal: number;
    text: string;
    start_offset: number;
    end_offset: number;
    page: number | null;
    uri: string;
    kind: string;
    title: string | null;
    created_at: string;
  }>(
    `SELECT c.id, c.source_id, c.ordinal, c.text, c.start_offset, c.end_offset, c.page, s.uri, s.kind, s.title, s.created_at
       FROM chunks c JOIN sources s ON s.tenant_id = c.tenant_id AND s.id = c.source_id
      WHERE c.tenant_id = ? AND ${filter.sql}`,
    [tenantId, filter.param],
  );
  for (const row of rows) {
    out.set(row.id, {
      id: row.id,
      sourceId: row.source_id,
      ordinal: Number(row.ordinal),
      text: row.text,
      start: Number(row.start_offset),
      end: Number(row.end_offset),
      page: row.page === null ? null : Number(row.page),
      source: { id: row.source_id, uri: row.uri, kind: row.kind, title: row.title, createdAt: String(row.created_at) },
    });
  }
  return out;
}
