/** @module The built-in (offline) extractor: the pure extraction of `extract.ts` behind the `Extractor` contract. */
import type { ChunkDraft, Extraction, ExtractionContext, Extractor } from '../types.js';
import type { ExtractionSchema } from '../schema.js';
import { compileSchema, extractTexts, type CompiledSchema } from './extract.js';

/** Name and version recorded on every evidence row this extractor produces. */
export const builtinExtractorName = 'trellis-builtin';
export const builtinExtractorVersion = '1.0.0';

/**
 * Extracts inline, on the calling thread. Use {@link ExtractorPool} to keep the event loop free.
 * @example
 * const extractor = createBuiltinExtractor(defaultSchema());
 * const [extraction] = await extractor.extract([chunk], { document: { kind: 'txt', metadata: {} } });
 */
export function createBuiltinExtractor(schema: ExtractionSchema): Extractor {
  const compiled: CompiledSchema = compileSchema(schema);
  return {
    name: builtinExtractorName,
    version: builtinExtractorVersion,
    async extract(chunks: readonly ChunkDraft[], context: ExtractionContext): Promise<Extraction[]> {
      context.signal?.throwIfAborted();
      return extractTexts(
        chunks.map((chunk) => chunk.text),
        compiled,
      );
    },
  };
}
