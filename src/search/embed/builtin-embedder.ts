/**
 * @module The built-in offline embedder: feature hashing (see `feature-hashing.ts`), no model, no download. This is
 * the inline form (on the calling thread); `pool.ts` runs the same arithmetic in worker threads.
 */
import type { Embedder } from '../types.js';
import { type FeatureHashingOptions, hashFeatures, maxEmbeddedChars } from './feature-hashing.js';
import { prepareText } from './texts.js';

/** Version of the built-in embedder's arithmetic and word lists; part of its ID, bumped whenever vectors would change. */
export const builtinEmbedderVersion = 1;

/** Default length of the built-in embedder's vectors (measured trade-off in docs/embeddings.md). @default 384 */
export const builtinDefaultDimensions = 384;

/**
 * The built-in feature set, chosen on Re-DocRED dev (bench/embed.ts): words and character 3–5-grams of content words,
 * stopwords at a tenth, no word pairs (they lowered held-out retrieval), signed square root of each dimension.
 */
export function builtinOptions(dimensions: number = builtinDefaultDimensions): FeatureHashingOptions {
  return { dimensions, wordWeight: 1, pairWeight: 0, ngramWeight: 1, ngramMin: 3, ngramMax: 5, stopwordWeight: 0.1, sublinear: true };
}

/** Smallest and largest dimensions the built-in embedder accepts. */
export const builtinDimensionRange = { min: 16, max: 4096 } as const;

/**
 * The ID of a built-in embedder: `builtin-hash/v<version>/d<dimensions>`, plus the feature weights when they are not
 * the defaults (benchmarks try others), so two configurations never share an ID.
 */
export function builtinEmbedderId(options: FeatureHashingOptions): string {
  const base = `builtin-hash/v${builtinEmbedderVersion}/d${options.dimensions}`;
  const defaults = builtinOptions(options.dimensions);
  const same = (Object.keys(defaults) as (keyof FeatureHashingOptions)[]).every((key) => defaults[key] === options[key]);
  if (same) return base;
  const { wordWeight, pairWeight, ngramWeight, ngramMin, ngramMax, stopwordWeight, sublinear } = options;
  return `${base}/w${wordWeight}-p${pairWeight}-n${ngramWeight}x${ngramMin}-${ngramMax}-s${stopwordWeight}${sublinear ? '-sqrt' : ''}`;
}

/** Checks the options; throws a plain Error naming the bad field (the config layer turns it into `config_invalid`). */
export function checkBuiltinOptions(options: FeatureHashingOptions): void {
  const { min, max } = builtinDimensionRange;
  if (!Number.isInteger(options.dimensions) || options.dimensions < min || options.dimensions > max) {
    throw new Error(`dimensions must be an integer from ${min} to ${max}; got ${options.dimensions}`);
  }
  if (
    !Number.isInteger(options.ngramMin) ||
    !Number.isInteger(options.ngramMax) ||
    options.ngramMin < 1 ||
    options.ngramMax < options.ngramMin ||
    options.ngramMax > 16
  ) {
    throw new Error(`n-gram lengths must be integers with 1 ≤ min ≤ max ≤ 16; got ${options.ngramMin}–${options.ngramMax}`);
  }
}

/** Embeds texts on this thread (what each pool worker runs): one new unit-length vector per text, zeros for a text without words. */
export function embedTextsInline(texts: readonly string[], options: FeatureHashingOptions): Float32Array[] {
  return texts.map((text) => {
    const vector = new Float32Array(options.dimensions);
    hashFeatures(prepareText(text, maxEmbeddedChars), options, vector);
    return vector;
  });
}

/**
 * The built-in embedder on the calling thread: for queries and small inputs (microseconds each). Bulk work goes
 * through {@link createEmbedderPool} so the event loop stays free.
 * @example
 * const embedder = createBuiltinEmbedder();
 * const [vector] = await embedder.embed(['who founded the company?']);
 */
export function createBuiltinEmbedder(options: FeatureHashingOptions = builtinOptions()): Embedder {
  checkBuiltinOptions(options);
  return {
    id: builtinEmbedderId(options),
    dimensions: options.dimensions,
    embed: async (texts) => embedTextsInline(texts, options),
  };
}
