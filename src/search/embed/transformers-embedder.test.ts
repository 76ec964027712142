/**
 * @module The local-model embedder's loading path: a model folder checked at start with a clear error for each missing
 * part, a clear error when @huggingface/transformers is not installed (it is not, in this repository), an ID that
 * follows the model. A run with the package installed is `bench/embed-transformers.ts` (see docs/embeddings.md).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tinyHidden, writeTinyModel } from '../../../test/support/tiny-model.js';
import { loadConfig } from '../../core/config.js';
import { TrellisError } from '../../core/errors.js';
import { embeddersFromConfig } from './from-config.js';
import { createTransformersEmbedder } from './transformers-embedder.js';

const isUnavailable = (pattern: RegExp) => (error: unknown) =>
  error instanceof TrellisError && error.code === 'embedder_unavailable' && pattern.test(error.message);

describe('transformers.js embedder (local model folder)', () => {
  let root: string;
  let model: string;
  const missingPackage = () => Promise.reject(new Error('Cannot find package'));

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'trellis-model-'));
    model = path.join(root, 'tiny-bert');
    writeTinyModel(model);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('fails at start with the install command when @huggingface/transformers is not installed', () => {
    assert.throws(
      () => createTransformersEmbedder({ modelPath: model }),
      isUnavailable(/not installed: run `ONNXRUNTIME_NODE_INSTALL=skip npm install @huggingface\/transformers@\^4`/),
    );
    const config = loadConfig({ env: { TRELLIS_EMBEDDER: 'transformers', TRELLIS_EMBED_MODEL_PATH: model }, file: undefined });
    assert.throws(() => embeddersFromConfig(config), isUnavailable(/not installed/));
  });

  it('reads the length from config.json and names folder, model fingerprint and length in its ID', () => {
    const embedder = createTransformersEmbedder({ modelPath: model, importModule: missingPackage });
    assert.equal(embedder.dimensions, tinyHidden);
    assert.match(embedder.id, /^transformers\/tiny-bert\/[0-9a-f]{12}\/d8\/mean\/c8192$/);
    const copy = path.join(root, 'copy', 'tiny-bert');
    writeTinyModel(copy);
    assert.equal(createTransformersEmbedder({ modelPath: copy, importModule: missingPackage }).id, embedder.id, 'the same model elsewhere keeps its ID');
    writeFileSync(path.join(copy, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: tinyHidden, layer_norm_eps: 1e-6 }));
    assert.notEqual(createTransformersEmbedder({ modelPath: copy, importModule: missingPackage }).id, embedder.id, 'another config is another model');
  });

  it('gives blank texts zeros without loading the model, and a clear error when the package cannot be loaded', async () => {
    let imports = 0;
    const embedder = createTransformersEmbedder({
      modelPath: model,
      importModule: () => {
        imports += 1;
        return missingPackage();
      },
    });
    const zeros = await embedder.embed(['', '  \n']);
    assert.deepEqual(
      zeros.map((vector) => Array.from(vector)),
      [new Array(tinyHidden).fill(0), new Array(tinyHidden).fill(0)],
    );
    assert.equal(imports, 0);
    await assert.rejects(embedder.embed(['the cat sat']), isUnavailable(/Cannot load @huggingface\/transformers: Cannot find package/));
    await assert.rejects(embedder.embed(['the cat sat']), isUnavailable(/Cannot load/));
    assert.equal(imports, 2, 'a failed load is tried again on the next call');
  });

  it('reports a model the package cannot load', async () => {
    const broken = {
      env: { allowRemoteModels: true, allowLocalModels: false, localModelPath: '' },
      pipeline: () => Promise.reject(new Error('Protobuf parsing failed')),
    };
    const embedder = createTransformersEmbedder({ modelPath: model, importModule: async () => broken });
    await assert.rejects(embedder.embed(['the cat']), isUnavailable(/could not be loaded: Protobuf parsing failed/));
    assert.deepEqual(
      [broken.env.allowRemoteModels, broken.env.allowLocalModels, broken.env.localModelPath],
      [false, true, root],
      'remote downloads are switched off',
    );
  });

  const broken: [string, (folder: string) => void, RegExp][] = [
    ['a folder that does not exist', (folder) => rmSync(folder, { recursive: true }), /does not exist/],
    ['no config.json', (folder) => unlinkSync(path.join(folder, 'config.json')), /no readable config.json/],
    ['a config.json that is not JSON', (folder) => writeFileSync(path.join(folder, 'config.json'), '{hidden'), /no readable config.json/],
    ['no hidden size', (folder) => writeFileSync(path.join(folder, 'config.json'), '{"model_type":"bert"}'), /names no hidden_size/],
    ['no tokenizer.json', (folder) => unlinkSync(path.join(folder, 'tokenizer.json')), /no tokenizer.json/],
    ['no ONNX weights', (folder) => unlinkSync(path.join(folder, 'onnx', 'model.onnx')), /neither onnx\/model.onnx nor onnx\/model_quantized.onnx/],
  ];
  for (const [name, breakIt, message] of broken) {
    it(`fails at start for ${name}`, () => {
      const folder = path.join(root, name.replaceAll(' ', '-'), 'model');
      writeTinyModel(folder);
      breakIt(folder);
      assert.throws(() => createTransformersEmbedder({ modelPath: folder, importModule: missingPackage }), isUnavailable(message));
    });
  }
});
