/** @module Helper thread entry: runs its share of a kernel (PageRank, betweenness) over the shared memory the caller posts. */
import { parentPort } from 'node:worker_threads';
import { type BetweennessTask, runBetweennessShare } from './betweenness.js';
import { type PageRankTask, runPageRankShare } from './pagerank.js';

/** A share of work for a helper thread. */
export type KernelMessage = { kind: 'pagerank'; task: PageRankTask; thread: number } | { kind: 'betweenness'; task: BetweennessTask; thread: number };

parentPort?.on('message', (message: KernelMessage) => {
  if (message.kind === 'pagerank') runPageRankShare(message.task, message.thread);
  else runBetweennessShare(message.task, message.thread);
});
parentPort?.postMessage('ready');
