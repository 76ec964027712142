/**
 * Export benchmark: builds a graph in a SQLite store (or reuses one from an earlier run), then exports it through the
 * real exporter — to a file, and through GET /export over loopback HTTP — each in a child process running JavaScript
 * transpiled from src/ (bench/export-child.ts), and prints the rate (relations/s, MB/s), the peak RSS of the
 * exporting process (worker thread included) and the event loop's worst delay meanwhile.
 *   node --import tsx bench/export.ts [--entities 1000000] [--relations 5000000] [--data-dir DIR] [--format graphml]
 *                                     [--what graph] [--citations 0] [--http] [--batch 10000]
 * With --data-dir the store is kept (and reused when it holds the same counts); without, a temporary one is removed.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/core/config.js';
import { createGraphService } from '../src/graph/index.js';
import { createPlatformService } from '../src/platform/index.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { transpileCli } from '../test/support/transpiled-cli.js';
import { buildGraph } from './corpus.js';

const { values } = parseArgs({
  options: {
    entities: { type: 'string', default: '1000000' },
    relations: { type: 'string', default: '5000000' },
    'data-dir': { type: 'string' },
    format: { type: 'string', default: 'graphml' },
    what: { type: 'string', default: 'graph' },
    citations: { type: 'string', default: '0' },
    http: { type: 'boolean', default: false },
    batch: { type: 'string', default: '10000' },
  },
});

interface Built {
  tenantId: string;
  apiKey: string;
  entities: number;
  relations: number;
}

interface Measured {
  bytes: number;
  seconds: number;
  maxRssMb: number;
  baselineRssMb: number;
  worstLoopDelayMs: number;
  p99LoopDelayMs: number;
}

const int = (value: number) => Math.round(value).toLocaleString('en-US');

/** The exporting child, from the transpiled copy: the same code as src/, without tsx in the measured process. */
function startChild(root: string, mode: string, dataDir: string): ChildProcess {
  const args = [mode, dataDir, values.format as string, values.what as string, values.citations as string];
  return fork(path.join(root, 'bench', 'export-child.js'), args, { stdio: 'inherit' });
}

function nextMessage<T>(process: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    process.once('message', (message) => resolve(message as T));
    process.once('exit', (code) => reject(new Error(`the child exited with code ${code}`)));
  });
}

/** Builds the graph unless the data folder holds one of the same size. */
async function prepare(dataDir: string): Promise<Built> {
  const entities = Number(values.entities);
  const relations = Number(values.relations);
  const summary = path.join(dataDir, 'bench-export.json');
  if (existsSync(summary)) {
    const built = JSON.parse(readFileSync(summary, 'utf8')) as Built;
    if (built.entities === entities && built.relations === relations) {
      console.log(`reusing the graph in ${dataDir}: ${int(entities)} entities, ${int(relations)} relations`);
      return built;
    }
    throw new Error(`${dataDir} holds a graph of ${built.entities} entities and ${built.relations} relations; give another --data-dir`);
  }
  mkdirSync(dataDir, { recursive: true });
  const store = openSqliteStore({ file: path.join(dataDir, 'trellis.db') });
  await store.migrate();
  const platform = createPlatformService(store, loadConfig({ env: {}, file: undefined, overrides: { dataDir } }));
  const { created } = await platform.bootstrap();
  if (!created) throw new Error(`${dataDir} already holds a tenant; give an empty --data-dir`);
  const graph = createGraphService(store);
  const batch = Number(values.batch);
  const every = Math.max(batch, Math.ceil(relations / 10 / batch) * batch);
  const result = await buildGraph(graph, created.tenantId, { entities, relations, batch }, (phase, done, started) => {
    if (done % every !== 0 && done !== (phase === 'entities' ? entities : relations)) return;
    console.log(`  ${phase.padEnd(9)} ${int(done).padStart(11)}  ${int(done / ((performance.now() - started) / 1000))}/s`);
  });
  console.log(`built in ${(result.entitySeconds + result.relationSeconds).toFixed(0)} s`);
  await store.close();
  const built: Built = { tenantId: created.tenantId, apiKey: created.apiKey, entities, relations };
  writeFileSync(summary, JSON.stringify(built));
  return built;
}

function report(label: string, built: Built, measured: Measured): void {
  const megabytes = measured.bytes / 1e6;
  console.log(
    `${label.padEnd(14)} ${int(built.relations / measured.seconds)} relations/s (${int((built.entities + built.relations) / measured.seconds)} facts/s), ` +
      `${(megabytes / measured.seconds).toFixed(1)} MB/s, ${megabytes.toFixed(0)} MB in ${measured.seconds.toFixed(1)} s; ` +
      `peak RSS ${measured.maxRssMb.toFixed(0)} MB (${measured.baselineRssMb.toFixed(0)} MB before the export); event loop delay p99 ${measured.p99LoopDelayMs.toFixed(1)} ms, worst ${measured.worstLoopDelayMs.toFixed(1)} ms`,
  );
}

async function main(): Promise<void> {
  const keep = values['data-dir'] !== undefined;
  const dataDir = path.resolve(values['data-dir'] ?? mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-export-')));
  console.log(
    `export ${values.format} (what=${values.what}, citations=${values.citations}) of ${int(Number(values.entities))} entities and ${int(Number(values.relations))} relations, SQLite, node ${process.version}, ${os.cpus().length} cores`,
  );
  try {
    const built = await prepare(dataDir);
    // What the machine does to any event loop (other processes' load) without an export: the baseline of the figures below.
    const idle = monitorEventLoopDelay({ resolution: 10 });
    idle.enable();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    idle.disable();
    console.log(
      `an idle event loop on this machine now: delay p99 ${(idle.percentile(99) / 1e6).toFixed(1)} ms, worst ${(idle.max / 1e6).toFixed(1)} ms (5 s)`,
    );
    const transpiled = transpileCli(['bench/export-child.ts']);
    cleanups.push(() => transpiled.dispose());
    const file = startChild(transpiled.root, 'file', dataDir);
    report('to a file', built, await nextMessage<Measured>(file));
    if (values.http) {
      const server = startChild(transpiled.root, 'http', dataDir);
      const { url } = await nextMessage<{ url: string }>(server);
      const started = performance.now();
      const response = await fetch(`${url}/export?format=${values.format}&what=${values.what}&citations=${values.citations}`, {
        headers: { authorization: `Bearer ${built.apiKey}` },
      });
      if (!response.ok || !response.body) throw new Error(`GET /export answered ${response.status}: ${await response.text()}`);
      let bytes = 0;
      for await (const chunk of Readable.fromWeb(response.body as import('node:stream/web').ReadableStream)) bytes += (chunk as Buffer).length;
      const seconds = (performance.now() - started) / 1000;
      server.send('report');
      const server_ = await nextMessage<Omit<Measured, 'bytes' | 'seconds'>>(server);
      report('over HTTP', built, { bytes, seconds, ...server_ });
    }
  } finally {
    for (const cleanup of cleanups) cleanup();
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

const cleanups: (() => void)[] = [];
await main();
