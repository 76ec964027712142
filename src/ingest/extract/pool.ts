/** @module A small pool of worker threads running the chunker and the built-in extractor, so neither blocks the event loop. */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ChunkOptions } from '../chunk.js';
import type { PreparedDocument } from '../resolve/document.js';
import type { ChunkDraft, DocumentInfo, Extraction, ExtractionContext, Extractor, TextBlock } from '../types.js';
import type { ExtractionSchema } from '../schema.js';
import { builtinExtractorName, builtinExtractorVersion } from './builtin-extractor.js';

interface Pending {
  resolve: (result: never) => void;
  reject: (error: Error) => void;
}

/** An `Extractor` backed by N workers; requests go to the least busy worker. Call `close()` when done. */
export interface ExtractorPool extends Extractor {
  /** A whole document's chunking, extraction and resolution (`resolveDocument`) in one worker: the CPU work of a document off this thread. */
  prepare(blocks: readonly TextBlock[], options: ChunkOptions, info: DocumentInfo): Promise<PreparedDocument>;
  close(): Promise<void>;
}

/**
 * Starts `size` workers (default: available cores − 1, at least 1), each with the schema compiled once.
 * @example
 * const pool = createExtractorPool(defaultSchema(), 2);
 * const extractions = await pool.extract(chunks, { document });
 * await pool.close();
 */
export function createExtractorPool(schema: ExtractionSchema, size = Math.max(1, availableParallelism() - 1)): ExtractorPool {
  const workers = Array.from({ length: size }, () => {
    const worker = startWorker({ schema });
    const pending = new Map<number, Pending>();
    worker.on('message', (message: { id: number; result?: never; error?: string }) => {
      const job = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) job?.reject(new Error(message.error));
      else job?.resolve(message.result!);
    });
    worker.on('error', (error) => {
      for (const job of pending.values()) job.reject(error);
      pending.clear();
    });
    return { worker, pending };
  });
  let nextId = 0;
  const request = <T>(message: { texts: string[] } | { blocks: readonly TextBlock[]; options: ChunkOptions; info: DocumentInfo }): Promise<T> => {
    const slot = workers.reduce((least, candidate) => (candidate.pending.size < least.pending.size ? candidate : least));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (result: never) => void, reject });
      slot.worker.postMessage({ id, ...message });
    });
  };
  return {
    name: builtinExtractorName,
    version: builtinExtractorVersion,
    extract(chunks: readonly ChunkDraft[], context: ExtractionContext): Promise<Extraction[]> {
      context.signal?.throwIfAborted();
      return request({ texts: chunks.map((chunk) => chunk.text) });
    },
    prepare(blocks: readonly TextBlock[], options: ChunkOptions, info: DocumentInfo): Promise<PreparedDocument> {
      return request({ blocks, options, info });
    },
    async close(): Promise<void> {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
    },
  };
}

/**
 * Starts one worker. The built package runs the compiled .js; from sources (tsx) the worker registers tsx itself,
 * because Node 20 does not carry `--import` loader hooks into worker threads (as `src/graph/projection.ts` does).
 */
function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), { workerData });
  const entry = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
