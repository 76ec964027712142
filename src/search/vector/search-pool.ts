/**
 * @module The search workers: each holds every index's shared memory and scores its part of a query, so a large
 * scan is split over the cores and the event loop only merges the candidates.
 */
import type { Worker } from 'node:worker_threads';
import type { WasmMemory } from './kernels.js';
import type { IndexLayout } from './layout.js';
import type { ScanRequest, ScanResult } from './scan.js';
import type { SearchWorkerMessage, SearchWorkerReply } from './search-worker.js';
import { startWorker } from '../../core/workers.js';

export interface SearchPool {
  readonly size: number;
  register(index: number, memory: WasmMemory, layout: IndexLayout): void;
  drop(index: number): void;
  /** Scans with `parts` workers (1 … size) and merges their candidates, best first. */
  scan(index: number, request: Omit<ScanRequest, 'part' | 'parts'>, parts: number): Promise<ScanResult>;
  close(): Promise<void>;
}

interface Pending {
  resolve(result: ScanResult): void;
  reject(error: Error): void;
}

/** Starts `size` search workers (lazily, on the first registration). */
export function createSearchPool(size: number): SearchPool {
  const workers: Worker[] = [];
  const pending = new Map<number, Pending>();
  /** Which worker each pending request went to. */
  const owner = new Map<number, Worker>();
  const registered = new Map<number, { memory: WasmMemory; layout: IndexLayout }>();
  let nextRequest = 0;
  let nextWorker = 0;
  let closed = false;

  /** Starts worker `number` and gives it every registered index; a worker that dies is replaced the same way. */
  function launch(number: number): Worker {
    const worker = startWorker(import.meta.url, 'search-worker', { worker: number });
    worker.unref();
    worker.on('message', (reply: SearchWorkerReply) => {
      const waiting = pending.get(reply.request);
      if (!waiting) return;
      pending.delete(reply.request);
      if ('error' in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply);
    });
    worker.on('error', (error) => process.emitWarning(`Vector search worker ${number} failed: ${error.message}`));
    worker.on('exit', () => {
      if (closed || workers[number] !== worker) return;
      // Searches it held fail (the caller sees an error); the next ones go to its replacement.
      for (const [id, waiting] of pending) {
        if (owner.get(id) !== worker) continue;
        pending.delete(id);
        waiting.reject(new Error('A vector search worker stopped'));
      }
      workers[number] = launch(number);
    });
    for (const [index, { memory, layout }] of registered) worker.postMessage({ type: 'register', index, memory, layout } satisfies SearchWorkerMessage);
    return worker;
  }

  function start(): void {
    if (workers.length > 0 || closed) return;
    for (let number = 0; number < size; number++) workers.push(launch(number));
  }

  function post(worker: Worker, message: SearchWorkerMessage): void {
    worker.postMessage(message);
  }

  function ask(worker: Worker, index: number, request: ScanRequest): Promise<ScanResult> {
    return new Promise((resolve, reject) => {
      const id = nextRequest++;
      pending.set(id, {
        resolve: (result) => {
          owner.delete(id);
          resolve(result);
        },
        reject: (error) => {
          owner.delete(id);
          reject(error);
        },
      });
      owner.set(id, worker);
      post(worker, { type: 'scan', request: id, index, scan: request });
    });
  }

  return {
    size,
    register(index, memory, layout) {
      registered.set(index, { memory, layout });
      if (workers.length === 0) start();
      else for (const worker of workers) post(worker, { type: 'register', index, memory, layout });
    },
    drop(index) {
      registered.delete(index);
      for (const worker of workers) post(worker, { type: 'drop', index });
    },
    async scan(index, request, parts) {
      if (closed) throw new Error('The vector search pool is closed');
      const count = Math.max(1, Math.min(parts, workers.length));
      const first = nextWorker;
      nextWorker = (nextWorker + count) % workers.length;
      const results = await Promise.all(
        Array.from({ length: count }, (_, part) => ask(workers[(first + part) % workers.length] as Worker, index, { ...request, part, parts: count })),
      );
      if (results.length === 1) return results[0] as ScanResult;
      const merged: { slot: number; score: number }[] = [];
      let scanned = 0;
      for (const result of results) {
        scanned += result.scanned;
        for (let at = 0; at < result.slots.length; at++) merged.push({ slot: result.slots[at] as number, score: result.scores[at] as number });
      }
      merged.sort((a, b) => b.score - a.score || a.slot - b.slot);
      const kept = merged.slice(0, request.keep);
      return { slots: Float64Array.from(kept, (item) => item.slot), scores: Float64Array.from(kept, (item) => item.score), scanned };
    },
    async close() {
      closed = true;
      for (const waiting of pending.values()) waiting.reject(new Error('The vector search pool is closed'));
      pending.clear();
      await Promise.all(workers.map((worker) => worker.terminate()));
      workers.length = 0;
    },
  };
}
