/** @module Worker-thread entry: builds one in-memory vector index off the event loop and posts it back (the memory is shared, not copied). */
import { parentPort, workerData } from 'node:worker_threads';
import { type BuildRequest, buildIndex } from './build.js';

try {
  const started = performance.now();
  const result = await buildIndex(workerData as BuildRequest);
  // The seqs are moved, not copied: a million of them would otherwise be cloned on the event loop.
  const transfer = 'index' in result ? [result.index.sortedSeqs.buffer as ArrayBuffer] : [];
  parentPort?.postMessage({ ...result, milliseconds: performance.now() - started }, transfer);
} catch (error) {
  parentPort?.postMessage({ error: (error as Error).message });
}
