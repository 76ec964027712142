/** @module Worker-thread entry of the extractor pool: compiles the schema once, then extracts chunk texts or prepares whole documents. */
import { parentPort, workerData } from 'node:worker_threads';
import { type ChunkOptions, chunkFile } from '../chunk.js';
import { resolveDocument } from '../resolve/document.js';
import type { ExtractionSchema } from '../schema.js';
import { TrellisError } from '../../core/errors.js';
import { messageOf } from '../parse/errors.js';
import type { SourceKind } from '../types.js';
import { builtinExtractorName, builtinExtractorVersion } from './builtin-extractor.js';
import { compileSchema, extractTexts } from './extract.js';

/** A request of the pool: extract chunk texts, or parse and chunk a whole document, and then (unless `chunkOnly`) extract and resolve it. */
export type WorkerMessage = { texts: string[] } | { file: string; kind: SourceKind; options: ChunkOptions; chunkOnly?: boolean };
type WorkerRequest = WorkerMessage & { id: number };

const compiled = compileSchema((workerData as { schema: ExtractionSchema }).schema);
const extractor = { name: builtinExtractorName, version: builtinExtractorVersion };

async function answer(message: WorkerRequest): Promise<unknown> {
  if ('texts' in message) return extractTexts(message.texts, compiled);
  const { info, chunks } = await chunkFile(message.file, message.kind, message.options);
  if (message.chunkOnly) return { info, chunks };
  const extractions = extractTexts(
    chunks.map((chunk) => chunk.text),
    compiled,
  );
  return resolveDocument(info, chunks, extractions, extractor);
}

parentPort!.on('message', (message: WorkerRequest) => {
  answer(message).then(
    (result) => parentPort!.postMessage({ id: message.id, result }),
    (error: unknown) =>
      parentPort!.postMessage({
        id: message.id,
        // A TrellisError keeps its code and details across the thread boundary (parse errors name file and place).
        error: error instanceof TrellisError ? { message: error.message, code: error.code, details: error.details } : { message: messageOf(error) },
      }),
  );
});
