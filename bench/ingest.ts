/**
 * @module Ingestion benchmark: a generated corpus of English-like text (people, organisations, places, dates) through
 * the whole built-in pipeline (hash → parse → chunk → extract in the worker pool → resolve → commit) into SQLite, then
 * a re-ingest of the unchanged corpus. Prints MB/s of each, their ratio, and what was written.
 * Run: node --import tsx bench/ingest.ts   (INGEST_BENCH_MB=20 sets the corpus size; INGEST_BENCH_FILE_KB=100 the file size)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGraphService } from '../src/graph/index.js';
import { ingestPaths } from '../src/ingest/pipeline/index.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { generateText } from '../test/support/ingest-corpus.js';
import { createTenant } from '../test/support/stores.js';

const megabytes = Number(process.env.INGEST_BENCH_MB ?? 20);
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
  const first = await ingestPaths({ store, graph }, tenantId, [corpus]);
  const again = await ingestPaths({ store, graph }, tenantId, [corpus]);
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
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
