#!/usr/bin/env node
// Assembles src/graph/analytics/pagerank.wat (PageRank's pull kernel) into src/graph/analytics/pagerank-wasm.ts, the
// module's bytes as base64, so that neither the server nor the build needs an assembler. Run it after editing the
// .wat; src/graph/analytics/pagerank.test.ts fails while the two disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import wabtInit from 'wabt';

const source = 'src/graph/analytics/pagerank.wat';
const target = 'src/graph/analytics/pagerank-wasm.ts';

/** The .wat assembled to bytes (pagerank.test.ts assembles it the same way to check the committed bytes). */
export async function assembleAnalyticsKernels() {
  const wabt = await wabtInit();
  const module = wabt.parseWat(source, readFileSync(source, 'utf8'), { threads: true });
  return Buffer.from(module.toBinary({}).buffer);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bytes = await assembleAnalyticsKernels();
  writeFileSync(
    target,
    `/** @module Generated from pagerank.wat by scripts/build-analytics-kernels.mjs: do not edit. PageRank's pull kernel as WebAssembly bytes. */\n` +
      `export const pageRankKernelBase64 =\n  '${bytes.toString('base64')}';\n`,
  );
  console.log(`${target}: ${bytes.length} bytes`);
}
