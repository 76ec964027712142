#!/usr/bin/env node
// Assembles src/search/vector/kernels.wat (the vector index's WebAssembly SIMD scan kernels) into
// src/search/vector/kernels-wasm.ts, the module's bytes as base64, so that neither the server nor the build needs an
// assembler. Run it after editing the .wat; kernels.test.ts fails while the two disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import wabtInit from 'wabt';

const source = 'src/search/vector/kernels.wat';
const target = 'src/search/vector/kernels-wasm.ts';

/** The .wat assembled to bytes (also used by the test that checks the committed bytes). */
export async function assembleKernels() {
  const wabt = await wabtInit();
  const module = wabt.parseWat(source, readFileSync(source, 'utf8'), { simd: true, threads: true });
  return Buffer.from(module.toBinary({}).buffer);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bytes = await assembleKernels();
  writeFileSync(
    target,
    `/** @module Generated from kernels.wat by scripts/build-vector-kernels.mjs: do not edit. The scan kernels as WebAssembly bytes. */\n` +
      `export const kernelsBase64 =\n  '${bytes.toString('base64')}';\n`,
  );
  console.log(`${target}: ${bytes.length} bytes`);
}
