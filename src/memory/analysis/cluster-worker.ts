/** @module Worker-thread entry: clusters the texts it is given (see similarity.ts) and posts the clusters back. */
import { parentPort, workerData } from 'node:worker_threads';
import { type ClusterItem, type ClusterOptions, cluster } from './similarity.js';

const { items, options } = workerData as { items: ClusterItem[]; options: ClusterOptions };
try {
  parentPort?.postMessage({ clusters: cluster(items, options) });
} catch (error) {
  parentPort?.postMessage({ error: (error as Error).message });
}
