/**
 * @module Ingestion benchmark: a generated corpus of English-like text (people, organisations, places, dates) through
 * the whole built-in pipeline (hash → parse → chunk → extract in the worker pool → resolve → commit) into SQLite, then
 * a re-ingest of the unchanged corpus. Prints MB/s of each, their ratio, and what was written.
 * Run: node --import tsx bench/ingest.ts   (INGEST_BENCH_MB=20 sets the corpus size; INGEST_BENCH_FILE_KB=100 the file size)
 * With INGEST_BENCH_PREFILL=1000000 it then ingests the same corpus again into a second database that already holds
 * that many entities (and as many relations, each with evidence) and prints the rate against the empty-graph run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGraphService } from '../src/graph/index.js';
import { ingestPaths } from '../src/ingest/pipeline/index.js';
import { defaultSchema } from '../src/ingest/schema.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { generateText } from '../test/support/ingest-corpus.js';
import { createTenant } from '../test/support/stores.js';

const megabytes = Number(process.env.INGEST_BENCH_MB ?? 20);
const prefill = Number(process.env.INGEST_BENCH_PREFILL ?? 0);
// INGEST_BENCH_WINDOW=N: the co-occurrence window in sentences instead of the default schema's (0: every pair of a chunk).
const schema = defaultSchema();
if (process.env.INGEST_BENCH_WINDOW !== undefined)
  for (const type of schema.relationTypes) if (type.cooccurrence) type.cooccurrence.sentences = Number(process.env.INGEST_BENCH_WINDOW);
const fileKb = Number(process.env.INGEST_BENCH_FILE_KB ?? 100);
const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-ingest-'));
const corpus = path.join(dir, 'corpus');
mkdirSync(corpus);
const files = Math.max(1, Math.round((megabytes * 1000) / fileKb));
for (let index = 0; index < files; index++)
  writeFileSync(path.join(corpus, `doc-${String(index).padStart(5, '0')}.txt`), generateText(index + 1, fileKb * 1000));

const store = openSqliteStore({ file: path.join(dir, 'trellis.db') });
await store.migrate();
const graph = createGraphService(store);
const tenantId = await createTenant(store, 'bench');
try {
  const first = await ingestPaths({ store, graph }, tenantId, [corpus], { schema });
  const again = await ingestPaths({ store, graph }, tenantId, [corpus], { schema });
  const counts = await store.read({ tenantId }, async (tx) => {
    const count = async (table: string) => Number((await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`, [tenantId]))?.n ?? 0);
    return { entities: await count('entities'), relations: await count('relations'), evidence: await count('evidence'), chunks: await count('chunks') };
  });
  console.log(
    `corpus: ${files} generated .txt files, ${(first.bytes / 1e6).toFixed(1)} MB, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'})`,
  );
  console.log(
    `first ingest:  ${first.seconds.toFixed(1)} s  ${first.megabytesPerSecond.toFixed(2)} MB/s  (${first.ingested} ingested, ${first.failed} failed; ${first.chunks} chunks, ${first.entities} entities and ${first.relations} relation citations written)`,
  );
  console.log(
    `re-ingest unchanged: ${again.seconds.toFixed(2)} s  ${again.megabytesPerSecond.toFixed(1)} MB/s  (${again.unchanged} unchanged)  ${(again.megabytesPerSecond / first.megabytesPerSecond).toFixed(0)}× faster`,
  );
  console.log(`graph: ${counts.entities} entities, ${counts.relations} relations, ${counts.evidence} evidence rows, ${counts.chunks} chunks`);
  if (prefill > 0) await grown(first.megabytesPerSecond);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Ingests the corpus into a database already holding `prefill` entities and relations; prints the rate against `baseline`. */
async function grown(baseline: number): Promise<void> {
  const big = openSqliteStore({ file: path.join(dir, 'grown.db') });
  try {
    await big.migrate();
    const bigGraph = createGraphService(big);
    const bigTenant = await createTenant(big, 'bench');
    const started = performance.now();
    const batch = 50_000;
    let previous: string | undefined;
    for (let first = 0; first < prefill; first += batch) {
      const count = Math.min(batch, prefill - first);
      const evidence = [{ extractor: 'prefill', confidence: 1 }];
      const { ids } = await bigGraph.upsertEntities(
        bigTenant,
        Array.from({ length: count }, (_, index) => ({ type: index % 2 ? 'Person' : 'Organization', name: `Prefilled Name ${first + index}`, evidence })),
      );
      // A chain through all of them: as many relations as entities.
      const relations = ids.map((id, index) => ({ type: 'NEXT', from: index === 0 ? (previous ?? id) : (ids[index - 1] as string), to: id, evidence }));
      await bigGraph.upsertRelations(bigTenant, previous ? relations : relations.slice(1));
      previous = ids[ids.length - 1];
    }
    console.log(`prefilled ${prefill} entities and ${prefill - 1} relations (with evidence) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const run = await ingestPaths({ store: big, graph: bigGraph }, bigTenant, [corpus], { schema });
    console.log(
      `first ingest into the ${prefill}-entity graph: ${run.seconds.toFixed(1)} s  ${run.megabytesPerSecond.toFixed(2)} MB/s  = ${(run.megabytesPerSecond / baseline).toFixed(2)} × the empty-graph rate`,
    );
  } finally {
    await big.close();
  }
}
