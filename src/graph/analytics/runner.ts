/**
 * @module Runs analytics in worker threads, one run at a time per lane. Two lanes, so a small inline request never
 * waits behind a long job; each lane keeps its worker (and its helper threads) between runs and closes it when idle.
 * Aborting a run terminates its worker.
 */
import type { Worker } from 'node:worker_threads';
import { type ErrorCode, TrellisError } from '../../core/errors.js';
import type { WorkerAnswer, WorkerFailure, WorkerRequest } from './analytics-worker.js';
import { startWorker } from '../../core/workers.js';

/** Where a run is queued: `inline` for requests answered at once, `job` for background jobs and the CLI. */
export type Lane = 'inline' | 'job';

/** Runs analytics off the calling thread. */
export interface AnalyticsRunner {
  /** Queues a run on a lane; rejects with the run's error (a TrellisError keeps its code) or the signal's reason. */
  run(request: Omit<WorkerRequest, 'id'>, options: { lane: Lane; signal?: AbortSignal }): Promise<WorkerAnswer>;
  /** Terminates the workers; queued and running runs reject. */
  close(): Promise<void>;
}

/** Options of {@link createAnalyticsRunner}. */
export interface RunnerOptions {
  /** Threads a run may use (the worker itself and helpers). */
  threads: number;
  /** A lane's worker is closed after this long without a run, in ms. */
  idleMs: number;
}

interface Pending {
  id: number;
  request: Omit<WorkerRequest, 'id'>;
  signal: AbortSignal | undefined;
  resolve(answer: WorkerAnswer): void;
  reject(error: unknown): void;
}

interface LaneState {
  worker: Worker | null;
  queue: Pending[];
  busy: Pending | null;
  idle: NodeJS.Timeout | null;
}

function failureError(failure: WorkerFailure): Error {
  const { message, code, details } = failure.error;
  return code ? new TrellisError(code as ErrorCode, message, details) : new Error(message);
}

const abortReason = (signal: AbortSignal) => (signal.reason instanceof Error ? signal.reason : new Error('The analytics run was aborted'));

/**
 * The runner of one process.
 * @example
 * const runner = createAnalyticsRunner({ threads: 2, idleMs: 60_000 });
 * const answer = await runner.run({ source, tenantId, maxRelations, algorithm: 'pagerank', params }, { lane: 'inline' });
 */
export function createAnalyticsRunner(options: RunnerOptions): AnalyticsRunner {
  const lanes: Record<Lane, LaneState> = {
    inline: { worker: null, queue: [], busy: null, idle: null },
    job: { worker: null, queue: [], busy: null, idle: null },
  };
  let nextId = 1;
  let closed = false;

  function stopWorker(lane: LaneState): void {
    const worker = lane.worker;
    lane.worker = null;
    if (worker) {
      worker.removeAllListeners();
      // A terminated worker may still report an error; nobody listens any more.
      worker.on('error', () => {});
      void worker.terminate();
    }
  }

  function finish(lane: LaneState, settle: (pending: Pending) => void): void {
    const pending = lane.busy;
    lane.busy = null;
    if (pending) settle(pending);
    pump(lane);
  }

  function workerOf(lane: LaneState): Worker {
    if (lane.worker) return lane.worker;
    const worker = startWorker(import.meta.url, 'analytics-worker', { threads: options.threads });
    worker.unref();
    worker.on('message', (message: WorkerAnswer | WorkerFailure) => {
      if (lane.busy?.id !== message.id) return;
      finish(lane, (pending) => ('error' in message ? pending.reject(failureError(message)) : pending.resolve(message)));
    });
    worker.on('error', (error) => {
      stopWorker(lane);
      finish(lane, (pending) => pending.reject(error));
    });
    worker.on('exit', (code) => {
      if (lane.worker !== worker) return;
      lane.worker = null;
      finish(lane, (pending) => pending.reject(new Error(`The analytics worker exited with code ${code}`)));
    });
    lane.worker = worker;
    return worker;
  }

  function pump(lane: LaneState): void {
    if (lane.busy || closed) return;
    const next = lane.queue.shift();
    if (!next) {
      if (lane.worker && !lane.idle) {
        lane.idle = setTimeout(() => {
          lane.idle = null;
          if (!lane.busy) stopWorker(lane);
        }, options.idleMs);
        lane.idle.unref();
      }
      return;
    }
    if (lane.idle) {
      clearTimeout(lane.idle);
      lane.idle = null;
    }
    if (next.signal?.aborted) {
      next.reject(abortReason(next.signal));
      pump(lane);
      return;
    }
    lane.busy = next;
    workerOf(lane).postMessage({ ...next.request, id: next.id } satisfies WorkerRequest);
  }

  return {
    run(request, { lane: name, signal }) {
      if (closed) return Promise.reject(new Error('The analytics runner is closed'));
      const lane = lanes[name];
      return new Promise<WorkerAnswer>((resolve, reject) => {
        const pending: Pending = { id: nextId++, request, signal, resolve, reject };
        signal?.addEventListener(
          'abort',
          () => {
            if (lane.busy === pending) {
              // The kernel does not look at messages while it runs: stop the thread itself.
              stopWorker(lane);
              finish(lane, (held) => held.reject(abortReason(signal)));
            } else {
              const index = lane.queue.indexOf(pending);
              if (index >= 0) {
                lane.queue.splice(index, 1);
                reject(abortReason(signal));
              }
            }
          },
          { once: true },
        );
        lane.queue.push(pending);
        pump(lane);
      });
    },

    async close() {
      closed = true;
      for (const lane of Object.values(lanes)) {
        if (lane.idle) clearTimeout(lane.idle);
        const waiting = [...(lane.busy ? [lane.busy] : []), ...lane.queue];
        lane.busy = null;
        lane.queue = [];
        stopWorker(lane);
        for (const pending of waiting) pending.reject(new Error('The analytics runner is closed'));
      }
    },
  };
}
