/** @module Worker-thread entry: builds one tenant's projection off the event loop and hands the typed arrays back as transferables. */
import { parentPort, workerData } from 'node:worker_threads';
import { type ProjectionSource, buildProjection } from './projection-build.js';
import { typedArraysOf } from './projection-data.js';

const { source, tenantId, maxRelations } = workerData as { source: ProjectionSource; tenantId: string; maxRelations: number };

try {
  const started = performance.now();
  const result = await buildProjection(source, tenantId, maxRelations);
  const transfer = 'arrays' in result ? typedArraysOf(result.arrays).map((array) => array.buffer as ArrayBuffer) : [];
  parentPort?.postMessage({ ...result, milliseconds: performance.now() - started }, transfer);
} catch (error) {
  parentPort?.postMessage({ error: (error as Error).message });
}
