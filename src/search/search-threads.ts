/**
 * @module Search on SQLite in worker threads (search-worker.ts): each request goes to the thread with the fewest in
 * flight; the main thread answers the threads' calls to the vector signal. A thread that dies fails its requests and
 * is replaced.
 */
import type { Worker } from 'node:worker_threads';
import { type PostedError, postedError, startWorker, toTrellisError } from '../core/workers.js';
import type { SearchRequest, SearchResponse, SearchService, VectorSignal } from './index.js';
import type { HitKind, SearchFilter, VectorHit } from './types.js';

/** What a search thread starts with. */
export interface SearchWorkerData {
  /** The SQLite database file, opened read-only. */
  file: string;
}

/** Messages to a search thread: a request, or the answer to one of its calls. */
export type ToSearchWorker =
  | { type: 'search'; id: number; tenantId: string; request: SearchRequest; embedderId: string | null }
  | { type: 'reply'; call: number; value?: unknown; error?: PostedError };

/** Messages from a search thread: a finished request, or a call to the vector signal. */
export type FromSearchWorker =
  | { type: 'done'; id: number; response?: SearchResponse; error?: PostedError }
  | { type: 'embed'; call: number; query: string }
  | {
      type: 'vector';
      call: number;
      tenantId: string;
      embedderId: string;
      vector: Float32Array;
      options: { kind: HitKind; limit: number; filter: SearchFilter };
    };

/** Search threads as a {@link SearchService}. */
export interface SearchThreads extends SearchService {
  readonly size: number;
}

interface Thread {
  worker: Worker;
  inFlight: Map<number, { resolve(response: SearchResponse): void; reject(error: Error): void }>;
}

/**
 * Starts `threads` search threads over the SQLite file (lazily, at the first search).
 * @example
 * const search = createSearchThreads({ file: store.location, threads: 2, vectors });
 * const { results } = await search.search(tenantId, request);
 */
export function createSearchThreads(options: { file: string; threads: number; vectors: VectorSignal | null }): SearchThreads {
  const { file, vectors } = options;
  const size = Math.max(1, options.threads);
  const threads: Thread[] = [];
  let nextId = 0;
  let closed = false;

  async function answer(thread: Thread, message: Exclude<FromSearchWorker, { type: 'done' }>): Promise<void> {
    let reply: ToSearchWorker;
    try {
      if (!vectors) throw new Error('No vector signal');
      const value =
        message.type === 'embed'
          ? await vectors.embedQuery(message.query)
          : ((await vectors.search(message.tenantId, message.embedderId, message.vector, message.options)) satisfies VectorHit[]);
      reply = { type: 'reply', call: message.call, value };
    } catch (error) {
      reply = { type: 'reply', call: message.call, error: postedError(error) };
    }
    if (!closed) thread.worker.postMessage(reply);
  }

  function launch(slot: number): Thread {
    const worker = startWorker(import.meta.url, 'search-worker', { file } satisfies SearchWorkerData);
    const thread: Thread = { worker, inFlight: new Map() };
    worker.on('message', (message: FromSearchWorker) => {
      if (message.type !== 'done') {
        void answer(thread, message);
        return;
      }
      const waiting = thread.inFlight.get(message.id);
      if (!waiting) return;
      thread.inFlight.delete(message.id);
      if (thread.inFlight.size === 0) worker.unref();
      if (message.error) waiting.reject(toTrellisError(message.error));
      else waiting.resolve(message.response as SearchResponse);
    });
    worker.on('error', (error) => process.emitWarning(`Search thread ${slot} failed: ${error.message}`));
    worker.on('exit', () => {
      if (closed || threads[slot] !== thread) return;
      for (const waiting of thread.inFlight.values()) waiting.reject(new Error('A search thread stopped; try again'));
      threads[slot] = launch(slot);
    });
    // Idle threads must not keep a CLI or test process alive; a thread with requests in flight must (refs come and go with the requests).
    // After the listeners: attaching a 'message' listener refs the worker again.
    worker.unref();
    return thread;
  }

  function leastBusy(): Thread {
    if (threads.length === 0) for (let slot = 0; slot < size; slot++) threads.push(launch(slot));
    let best = threads[0] as Thread;
    for (const thread of threads) if (thread.inFlight.size < best.inFlight.size) best = thread;
    return best;
  }

  return {
    size,
    search(tenantId, request) {
      if (closed) return Promise.reject(new Error('The search threads are closed'));
      const thread = leastBusy();
      const id = nextId++;
      return new Promise<SearchResponse>((resolve, reject) => {
        if (thread.inFlight.size === 0) thread.worker.ref();
        thread.inFlight.set(id, { resolve, reject });
        thread.worker.postMessage({ type: 'search', id, tenantId, request, embedderId: vectors ? vectors.embedderId() : null } satisfies ToSearchWorker);
      });
    },
    async close() {
      closed = true;
      for (const thread of threads) for (const waiting of thread.inFlight.values()) waiting.reject(new Error('The search threads are closed'));
      await Promise.all(threads.map((thread) => thread.worker.terminate()));
      threads.length = 0;
    },
  };
}
