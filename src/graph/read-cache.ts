/** @module A bounded cache of serialised read answers, each stamped with the tenant version it was read at. */

/** One cached answer: the JSON body and the tenant version read before the data. */
interface Entry {
  key: string;
  body: string;
  version: number;
  bytes: number;
}

/** What {@link ReadCache.stats} reports. */
export interface ReadCacheStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
  maxBytes: number;
}

/**
 * Answers reads again without the store while nothing in the tenant changed.
 *
 * Correctness rests on the store's tenant version (see `Store.version`): the caller reads the version *before*
 * reading the data and stores the answer with that stamp; an answer is served only while the tenant's version
 * still equals its stamp. Any committed write of the tenant moves the version, so every answer of that tenant
 * is refreshed on its next use — coarse, but never stale, and writes pay nothing.
 *
 * Memory is bounded by the byte length of the bodies (UTF-16 length as a proxy) plus a per-entry overhead;
 * the least recently used answers go first. A `maxBytes` of 0 disables the cache.
 * @example
 * const cache = createReadCache(64 * 2 ** 20);
 * const version = await store.version(tenantId);
 * const body = cache.get(tenantId, id, version) ?? cache.set(tenantId, id, version, JSON.stringify(await load()));
 */
export interface ReadCache {
  /** The body cached for (tenant, id) at exactly `version`, or undefined. */
  get(tenantId: string, id: string, version: number): string | undefined;
  /** Caches `body` read at `version` and returns it. Bodies larger than an eighth of the budget are not kept. */
  set(tenantId: string, id: string, version: number, body: string): string;
  /** Forgets everything (tests, and a store swap such as a restore). */
  clear(): void;
  stats(): ReadCacheStats;
}

/** Bookkeeping per entry beyond its body: the key string, the entry object and the map slot. */
const entryOverhead = 160;

/** Creates a cache holding at most about `maxBytes` of answers. */
export function createReadCache(maxBytes: number): ReadCache {
  // A Map iterates in insertion order; re-inserting on a hit makes its first key the least recently used.
  const entries = new Map<string, Entry>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;
  const largest = Math.floor(maxBytes / 8);

  function evict(entry: Entry): void {
    entries.delete(entry.key);
    bytes -= entry.bytes;
  }

  return {
    get(tenantId, id, version) {
      if (maxBytes === 0) return undefined;
      const key = tenantId + id;
      const entry = entries.get(key);
      if (entry === undefined || entry.version !== version) {
        misses++;
        return undefined;
      }
      hits++;
      entries.delete(key);
      entries.set(key, entry);
      return entry.body;
    },
    set(tenantId, id, version, body) {
      const size = body.length + entryOverhead;
      if (maxBytes === 0 || size > largest) return body;
      const key = tenantId + id;
      const old = entries.get(key);
      if (old) evict(old);
      entries.set(key, { key, body, version, bytes: size });
      bytes += size;
      for (const oldest of entries.values()) {
        if (bytes <= maxBytes) break;
        evict(oldest);
      }
      return body;
    },
    clear() {
      entries.clear();
      bytes = 0;
    },
    stats: () => ({ hits, misses, entries: entries.size, bytes, maxBytes }),
  };
}
