/** @module A small pool of worker threads running the chunker and the built-in extractor, so neither blocks the event loop. */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/workers.js';
import type { ChunkOptions } from '../chunk.js';
import type { PreparedDocument } from '../resolve/document.js';
import { type ErrorCode, TrellisError } from '../../core/errors.js';
import type { ChunkDraft, DocumentInfo, Extraction, ExtractionContext, Extractor, SourceKind } from '../types.js';
import type { ExtractionSchema } from '../schema.js';
import { builtinExtractorName, builtinExtractorVersion } from './builtin-extractor.js';
import type { WorkerMessage } from './worker.js';

interface Pending {
  resolve: (result: never) => void;
  reject: (error: Error) => void;
}

/** An `Extractor` backed by N workers; requests go to the least busy worker. Call `close()` when done. */
export interface ExtractorPool extends Extractor {
  /** A whole document's parsing, chunking, extraction and resolution (`resolveDocument`) in one worker: all the CPU work of a document off this thread. */
  prepare(file: string, kind: SourceKind, options: ChunkOptions): Promise<PreparedDocument>;
  /** A whole document parsed and chunked in a worker, for an extractor that runs elsewhere (the LLM one). */
  chunk(file: string, kind: SourceKind, options: ChunkOptions): Promise<{ info: DocumentInfo; chunks: ChunkDraft[] }>;
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
    const worker = startWorker(import.meta.url, 'worker', { schema });
    const pending = new Map<number, Pending>();
    worker.on('message', (message: { id: number; result?: never; error?: { message: string; code?: ErrorCode; details?: Record<string, unknown> } }) => {
      const job = pending.get(message.id);
      pending.delete(message.id);
      const { error } = message;
      if (error !== undefined) job?.reject(error.code ? new TrellisError(error.code, error.message, error.details) : new Error(error.message));
      else job?.resolve(message.result!);
    });
    worker.on('error', (error) => {
      for (const job of pending.values()) job.reject(error);
      pending.clear();
    });
    return { worker, pending };
  });
  let nextId = 0;
  const request = <T>(message: WorkerMessage): Promise<T> => {
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
    prepare(file: string, kind: SourceKind, options: ChunkOptions): Promise<PreparedDocument> {
      return request({ file, kind, options });
    },
    chunk(file: string, kind: SourceKind, options: ChunkOptions): Promise<{ info: DocumentInfo; chunks: ChunkDraft[] }> {
      return request({ file, kind, options, chunkOnly: true });
    },
    async close(): Promise<void> {
      await Promise.all(workers.map(({ worker }) => worker.terminate()));
    },
  };
}
