/** @module The SIMD scan kernels match plain JavaScript, the committed bytes match kernels.wat, and 4-bit scores rank like float32 ones. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import wabtInit from 'wabt';
import { TopK } from './heap.js';
import { kernelsBase64 } from './kernels-wasm.js';
import { createMemory, kernelsFor } from './kernels.js';
import { seededRandom as random } from '../../core/random.js';
import { codeAt, encode, quantiseQuery, trainQuantiser } from './quantise.js';

describe('vector kernels', () => {
  it('kernels-wasm.ts is kernels.wat assembled (run scripts/build-vector-kernels.mjs after editing the .wat)', async () => {
    const wabt = await wabtInit();
    const path = new URL('./kernels.wat', import.meta.url);
    const bytes = wabt.parseWat('kernels.wat', readFileSync(path, 'utf8'), { simd: true, threads: true }).toBinary({}).buffer;
    assert.equal(Buffer.from(bytes).toString('base64'), kernelsBase64);
  });

  it('dotU4 and dotF32 equal plain dot products', () => {
    const next = random(5);
    const dims = 64;
    const bytes = dims / 2;
    const count = 37;
    const memory = createMemory(1 << 20);
    const kernels = kernelsFor(memory);
    const raw = new Uint8Array(memory.buffer);
    const query16 = new Int16Array(memory.buffer, 0, dims);
    const codesAt = 1024;
    for (let d = 0; d < dims; d++) query16[d] = Math.round((next() - 0.5) * 60000);
    for (let at = 0; at < count * bytes; at++) raw[codesAt + at] = Math.floor(next() * 256);
    const outAt = 65536;
    kernels.dotU4(0, codesAt, count, bytes, outAt);
    const out = new Int32Array(memory.buffer, outAt, count);
    for (let vector = 0; vector < count; vector++) {
      let sum = 0;
      for (let d = 0; d < dims; d++) sum += (query16[d] as number) * codeAt(raw, codesAt + vector * bytes, d);
      assert.equal(out[vector], sum);
    }
    const floats = new Float32Array(memory.buffer);
    const queryAt = 131072 / 4;
    const rowsAt = queryAt + dims;
    for (let d = 0; d < dims; d++) floats[queryAt + d] = next() - 0.5;
    for (let at = 0; at < count * dims; at++) floats[rowsAt + at] = next() - 0.5;
    kernels.dotF32(queryAt * 4, rowsAt * 4, count, dims, outAt);
    const outF = new Float32Array(memory.buffer, outAt, count);
    for (let vector = 0; vector < count; vector++) {
      let sum = 0;
      for (let d = 0; d < dims; d++) sum += (floats[queryAt + d] as number) * (floats[rowsAt + vector * dims + d] as number);
      assert.ok(Math.abs((outF[vector] as number) - sum) < 1e-5);
    }
  });

  it('encode packs each dimension into its nibble, clamped to the trained range', () => {
    const dims = 40;
    const padded = 64;
    const offsets = new Float32Array(padded);
    const steps = new Float32Array(padded).fill(1);
    const vector = Float32Array.from({ length: dims }, (_, d) => (d % 17) - 0.4);
    const codes = new Uint8Array(padded / 2);
    encode(vector, dims, padded, offsets, steps, codes, 0);
    for (let d = 0; d < padded; d++) assert.equal(codeAt(codes, 0, d), d < dims ? Math.min(15, Math.max(0, Math.round((d % 17) - 0.4))) : 0);
  });

  it('4-bit codes put the true top 10 among the top 100, as rescoring needs', () => {
    const next = random(9);
    const dims = 64;
    const count = 2000;
    const vectors = Array.from({ length: count }, () => {
      const vector = Float32Array.from({ length: dims }, () => next() - 0.5);
      const norm = Math.hypot(...vector);
      return vector.map((value) => value / norm);
    });
    const sample = new Float32Array(count * dims);
    vectors.forEach((vector, at) => sample.set(vector, at * dims));
    const offsets = new Float32Array(dims);
    const steps = new Float32Array(dims);
    trainQuantiser(sample, count, dims, dims, offsets, steps);
    const codes = new Uint8Array((count * dims) / 2);
    vectors.forEach((vector, at) => encode(vector, dims, dims, offsets, steps, codes, (at * dims) / 2));
    const query = vectors[0] as Float32Array;
    const query16 = new Int16Array(dims);
    quantiseQuery(query, dims, steps, query16);
    const approximate = new TopK(100);
    const exact = new TopK(10);
    for (let at = 0; at < count; at++) {
      let integer = 0;
      let float = 0;
      for (let d = 0; d < dims; d++) {
        integer += (query16[d] as number) * codeAt(codes, (at * dims) / 2, d);
        float += (query[d] as number) * ((vectors[at] as Float32Array)[d] as number);
      }
      approximate.push(integer, at);
      exact.push(float, at);
    }
    // The true top 10 are all among the top 100 by 4-bit score (what rescoring then puts in order).
    const kept = new Set(Array.from(approximate.sorted().slots));
    for (const slot of exact.sorted().slots) assert.ok(kept.has(slot), `slot ${slot}`);
  });

  it('TopK keeps the highest scores, best first', () => {
    const top = new TopK(3);
    for (const [score, slot] of [
      [0.1, 1],
      [0.9, 2],
      [0.5, 3],
      [0.7, 4],
      [0.2, 5],
    ] as const)
      top.push(score, slot);
    assert.deepEqual(Array.from(top.sorted().slots), [2, 4, 3]);
  });
});
