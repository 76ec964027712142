/**
 * @module Write-back: each entity's main value stored as an entity property through the graph service (merge patch,
 * tenant-scoped, one `entity.bulk_updated` event per batch), in batches small enough that no transaction holds the
 * writer (or, on SQLite, the event loop) for long.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { GraphService } from '../index.js';
import type { AnalyticsResult, WriteBackSummary } from './table.js';

/**
 * Entities per transaction. The rate hardly depends on it (about 80,000 entities/s on SQLite for 1,000, 5,000 or
 * 20,000, measured on 200k entities), the stall does: the longest event-loop delay was 58 ms at 1,000 and 161 ms at
 * 5,000.
 */
export const writeBackBatchSize = 1000;

/** Options of {@link writeBack}. */
export interface WriteBackOptions {
  signal?: AbortSignal;
  /** Told after each batch. */
  onProgress?: (written: number, total: number) => void;
}

/**
 * Writes `result`'s main value of every row into the entity's properties under `property`. Entities deleted since
 * the snapshot are skipped and counted as missing. Batches already written stay written if a later one fails or the
 * signal aborts (each value is final on its own; running again rewrites them all).
 */
export async function writeBack(
  graph: GraphService,
  tenantId: string,
  result: AnalyticsResult,
  property: string,
  options: WriteBackOptions = {},
): Promise<WriteBackSummary> {
  const started = performance.now();
  const { ids, values } = result.mainValues();
  let updated = 0;
  let missing = 0;
  for (let first = 0; first < ids.length; first += writeBackBatchSize) {
    options.signal?.throwIfAborted();
    const end = Math.min(ids.length, first + writeBackBatchSize);
    const updates = [];
    for (let row = first; row < end; row++) updates.push({ id: ids[row] as string, properties: { [property]: values[row] as number } });
    const outcome = await graph.setEntityProperties(tenantId, updates);
    updated += outcome.updated;
    missing += outcome.missing.length;
    options.onProgress?.(end, ids.length);
    // Let requests in between batches (a SQLite write runs on this thread).
    await yieldToEventLoop();
  }
  return { property, updated, missing, milliseconds: performance.now() - started };
}
