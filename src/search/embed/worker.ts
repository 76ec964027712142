/** @module Worker-thread entry of the embedder pool: embeds batches of texts with the built-in embedder and hands the floats back without copying. */
import { parentPort, workerData } from 'node:worker_threads';
import type { FeatureHashingOptions } from './feature-hashing.js';
import { hashFeatures, maxEmbeddedChars } from './feature-hashing.js';
import { prepareText } from './texts.js';

/** A request of the pool: texts to embed. */
export interface EmbedRequest {
  id: number;
  texts: string[];
}

/** The answer: the vectors back to back (texts × dimensions floats), or an error message. */
export type EmbedResponse = { id: number; vectors: Float32Array } | { id: number; error: string };

const options = (workerData as { options: FeatureHashingOptions }).options;

parentPort!.on('message', (request: EmbedRequest) => {
  try {
    const dimensions = options.dimensions;
    const vectors = new Float32Array(request.texts.length * dimensions);
    request.texts.forEach((text, index) =>
      hashFeatures(prepareText(text, maxEmbeddedChars), options, vectors.subarray(index * dimensions, (index + 1) * dimensions)),
    );
    parentPort!.postMessage({ id: request.id, vectors } satisfies EmbedResponse, [vectors.buffer]);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies EmbedResponse);
  }
});
