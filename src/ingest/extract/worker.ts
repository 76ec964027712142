/** @module Worker-thread entry of the extractor pool: compiles the schema once, then extracts chunk texts or prepares whole documents. */
import { parentPort, workerData } from 'node:worker_threads';
import { type ChunkOptions, chunkBlocks } from '../chunk.js';
import { resolveDocument } from '../resolve/document.js';
import type { ExtractionSchema } from '../schema.js';
import type { ChunkDraft, DocumentInfo, TextBlock } from '../types.js';
import { builtinExtractorName, builtinExtractorVersion } from './builtin-extractor.js';
import { compileSchema, extractTexts } from './extract.js';

/** A request of the pool: extract chunk texts, or chunk, extract and resolve a whole document. */
type WorkerRequest = { id: number; texts: string[] } | { id: number; blocks: TextBlock[]; options: ChunkOptions; info: DocumentInfo };

const compiled = compileSchema((workerData as { schema: ExtractionSchema }).schema);
const extractor = { name: builtinExtractorName, version: builtinExtractorVersion };

async function answer(message: WorkerRequest): Promise<unknown> {
  if ('texts' in message) return extractTexts(message.texts, compiled);
  const chunks: ChunkDraft[] = [];
  for await (const chunk of chunkBlocks(message.blocks, message.options)) chunks.push(chunk);
  const extractions = extractTexts(
    chunks.map((chunk) => chunk.text),
    compiled,
  );
  return resolveDocument(message.info, chunks, extractions, extractor);
}

parentPort!.on('message', (message: WorkerRequest) => {
  answer(message).then(
    (result) => parentPort!.postMessage({ id: message.id, result }),
    (error: unknown) => parentPort!.postMessage({ id: message.id, error: (error as Error).message }),
  );
});
