/**
 * @module Bulk loading for the memory benchmark at a million memories: the rows the memory service writes (the
 * memory's source and the memory row through `insertMemory`, and through the triggers its full-text rows) inserted
 * thousands to a transaction, without the service's per-memory checks, events and queued work. For building large stores fast, not for timing writes.
 */
import { newId } from '../src/core/ids.js';
import { prepareMemory } from '../src/memory/kinds.js';
import { insertMemory } from '../src/memory/rows.js';
import type { Store } from '../src/store/index.js';

/** Memories per transaction. */
const batch = 5000;

/**
 * Inserts `count` memories made by `input` (content must be unique: duplicates are not checked) for the tenant, and
 * reports progress every 100,000. `onMemory` sees each input with its kind, e.g. to keep mistakes' messages for queries.
 */
export async function fastLoad(
  store: Store,
  tenantId: string,
  count: number,
  input: () => Record<string, unknown>,
  onMemory: (input: Record<string, unknown>) => void = () => {},
): Promise<void> {
  const started = performance.now();
  for (let done = 0; done < count;) {
    const size = Math.min(batch, count - done);
    await store.transaction({ tenantId }, async (tx) => {
      const now = new Date().toISOString();
      for (let index = 0; index < size; index++) {
        const raw = input();
        const memory = prepareMemory(raw as never);
        // The memory's source row and the memory row (its creation events are not written: no one listens here).
        await insertMemory(tx, tenantId, newId(), memory, now);
        onMemory(raw);
      }
    });
    const before = done;
    done += size;
    if (Math.floor(done / 100_000) > Math.floor(before / 100_000))
      console.log(`  ${done.toLocaleString('en')} loaded (${Math.round((done / (performance.now() - started)) * 1000)}/s)`);
  }
}
