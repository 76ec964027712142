/** @module Starts the vector index's worker threads, from the compiled .js or (tests, benches) from the .ts sources. */
import { Worker } from 'node:worker_threads';

/**
 * Starts `name` (a module beside this one, without extension) in a worker thread. The same approach as the graph
 * projection's build worker: from sources (tsx) the worker must register tsx itself, because Node 20 does not carry
 * `--import` loader hooks into worker threads.
 */
export function startWorker(name: string, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), { workerData });
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
