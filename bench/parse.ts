/**
 * @module Parser and chunker benchmark: MB/s of text per format on generated inputs, and peak RSS while streaming a
 * generated large CSV through openRows and a generated 500-page PDF through parseDocument + chunkBlocks, and through
 * the whole ingest pipeline into SQLite with the built CLI (bench/built-cli.ts). The parse-only children run through tsx,
 * whose loader adds to their RSS (pdfjs: ~300 MB); the built-CLI figure is the one users see.
 * Run: node --import tsx bench/parse.ts   (PARSE_BENCH_CSV_MB=1024 sets the big CSV's size; default 1024)
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import ExcelJS from 'exceljs';
import { chunkBlocks } from '../src/ingest/chunk.js';
import { openRows, parseDocument } from '../src/ingest/parse/index.js';
import type { SourceKind } from '../src/ingest/types.js';
import { minimalDocx, minimalPdf } from '../test/support/ingest-fixtures.js';
import { runBuiltCli } from './built-cli.js';

// A child run measures one input alone, so its peak RSS is not the parent's generated data: `--only <kind> <file>`.
const only = process.argv.indexOf('--only');
if (only >= 0) {
  const kind = process.argv[only + 1] as SourceKind;
  const file = process.argv[only + 2]!;
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const started = performance.now();
  let count = 0;
  if (kind === 'csv') for await (const _row of openRows(file, kind)) count += 1;
  else for await (const _chunk of chunkBlocks((await parseDocument(file, kind)).blocks)) count += 1;
  clearInterval(timer);
  // VmHWM: the kernel's peak, worker threads included, between the samples too.
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  peak = Math.max(peak, process.memoryUsage.rss(), hwm ? Number(hwm) * 1024 : 0);
  console.log(JSON.stringify({ count, seconds: (performance.now() - started) / 1000, peakRss: peak }));
  process.exit(0);
}

function child(kind: SourceKind, file: string): { count: number; seconds: number; peakRss: number } {
  const output = execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, '--only', kind, file], { encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').pop()!) as { count: number; seconds: number; peakRss: number };
}

const folder = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-parse-'));
const csvMegabytes = Number(process.env.PARSE_BENCH_CSV_MB ?? 1024);
const words = ['Ada', 'Lovelace', 'worked', 'with', 'Charles', 'Babbage', 'on', 'the', 'Analytical', 'Engine', 'in', 'London', 'données', 'graph', '😀'];

function sentence(index: number): string {
  let text = '';
  for (let word = 0; word < 8 + (index % 13); word += 1) text += `${words[(index * 7 + word * 3) % words.length]} `;
  return `${text.trim()}.`;
}

function paragraph(index: number): string {
  return Array.from({ length: 5 }, (_, offset) => sentence(index * 5 + offset)).join(' ');
}

async function documentRun(kind: SourceKind, file: string): Promise<{ chars: number; chunks: number; seconds: number }> {
  const started = performance.now();
  const doc = await parseDocument(file, kind);
  let chars = 0;
  let chunks = 0;
  const counted = (async function* () {
    for await (const block of doc.blocks) {
      chars += block.text.length;
      yield block;
    }
  })();
  for await (const _chunk of chunkBlocks(counted)) chunks += 1;
  return { chars, chunks, seconds: (performance.now() - started) / 1000 };
}

async function rowsRun(kind: SourceKind, file: string): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  let rows = 0;
  for await (const _row of openRows(file, kind)) rows += 1;
  return { rows, seconds: (performance.now() - started) / 1000 };
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
try {
  // Documents: ~20 MB of text each for txt/md/html, smaller for docx and pdf.
  const paragraphs = Array.from({ length: 30_000 }, (_, index) => paragraph(index));
  const txt = path.join(folder, 'a.txt');
  writeFileSync(txt, paragraphs.join('\n\n'));
  const md = path.join(folder, 'a.md');
  writeFileSync(
    md,
    `---\ntitle: Bench\n---\n# Bench\n\n${paragraphs.map((text, index) => (index % 10 === 0 ? `## Part ${index}\n\n${text}` : text)).join('\n\n')}`,
  );
  const html = path.join(folder, 'a.html');
  writeFileSync(
    html,
    `<html><head><title>Bench</title></head><body>${paragraphs.map((text) => `<p>${text.replace(/&/g, '&amp;')}</p>`).join('\n')}</body></html>`,
  );
  const docx = path.join(folder, 'a.docx');
  writeFileSync(docx, minimalDocx(paragraphs.slice(0, 5000)));
  const pdfPages = Array.from({ length: 500 }, (_, page) => Array.from({ length: 40 }, (_, line) => sentence(page * 40 + line).replace(/😀|é/g, 'e')));
  const pdf = path.join(folder, 'a.pdf');
  writeFileSync(pdf, minimalPdf(pdfPages));
  console.log(`parse + chunk (size 1200, overlap 150), Node ${process.version}, ${os.cpus().length} CPUs`);
  for (const [kind, file] of [
    ['txt', txt],
    ['md', md],
    ['html', html],
    ['docx', docx],
    ['pdf', pdf],
  ] as const) {
    const run = await documentRun(kind, file);
    console.log(
      `${kind.padEnd(5)} file ${mb(statSync(file).size).padStart(6)} MB  text ${mb(run.chars).padStart(6)} M chars  ${run.chunks} chunks  ${(run.chars / 1e6 / run.seconds).toFixed(1)} M chars/s`,
    );
  }

  // Rows.
  const csv = path.join(folder, 'small.csv');
  writeFileSync(
    csv,
    `id,name,city,note\n${Array.from({ length: 200_000 }, (_, index) => `${index},${words[index % words.length]},London,"${sentence(index)}"`).join('\n')}\n`,
  );
  const jsonl = path.join(folder, 'a.jsonl');
  writeFileSync(
    jsonl,
    Array.from({ length: 200_000 }, (_, index) => JSON.stringify({ id: index, name: words[index % words.length], note: sentence(index) })).join('\n'),
  );
  const xlsx = path.join(folder, 'a.xlsx');
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: xlsx, useSharedStrings: true });
  const sheet = book.addWorksheet('Data');
  sheet.addRow(['id', 'name', 'when', 'note']).commit();
  for (let index = 0; index < 50_000; index += 1)
    sheet.addRow([index, words[index % words.length], new Date(Date.UTC(2020, 0, 1 + (index % 365))), sentence(index)]).commit();
  sheet.commit();
  await book.commit();
  for (const [kind, file] of [
    ['csv', csv],
    ['jsonl', jsonl],
    ['xlsx', xlsx],
  ] as const) {
    const run = await rowsRun(kind, file);
    const size = statSync(file).size;
    console.log(
      `${kind.padEnd(5)} file ${mb(size).padStart(6)} MB  ${run.rows} rows  ${(size / 1e6 / run.seconds).toFixed(1)} MB/s  ${Math.round(run.rows / run.seconds)} rows/s`,
    );
  }

  // The big CSV, written in pieces so generation itself stays small.
  const big = path.join(folder, 'big.csv');
  const out = createWriteStream(big);
  out.write('id,name,city,note\n');
  let written = 0;
  let index = 0;
  while (written < csvMegabytes * 1e6) {
    let piece = '';
    for (let line = 0; line < 2000; line += 1, index += 1) piece += `${index},${words[index % words.length]},London,"${sentence(index)}"\n`;
    written += Buffer.byteLength(piece);
    if (!out.write(piece)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const bigRun = child('csv', big);
  const bigSize = statSync(big).size;
  console.log(
    `big csv file ${mb(bigSize)} MB  ${bigRun.count} rows  ${(bigSize / 1e6 / bigRun.seconds).toFixed(1)} MB/s  peak RSS ${mb(bigRun.peakRss)} MB (own process)`,
  );
  rmSync(big);
  const pdfRun = child('pdf', pdf);
  console.log(
    `500-page pdf ${mb(statSync(pdf).size)} MB  ${pdfRun.count} chunks  ${pdfRun.seconds.toFixed(1)} s  peak RSS ${mb(pdfRun.peakRss)} MB (own process)`,
  );
  const dataDir = path.join(folder, 'data');
  const pdfIngest = runBuiltCli(['--data-dir', dataDir, '--json', 'ingest', pdf]);
  if (pdfIngest.code !== 0) throw new Error(pdfIngest.stderr);
  const summary = JSON.parse(pdfIngest.stdout) as { chunks: number; entities: number };
  console.log(
    `500-page pdf, whole ingest (built CLI, SQLite): ${summary.chunks} chunks  ${pdfIngest.seconds.toFixed(1)} s  peak RSS ${mb(pdfIngest.peakRss)} MB`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
