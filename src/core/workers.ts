/** @module Worker threads of Trellis modules: starting one from the compiled .js or, under tsx, from the .ts source, and errors crossing threads. */
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { type ErrorCode, TrellisError, errorCatalogue } from './errors.js';

// tsx is resolved from this module, not from the working folder an eval'd worker would resolve it from.
const tsxUrl = import.meta.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;

/**
 * Starts the module `name` (without extension) beside `callerUrl` (the caller's `import.meta.url`) in a worker thread.
 * The built package runs `<name>.js`; from sources the worker registers tsx itself, because Node 20 does not carry
 * `--import` loader hooks into worker threads.
 * @example
 * const worker = startWorker(import.meta.url, 'export-worker', { tenantId });
 */
export function startWorker(callerUrl: string, name: string, workerData: unknown, options: Omit<WorkerOptions, 'workerData' | 'eval'> = {}): Worker {
  if (!callerUrl.endsWith('.ts') || tsxUrl === null) return new Worker(new URL(`./${name}.js`, callerUrl), { ...options, workerData });
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const bootstrap = `import(${JSON.stringify(tsxUrl)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { ...options, eval: true, workerData });
}

/** An error as a worker posts it: a TrellisError keeps its code and details. */
export interface PostedError {
  code?: string;
  message: string;
  details?: Record<string, unknown>;
}

/** An error in the form a worker posts it. */
export function postedError(error: unknown): PostedError {
  if (error instanceof TrellisError) return { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The error a worker posted, as a TrellisError again when it was one. */
export function toTrellisError(error: PostedError): Error {
  if (error.code !== undefined && error.code in errorCatalogue) return new TrellisError(error.code as ErrorCode, error.message, error.details);
  return new Error(error.message);
}
