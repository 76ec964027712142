/**
 * @module The built-in embedder measured: retrieval quality on Re-DocRED dev (MIT licence) for several feature sets and
 * dimensions, throughput on generated passages (one thread, and the worker pool), bytes per vector, and the cost of the
 * `search.embed` job per 10,000 passages on SQLite.
 *
 * Quality: every document is chunked as ingestion does (1,200 characters, 150 overlap) and each chunk embedded as a
 * passage; every sentence of every document is embedded as a query, and a document's score is its best passage's
 * cosine. "contained" counts how often the sentence's own document is in the top 10 (the sentence is part of it);
 * "held-out" does the same with the sentence removed from its own document (each document embedded whole), which
 * asks for real similarity instead of finding the sentence's own words. Top-1 and mean reciprocal rank are shown too.
 *
 * Run: node --import tsx bench/embed.ts [--quick] [--no-quality] [--passages 20000] [--job 10000] [--data path/to/dev_revised.json]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/core/config.js';
import { createGraphService } from '../src/graph/index.js';
import { chunkBlocks } from '../src/ingest/chunk.js';
import { builtinEmbedderId, builtinOptions, createBuiltinEmbedder, embedTextsInline } from '../src/search/embed/builtin-embedder.js';
import { type FeatureHashingOptions, hashFeatures, wordHash } from '../src/search/embed/feature-hashing.js';
import { createEmbedderPool } from '../src/search/embed/pool.js';
import { createEmbeddingService } from '../src/search/embed/service.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { generateText } from '../test/support/ingest-corpus.js';
import { createTenant } from '../test/support/stores.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(name);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const quick = args.includes('--quick');
const passageCount = Number(flag('--passages', '20000'));
const jobCount = Number(flag('--job', '10000'));
const dataFile = flag('--data', '/work/shared/data/redocred/dev_revised.json');

// ---------------------------------------------------------------------------------------------------------------------
// Quality on Re-DocRED

interface Document {
  sents: string[][];
}

interface Quality {
  contained10: number;
  contained1: number;
  containedMrr: number;
  heldOut10: number;
  heldOut1: number;
}

async function qualityCorpus() {
  const documents = JSON.parse(readFileSync(dataFile, 'utf8')) as Document[];
  const texts = documents.map((document) => document.sents.map((sentence) => sentence.join(' ')).join(' '));
  const passages: { document: number; text: string }[] = [];
  for (let index = 0; index < texts.length; index++) {
    for await (const chunk of chunkBlocks([{ text: texts[index]!, start: 0 }], { size: 1200, overlap: 150 }))
      passages.push({ document: index, text: chunk.text });
  }
  const sentences = documents.flatMap((document, index) => document.sents.map((sentence, at) => ({ document: index, at, text: sentence.join(' ') })));
  // Document frequencies of words over the corpus: only for the "corpus IDF" reference row, which needs the corpus.
  const frequency = new Map<number, number>();
  for (const text of texts) {
    for (const hash of new Set(Array.from(text.toLowerCase().matchAll(/[\p{L}\p{N}\p{M}]+/gu), (match) => wordHash(match[0])))) {
      frequency.set(hash, (frequency.get(hash) ?? 0) + 1);
    }
  }
  const idf = (hash: number) => Math.log((texts.length + 1) / ((frequency.get(hash) ?? 0) + 1)) + 1;
  return { documents, texts, passages, sentences, idf };
}

type Corpus = Awaited<ReturnType<typeof qualityCorpus>>;

/** Symmetric int8 quantisation of one vector (scale = max |value| / 127), back to floats: what an int8 index compares. */
function int8RoundTrip(vector: Float32Array): void {
  let largest = 0;
  for (const value of vector) largest = Math.max(largest, Math.abs(value));
  if (largest === 0) return;
  const scale = largest / 127;
  for (let index = 0; index < vector.length; index++) vector[index] = Math.round(vector[index]! / scale) * scale;
}

function measureQuality(corpus: Corpus, options: FeatureHashingOptions, extra: { idf?: boolean; int8?: boolean } = {}): Quality {
  const dimensions = options.dimensions;
  const weightOf = extra.idf ? corpus.idf : undefined;
  const embedInto = (text: string, out: Float32Array) => {
    hashFeatures(text, options, out, weightOf);
    if (extra.int8) int8RoundTrip(out);
  };
  const matrix = (texts: string[]) => {
    const out = new Float32Array(texts.length * dimensions);
    texts.forEach((text, index) => embedInto(text, out.subarray(index * dimensions, (index + 1) * dimensions)));
    return out;
  };
  const dot = (a: Float32Array, aAt: number, b: Float32Array, bAt: number) => {
    let sum = 0;
    for (let index = 0; index < dimensions; index++) sum += a[aAt + index]! * b[bAt + index]!;
    return sum;
  };
  const passages = matrix(corpus.passages.map((passage) => passage.text));
  const queries = matrix(corpus.sentences.map((sentence) => sentence.text));
  const wholes = matrix(corpus.texts);
  const documentCount = corpus.texts.length;
  const best = new Float32Array(documentCount);
  const own = new Float32Array(dimensions);
  let contained10 = 0;
  let contained1 = 0;
  let reciprocal = 0;
  let heldOut10 = 0;
  let heldOut1 = 0;
  corpus.sentences.forEach((sentence, index) => {
    const at = index * dimensions;
    best.fill(-2);
    corpus.passages.forEach((passage, passageIndex) => {
      const score = dot(queries, at, passages, passageIndex * dimensions);
      if (score > best[passage.document]!) best[passage.document] = score;
    });
    // Ties count against the own document.
    let rank = 0;
    for (let document = 0; document < documentCount; document++) if (document !== sentence.document && best[document]! >= best[sentence.document]!) rank++;
    if (rank < 10) contained10++;
    if (rank === 0) contained1++;
    reciprocal += 1 / (rank + 1);
    const rest = corpus.documents[sentence.document]!.sents.filter((_, at) => at !== sentence.at)
      .map((words) => words.join(' '))
      .join(' ');
    embedInto(rest, own);
    const ownScore = dot(queries, at, own, 0);
    rank = 0;
    for (let document = 0; document < documentCount; document++)
      if (document !== sentence.document && dot(queries, at, wholes, document * dimensions) >= ownScore) rank++;
    if (rank < 10) heldOut10++;
    if (rank === 0) heldOut1++;
  });
  const count = corpus.sentences.length;
  return {
    contained10: contained10 / count,
    contained1: contained1 / count,
    containedMrr: reciprocal / count,
    heldOut10: heldOut10 / count,
    heldOut1: heldOut1 / count,
  };
}

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

async function quality(): Promise<void> {
  const corpus = await qualityCorpus();
  console.log(`Re-DocRED dev: ${corpus.documents.length} documents as ${corpus.passages.length} passages, ${corpus.sentences.length} sentence queries\n`);
  const base = builtinOptions(384);
  const rows: [string, FeatureHashingOptions, { idf?: boolean; int8?: boolean }?][] = [
    ['words', { ...base, ngramWeight: 0 }],
    ['words + pairs', { ...base, ngramWeight: 0, pairWeight: 0.5 }],
    ['words + n-grams 3-5 (default)', base],
    ['words + pairs + n-grams', { ...base, pairWeight: 0.5 }],
    ['default, n-grams 3-4', { ...base, ngramMax: 4 }],
    ['default, n-grams weight 0.5', { ...base, ngramWeight: 0.5 }],
    ['default, stopwords at full weight', { ...base, stopwordWeight: 1 }],
    ['default, no signed sqrt', { ...base, sublinear: false }],
    ['default + corpus IDF (reference)', base, { idf: true }],
    ['default, int8-quantised vectors', base, { int8: true }],
    ['default at 256', builtinOptions(256)],
    ['default at 512', builtinOptions(512)],
    ['default at 768', builtinOptions(768)],
  ];
  const chosen = quick ? rows.filter(([name]) => name.startsWith('words +') || name.startsWith('default at') || name.includes('int8')) : rows;
  console.log(
    `${'configuration'.padEnd(36)} ${'dims'.padStart(4)} ${'bytes'.padStart(6)}  ${'contained top-10'.padStart(16)} ${'top-1'.padStart(7)} ${'MRR'.padStart(6)}  ${'held-out top-10'.padStart(15)} ${'top-1'.padStart(7)}`,
  );
  for (const [name, options, extra] of chosen) {
    const result = measureQuality(corpus, options, extra);
    const bytes = extra?.int8 ? options.dimensions : options.dimensions * 4;
    console.log(
      `${name.padEnd(36)} ${String(options.dimensions).padStart(4)} ${String(bytes).padStart(6)}  ${percent(result.contained10).padStart(16)} ${percent(result.contained1).padStart(7)} ${result.containedMrr.toFixed(3).padStart(6)}  ${percent(result.heldOut10).padStart(15)} ${percent(result.heldOut1).padStart(7)}`,
    );
  }
  console.log('(bytes: per stored vector, float32; the int8 row is what an int8 index holds per vector)\n');
}

// ---------------------------------------------------------------------------------------------------------------------
// Throughput

function passagesOf(count: number): string[] {
  return Array.from({ length: count }, (_, index) => generateText(index + 1, 900 + (index % 300)));
}

async function throughput(texts: string[]): Promise<void> {
  const options = builtinOptions();
  const characters = texts.reduce((sum, text) => sum + text.length, 0);
  console.log(
    `Throughput of ${builtinEmbedderId(options)} on ${texts.length} generated passages (${Math.round(characters / texts.length)} characters on average)`,
  );
  embedTextsInline(texts.slice(0, 2000), options);
  let started = performance.now();
  embedTextsInline(texts, options);
  const inline = texts.length / ((performance.now() - started) / 1000);
  console.log(`  one thread (inline): ${Math.round(inline)} passages/s, ${(characters / 1e6 / ((performance.now() - started) / 1000)).toFixed(1)} MB/s`);
  for (const size of [1, 2, os.availableParallelism()].filter((value, index, all) => all.indexOf(value) === index)) {
    const pool = createEmbedderPool(options, size);
    await pool.embed(texts.slice(0, 2000));
    started = performance.now();
    for (let from = 0; from < texts.length; from += 512) await pool.embed(texts.slice(from, from + 512));
    const rate = texts.length / ((performance.now() - started) / 1000);
    console.log(`  pool of ${size} worker${size === 1 ? '' : 's'} (batches of 512): ${Math.round(rate)} passages/s`);
    await pool.close();
  }
  const query = createBuiltinEmbedder(options);
  const latencies: number[] = [];
  for (let index = 0; index < 2000; index++) {
    const at = performance.now();
    await query.embed([`who worked with person ${index} on the engine?`]);
    latencies.push(performance.now() - at);
  }
  latencies.sort((a, b) => a - b);
  console.log(`  one query inline: p50 ${(latencies[1000]! * 1000).toFixed(0)} µs, p99 ${(latencies[1980]! * 1000).toFixed(0)} µs`);
  console.log(`  cores here: ${os.availableParallelism()}\n`);
}

// ---------------------------------------------------------------------------------------------------------------------
// The job on SQLite

async function jobCost(texts: string[]): Promise<void> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-embed-'));
  const store = openSqliteStore({ file: path.join(folder, 'trellis.db') });
  try {
    await store.migrate();
    const graph = createGraphService(store);
    const tenantId = await createTenant(store, 'bench');
    for (let from = 0; from < texts.length; from += 500) {
      await graph.createSource(tenantId, { uri: `bench://passages/${from}`, kind: 'txt', chunks: texts.slice(from, from + 500).map((text) => ({ text })) });
    }
    const size = async () =>
      store.read('system', async (tx) => {
        const pages = await tx.get<{ count: number }>('SELECT page_count * page_size AS count FROM pragma_page_count(), pragma_page_size()');
        return Number(pages?.count ?? 0);
      });
    const config = loadConfig({ env: {}, file: undefined });
    const service = createEmbeddingService({ store, config });
    const bytesBefore = await size();
    const summary = await service.embedPending(tenantId, { kinds: ['passage'] });
    const bytesAfter = await size();
    const again = performance.now();
    const second = await service.embedPending(tenantId, { kinds: ['passage'] });
    const idle = (performance.now() - again) / 1000;
    const status = await service.status(tenantId);
    await service.close();
    await graph.close();
    const per10k = (summary.seconds * 10_000) / summary.passages;
    console.log(
      `search.embed job on SQLite (${config.embedWorkers || Math.max(1, os.availableParallelism() - 1)} worker, batches of 512, one transaction per batch):`,
    );
    console.log(
      `  ${summary.passages} passages in ${summary.seconds.toFixed(2)} s = ${Math.round(summary.passages / summary.seconds)} passages/s, ${per10k.toFixed(2)} s per 10,000 passages`,
    );
    console.log(
      `  database grew ${((bytesAfter - bytesBefore) / 1e6).toFixed(1)} MB = ${Math.round((bytesAfter - bytesBefore) / summary.passages)} bytes per stored 384-dimension vector (1,536 of them the float32 vector)`,
    );
    console.log(`  a second run with nothing missing: ${second.passages} written, ${idle.toFixed(2)} s (the scan for missing vectors)`);
    console.log(`  status: ${status.passages.embedded} embedded, ${status.passages.missing} missing\n`);
  } finally {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

if (!args.includes('--no-quality')) await quality();
const texts = passagesOf(Math.max(passageCount, jobCount));
await throughput(texts.slice(0, passageCount));
await jobCost(texts.slice(0, jobCount));
