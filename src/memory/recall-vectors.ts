/**
 * @module The vector signal of recall and find-error: the memories whose embedding (owner kind `memory`, written by
 * the `search.embed` job) is nearest to the query's, found through the vector index (scope `memory`), which holds
 * each memory's kind and applies the kinds filter itself; the other filters are checked in SQL on an over-fetched
 * candidate list, with an exact scan in SQL as the fallback when too few candidates pass.
 */
import { bytesToVector } from '../search/embed/index.js';
import { type CheckedMemoryFilter, memoryFilterSql } from '../search/text/index.js';
import type { VectorIndex } from '../search/vector/index.js';
import type { SearchFilter } from '../search/types.js';
import { type Store, inList } from '../store/index.js';
import type { MemoryVectorSignal } from './recall.js';

/** What the signal needs of the embedding service. */
export interface QueryEmbedder {
  embedderId(): string;
  embedQuery(text: string): Promise<Float32Array>;
}

/** Candidates read from the index per result asked for, when filters are left to check in SQL. */
const overFetch = 2;
/** At least this many candidates are read when filters are left to check in SQL. */
const minimumOverFetch = 40;

/**
 * IVF lists scanned per memory search (the index's default is 128). At 1M memories a scan of 128 lists costs about
 * 20 ms (two threads, a shared VM) against 5 ms for 32, and found a lightly edited mistake's own vector first 58 times
 * in 60 instead of 60 (bench/memory.ts): recall and find-error fuse it with full-text, which finds such a near copy
 * anyway. Below the index's IVF size every vector is scanned.
 */
export const memoryProbes = 32;

/**
 * Starts a signal and lets it reach its worker threads (the vector scan) before the caller runs the full-text query,
 * which on SQLite holds this thread: the two then run at the same time. Answers `{ pending }` (a failure is left for
 * the caller's await).
 * @example
 * const { pending } = await startedFirst(() => vectors.search(tenantId, query, options));
 * const textHits = await text.memories(tenantId, query, options);
 * const vectorHits = await pending;
 */
export async function startedFirst<T>(start: () => Promise<T>): Promise<{ pending: Promise<T> }> {
  const pending = start();
  // Handled here so a failure while the caller is busy is not reported as unhandled; the caller's await still sees it.
  pending.catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  return { pending };
}

/** Whether some of the filter is left for SQL after the index applied the kinds (and times, in its exact path). */
function needsSqlCheck(filter: CheckedMemoryFilter): boolean {
  return filter.tags !== undefined || filter.sessionId !== undefined || filter.includeArchived !== true;
}

/** The IDs among `ids` that pass the whole filter. */
async function passing(store: Store, tenantId: string, ids: readonly string[], filter: CheckedMemoryFilter): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  return store.read({ tenantId }, async (tx) => {
    const filtered = memoryFilterSql(tx.dialect, filter, 'r');
    const list = inList(tx.dialect, 'r.id', 'uuid');
    // On SQLite the narrow index memories_visible (migration 0015) answers the filter without reading the wide rows.
    const from = tx.dialect === 'sqlite' ? 'memories r INDEXED BY memories_visible' : 'memories r';
    const rows = await tx.all<{ id: string }>(`SELECT r.id FROM ${from} WHERE r.tenant_id = ? AND ${list.sql}${filtered.where}`, [
      tenantId,
      list.param(ids),
      ...filtered.params,
    ] as never);
    return new Set(rows.map((row) => String(row.id)));
  });
}

/** The reference answer: every memory vector of the tenant and embedder that passes the filter, scored in the process. */
async function exactScan(
  store: Store,
  tenantId: string,
  embedderId: string,
  vector: Float32Array,
  limit: number,
  filter: CheckedMemoryFilter,
): Promise<{ id: string; score: number }[]> {
  const rows = await store.read({ tenantId }, (tx) => {
    const filtered = memoryFilterSql(tx.dialect, filter, 'r');
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
    if (dot > 0) scored.push({ id: String(row.owner_id), score: dot });
  }
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return scored.slice(0, limit);
}

/** Scores rounded to 6 digits (index and exact paths differ in the 7th), positive ones only, best first. */
function finish(hits: { id: string; score: number }[], limit: number): { id: string; score: number }[] {
  return hits
    .filter((hit) => hit.score > 0)
    .map((hit) => ({ id: hit.id, score: Math.round(hit.score * 1_000_000) / 1_000_000 }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, limit);
}

/**
 * The vector signal over memories. With a vector index (`vectors`), the index answers the nearest memories of the
 * asked kinds (and creation times, through its exact path); tags, session and archived status are checked in SQL on
 * {@link overFetch} × limit candidates, and when fewer than `limit` pass while the index had more to give, an exact
 * scan in SQL answers instead, so a selective filter is never answered short. Without an index every search is that
 * exact scan. Memories without a vector, or with one from another embedder, are not candidates. A query the embedder
 * cannot embed (or all zeros) finds nothing.
 * @example
 * const signal = createMemoryVectorSignal({ store, embeddings, vectors });
 * const hits = await signal.search(tenantId, 'why did we pick valkey', { limit: 10, filter: { kinds: ['decision'] } });
 */
export function createMemoryVectorSignal({
  store,
  embeddings,
  vectors,
}: {
  store: Store;
  embeddings: QueryEmbedder;
  vectors?: VectorIndex;
}): MemoryVectorSignal {
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
      if (!vectors) return finish(await exactScan(store, tenantId, embedderId, vector, limit, filter), limit);

      const indexFilter: SearchFilter = {
        ...(filter.kinds ? { types: filter.kinds } : {}),
        ...(filter.since !== undefined ? { since: filter.since } : {}),
        ...(filter.until !== undefined ? { until: filter.until } : {}),
      };
      const check = needsSqlCheck(filter);
      const fetch = check ? Math.max(minimumOverFetch, limit * overFetch) : limit;
      const found = await vectors.search(tenantId, embedderId, vector, { kind: 'memory', limit: fetch, filter: indexFilter, probes: memoryProbes });
      if (!check) return finish(found.hits, limit);
      const kept = await passing(
        store,
        tenantId,
        found.hits.map((hit) => hit.id),
        filter,
      );
      const hits = found.hits.filter((hit) => kept.has(hit.id));
      // Too few passed and the index had more to give: the filter is selective, so the exact scan over what passes answers.
      if (hits.filter((hit) => hit.score > 0).length < limit && found.hits.length === fetch)
        return finish(await exactScan(store, tenantId, embedderId, vector, limit, filter), limit);
      return finish(hits, limit);
    },
  };
}
