/**
 * Pattern detection benchmark on SQLite: time and memory of the `memory.patterns` job over many mistakes.
 *   node --import tsx --expose-gc bench/memory-analysis.ts [--mistakes 100000] [--families 500] [--threshold 0.5] [--common-share 0.02] [--dir DIR]
 * 1. Generates `--mistakes` mistakes in `--families` families (realistic error messages: ten templates such as
 *    "TypeError: Cannot read properties of undefined (reading 'x') at Class.method (path:line:col)" or
 *    "connect ECONNREFUSED host:port", each family with its own identifiers, paths and hosts; every occurrence with
 *    its own numbers, and a third with extra words such as "[worker 3]" or "while retrying") and inserts them
 *    5,000 to a transaction (the rows the memory service writes; no events): setup, not timed as writes.
 * 2. Runs the pattern job's work (scan, clustering in a worker thread, writing one pattern per cluster with its
 *    events) and prints its time split, the peak RSS and main-thread heap over the run (sampled every 10 ms; the
 *    worker's memory is inside RSS), patterns found, and precision against the generated families: of the
 *    memories clustered, the share in their cluster's majority family (purity), and the families found whole.
 * 3. Runs it again: nothing changed, so nothing is written (every pattern "unchanged").
 * No timing assertions: figures only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/core/config.js';
import { newId } from '../src/core/ids.js';
import { detectPatterns } from '../src/memory/analysis/patterns.js';
import { cluster } from '../src/memory/analysis/similarity.js';
import { prepareMemory } from '../src/memory/kinds.js';
import { insertMemory } from '../src/memory/rows.js';
import { createServices } from '../src/server/services.js';
import { openSqliteStore } from '../src/store/sqlite.js';

const { values } = parseArgs({
  options: {
    mistakes: { type: 'string', default: '100000' },
    families: { type: 'string', default: '500' },
    threshold: { type: 'string', default: '0.5' },
    'common-share': { type: 'string', default: '0.02' },
    dir: { type: 'string' },
  },
});
const total = Number(values.mistakes);
const familyCount = Number(values.families);
const dir = values.dir ?? mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-analysis-'));

let seed = 2024;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const number = (max: number) => 1 + Math.floor(random() * max);
const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'po', 'si', 'de', 'ga', 'vu', 'ze', 'bi', 'fo', 'hu', 'ja', 'an', 'el', 'or', 'ix'];
/** A made-up identifier of 2–4 syllables. */
const identifier = () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(syllables)).join('');
const capital = (text: string) => text[0]?.toUpperCase() + text.slice(1);

interface Family {
  errorType: string;
  /** The message of one occurrence, with fresh numbers. */
  message: () => string;
}

/** Ten templates of real-looking errors; a family fills one with identifiers of its own. */
const templates: (() => Family)[] = [
  () => {
    const [property, type, method, file] = [identifier(), capital(identifier()), identifier(), `${identifier()}/${identifier()}`];
    return {
      errorType: 'TypeError',
      message: () => `Cannot read properties of undefined (reading '${property}') at ${type}.${method} (/app/src/${file}.ts:${number(900)}:${number(80)})`,
    };
  },
  () => {
    const host = `${identifier()}-db.${identifier()}.internal`;
    return { errorType: 'ConnectionError', message: () => `connect ECONNREFUSED ${host}:${5000 + number(999)} after ${number(5)} attempts` };
  },
  () => {
    const table = identifier();
    const column = identifier();
    return {
      errorType: 'QueryError',
      message: () => `duplicate key value violates unique constraint "${table}_${column}_key" Key (${column})=(${number(99999)}) already exists`,
    };
  },
  () => {
    const variable = identifier();
    const file = identifier();
    return { errorType: 'ReferenceError', message: () => `${variable} is not defined at ${file}.js:${number(400)}:${number(60)}` };
  },
  () => {
    const service = identifier();
    const route = `/${identifier()}/${identifier()}`;
    return { errorType: 'TimeoutError', message: () => `request to ${service} ${route} timed out after ${number(60) * 1000} ms (attempt ${number(4)})` };
  },
  () => {
    const module = `@${identifier()}/${identifier()}`;
    return { errorType: 'ModuleNotFoundError', message: () => `Cannot find module '${module}' imported from /srv/${identifier()}/index.js` };
  },
  () => {
    const key = identifier().toUpperCase();
    return { errorType: 'ConfigError', message: () => `Invalid configuration: ${key}_URL must be an http:// URL, got "${identifier()}:${number(9999)}"` };
  },
  () => {
    const bucket = `${identifier()}-${identifier()}`;
    return { errorType: 'PermissionError', message: () => `AccessDenied: not allowed to PutObject on arn:aws:s3:::${bucket}/uploads/${number(99999)}.bin` };
  },
  () => {
    const job = identifier();
    return { errorType: 'OutOfMemoryError', message: () => `worker for ${job} ran out of memory: heap limit ${number(8)} GB reached after ${number(900)} s` };
  },
  () => {
    const field = identifier();
    const schema = capital(identifier());
    return { errorType: 'ValidationError', message: () => `${schema}.${field} must be a string, got number ${number(1000)} in body/${field}` };
  },
];
const noise = ['[worker 3]', 'while retrying', 'in production', 'during startup', 'on the nightly run', '(after deploy)'];
const families = Array.from({ length: familyCount }, (_, index) => (templates[index % templates.length] as () => Family)());

const config = loadConfig({ env: {}, file: undefined, overrides: { dataDir: dir, logLevel: 'silent', graphProjection: 'off', vectorIndexWarm: 'off' } });
const store = openSqliteStore({ file: path.join(dir, 'trellis.db') });
await store.migrate();
const services = createServices(config, store);
const tenantId = newId();
await store.transaction('system', (tx) =>
  tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'bench', 'bench', new Date().toISOString()]),
);

console.log(`pattern detection bench: ${total.toLocaleString('en')} mistakes in ${familyCount} families, SQLite at ${dir}`);
const familyOf = new Map<string, number>();
const texts: { group: string; text: string }[] = [];
const loadStarted = performance.now();
const seen = new Set<string>();
for (let done = 0; done < total;) {
  const size = Math.min(5000, total - done);
  await store.transaction({ tenantId }, async (tx) => {
    const now = new Date().toISOString();
    for (let index = 0; index < size; index++) {
      const family = Math.floor(random() * familyCount);
      const { errorType, message } = families[family] as Family;
      let text = message();
      if (random() < 0.33) text = random() < 0.5 ? `${pick(noise)} ${text}` : `${text} ${pick(noise)}`;
      // Content must be unique per tenant (the content hash); the odd repeat gets a request number.
      if (seen.has(text)) text = `${text} (request ${done + index})`;
      seen.add(text);
      const memory = prepareMemory({ kind: 'mistake', errorType, message: text, resolved: random() < 0.4 });
      const id = newId();
      await insertMemory(tx, tenantId, id, memory, now); // the memory with its source row
      familyOf.set(id, family);
      texts.push({ group: 'mistake', text: `${errorType}\n${text}` });
    }
  });
  done += size;
}
seen.clear();
console.log(`  loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s (setup)`);

/** Runs `work`, sampling RSS and the main thread's heap every 10 ms; answers the peaks above the level before. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; peakRss: number; peakHeap: number; baseRss: number }> {
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 10);
  const started = performance.now();
  try {
    const result = await work();
    return { result, seconds: (performance.now() - started) / 1000, peakRss, peakHeap: peakHeap - base.heapUsed, baseRss: base.rss };
  } finally {
    clearInterval(timer);
  }
}
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const deps = { store: services.store, graph: services.graph, now: () => new Date() };
const settings = { minSupport: 3, threshold: Number(values.threshold), commonShare: Number(values['common-share']), maxPatterns: 10_000 };
const signal = new AbortController().signal;

const first = await measured(() => detectPatterns(deps, tenantId, settings, () => {}, signal));
const run = first.result;
console.log(
  `  first run: ${first.seconds.toFixed(2)} s (clustering in the worker ${(run.clusterMs / 1000).toFixed(2)} s); ${run.created} patterns created, ${run.skipped} skipped`,
);
console.log(
  `  memory: peak RSS ${mib(first.peakRss)} (${mib(first.peakRss - first.baseRss)} above the ${mib(first.baseRss)} before), main-thread heap +${mib(first.peakHeap)}`,
);

const second = await measured(() => detectPatterns(deps, tenantId, settings, () => {}, signal));
console.log(
  `  re-run: ${second.seconds.toFixed(2)} s; created ${second.result.created}, updated ${second.result.updated}, unchanged ${second.result.unchanged}`,
);

// Precision against the families, over the full clusters (the job stores the oldest 100 supporting IDs of each).
const ids = [...familyOf.keys()];
const clusters = cluster(texts, { threshold: settings.threshold, minSize: settings.minSupport, verify: 'estimate', commonShare: settings.commonShare });
let clustered = 0;
let majorityTotal = 0;
const largestShare = new Map<number, number>();
for (const found of clusters) {
  const counts = new Map<number, number>();
  for (const member of found.members) {
    const family = familyOf.get(ids[member] as string) as number;
    counts.set(family, (counts.get(family) ?? 0) + 1);
  }
  const [family, count] = [...counts].sort((a, b) => b[1] - a[1])[0] as [number, number];
  clustered += found.members.length;
  majorityTotal += count;
  largestShare.set(family, Math.max(largestShare.get(family) ?? 0, count));
}
const familySizes = new Map<number, number>();
for (const family of familyOf.values()) familySizes.set(family, (familySizes.get(family) ?? 0) + 1);
const whole = [...familySizes].filter(([family, size]) => (largestShare.get(family) ?? 0) >= 0.9 * size).length;
console.log(
  `  quality: ${clusters.length} clusters for ${familyCount} families; precision (purity) ${((majorityTotal / clustered) * 100).toFixed(2)} %; ` +
    `${((clustered / total) * 100).toFixed(1)} % of mistakes in a pattern; ${whole} of ${familyCount} families found whole (≥ 90 % in one pattern)`,
);
const sample = await services.memory.list(tenantId, { kind: 'pattern', limit: 1 });
console.log(`  e.g. ${sample.items[0]?.title} — confidence ${sample.items[0]?.fields.confidence}, occurrences ${sample.items[0]?.fields.occurrences}`);

await services.search.close();
await services.vectors.close();
await services.embeddings.close();
await store.close();
if (!values.dir) rmSync(dir, { recursive: true, force: true });
