/**
 * Hybrid search benchmark on SQLite at 1,000,000 passages and 200,000 entities.
 *   node --import tsx bench/search.ts --text-db FILE [--dir DIR] [--queries 200] [--recall-queries 100] [--clients 50] [--seconds 20]
 *
 * 1. Corpus: FILE is a database bench/search-text.ts built (its generated Zipf corpus: passages in sources of 10,
 *    entities with aliases, about three passages in ten mentioning an entity as "<name> was there."), e.g.
 *    `node --import tsx bench/search-text.ts --sizes 1000000/200000 --queries 0` then
 *    `--text-db /tmp/trellis-bench-search-text/text-1000000-200000.db`. It is copied into DIR once; a later run with
 *    the same DIR reuses what the earlier one built.
 * 2. Graph: every mention "<name> was there." becomes evidence of that entity citing its exact span (upserts through
 *    the graph service's bulk writer), and each entity gets two relations to entities mentioned near it (same
 *    source) or, failing that, random ones — so the graph signal has real neighbourhoods.
 * 3. Vectors: the embedding service embeds every passage and entity (the built-in embedder in its worker pool, as the
 *    `search.embed` job does); the vector index builds its IVF index in a worker (build time printed).
 * 4. Single client, in process through `services.search`: `--queries` queries per mode (text, vector, hybrid) — two to
 *    four words cut from a random passage, half of them with an entity's name — p50/p95/p99 per mode, and vector
 *    recall@10 of the index against exact search for `--recall-queries` of them (by ID, and counting hits that tie the
 *    exact 10th score).
 * 5. Throughput: the real server (`trellis serve` in a child process on this data folder) under `--clients`
 *    concurrent connections for `--seconds`, hybrid queries over HTTP (autocannon, each connection cycling through
 *    its own queries): requests/s and latency p50/p97.5/p99. Any non-2xx answer makes the run invalid (exit 1).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { loadConfig } from '../src/core/config.js';
import type { EntityInput, RelationInput } from '../src/graph/index.js';
import type { SearchMode } from '../src/search/index.js';
import { createServices } from '../src/server/services.js';
import { openStore } from '../src/store/index.js';
import { percentile } from './corpus.js';

const { values } = parseArgs({
  options: {
    'text-db': { type: 'string' },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'trellis-bench-search') },
    queries: { type: 'string', default: '200' },
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    'recall-queries': { type: 'string', default: '100' },
  },
});
const queryCount = Number(values.queries);
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const dir = values.dir;
mkdirSync(dir, { recursive: true });
const dbFile = path.join(dir, 'trellis.db');
if (!existsSync(dbFile)) {
  if (!values['text-db']) throw new Error('--text-db FILE (a database bench/search-text.ts built) is needed on the first run');
  copyFileSync(values['text-db'], dbFile);
  console.log(`copied ${values['text-db']} to ${dbFile}`);
}

const config = loadConfig({ env: { TRELLIS_DATA_DIR: dir, TRELLIS_LOG_LEVEL: 'silent' }, file: undefined });
const store = openStore(config);
await store.migrate();
const services = createServices(config, store);
const tenantId = await store.read(
  'system',
  async (tx) => (await tx.get<{ tenant_id: string }>('SELECT tenant_id FROM chunks LIMIT 1', []))?.tenant_id as string,
);
const { key: apiKey } = await services.platform.apiKeys.create({ tenantId, name: 'bench/search.ts', scopes: ['read'] });
let next = 12345;
const random = () => {
  next = (next * 1664525 + 1013904223) >>> 0;
  return next / 2 ** 32;
};
const seconds1 = (start: number) => ((performance.now() - start) / 1000).toFixed(1);

async function setting(key: string): Promise<string | undefined> {
  return store.read('system', async (tx) => (await tx.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]))?.value);
}
async function mark(key: string): Promise<void> {
  await store.transaction('system', (tx) => tx.run('INSERT INTO settings (key, value) VALUES (?, ?)', [key, 'done']));
}

// 2. Graph: evidence for every mention, relations between entities of the same source.
if (!(await setting('bench.search.graph'))) {
  const started = performance.now();
  const entities = await store.read({ tenantId }, (tx) =>
    tx.all<{ id: string; type: string; name: string }>('SELECT id, type, name FROM entities WHERE tenant_id = ?', [tenantId]),
  );
  const byName = new Map(entities.map((entity) => [entity.name, entity]));
  const mention = / ?([^.]+?) was there\./g;
  let evidence = 0;
  let relations = 0;
  let afterId = '';
  for (;;) {
    const chunks = await store.read({ tenantId }, (tx) =>
      tx.all<{ id: string; source_id: string; text: string; start_offset: number }>(
        'SELECT id, source_id, text, start_offset FROM chunks WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT 20000',
        [tenantId, afterId],
      ),
    );
    if (chunks.length === 0) break;
    afterId = chunks.at(-1)?.id as string;
    const inputs: EntityInput[] = [];
    const mentioned: string[] = [];
    for (const chunk of chunks) {
      for (const match of chunk.text.matchAll(mention)) {
        const name = (match[1] as string).trim();
        const entity = byName.get(name);
        if (!entity) continue;
        const at = chunk.text.indexOf(name, match.index);
        inputs.push({
          type: entity.type,
          name: entity.name,
          evidence: [{ sourceId: chunk.source_id, chunkId: chunk.id, start: chunk.start_offset + at, end: chunk.start_offset + at + name.length }],
        });
        mentioned.push(entity.id);
      }
    }
    for (let index = 0; index < inputs.length; index += 5000) {
      await services.graph.upsertEntities(tenantId, inputs.slice(index, index + 5000));
    }
    evidence += inputs.length;
    // Each mentioned entity is related to the next mentioned one (neighbours in the corpus) and to a random entity.
    const drafts: RelationInput[] = [];
    for (let index = 0; index < mentioned.length; index++) {
      const from = mentioned[index] as string;
      const near = mentioned[(index + 1) % mentioned.length] as string;
      const far = entities[Math.floor(random() * entities.length)]?.id as string;
      if (near !== from) drafts.push({ type: 'RELATED_TO', from, to: near });
      if (far !== from) drafts.push({ type: 'MENTIONED_WITH', from, to: far });
    }
    for (let index = 0; index < drafts.length; index += 5000) await services.graph.upsertRelations(tenantId, drafts.slice(index, index + 5000));
    relations += drafts.length;
  }
  await mark('bench.search.graph');
  console.log(`graph: ${evidence} mentions cited, ${relations} relations written in ${seconds1(started)} s`);
}

// 3. Vectors.
{
  const started = performance.now();
  const summary = await services.embeddings.embedPending(tenantId);
  if (summary.passages + summary.entities > 0)
    console.log(
      `embeddings: ${summary.passages} passages and ${summary.entities} entities embedded in ${seconds1(started)} s (${services.embeddings.embedderId()})`,
    );
  const indexStarted = performance.now();
  const info = await services.vectors.ready(tenantId, services.embeddings.embedderId(), 'passage');
  await services.vectors.ready(tenantId, services.embeddings.embedderId(), 'entity');
  console.log(`vector index: ready in ${seconds1(indexStarted)} s: ${JSON.stringify(info)}`);
}

// 4. Queries.
const counts = await store.read({ tenantId }, async (tx) => ({
  passages: Number((await tx.get<{ n: number }>('SELECT count(*) AS n FROM chunks WHERE tenant_id = ?', [tenantId]))?.n),
  entities: Number((await tx.get<{ n: number }>('SELECT count(*) AS n FROM entities WHERE tenant_id = ?', [tenantId]))?.n),
  relations: Number((await tx.get<{ n: number }>('SELECT count(*) AS n FROM relations WHERE tenant_id = ?', [tenantId]))?.n),
}));
console.log(`corpus: ${counts.passages} passages, ${counts.entities} entities, ${counts.relations} relations`);
const samples = await store.read({ tenantId }, (tx) =>
  tx.all<{ text: string }>(`SELECT text FROM chunks WHERE tenant_id = ? ORDER BY random() LIMIT ${queryCount * 2}`, [tenantId]),
);
const names = await store.read({ tenantId }, (tx) =>
  tx.all<{ name: string }>(`SELECT name FROM entities WHERE tenant_id = ? ORDER BY random() LIMIT ${queryCount}`, [tenantId]),
);
const queries: string[] = [];
for (let index = 0; index < queryCount; index++) {
  const words = (samples[index]?.text ?? '').replace(/[.,]/g, '').split(/\s+/).filter(Boolean);
  const length = 2 + Math.floor(random() * 3);
  const start = Math.floor(random() * Math.max(1, words.length - length));
  const cut = words.slice(start, start + length).join(' ');
  queries.push(index % 2 === 0 ? cut : `${names[index]?.name ?? ''} ${words.slice(start, start + 1).join(' ')}`.trim());
}

const request = (query: string, mode: SearchMode) => ({ query, mode, kinds: ['passage', 'entity'] as const, limit: 10, filter: {} });
for (const mode of ['text', 'vector', 'hybrid'] as const) {
  for (const query of queries.slice(0, 10)) await services.search.search(tenantId, request(query, mode)); // warm-up
  const times: number[] = [];
  const signalTimes: Record<'text' | 'vector' | 'graph', number[]> = { text: [], vector: [], graph: [] };
  const cpu = process.cpuUsage();
  for (const query of queries) {
    const start = performance.now();
    const response = await services.search.search(tenantId, request(query, mode));
    times.push(performance.now() - start);
    for (const signal of ['text', 'vector', 'graph'] as const)
      if (response.signals[signal].used) signalTimes[signal].push(response.signals[signal].milliseconds);
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  console.log(
    `${mode.padEnd(6)} single client, ${queries.length} queries: p50 ${percentile(times, 50).toFixed(1)} ms  p95 ${percentile(times, 95).toFixed(1)} ms  p99 ${percentile(times, 99).toFixed(1)} ms  (process CPU, all threads: ${((used.user + used.system) / 1000 / queries.length).toFixed(1)} ms/query)`,
  );
  // Each signal's own time as the response reports it (text and vector run side by side, the graph signal after them).
  const parts = Object.entries(signalTimes)
    .filter(([, list]) => list.length > 0)
    .map(([signal, list]) => {
      list.sort((a, b) => a - b);
      return `${signal} p50 ${percentile(list, 50).toFixed(1)} p95 ${percentile(list, 95).toFixed(1)}`;
    });
  console.log(`       signals (ms): ${parts.join('; ')}`);
}

// Recall of the vector index against exact search, and the exact search's own latency.
{
  const embedderId = services.embeddings.embedderId();
  const recallQueries = Number(values['recall-queries']);
  if (recallQueries > 0) {
    let found = 0;
    let tieFound = 0;
    let total = 0;
    const exactTimes: number[] = [];
    for (const query of queries.slice(0, recallQueries)) {
      const vector = await services.embeddings.embedQuery(query);
      const approximate = await services.vectors.search(tenantId, embedderId, vector, { kind: 'passage', limit: 10 });
      const start = performance.now();
      const exact = await services.vectors.search(tenantId, embedderId, vector, { kind: 'passage', limit: 10, exact: true });
      exactTimes.push(performance.now() - start);
      const truth = new Set(exact.hits.map((hit) => hit.id));
      found += approximate.hits.filter((hit) => truth.has(hit.id)).length;
      total += truth.size;
      // Short queries tie: many passages share their words, so the exact top 10 is one pick among equal scores. A hit
      // scoring at least the exact 10th score (the approximate path rescores with the float vectors) is as good as any.
      const tenth = exact.hits.at(-1)?.score ?? Number.NEGATIVE_INFINITY;
      tieFound += approximate.hits.filter((hit) => truth.has(hit.id) || hit.score >= tenth - 1e-6).length;
    }
    exactTimes.sort((a, b) => a - b);
    console.log(
      `vector recall@10 against exact (${recallQueries} queries): ${(found / total).toFixed(3)} by ID, ${(tieFound / total).toFixed(3)} counting hits that tie the exact 10th score; exact search p50 ${percentile(exactTimes, 50).toFixed(0)} ms p95 ${percentile(exactTimes, 95).toFixed(0)} ms`,
    );
  }
}
await services.search.close();
await services.vectors.close();
await services.embeddings.close();
await services.graph.close();
await store.close();

// 5. Throughput over HTTP.
if (clients > 0) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0'], {
    env: { ...process.env, TRELLIS_DATA_DIR: dir, TRELLIS_LOG_LEVEL: 'warn', TRELLIS_RATE_LIMIT: 'off' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
      const found = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (found) resolve(found[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
  const headers = { authorization: `Bearer ${apiKey}` };
  const paths = queries.map((query) => `/search?${new URLSearchParams({ q: query, limit: '10' }).toString()}`);
  // Warm up before the clock starts: the server builds its vector indexes and graph projection on the first searches
  // (in workers); wait until 20 searches in a row answer in under 200 ms, at most two minutes.
  const warming = performance.now();
  for (let fast = 0, index = 0; fast < 20 && performance.now() - warming < 120_000; index++) {
    const start = performance.now();
    const response = await fetch(`${url}${paths[index % paths.length]}`, { headers });
    if (!response.ok) throw new Error(`warm-up search answered ${response.status}: ${await response.text()}`);
    fast = performance.now() - start < 200 ? fast + 1 : 0;
  }
  console.log(`server warmed up in ${seconds1(warming)} s`);
  let connection = 0;
  const result = await new Promise<{
    requests: { average: number };
    latency: { p50: number; p97_5: number; p99: number };
    non2xx: number;
    errors: number;
  }>((resolve, reject) => {
    autocannon(
      {
        url,
        connections: clients,
        duration: seconds,
        headers,
        setupClient(client: { setRequests(requests: { method: string; path: string; headers: Record<string, string> }[]): void }) {
          const offset = (connection++ * 7) % paths.length;
          client.setRequests(paths.map((_, index) => ({ method: 'GET', path: paths[(offset + index) % paths.length] as string, headers })));
        },
      },
      (error: Error | null, output: never) => (error ? reject(error) : resolve(output)),
    );
  });
  child.kill('SIGTERM');
  console.log(
    `hybrid over HTTP, ${clients} clients for ${seconds} s: ${result.requests.average.toFixed(0)} requests/s, latency p50 ${result.latency.p50} ms p97.5 ${result.latency.p97_5} ms p99 ${result.latency.p99} ms; non-2xx ${result.non2xx}, errors ${result.errors}`,
  );
  if (result.non2xx > 0 || result.errors > 0) process.exitCode = 1;
}
