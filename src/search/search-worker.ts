/**
 * @module Worker-thread entry of search on SQLite: the full-text query, the graph signal's reads and the hydration of
 * results run here, on a read-only connection of its own, so the event loop only routes requests and the vector
 * signal. The vector signal stays with the main thread (the index and its catch-up live there): the worker asks it
 * by message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { postedError, toTrellisError } from '../core/workers.js';
import { createGraphService } from '../graph/index.js';
import { openSqliteStore } from '../store/sqlite.js';
import { createMemoryReader, createSearchService, type SearchRequest, type VectorSignal } from './index.js';
import { createTextSearch } from './text/index.js';
import type { FromSearchWorker, SearchWorkerData, ToSearchWorker } from './search-threads.js';

const { file } = workerData as SearchWorkerData;
const port = parentPort;
if (!port) throw new Error('search-worker runs in a worker thread');
const store = openSqliteStore({ file, readOnly: true });
const graph = createGraphService(store);
const text = createTextSearch(store);
const memories = createMemoryReader(store);

const calls = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
let nextCall = 0;

/** A call to the main thread before it is numbered. */
type Call = Exclude<FromSearchWorker, { type: 'done' }> extends infer M ? (M extends unknown ? Omit<M, 'call'> : never) : never;

/** Asks the main thread's vector signal. */
function callMain<T>(message: Call): Promise<T> {
  return new Promise((resolve, reject) => {
    const call = nextCall++;
    calls.set(call, { resolve: resolve as (value: unknown) => void, reject });
    port?.postMessage({ ...message, call } as FromSearchWorker);
  });
}

/** The vector signal of one request: the embedder the main thread named when it sent the request. */
function vectorsFor(embedderId: string): VectorSignal {
  return {
    embedderId: () => embedderId,
    embedQuery: (query) => callMain({ type: 'embed', query }),
    search: (tenantId, embedder, vector, options) => callMain({ type: 'vector', tenantId, embedderId: embedder, vector, options }),
  };
}

async function search(id: number, tenantId: string, request: SearchRequest, embedderId: string | null): Promise<void> {
  try {
    const service = createSearchService({ graph, text, memories, vectors: embedderId === null ? null : vectorsFor(embedderId) });
    port?.postMessage({ type: 'done', id, response: await service.search(tenantId, request) } satisfies FromSearchWorker);
  } catch (error) {
    port?.postMessage({ type: 'done', id, error: postedError(error) } satisfies FromSearchWorker);
  }
}

port.on('message', (message: ToSearchWorker) => {
  if (message.type === 'search') {
    void search(message.id, message.tenantId, message.request, message.embedderId);
    return;
  }
  const waiting = calls.get(message.call);
  if (!waiting) return;
  calls.delete(message.call);
  if (message.error) waiting.reject(toTrellisError(message.error));
  else waiting.resolve(message.value);
});
