/**
 * @module What search reads of memories to show them as results of `GET /search?kinds=memory`: kind, title, search
 * text and whether each is archived. Read straight from the memories table (migration 0013), so search does not
 * depend on the memory module.
 */
import { type Store, inList } from '../store/index.js';

/** A memory as a search result needs it. */
export interface MemorySummary {
  id: string;
  /** note, decision, mistake, pattern or session. */
  kind: string;
  title: string | null;
  /** Title, body and text fields: what the indexes see. */
  searchText: string;
  createdAt: string;
  /** Status `archived`, or `archived_at` set: left out of search results. */
  archived: boolean;
}

/** Reads memories by ID for search. */
export interface MemoryReader {
  /** The tenant's memories among `ids` (missing ones are absent). */
  memories(tenantId: string, ids: readonly string[]): Promise<Map<string, MemorySummary>>;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A memory reader over a store (both dialects).
 * @example
 * const memories = createMemoryReader(store);
 * const found = await memories.memories(tenantId, [id]);
 */
export function createMemoryReader(store: Store): MemoryReader {
  return {
    async memories(tenantId, ids) {
      const wanted = [...new Set(ids.filter((id) => uuid.test(id)).map((id) => id.toLowerCase()))];
      if (wanted.length === 0) return new Map();
      const rows = await store.read({ tenantId }, (tx) => {
        const list = inList(tx.dialect, 'id', 'uuid');
        return tx.all<{ id: string; kind: string; title: string | null; search_text: string; created_at: unknown; status: string; archived_at: unknown }>(
          `SELECT id, kind, title, search_text, created_at, status, archived_at FROM memories WHERE tenant_id = ? AND ${list.sql}`,
          [tenantId, list.param(wanted)],
        );
      });
      const found = new Map<string, MemorySummary>();
      for (const row of rows) {
        const id = String(row.id);
        found.set(id, {
          id,
          kind: row.kind,
          title: row.title,
          searchText: row.search_text,
          createdAt: row.created_at instanceof Date ? row.created_at.toISOString() : String(row.created_at),
          archived: row.status === 'archived' || (row.archived_at !== null && row.archived_at !== undefined),
        });
      }
      return found;
    },
  };
}
