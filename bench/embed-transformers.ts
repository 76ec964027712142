/**
 * @module Checks the local-model embedder end to end with a real @huggingface/transformers and ONNX Runtime: writes the
 * tiny hand-made BERT-style model of `test/support/tiny-model.ts` (WordPiece tokenizer, a Gather-only ONNX graph), embeds
 * through the provider with remote downloads off, and compares each vector with the mean-pooled rows computed by hand.
 * The package is not a dependency of Trellis; install it first (its install script fetches CUDA files, hence the skip):
 *   ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save @huggingface/transformers@^4
 * Run: node --import tsx bench/embed-transformers.ts [path/to/transformers.node.mjs]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTransformersEmbedder } from '../src/search/embed/transformers-embedder.js';
import { expectedVector, tinyVocabulary, writeTinyModel } from '../test/support/tiny-model.js';

const modulePath = process.argv[2];
const root = mkdtempSync(path.join(os.tmpdir(), 'trellis-tiny-model-'));
const folder = path.join(root, 'tiny-bert');
writeTinyModel(folder);
try {
  const embedder = createTransformersEmbedder({
    modelPath: folder,
    batchSize: 2,
    ...(modulePath ? { importModule: () => import(pathToFileURL(path.resolve(modulePath)).href) } : {}),
  });
  const id = (token: string) => tinyVocabulary.indexOf(token);
  const cases: [string, number[]][] = [
    ['The cat sat on the mat', ['[CLS]', 'the', 'cat', 'sat', 'on', 'the', 'mat', '[SEP]'].map(id)],
    ['dogs ran far', ['[CLS]', 'dog', '##s', 'ran', 'far', '[SEP]'].map(id)],
    ['zebra', ['[CLS]', '[UNK]', '[SEP]'].map(id)],
    ['', []],
  ];
  const started = performance.now();
  const vectors = await embedder.embed(cases.map(([text]) => text));
  const seconds = (performance.now() - started) / 1000;
  let worst = 0;
  cases.forEach(([text, ids], index) => {
    const expected = ids.length === 0 ? new Float32Array(embedder.dimensions) : expectedVector(ids);
    const difference = Math.max(...Array.from(vectors[index]!, (value, at) => Math.abs(value - expected[at]!)));
    worst = Math.max(worst, difference);
    console.log(
      `${JSON.stringify(text).padEnd(26)} ${Array.from(vectors[index]!, (value) => value.toFixed(4)).join(' ')}  max |Δ| ${difference.toExponential(1)}`,
    );
  });
  console.log(
    `embedder ${embedder.id}: ${cases.length} texts (model load included) in ${seconds.toFixed(2)} s; largest difference from the hand computation ${worst.toExponential(1)}`,
  );
  await embedder.close?.();
  if (worst > 1e-5) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
