/**
 * @module Helper threads for the kernels that split over shared memory. The calling thread runs share 0 itself and
 * blocks on the kernel's barrier; helpers run the other shares. Use it from a worker thread, never on a server's
 * event loop.
 */
import type { Worker } from 'node:worker_threads';
import { type BetweennessTask, awaitBetweenness, runBetweennessShare } from './betweenness.js';
import type { KernelMessage } from './kernel-worker.js';
import { type PageRankOutcome, type PageRankTask, runPageRankShare } from './pagerank.js';
import { startWorker } from '../../core/workers.js';

/** A team of threads: this one and `size - 1` helpers. */
export interface KernelThreads {
  readonly size: number;
  /** Runs every share of a prepared PageRank task (prepared for at most `size` threads). */
  pageRank(task: PageRankTask): PageRankOutcome;
  /** Runs every share of a prepared betweenness task. */
  betweenness(task: BetweennessTask): void;
  close(): Promise<void>;
}

/**
 * Starts `size - 1` helper threads and resolves once each has loaded (a kernel blocks this thread, so a helper that
 * is still starting must not be waited on from inside one).
 * @example
 * const threads = await startKernelThreads(2);
 * const outcome = threads.pageRank(preparePageRank(graph, params, threads.size));
 */
export async function startKernelThreads(size: number): Promise<KernelThreads> {
  const helpers: Worker[] = [];
  try {
    for (let index = 1; index < size; index++) {
      const helper = startWorker(import.meta.url, 'kernel-worker', null);
      helpers.push(helper);
      await new Promise<void>((resolve, reject) => {
        helper.once('message', () => resolve());
        helper.once('error', reject);
        helper.once('exit', (code) => reject(new Error(`A kernel thread exited with code ${code} while starting`)));
      });
      helper.removeAllListeners('error');
      helper.removeAllListeners('exit');
      helper.unref();
    }
  } catch (error) {
    await Promise.all(helpers.map((helper) => helper.terminate()));
    throw error;
  }
  const post = (message: KernelMessage) => (helpers[message.thread - 1] as Worker).postMessage(message);
  return {
    size: helpers.length + 1,
    pageRank(task) {
      for (let thread = 1; thread < task.threads; thread++) post({ kind: 'pagerank', task, thread });
      return runPageRankShare(task, 0);
    },
    betweenness(task) {
      for (let thread = 1; thread < task.threads; thread++) post({ kind: 'betweenness', task, thread });
      runBetweennessShare(task, 0);
      awaitBetweenness(task);
    },
    async close() {
      await Promise.all(helpers.map((helper) => helper.terminate()));
    },
  };
}
