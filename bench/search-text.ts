/**
 * Full-text search benchmark on SQLite.
 *   node --import tsx bench/search-text.ts [--sizes 100000/20000,1000000/200000] [--queries 50] [--exact 20] [--dir DIR]
 * For each size (passages/entities) it generates a corpus — a Zipf-distributed vocabulary of 200,000 words (exponent
 * 1.05, a few with diacritics), passages of 40–240 words in sentences, 10 passages per source, entities (people,
 * organisations, places) with aliases whose names also appear in passages — and loads it into the real schema with
 * batched INSERTs (migration 0009's triggers index it), unless DIR already holds that size. It prints the load time and
 * the size of the indexes, then runs `--queries` queries of each class through the text search service (passages and
 * entities, 10 of each) and prints p50/p95/p99 per class and overall. With `--exact N` it also ranks N queries of each
 * class exhaustively (bm25 over every match, no planner) and prints how many of the planner's top 10 passages are in the
 * exhaustive top 10, and the exhaustive latency. Each latency line also gives the process's CPU time per query
 * (user + system), which other load on a shared machine does not inflate as it does wall-clock time.
 *
 *   node --import tsx bench/search-text.ts --stemming /work/shared/data/redocred/dev_revised.json
 * instead measures whether stemming would help: every sentence of the Re-DocRED documents is a row of two FTS5 tables,
 * one with the tokenizer Trellis uses and one with the Porter stemmer on top of it; each sentence, parsed as a query,
 * searches the other sentences, and the bench prints how often its own document is among the documents of the top 10
 * (and the mean reciprocal rank of the first sentence of its document) with each tokenizer.
 *
 *   node --import tsx bench/search-text.ts --write-cost 5
 * instead measures what the indexing triggers cost writes: 5 MB of generated text as sources of 10 passages through
 * the graph service, with 20 entity upserts (name and alias) per source and every tenth source deleted, into two
 * stores — with and without the triggers — alternating, and prints the rate of each.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { newId } from '../src/core/ids.js';
import { createGraphService } from '../src/graph/index.js';
import { canonicalKey } from '../src/graph/keys.js';
import { createTextSearch, parseTextQuery } from '../src/search/text/index.js';
import { ftsPhrase } from '../src/search/text/fts.js';
import type { SearchFilter } from '../src/search/types.js';
import type { Store } from '../src/store/index.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { generateText, random as seededRandom } from '../test/support/ingest-corpus.js';
import { percentile } from './corpus.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000/20000,1000000/200000' },
    queries: { type: 'string', default: '50' },
    exact: { type: 'string', default: '20' },
    dir: { type: 'string', default: path.join(os.tmpdir(), 'trellis-bench-search-text') },
    stemming: { type: 'string' },
    slowest: { type: 'boolean', default: false },
    'write-cost': { type: 'string' },
  },
});
const queriesPerClass = Number(values.queries);
const exactPerClass = Number(values.exact);
const sizes = values.sizes.split(',').map((size) => size.split('/').map(Number) as [number, number]);
mkdirSync(values.dir, { recursive: true });

const vocabularySize = 200_000;
const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'po', 'si', 'de', 'ga', 'vu', 'ze', 'bi', 'fo', 'hu', 'ja', 'xe', 'qui', 'ry', 'wo', 'an', 'el'];
const accents: Record<string, string> = { a: 'á', e: 'é', o: 'ö', u: 'ü' };

/** The vocabulary, most frequent first: short words at the top, as in natural languages. */
function vocabulary(): string[] {
  const next = seededRandom(7);
  const words: string[] = [];
  const seen = new Set<string>();
  while (words.length < vocabularySize) {
    const length = 1 + Math.floor(next() * 3) + (words.length > 300 ? 1 : 0) + (words.length > 20_000 ? 1 : 0);
    let word = '';
    for (let index = 0; index < length; index++) word += syllables[Math.floor(next() * syllables.length)];
    if (next() < 0.03) word = word.replace(/[aeou]/, (vowel) => accents[vowel] as string);
    if (!seen.has(word)) {
      seen.add(word);
      words.push(word);
    }
  }
  return words;
}

const words = vocabulary();
const rankOf = new Map(words.map((word, rank) => [word, rank]));

/** Draws vocabulary ranks with P(rank) ∝ 1 / (rank + 1)^1.05. */
function zipf(next: () => number): () => number {
  const cumulative = new Float64Array(vocabularySize);
  let total = 0;
  for (let rank = 0; rank < vocabularySize; rank++) cumulative[rank] = total += 1 / (rank + 1) ** 1.05;
  return () => {
    const target = next() * total;
    let low = 0;
    let high = vocabularySize - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

interface GeneratedEntity {
  type: string;
  name: string;
  aliases: string[];
}

/** Entity `index`: a person (two name words), an organisation (one or two words and a suffix) or a place. */
function entityAt(index: number): GeneratedEntity {
  const next = seededRandom(1_000_003 + index);
  const nameWord = () => capitalise(words[500 + Math.floor(next() ** 2 * 60_000)] as string);
  const kind = index % 3;
  if (kind === 0) {
    const [first, last] = [nameWord(), nameWord()];
    return { type: 'Person', name: `${first} ${last}`, aliases: next() < 0.5 ? [last] : [] };
  }
  if (kind === 1) {
    const parts = next() < 0.5 ? [nameWord()] : [nameWord(), nameWord()];
    const suffix = ['Corporation', 'Inc.', 'Group', 'University', 'Institute', 'Bank'][Math.floor(next() * 6)] as string;
    const acronym = parts.map((part) => part.charAt(0)).join('') + suffix.charAt(0);
    return { type: 'Organization', name: `${parts.join(' ')} ${suffix}`, aliases: next() < 0.6 ? [acronym.toUpperCase()] : [] };
  }
  return { type: 'Place', name: next() < 0.7 ? nameWord() : `${nameWord()} ${nameWord()}`, aliases: [] };
}

/** A passage: sentences of Zipf words; three in ten mention an entity by name. */
function passageAt(draw: () => number, next: () => number, entityCount: number): string {
  const length = 40 + Math.floor(next() * 200);
  const sentences: string[] = [];
  let sentence: string[] = [];
  for (let position = 0; position < length; position++) {
    sentence.push(words[draw()] as string);
    if (sentence.length >= 8 + Math.floor(next() * 12) || position === length - 1) {
      sentence[0] = capitalise(sentence[0] as string);
      sentences.push(`${sentence.join(' ')}.`);
      sentence = [];
    }
  }
  if (next() < 0.3) sentences.splice(Math.floor(next() * sentences.length), 0, `${entityAt(Math.floor(next() * entityCount)).name} was there.`);
  return sentences.join(' ');
}

const passagesPerSource = 10;
const completeKey = 'bench.search_text.complete';

/** Loads the corpus into the store's real tables in batched transactions; the triggers index as they would any write. */
async function load(store: Store, tenantId: string, passageCount: number, entityCount: number): Promise<void> {
  const next = seededRandom(42);
  const draw = zipf(next);
  const started = Date.parse('2020-01-01T00:00:00Z');
  const batch = 5000;
  const t0 = performance.now();
  for (let first = 0; first < passageCount; first += batch) {
    await store.transaction({ tenantId }, async (tx) => {
      if (tx.dialect !== 'sqlite') throw new Error('SQLite only');
      const source = tx.db.prepare(
        "INSERT INTO sources (tenant_id, id, uri, kind, title, metadata, status, created_at, updated_at) VALUES (?, ?, ?, 'text', NULL, '{}', 'ingested', ?, ?)",
      );
      const chunk = tx.db.prepare(
        'INSERT INTO chunks (tenant_id, id, source_id, ordinal, text, start_offset, end_offset, page) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)',
      );
      let sourceId = '';
      let offset = 0;
      for (let index = first; index < Math.min(passageCount, first + batch); index++) {
        if (index % passagesPerSource === 0) {
          sourceId = newId();
          const time = new Date(started + (index / passagesPerSource) * 60_000).toISOString();
          source.run(tenantId, sourceId, `bench://source/${index / passagesPerSource}`, time, time);
          offset = 0;
        }
        const text = passageAt(draw, next, entityCount);
        chunk.run(tenantId, newId(), sourceId, index % passagesPerSource, text, offset, offset + text.length);
        offset += text.length + 2;
      }
    });
    if ((first / batch) % 20 === 19) process.stdout.write(`  ${first + batch} passages, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  const passageSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const now = new Date().toISOString();
  for (let first = 0; first < entityCount; first += batch) {
    await store.transaction({ tenantId }, async (tx) => {
      if (tx.dialect !== 'sqlite') throw new Error('SQLite only');
      const entity = tx.db.prepare(
        "INSERT INTO entities (tenant_id, id, type, name, canonical_key, properties, confidence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '{}', 1, ?, ?) ON CONFLICT DO NOTHING",
      );
      const alias = tx.db.prepare('INSERT OR IGNORE INTO entity_aliases (tenant_id, entity_id, alias_key, alias) VALUES (?, ?, ?, ?)');
      for (let index = first; index < Math.min(entityCount, first + batch); index++) {
        const generated = entityAt(index);
        const id = newId();
        if (entity.run(tenantId, id, generated.type, generated.name, canonicalKey(generated.name), now, now).changes === 0) continue;
        for (const name of [generated.name, ...generated.aliases]) alias.run(tenantId, id, canonicalKey(name), name);
      }
    });
  }
  const entitySeconds = (performance.now() - t1) / 1000;
  await store.transaction('system', (tx) => tx.run('INSERT INTO settings (key, value) VALUES (?, ?)', [completeKey, tenantId]));
  console.log(
    `load: ${passageCount} passages in ${passageSeconds.toFixed(1)} s (${(passageCount / passageSeconds).toFixed(0)}/s), ${entityCount} entities in ${entitySeconds.toFixed(1)} s (${(entityCount / entitySeconds).toFixed(0)}/s), through the real tables and triggers`,
  );
}

/** Sizes of the search tables and of chunks, in MB (dbstat). */
async function indexSizes(store: Store): Promise<string> {
  const rows = await store.read('system', (tx) => tx.all<{ name: string; bytes: number }>('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name', []));
  const sum = (test: (name: string) => boolean) => rows.filter((row) => test(row.name)).reduce((total, row) => total + Number(row.bytes), 0) / 1e6;
  const passagesFts = sum((name) => name.startsWith('search_passages'));
  const passageMap = sum((name) => name.includes('search_passage_rows'));
  const aliasesFts = sum((name) => name.startsWith('search_aliases'));
  const aliasMap = sum((name) => name.includes('search_alias_rows'));
  const chunks = sum((name) => name === 'chunks' || name.includes('autoindex_chunks'));
  return `index size: passages FTS5 ${passagesFts.toFixed(0)} MB + row map ${passageMap.toFixed(0)} MB; aliases FTS5 ${aliasesFts.toFixed(1)} MB + row map ${aliasMap.toFixed(1)} MB; (chunks table with its text: ${chunks.toFixed(0)} MB)`;
}

interface BenchQuery {
  text: string;
  filter?: SearchFilter;
}

/** The query classes, each a deterministic generator. Word bands by vocabulary rank: common < 1,000 ≤ middle < 20,000 ≤ rare. */
function queryClasses(store: Store, tenantId: string, passageCount: number, entityCount: number) {
  const next = seededRandom(99);
  const band = (low: number, high: number) => words[low + Math.floor(next() * (high - low))] as string;
  const common = () => band(0, 1000);
  const middle = () => band(1000, 20_000);
  const rare = () => band(20_000, 150_000);
  const count = () => 2 + Math.floor(next() * 3);
  const draw = zipf(next);
  const passageText = async () =>
    store.read({ tenantId }, async (tx) => {
      const row = await tx.get<{ text: string }>(
        'SELECT c.text FROM sources s JOIN chunks c ON c.tenant_id = s.tenant_id AND c.source_id = s.id WHERE s.tenant_id = ? AND s.uri = ? AND c.ordinal = ?',
        [tenantId, `bench://source/${Math.floor(next() * (passageCount / passagesPerSource))}`, Math.floor(next() * passagesPerSource)],
      );
      return row?.text ?? '';
    });
  const sourceIds = async (n: number) =>
    store.read({ tenantId }, async (tx) =>
      (
        await tx.all<{ id: string }>('SELECT id FROM sources WHERE tenant_id = ? AND uri IN (SELECT value FROM json_each(?))', [
          tenantId,
          JSON.stringify(Array.from({ length: n }, () => `bench://source/${Math.floor(next() * (passageCount / passagesPerSource))}`)),
        ])
      ).map((row) => row.id),
    );
  const lastTenth = new Date(Date.parse('2020-01-01T00:00:00Z') + passageCount * 0.9 * (60_000 / passagesPerSource)).toISOString();
  const mixed = () => [rare(), ...Array.from({ length: count() - 1 }, () => (next() < 0.5 ? common() : middle()))].join(' ');
  return {
    'one rare word': async (): Promise<BenchQuery> => ({ text: rare() }),
    'one middle word': async (): Promise<BenchQuery> => ({ text: middle() }),
    'one common word': async (): Promise<BenchQuery> => ({ text: common() }),
    '2-4 words, one rare': async (): Promise<BenchQuery> => ({ text: mixed() }),
    '2-4 common words': async (): Promise<BenchQuery> => ({ text: Array.from({ length: count() }, common).join(' ') }),
    '2-4 words by corpus frequency': async (): Promise<BenchQuery> => ({ text: Array.from({ length: count() }, () => words[draw()]).join(' ') }),
    'quoted phrase from a passage': async (): Promise<BenchQuery> => {
      const text = (await passageText()).replace(/[.]/g, '').split(' ');
      const at = Math.floor(next() * (text.length - 2));
      return { text: `"${text.slice(at, at + 2).join(' ')}"` };
    },
    'quoted phrase, not 2 common words': async (): Promise<BenchQuery> => {
      // Two adjacent words of a passage, at least one outside the 1,000 most frequent.
      for (;;) {
        const text = (await passageText()).replace(/[.]/g, '').toLowerCase().split(' ');
        for (let at = Math.floor(next() * (text.length - 2)); at < text.length - 1; at++)
          if (Math.max(rankOf.get(text[at] as string) ?? 0, rankOf.get(text[at + 1] as string) ?? 0) >= 1000) return { text: `"${text[at]} ${text[at + 1]}"` };
      }
    },
    'entity name': async (): Promise<BenchQuery> => ({ text: entityAt(Math.floor(next() * entityCount)).name }),
    '2-4 words, 10-source filter': async (): Promise<BenchQuery> => ({ text: mixed(), filter: { sourceIds: await sourceIds(10) } }),
    '2-4 words, newest tenth filter': async (): Promise<BenchQuery> => ({ text: mixed(), filter: { since: lastTenth } }),
  };
}

function line(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `${label.padEnd(32)} p50 ${percentile(sorted, 50).toFixed(2).padStart(6)} ms  p95 ${percentile(sorted, 95).toFixed(2).padStart(6)} ms  p99 ${percentile(sorted, 99).toFixed(2).padStart(6)} ms`;
}

async function run(passageCount: number, entityCount: number): Promise<void> {
  const file = path.join(values.dir, `text-${passageCount}-${entityCount}.db`);
  const store = openSqliteStore({ file });
  try {
    await store.migrate();
    let tenantId = await store.read(
      'system',
      async (tx) => (await tx.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [completeKey]))?.value,
    );
    console.log(`\n== ${passageCount} passages, ${entityCount} entities (${file}) ==`);
    if (!tenantId) {
      tenantId = newId();
      const id = tenantId;
      await store.transaction('system', (tx) =>
        tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [id, `bench-${id}`, 'bench', new Date().toISOString()]),
      );
      await load(store, tenantId, passageCount, entityCount);
    } else {
      console.log('load: reusing the corpus already in the data dir');
    }
    console.log(`database file ${(statSync(file).size / 1e6).toFixed(0)} MB; ${await indexSizes(store)}`);
    const search = createTextSearch(store);
    const exhaustive = createTextSearch(store, { planner: { candidateBudget: Number.POSITIVE_INFINITY, stopFrequency: Number.POSITIVE_INFINITY } });
    const classes = queryClasses(store, tenantId, passageCount, entityCount);
    for (const text of ['warm up', 'the', 'kalo mine', 'zeta']) await search.search(tenantId, text);
    const all: number[] = [];
    const allCpu: number[] = [];
    const exactLines: string[] = [];
    for (const [name, generate] of Object.entries(classes)) {
      const samples: number[] = [];
      const cpuSamples: number[] = [];
      const slowest = { ms: 0, text: '' };
      const overlaps: number[] = [];
      const exactTimes: number[] = [];
      for (let index = 0; index < queriesPerClass; index++) {
        const query = await generate();
        const started = performance.now();
        const cpuStarted = process.cpuUsage();
        const hits = await search.search(tenantId as string, query.text, { kinds: ['passage', 'entity'], limit: 10, filter: query.filter });
        samples.push(performance.now() - started);
        if (performance.now() - started > slowest.ms) Object.assign(slowest, { ms: performance.now() - started, text: query.text });
        const cpu = process.cpuUsage(cpuStarted);
        cpuSamples.push((cpu.user + cpu.system) / 1000);
        if (index < exactPerClass) {
          const exactStarted = performance.now();
          const exact = await exhaustive.search(tenantId as string, query.text, { kinds: ['passage'], limit: 10, filter: query.filter });
          exactTimes.push(performance.now() - exactStarted);
          const wanted = new Set(exact.map((hit) => hit.id));
          const got = hits.filter((hit) => hit.kind === 'passage' && wanted.has(hit.id)).length;
          overlaps.push(wanted.size === 0 ? 1 : got / wanted.size);
        }
      }
      all.push(...samples);
      allCpu.push(...cpuSamples);
      console.log(`${line(name, samples)}   | CPU ${line('', cpuSamples).trim()}`);
      if (values.slowest) console.log(`  slowest: ${slowest.ms.toFixed(1)} ms ${JSON.stringify(slowest.text)}`);
      if (overlaps.length > 0)
        exactLines.push(
          `${name.padEnd(32)} top-10 overlap ${(overlaps.reduce((sum, value) => sum + value, 0) / overlaps.length).toFixed(3)}  exhaustive ${line('', exactTimes).trim()}`,
        );
    }
    console.log(`${line(`all ${all.length} queries`, all)}   | CPU ${line('', allCpu).trim()}`);
    console.log(
      `load average (1, 5, 15 min) after the queries: ${os
        .loadavg()
        .map((value) => value.toFixed(2))
        .join(', ')} on ${os.cpus().length} cores`,
    );
    if (exactLines.length > 0) {
      console.log(`planner's top-10 passages against exhaustive bm25 (first ${exactPerClass} queries of each class; passages only):`);
      for (const exactLine of exactLines) console.log(`  ${exactLine}`);
    }
  } finally {
    await store.close();
  }
}

/** Sentence → own-document retrieval on Re-DocRED, with and without the Porter stemmer. */
async function stemming(file: string): Promise<void> {
  const documents = JSON.parse(readFileSync(file, 'utf8')) as { title: string; sents: string[][] }[];
  const db = new Database(':memory:');
  const sentences: { document: number; text: string }[] = [];
  documents.forEach((document, index) => {
    for (const tokens of document.sents) sentences.push({ document: index, text: tokens.join(' ') });
  });
  const tokenizers = {
    'unicode61 (Trellis)': "unicode61 remove_diacritics 2 categories 'L* N* Co M*'",
    'porter unicode61': "porter unicode61 remove_diacritics 2 categories 'L* N* Co M*'",
  };
  for (const [name, tokenizer] of Object.entries(tokenizers)) {
    db.exec(`DROP TABLE IF EXISTS sentences; CREATE VIRTUAL TABLE sentences USING fts5(text, tokenize = "${tokenizer.replaceAll('"', '""')}")`);
    const insert = db.prepare('INSERT INTO sentences (rowid, text) VALUES (?, ?)');
    db.transaction(() => sentences.forEach((sentence, index) => insert.run(index + 1, sentence.text)))();
    const query = db.prepare('SELECT rowid FROM sentences WHERE sentences MATCH ? AND rowid <> ? ORDER BY rank LIMIT 200').pluck();
    let found = 0;
    let reciprocal = 0;
    let asked = 0;
    sentences.forEach((sentence, index) => {
      const terms = parseTextQuery(sentence.text.split(' ').slice(0, 40).join(' ')).terms;
      if (terms.length === 0 || (documents[sentence.document]?.sents.length ?? 0) < 2) return;
      asked++;
      const rows = query.all(terms.map(ftsPhrase).join(' OR '), index + 1) as number[];
      const ranked = [...new Set(rows.map((row) => (sentences[row - 1] as { document: number }).document))];
      const position = ranked.indexOf(sentence.document);
      if (position >= 0 && position < 10) found++;
      if (position >= 0) reciprocal += 1 / (position + 1);
    });
    console.log(
      `${name.padEnd(22)} own document in the top 10: ${((100 * found) / asked).toFixed(1)} % of ${asked} sentences; MRR ${(reciprocal / asked).toFixed(3)}`,
    );
  }
}

/**
 * What migration 0009's triggers add to writes: the same sources (generated English-like text in chunks of about
 * 1,200 characters, as the ingest pipeline cuts them) and entities with aliases written through the graph service
 * into two stores, one with the triggers dropped, alternating batches so that both see the same machine load.
 */
async function writeCost(megabytes: number): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-write-cost-'));
  try {
    const stores = await Promise.all(
      ['with', 'without'].map(async (name) => {
        const store = openSqliteStore({ file: path.join(dir, `${name}.db`) });
        await store.migrate();
        if (name === 'without')
          await store.transaction('system', async (tx) => {
            for (const index of ['search_passages', 'search_aliases'])
              for (const event of ['insert', 'delete', 'update']) await tx.run(`DROP TRIGGER ${index}_${event}`);
          });
        const tenantId = newId();
        await store.transaction('system', (tx) =>
          tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, name, name, new Date().toISOString()]),
        );
        return { name, store, graph: createGraphService(store), tenantId, passages: 0, entities: 0, chunkSeconds: 0, entitySeconds: 0, deleteSeconds: 0 };
      }),
    );
    const sources = Math.round((megabytes * 1e6) / 12_000);
    let bytes = 0;
    for (let index = 0; index < sources; index++) {
      const text = generateText(index + 1, 12_000);
      bytes += Buffer.byteLength(text);
      const chunks: { text: string }[] = [];
      for (let start = 0; start < text.length; start += 1200) chunks.push({ text: text.slice(start, start + 1200) });
      const entities = Array.from({ length: 20 }, (_, offset) => ({
        type: offset % 2 ? 'Person' : 'Organization',
        name: `${capitalise(words[1000 + ((index * 20 + offset) % 50_000)] as string)} ${capitalise(words[500 + offset] as string)}`,
        aliases: [`${capitalise(words[1000 + ((index * 20 + offset) % 50_000)] as string)}`],
      }));
      for (const target of index % 2 ? stores : [...stores].reverse()) {
        let started = performance.now();
        const source = await target.graph.createSource(target.tenantId, { uri: `bench://write/${index}`, kind: 'text', chunks });
        target.chunkSeconds += (performance.now() - started) / 1000;
        started = performance.now();
        await target.graph.upsertEntities(target.tenantId, entities);
        target.entitySeconds += (performance.now() - started) / 1000;
        target.passages += chunks.length;
        target.entities += entities.length;
        if (index % 10 === 9) {
          started = performance.now();
          await target.graph.deleteSource(target.tenantId, source.id);
          target.deleteSeconds += (performance.now() - started) / 1000;
        }
      }
    }
    const [withTriggers, without] = stores as [(typeof stores)[number], (typeof stores)[number]];
    console.log(
      `${sources} sources, ${(bytes / 1e6).toFixed(1)} MB of text, ${withTriggers.passages} passages, ${withTriggers.entities} entity upserts with an alias, every tenth source deleted again`,
    );
    for (const target of stores)
      console.log(
        `${target.name.padEnd(7)} FTS triggers: createSource ${(bytes / 1e6 / target.chunkSeconds).toFixed(2)} MB/s (${((1e6 * target.chunkSeconds) / target.passages).toFixed(0)} µs a passage), upsertEntities ${((1e6 * target.entitySeconds) / target.entities).toFixed(1)} µs an entity, deleteSource ${((1e3 * target.deleteSeconds) / Math.floor(sources / 10)).toFixed(2)} ms a source`,
      );
    console.log(
      `triggers add ${((1e6 * (withTriggers.chunkSeconds - without.chunkSeconds)) / withTriggers.passages).toFixed(0)} µs a passage and ${((1e6 * (withTriggers.entitySeconds - without.entitySeconds)) / withTriggers.entities).toFixed(1)} µs an entity`,
    );
    for (const target of stores) await target.store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values['write-cost']) {
  await writeCost(Number(values['write-cost']));
  process.exit(0);
}

if (values.stemming) {
  await stemming(values.stemming);
  process.exit(0);
}

console.log(
  `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; data dir ${values.dir}${existsSync(values.dir) ? '' : ' (new)'}`,
);
for (const [passageCount, entityCount] of sizes) await run(passageCount, entityCount);
