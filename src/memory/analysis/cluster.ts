/** @module Clustering memory texts in a worker thread, so a run over 100,000 memories never blocks the event loop. */
import { startWorker } from '../../core/workers.js';
import type { Cluster, ClusterItem, ClusterOptions } from './similarity.js';

/**
 * Clusters `items` in a worker thread of its own (one per run: runs are minutes apart); aborting `signal` ends it.
 * @example
 * const clusters = await clusterInWorker([{ group: 'mistake', text: 'ECONNREFUSED 127.0.0.1:5432' }], { threshold: 0.5, verify: 'estimate' });
 */
export function clusterInWorker(items: readonly ClusterItem[], options: ClusterOptions, signal?: AbortSignal): Promise<Cluster[]> {
  if (items.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const worker = startWorker(import.meta.url, 'cluster-worker', { items, options });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      fn();
      void worker.terminate();
    };
    const abort = () => settle(() => reject(signal?.reason ?? new Error('aborted')));
    signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (message: { clusters?: Cluster[]; error?: string }) =>
      settle(() => (message.clusters ? resolve(message.clusters) : reject(new Error(`Clustering failed: ${message.error}`)))),
    );
    worker.once('error', (error) => settle(() => reject(error)));
    worker.once('exit', (code) => settle(() => reject(new Error(`The clustering worker exited with code ${code} before answering`))));
  });
}
