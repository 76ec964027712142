/**
 * @module The vector signal of recall and find-error: the memories whose embedding (owner kind `memory`, written by
 * the `search.embed` job) is nearest to the query's, by an exact scan of the tenant's memory vectors of the current
 * embedder, filtered in SQL before scoring.
 */
import { bytesToVector } from '../search/embed/index.js';
import type { CheckedMemoryFilter } from '../search/text/index.js';
import type { Store, Tx } from '../store/index.js';
import type { MemoryVectorSignal } from './recall.js';

/** What the signal needs of the embedding service. */
export interface QueryEmbedder {
  embedderId(): string;
  embedQuery(text: string): Promise<Float32Array>;
}

/** The filter's conditions on `r` (memories), with `?` parameters (both dialects). */
function filterSql(tx: Tx, filter: CheckedMemoryFilter): { where: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const sqlite = tx.dialect === 'sqlite';
  if (filter.kinds) {
    where.push(sqlite ? 'r.kind IN (SELECT value FROM json_each(?))' : 'r.kind = ANY(?::text[])');
    // The kinds are checked names, so the PostgreSQL array literal needs no quoting.
    params.push(sqlite ? JSON.stringify(filter.kinds) : `{${filter.kinds.join(',')}}`);
  }
  for (const tag of filter.tags ?? []) {
    where.push(sqlite ? 'EXISTS (SELECT 1 FROM json_each(r.tags) WHERE value = ?)' : 'r.tags @> ?::jsonb');
    params.push(sqlite ? tag : JSON.stringify([tag]));
  }
  if (filter.sessionId !== undefined) (where.push(sqlite ? 'r.session_id = ?' : 'r.session_id = ?::uuid'), params.push(filter.sessionId));
  if (filter.since !== undefined) (where.push(sqlite ? 'r.created_at >= ?' : 'r.created_at >= ?::timestamptz'), params.push(filter.since));
  if (filter.until !== undefined) (where.push(sqlite ? 'r.created_at <= ?' : 'r.created_at <= ?::timestamptz'), params.push(filter.until));
  return { where: where.map((condition) => ` AND ${condition}`).join(''), params };
}

/**
 * The vector signal over memories. An exact scan: every memory vector of the tenant and embedder that passes the
 * filter is scored (cosine = dot product of unit vectors); memories without a vector, or with one from another
 * embedder, are not candidates. A query the embedder cannot embed (or all zeros) finds nothing.
 */
export function createMemoryVectorSignal({ store, embeddings }: { store: Store; embeddings: QueryEmbedder }): MemoryVectorSignal {
  return {
    async search(tenantId, query, { limit, filter }) {
      const embedderId = embeddings.embedderId();
      // No memory vector of this embedder yet: nothing to compare with, so the query is not embedded (a remote call).
      const any = await store.read({ tenantId }, (tx) =>
        tx.get<{ one: number }>("SELECT 1 AS one FROM embeddings WHERE tenant_id = ? AND owner_kind = 'memory' AND embedder = ? LIMIT 1", [
          tenantId,
          embedderId,
        ]),
      );
      if (!any) return [];
      let vector: Float32Array;
      try {
        vector = await embeddings.embedQuery(query);
      } catch {
        // An embedder that fails (a remote provider down) leaves recall to its other signals rather than failing it.
        return [];
      }
      if (!vector.some((value) => value !== 0)) return [];
      const rows = await store.read({ tenantId }, (tx) => {
        const filtered = filterSql(tx, filter);
        const own = tx.dialect === 'sqlite' ? 'r.id' : 'r.id::text';
        return tx.all<{ owner_id: string; vector: Uint8Array }>(
          `SELECT e.owner_id, e.vector FROM embeddings e
             JOIN memories r ON r.tenant_id = e.tenant_id AND ${own} = e.owner_id
            WHERE e.tenant_id = ? AND e.owner_kind = 'memory' AND e.embedder = ?${filtered.where}`,
          [tenantId, embedderId, ...filtered.params] as never,
        );
      });
      const scored: { id: string; score: number }[] = [];
      for (const row of rows) {
        const stored = bytesToVector(row.vector);
        if (stored.length !== vector.length) continue;
        let dot = 0;
        for (let index = 0; index < vector.length; index++) dot += (vector[index] as number) * (stored[index] as number);
        if (dot > 0) scored.push({ id: String(row.owner_id), score: Math.round(dot * 1_000_000) / 1_000_000 });
      }
      scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
      return scored.slice(0, limit);
    },
  };
}
