/** @module Worker-thread entry: exact vector searches on the worker's own store connection, one at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import { type ExactRequest, exactOnReader, readerFor } from './exact.js';
import type { VectorSource } from './reader.js';

const { source } = workerData as { source: VectorSource };
const readers = readerFor(source);
let queue = Promise.resolve();

parentPort?.on('message', (message: ExactRequest & { request: number }) => {
  queue = queue.then(async () => {
    try {
      const hits = await readers.run(message.scope.tenantId, (reader) => exactOnReader(reader, message));
      parentPort?.postMessage({ request: message.request, hits });
    } catch (error) {
      parentPort?.postMessage({ request: message.request, error: (error as Error).message });
    }
  });
});
