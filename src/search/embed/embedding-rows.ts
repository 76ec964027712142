/**
 * @module The SQL of the `embeddings` table (migration 0010) for both dialects: writing vectors only while their owner
 * exists, finding owners whose vector is missing or stale, counting, and reading vectors back.
 */
import type { SqlValue, Tx } from '../../store/index.js';
import { bytesToVector, vectorToBytes } from './vectors.js';

/** What owns a vector: a passage (chunk), an entity, a dataset row, or a memory (migration 0013). */
export type OwnerKind = 'passage' | 'entity' | 'row' | 'memory';

/** Every owner kind, for validation. */
export const ownerKinds: readonly OwnerKind[] = ['passage', 'entity', 'row', 'memory'];

/** One vector to store. `ownerId`: chunk ID, entity ID, or `<datasetId>:<rowKey>`. */
export interface EmbeddingWrite {
  ownerId: string;
  vector: Float32Array;
  contentHash: string;
}

/** The owner ID of a dataset row's vector: the dataset ID (a UUID, so it has no ':') and the row key. */
export function rowOwnerId(datasetId: string, rowKey: string): string {
  return `${datasetId}:${rowKey}`;
}

/** A stored vector read back. */
export interface StoredEmbedding {
  seq: number;
  kind: OwnerKind;
  ownerId: string;
  embedder: string;
  vector: Float32Array;
  contentHash: string;
  updatedAt: string;
}

/**
 * Writes vectors of one kind for the transaction's tenant, each only if its owner still exists (an owner deleted while
 * it was being embedded gets no vector, so no vector outlives its owner). A write replaces the owner's earlier vector
 * and takes a new `seq`. On PostgreSQL the owner row is locked (`FOR KEY SHARE`) so a concurrent delete waits for this
 * commit and its trigger then removes the new vector. Answers the number of vectors written.
 * `datasetId` is required for kind `row` (every `ownerId` is then `<datasetId>:<rowKey>`).
 */
export async function writeEmbeddings(
  tx: Tx,
  tenantId: string,
  kind: OwnerKind,
  embedderId: string,
  writes: readonly EmbeddingWrite[],
  now: string,
  datasetId?: string,
): Promise<number> {
  if (writes.length === 0) return 0;
  if (kind === 'row' && datasetId === undefined) throw new Error('writeEmbeddings: kind row needs the dataset ID');
  const dimensions = writes[0]!.vector.length;
  if (tx.dialect === 'sqlite') {
    const owner =
      kind === 'passage'
        ? 'SELECT 1 FROM chunks WHERE tenant_id = @tenant AND id = @owner'
        : kind === 'entity'
          ? 'SELECT 1 FROM entities WHERE tenant_id = @tenant AND id = @owner'
          : kind === 'memory'
            ? 'SELECT 1 FROM memories WHERE tenant_id = @tenant AND id = @owner'
            : 'SELECT 1 FROM dataset_rows WHERE tenant_id = @tenant AND dataset_id = @dataset AND row_key = @rowKey';
    // REPLACE deletes the earlier row and inserts a new one, so AUTOINCREMENT hands out a new seq.
    const statement = tx.db.prepare(
      `INSERT OR REPLACE INTO embeddings (tenant_id, owner_kind, owner_id, embedder, dimensions, vector, content_hash, updated_at)
       SELECT @tenant, @kind, @owner, @embedder, @dimensions, @vector, @hash, @now WHERE EXISTS (${owner})`,
    );
    let written = 0;
    const prefix = kind === 'row' ? rowOwnerId(datasetId!, '').length : 0;
    for (const write of writes) {
      written += statement.run({
        tenant: tenantId,
        kind,
        owner: write.ownerId,
        embedder: embedderId,
        dimensions: write.vector.length,
        vector: vectorToBytes(write.vector),
        hash: write.contentHash,
        now,
        dataset: datasetId ?? null,
        rowKey: kind === 'row' ? write.ownerId.slice(prefix) : null,
      }).changes;
    }
    return written;
  }
  const owners =
    kind === 'passage'
      ? 'JOIN chunks o ON o.tenant_id = $1::uuid AND o.id = t.owner_id::uuid'
      : kind === 'entity'
        ? 'JOIN entities o ON o.tenant_id = $1::uuid AND o.id = t.owner_id::uuid'
        : kind === 'memory'
          ? 'JOIN memories o ON o.tenant_id = $1::uuid AND o.id = t.owner_id::uuid'
          : "JOIN dataset_rows o ON o.tenant_id = $1::uuid AND o.dataset_id = $9::uuid AND o.dataset_id::text || ':' || o.row_key = t.owner_id";
  const params: SqlValue[] = [
    tenantId,
    kind,
    embedderId,
    dimensions,
    now,
    writes.map((write) => write.ownerId) as unknown as string,
    writes.map((write) => vectorToBytes(write.vector)) as unknown as string,
    writes.map((write) => write.contentHash) as unknown as string,
  ];
  if (kind === 'row') params.push(datasetId!);
  return tx.run(
    `INSERT INTO embeddings (tenant_id, owner_kind, owner_id, embedder, dimensions, vector, content_hash, updated_at)
     SELECT $1::uuid, $2, t.owner_id, $3, $4, t.vector, t.hash, $5::timestamptz
       FROM unnest($6::text[], $7::bytea[], $8::text[]) AS t(owner_id, vector, hash)
       ${owners}
       FOR KEY SHARE OF o
     ON CONFLICT (tenant_id, owner_kind, owner_id) DO UPDATE SET
       seq = DEFAULT, embedder = excluded.embedder, dimensions = excluded.dimensions, vector = excluded.vector,
       content_hash = excluded.content_hash, updated_at = excluded.updated_at`,
    params,
  );
}

/** Passages of the tenant with no vector from `embedderId`, in chunk ID order after `after` (keyset): ID and text. */
export function pendingPassages(tx: Tx, tenantId: string, embedderId: string, after: string, limit: number): Promise<{ id: string; text: string }[]> {
  const own = tx.dialect === 'sqlite' ? 'c.id' : 'c.id::text';
  const from = tx.dialect === 'sqlite' ? '?' : '?::uuid';
  return tx.all<{ id: string; text: string }>(
    `SELECT c.id, c.text FROM chunks c
      WHERE c.tenant_id = ? ${after === '' ? '' : `AND c.id > ${from}`}
        AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.tenant_id = c.tenant_id AND e.owner_kind = 'passage' AND e.owner_id = ${own} AND e.embedder = ?)
      ORDER BY c.id LIMIT ?`,
    after === '' ? [tenantId, embedderId, limit] : [tenantId, after, embedderId, limit],
  );
}

/**
 * A page of the tenant's memories after `after` (ID order) with their search text and the embedder and hash of their
 * stored vector: every memory, or with `pendingOnly` those flagged `embed_pending` (created or changed since their
 * vector was written; migration 0016), read through that flag's partial index.
 */
export async function memoryPage(
  tx: Tx,
  tenantId: string,
  after: string,
  limit: number,
  pendingOnly = false,
): Promise<{ id: string; text: string; embedder: string | null; contentHash: string | null; pending: boolean }[]> {
  const own = tx.dialect === 'sqlite' ? 'r.id' : 'r.id::text';
  const from = tx.dialect === 'sqlite' ? '?' : '?::uuid';
  const rows = await tx.all<{ id: string; search_text: string; embedder: string | null; content_hash: string | null; embed_pending: number }>(
    `SELECT r.id, r.search_text, m.embedder, m.content_hash, r.embed_pending FROM memories r
       LEFT JOIN embeddings m ON m.tenant_id = r.tenant_id AND m.owner_kind = 'memory' AND m.owner_id = ${own}
      WHERE r.tenant_id = ? ${pendingOnly ? 'AND r.embed_pending = 1 ' : ''}${after === '' ? '' : `AND r.id > ${from}`}
      ORDER BY r.id LIMIT ?`,
    after === '' ? [tenantId, limit] : [tenantId, after, limit],
  );
  return rows.map((row) => ({
    id: String(row.id),
    text: row.search_text,
    embedder: row.embedder,
    contentHash: row.content_hash,
    pending: Number(row.embed_pending) === 1,
  }));
}

/**
 * Clears `embed_pending` of memories whose vector is now of their current text: each `[id, text]` pair clears its
 * memory only while its search text is still `text` (a memory changed since it was read stays pending).
 */
export async function clearMemoriesPending(tx: Tx, tenantId: string, done: readonly (readonly [id: string, text: string])[]): Promise<void> {
  if (done.length === 0) return;
  if (tx.dialect === 'sqlite') {
    await tx.run(
      `UPDATE memories SET embed_pending = 0 WHERE tenant_id = ? AND embed_pending = 1
         AND (id, search_text) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?))`,
      [tenantId, JSON.stringify(done)],
    );
    return;
  }
  await tx.run(
    `UPDATE memories r SET embed_pending = 0 FROM unnest(?::uuid[], ?::text[]) AS d(id, text)
      WHERE r.tenant_id = ? AND r.embed_pending = 1 AND r.id = d.id AND r.search_text = d.text`,
    [done.map(([id]) => id), done.map(([, text]) => text), tenantId] as never,
  );
}

/** A page of the tenant's entities after `after` (ID order) with their aliases and the embedder and hash of their stored vector. */
export async function entityPage(
  tx: Tx,
  tenantId: string,
  after: string,
  limit: number,
): Promise<{ id: string; name: string; type: string; aliases: string[]; embedder: string | null; contentHash: string | null }[]> {
  const own = tx.dialect === 'sqlite' ? 'e.id' : 'e.id::text';
  const from = tx.dialect === 'sqlite' ? '?' : '?::uuid';
  const rows = await tx.all<{ id: string; name: string; type: string; embedder: string | null; content_hash: string | null }>(
    `SELECT e.id, e.name, e.type, m.embedder, m.content_hash FROM entities e
       LEFT JOIN embeddings m ON m.tenant_id = e.tenant_id AND m.owner_kind = 'entity' AND m.owner_id = ${own}
      WHERE e.tenant_id = ? ${after === '' ? '' : `AND e.id > ${from}`}
      ORDER BY e.id LIMIT ?`,
    after === '' ? [tenantId, limit] : [tenantId, after, limit],
  );
  if (rows.length === 0) return [];
  const ids = rows.map((row) => String(row.id));
  const list = tx.dialect === 'sqlite' ? 'entity_id IN (SELECT value FROM json_each(?))' : 'entity_id = ANY(?::uuid[])';
  const aliases = await tx.all<{ entity_id: string; alias: string }>(`SELECT entity_id, alias FROM entity_aliases WHERE tenant_id = ? AND ${list}`, [
    tenantId,
    tx.dialect === 'sqlite' ? JSON.stringify(ids) : (ids as unknown as string),
  ]);
  const byEntity = new Map<string, string[]>();
  for (const alias of aliases) {
    const id = String(alias.entity_id);
    const list = byEntity.get(id);
    if (list) list.push(alias.alias);
    else byEntity.set(id, [alias.alias]);
  }
  return rows.map((row) => ({
    id: String(row.id),
    name: row.name,
    type: row.type,
    aliases: byEntity.get(String(row.id)) ?? [],
    embedder: row.embedder,
    contentHash: row.content_hash,
  }));
}

/** Counts of the tenant: passages, entities, dataset rows and memories, and how many of each have a vector from `embedderId`. */
export async function embeddingCounts(
  tx: Tx,
  tenantId: string,
  embedderId: string,
): Promise<{ passages: number; entities: number; rows: number; memories: number; embedded: Record<OwnerKind, number> }> {
  const embedded: Record<OwnerKind, number> = { passage: 0, entity: 0, row: 0, memory: 0 };
  const groups = await tx.all<{ owner_kind: OwnerKind; count: number | string }>(
    'SELECT owner_kind, count(*) AS count FROM embeddings WHERE tenant_id = ? AND embedder = ? GROUP BY owner_kind',
    [tenantId, embedderId],
  );
  for (const group of groups) embedded[group.owner_kind] = Number(group.count);
  const totals = await tx.get<{ passages: number | string; entities: number | string; rows: number | string; memories: number | string }>(
    `SELECT (SELECT count(*) FROM chunks WHERE tenant_id = ?) AS passages, (SELECT count(*) FROM entities WHERE tenant_id = ?) AS entities,
            (SELECT count(*) FROM dataset_rows WHERE tenant_id = ?) AS rows, (SELECT count(*) FROM memories WHERE tenant_id = ?) AS memories`,
    [tenantId, tenantId, tenantId, tenantId],
  );
  return {
    passages: Number(totals?.passages ?? 0),
    entities: Number(totals?.entities ?? 0),
    rows: Number(totals?.rows ?? 0),
    memories: Number(totals?.memories ?? 0),
    embedded,
  };
}

/** Stored vectors of some owners (any embedder; the caller compares `embedder`). */
export async function readEmbeddings(tx: Tx, tenantId: string, kind: OwnerKind, ownerIds: readonly string[]): Promise<StoredEmbedding[]> {
  if (ownerIds.length === 0) return [];
  const list = tx.dialect === 'sqlite' ? 'owner_id IN (SELECT value FROM json_each(?))' : 'owner_id = ANY(?::text[])';
  const rows = await tx.all<{
    seq: number | string;
    owner_kind: OwnerKind;
    owner_id: string;
    embedder: string;
    vector: Uint8Array;
    content_hash: string;
    updated_at: unknown;
  }>(`SELECT seq, owner_kind, owner_id, embedder, vector, content_hash, updated_at FROM embeddings WHERE tenant_id = ? AND owner_kind = ? AND ${list}`, [
    tenantId,
    kind,
    tx.dialect === 'sqlite' ? JSON.stringify(ownerIds) : (ownerIds as unknown as string),
  ]);
  return rows.map((row) => ({
    seq: Number(row.seq),
    kind: row.owner_kind,
    ownerId: row.owner_id,
    embedder: row.embedder,
    vector: bytesToVector(row.vector),
    contentHash: row.content_hash,
    updatedAt: row.updated_at instanceof Date ? row.updated_at.toISOString() : String(row.updated_at),
  }));
}
