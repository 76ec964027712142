/** @module The built-in embedder and text preparation: determinism, unit length, zeros for nothing to embed, the cutting rule, IDs, and the configuration checks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../core/config.js';
import { TrellisError } from '../../core/errors.js';
import { builtinEmbedderId, builtinOptions, createBuiltinEmbedder, embedTextsInline } from './builtin-embedder.js';
import { maxEmbeddedChars } from './feature-hashing.js';
import { contentHash, entityText, prepareText } from './texts.js';
import { bytesToVector, vectorToBytes } from './vectors.js';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, index) => sum + value * b[index]!, 0);
const norm = (vector: Float32Array) => Math.sqrt(cosine(vector, vector));

describe('built-in embedder', () => {
  const options = builtinOptions(128);
  const embed = (...texts: string[]) => embedTextsInline(texts, options);

  it('is deterministic and answers unit-length vectors of the configured length', () => {
    const [a, b] = embed('Ada Lovelace wrote the first program.', 'Ada Lovelace wrote the first program.');
    assert.deepEqual(a, b);
    assert.equal(a!.length, 128);
    assert.ok(Math.abs(norm(a!) - 1) < 1e-6);
  });

  it('places related texts nearer than unrelated ones, and is case-blind', () => {
    const [query, related, unrelated, shouting] = embed(
      'engines designed by Babbage',
      'Charles Babbage designed the difference engine',
      'The river flooded the valley in spring',
      'ENGINES DESIGNED BY BABBAGE',
    );
    assert.ok(cosine(query!, related!) > cosine(query!, unrelated!) + 0.2);
    assert.ok(cosine(query!, shouting!) > 0.999);
  });

  it('gives zeros for texts with no word: empty, whitespace, punctuation, NUL bytes', () => {
    for (const vector of embed('', '   \n\t', '!?.,;:—', '\u0000\u0000')) assert.ok(vector.every((value) => value === 0));
  });

  it('embeds any script and treats NUL bytes as spaces', () => {
    const [japanese, greek] = embed('東京は日本の首都です', 'Η Αθήνα είναι πρωτεύουσα');
    assert.ok(Math.abs(norm(japanese!) - 1) < 1e-6 && Math.abs(norm(greek!) - 1) < 1e-6);
    const [joined, spaced] = embed('alpha\u0000beta', 'alpha beta');
    assert.deepEqual(joined, spaced);
  });

  it('ignores what lies beyond the cut, so a huge text costs no more than the cut', () => {
    const head = 'word '.repeat(maxEmbeddedChars / 5);
    const [long, longer] = embed(`${head}tail`, `${head}${'different words entirely '.repeat(10_000)}`);
    assert.deepEqual(long, longer);
  });

  it('names version and dimensions in its ID, and every other weight when it is not the default', () => {
    assert.equal(createBuiltinEmbedder().id, 'builtin-hash/v1/d384');
    assert.equal(createBuiltinEmbedder(builtinOptions(256)).id, 'builtin-hash/v1/d256');
    assert.equal(builtinEmbedderId({ ...builtinOptions(), pairWeight: 0.5 }), 'builtin-hash/v1/d384/w1-p0.5-n1x3-5-s0.1-sqrt');
    assert.throws(() => createBuiltinEmbedder(builtinOptions(8)), /dimensions must be an integer from 16 to 4096/);
    assert.throws(() => createBuiltinEmbedder({ ...builtinOptions(), ngramMin: 4, ngramMax: 3 }), /n-gram lengths/);
  });

  it('round-trips vectors through their stored bytes (4 per dimension, little-endian)', () => {
    const [vector] = embed('stored and read back');
    const bytes = vectorToBytes(vector!);
    assert.equal(bytes.length, 512);
    assert.equal(bytes.readFloatLE(4), vector![1]);
    assert.deepEqual(bytesToVector(bytes), vector);
    assert.throws(() => bytesToVector(new Uint8Array(6)), /not a multiple of 4/);
  });
});

describe('text preparation', () => {
  it('replaces control characters and unpaired surrogates, keeping tabs and newlines', () => {
    assert.equal(prepareText('a\u0000b\u0007c\td\ne'), 'a b c\td\ne');
    assert.equal(prepareText('x\ud800y'), 'x\ufffdy');
  });

  it('cuts long texts at whitespace near the limit and never inside a surrogate pair', () => {
    const cut = prepareText(`${'abcd '.repeat(30)}tail`, 52);
    assert.equal(cut, `${'abcd '.repeat(9)}abcd`, 'cut before the last space within the limit');
    const emoji = prepareText(`${'x'.repeat(9)}😀`, 10);
    assert.equal(emoji, 'x'.repeat(9));
    assert.equal(prepareText('short', 10), 'short');
  });

  it('builds an entity text from name, type and sorted other aliases, and hashes texts', () => {
    assert.equal(entityText({ name: 'Ada Lovelace', type: 'PER', aliases: ['Lovelace', 'Ada Lovelace', 'Ada'] }), 'Ada Lovelace (PER); Ada; Lovelace');
    assert.equal(entityText({ name: 'Acme', type: 'ORG', aliases: [] }), 'Acme (ORG)');
    assert.match(contentHash('x'), /^[0-9a-f]{32}$/);
    assert.notEqual(contentHash('x'), contentHash('y'));
  });
});

describe('embedder configuration', () => {
  const load = (env: Record<string, string>) => loadConfig({ env, file: undefined });
  const invalid = (pattern: RegExp) => (error: unknown) => error instanceof TrellisError && error.code === 'config_invalid' && pattern.test(error.message);

  it('defaults to the built-in embedder with no dimensions set', () => {
    const config = load({});
    assert.deepEqual([config.embedder, config.embedDimensions, config.embedEncoding, config.embedAfterIngest], ['builtin', undefined, 'base64', 'on']);
  });

  it('refuses a provider without its required settings, and bad values, naming the key', () => {
    assert.throws(() => load({ TRELLIS_EMBEDDER: 'openai' }), invalid(/needs TRELLIS_EMBED_BASE_URL/));
    assert.throws(() => load({ TRELLIS_EMBEDDER: 'openai', TRELLIS_EMBED_BASE_URL: 'http://127.0.0.1:1/v1' }), invalid(/needs TRELLIS_EMBED_MODEL/));
    assert.throws(() => load({ TRELLIS_EMBEDDER: 'transformers' }), invalid(/needs TRELLIS_EMBED_MODEL_PATH/));
    assert.throws(() => load({ TRELLIS_EMBEDDER: 'word2vec' }), invalid(/TRELLIS_EMBEDDER="word2vec"; expected builtin, openai or transformers/));
    assert.throws(() => load({ TRELLIS_EMBED_DIMENSIONS: '5000' }), invalid(/built-in embedder makes 16 to 4096 dimensions/));
    assert.throws(() => load({ TRELLIS_EMBED_DIMENSIONS: '12' }), invalid(/TRELLIS_EMBED_DIMENSIONS/));
    assert.throws(() => load({ TRELLIS_EMBED_BASE_URL: 'ftp://x' }), invalid(/TRELLIS_EMBED_BASE_URL/));
    assert.throws(() => load({ TRELLIS_EMBED_ENCODING: 'hex' }), invalid(/base64 or float/));
    const remote = load({
      TRELLIS_EMBEDDER: 'openai',
      TRELLIS_EMBED_BASE_URL: 'http://127.0.0.1:1/v1',
      TRELLIS_EMBED_MODEL: 'm',
      TRELLIS_EMBED_DIMENSIONS: '5000',
    });
    assert.equal(remote.embedDimensions, 5000);
  });
});
