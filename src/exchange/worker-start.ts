/** @module Starts a worker thread of this module, from the compiled .js or, under tsx, from the .ts source. */
import { Worker } from 'node:worker_threads';
import { type ErrorCode, TrellisError, errorCatalogue } from '../core/errors.js';

/**
 * Starts `<name>.js` beside this file with `workerData`. From sources (tsx) the worker registers tsx itself, because
 * Node 20 does not carry `--import` loader hooks into worker threads.
 */
export function startWorker(name: string, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), { workerData });
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  // tsx is resolved from here, not from the working folder the eval'd worker would resolve it from.
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** An error as a worker posts it: a TrellisError keeps its code and details. */
export interface PostedError {
  code?: string;
  message: string;
  details?: Record<string, unknown>;
}

/** The error a worker posted, as a TrellisError again when it was one. */
export function toTrellisError(error: PostedError): Error {
  if (error.code !== undefined && error.code in errorCatalogue) return new TrellisError(error.code as ErrorCode, error.message, error.details);
  return new Error(error.message);
}
