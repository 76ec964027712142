/** @module Tests of the TRELLIS_LLM_* configuration keys and of building the extractor from them. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../core/config.js';
import { TrellisError } from '../../core/errors.js';
import { defaultSchema } from '../schema.js';
import { llmExtractorFromConfig } from './from-config.js';

const noFile = () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'trellis-llm-config-')), 'trellis.yaml');
  writeFileSync(file, '');
  return file;
};

describe('LLM configuration', () => {
  it('has no LLM extractor by default and documented defaults', () => {
    const config = loadConfig({ env: {}, file: noFile() });
    assert.equal(config.llmBaseUrl, undefined);
    assert.deepEqual([config.llmConcurrency, config.llmTimeoutMs, config.llmMaxRetries, config.llmPriceInputPer1k], [4, 60_000, 5, 0]);
    assert.equal(llmExtractorFromConfig(config, defaultSchema()), undefined);
  });

  it('reads TRELLIS_LLM_* and builds the extractor', () => {
    const config = loadConfig({
      env: {
        TRELLIS_LLM_BASE_URL: 'http://127.0.0.1:11434/v1',
        TRELLIS_LLM_API_KEY: 'sk-secret',
        TRELLIS_LLM_MODEL: 'llama3.1',
        TRELLIS_LLM_CONCURRENCY: '8',
        TRELLIS_LLM_PRICE_OUTPUT_PER_1K: '0.6',
      },
      file: noFile(),
    });
    assert.deepEqual([config.llmConcurrency, config.llmPriceOutputPer1k, config.llmApiKey], [8, 0.6, 'sk-secret']);
    const extractor = llmExtractorFromConfig(config, defaultSchema());
    assert.equal(extractor?.name, 'llm');
    assert.equal(extractor?.version, '1/llama3.1');
  });

  it('rejects a bad value naming the key', () => {
    for (const [key, value] of [
      ['TRELLIS_LLM_BASE_URL', 'ftp://x'],
      ['TRELLIS_LLM_CONCURRENCY', '0'],
      ['TRELLIS_LLM_TIMEOUT_MS', 'soon'],
      ['TRELLIS_LLM_PRICE_INPUT_PER_1K', '-1'],
    ] as const) {
      assert.throws(
        () => loadConfig({ env: { [key]: value }, file: noFile() }),
        (error: unknown) => error instanceof TrellisError && error.code === 'config_invalid' && error.message.includes(key),
      );
    }
  });
});
