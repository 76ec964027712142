/** @module The built-in embedder in a pool of worker threads, so bulk embedding never blocks the event loop. */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/workers.js';
import type { Embedder } from '../types.js';
import { builtinEmbedderId, builtinOptions, checkBuiltinOptions } from './builtin-embedder.js';
import type { FeatureHashingOptions } from './feature-hashing.js';
import type { EmbedRequest, EmbedResponse } from './worker.js';

/** Texts sent to a worker in one message: small enough to share a batch over every worker, large enough to amortise the message. */
const textsPerMessage = 256;

/** An {@link Embedder} backed by worker threads; `close()` ends them. */
export interface EmbedderPool extends Embedder {
  /** Workers in the pool. */
  readonly size: number;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (vectors: Float32Array) => void; reject: (error: Error) => void }>;
}

/**
 * Starts `size` workers (default: available cores − 1, at least 1) running the built-in embedder. A batch is split
 * over the workers in slices of at most 256 texts; each slice goes to the least busy worker. A worker that dies is
 * replaced, and the slices it held fail.
 * @example
 * const pool = createEmbedderPool(builtinOptions(384));
 * const vectors = await pool.embed(passages);
 * await pool.close();
 */
export function createEmbedderPool(options: FeatureHashingOptions = builtinOptions(), size = Math.max(1, availableParallelism() - 1)): EmbedderPool {
  checkBuiltinOptions(options);
  const dimensions = options.dimensions;
  let closed = false;
  const start = (): Slot => {
    const slot: Slot = { worker: startWorker(import.meta.url, 'worker', { options }), pending: new Map() };
    slot.worker.on('message', (message: EmbedResponse) => {
      const job = slot.pending.get(message.id);
      slot.pending.delete(message.id);
      if ('error' in message) job?.reject(new Error(`Embedding worker failed: ${message.error}`));
      else job?.resolve(message.vectors);
    });
    const fail = (error: Error) => {
      for (const job of slot.pending.values()) job.reject(error);
      slot.pending.clear();
      if (!closed) slots[slots.indexOf(slot)] = start();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => {
      if (!closed) fail(new Error(`Embedding worker exited with code ${code}`));
    });
    return slot;
  };
  const slots: Slot[] = Array.from({ length: Math.max(1, size) }, start);
  let nextId = 0;
  const send = (texts: string[]): Promise<Float32Array> => {
    const slot = slots.reduce((least, candidate) => (candidate.pending.size < least.pending.size ? candidate : least));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, texts } satisfies EmbedRequest);
    });
  };
  return {
    id: builtinEmbedderId(options),
    dimensions,
    size: slots.length,
    async embed(texts) {
      if (closed) throw new Error('The embedder pool is closed');
      if (texts.length === 0) return [];
      const slice = Math.max(1, Math.min(textsPerMessage, Math.ceil(texts.length / slots.length)));
      const parts: Promise<Float32Array>[] = [];
      for (let from = 0; from < texts.length; from += slice) parts.push(send(texts.slice(from, from + slice) as string[]));
      const vectors: Float32Array[] = [];
      for (const block of await Promise.all(parts)) {
        for (let at = 0; at < block.length; at += dimensions) vectors.push(block.subarray(at, at + dimensions));
      }
      return vectors;
    },
    async close() {
      closed = true;
      await Promise.all(slots.map(({ worker }) => worker.terminate()));
    },
  };
}
