/** @module Worker-thread entry of the extractor pool: compiles the schema once, then extracts each batch it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import type { ExtractionSchema } from '../schema.js';
import { compileSchema, extractTexts } from './extract.js';

const compiled = compileSchema((workerData as { schema: ExtractionSchema }).schema);
parentPort!.on('message', (message: { id: number; texts: string[] }) => {
  try {
    parentPort!.postMessage({ id: message.id, result: extractTexts(message.texts, compiled) });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: (error as Error).message });
  }
});
