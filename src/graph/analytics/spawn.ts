/** @module Starts an analytics worker thread from this folder, compiled or from TypeScript sources. */
import { Worker } from 'node:worker_threads';

/**
 * Starts `<name>.js` beside this module. From sources (tsx) the worker registers tsx itself, because Node 20 does not
 * carry `--import` loader hooks into worker threads (the same bootstrap as the traversal projection's worker).
 */
export function startWorker(name: string, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), { workerData });
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
