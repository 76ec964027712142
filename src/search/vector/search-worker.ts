/** @module Worker-thread entry: holds the shared memories of the indexes it was given and runs its part of each search. */
import { parentPort, workerData } from 'node:worker_threads';
import { kernelsFor, type WasmMemory } from './kernels.js';
import { type IndexLayout, viewsOf } from './layout.js';
import { type ScanRequest, type WorkerIndex, scan } from './scan.js';

/** Messages from the pool. */
export type SearchWorkerMessage =
  | { type: 'register'; index: number; memory: WasmMemory; layout: IndexLayout }
  | { type: 'drop'; index: number }
  | { type: 'scan'; request: number; index: number; scan: ScanRequest };

/** Replies: a scan's result, or its error. */
export type SearchWorkerReply = { request: number; slots: Float64Array; scores: Float64Array; scanned: number } | { request: number; error: string };

const { worker } = workerData as { worker: number };
const indexes = new Map<number, WorkerIndex>();

parentPort?.on('message', (message: SearchWorkerMessage) => {
  if (message.type === 'register') {
    indexes.set(message.index, {
      layout: message.layout,
      memory: message.memory,
      kernels: kernelsFor(message.memory),
      views: viewsOf(message.memory, message.layout),
    });
    return;
  }
  if (message.type === 'drop') {
    indexes.delete(message.index);
    return;
  }
  const index = indexes.get(message.index);
  if (!index) {
    parentPort?.postMessage({ request: message.request, error: `Index ${message.index} is not registered` } satisfies SearchWorkerReply);
    return;
  }
  try {
    const result = scan(index, message.scan, worker);
    parentPort?.postMessage({ request: message.request, ...result } satisfies SearchWorkerReply, [
      result.slots.buffer as ArrayBuffer,
      result.scores.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    parentPort?.postMessage({ request: message.request, error: (error as Error).message } satisfies SearchWorkerReply);
  }
});
