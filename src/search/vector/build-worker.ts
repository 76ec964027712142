/** @module Worker-thread entry: builds one in-memory vector index off the event loop and posts it back (the memory is shared, not copied). */
import { parentPort, workerData } from 'node:worker_threads';
import { type BuildRequest, buildIndex } from './build.js';

try {
  const started = performance.now();
  const result = await buildIndex(workerData as BuildRequest);
  parentPort?.postMessage({ ...result, milliseconds: performance.now() - started });
} catch (error) {
  parentPort?.postMessage({ error: (error as Error).message });
}
