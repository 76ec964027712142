/**
 * The bare SQLite floor under the graph service's bulk writes: the same rows, indexes and pragmas as Trellis,
 * written with plain prepared INSERTs and no Trellis code on the timed path (every value is generated before the
 * clock starts). Compare its µs per entity and relation with bench/graph.ts on the same machine.
 *   node --import tsx bench/sqlite-floor.ts [--entities 100000] [--relations 500000] [--batch 10000] [--schema latest|0001] [--evidence yes|no] [--page-size 4096]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { migrationSql, migrations } from '../src/store/migrate.js';

const { values } = parseArgs({
  options: {
    entities: { type: 'string', default: '100000' },
    relations: { type: 'string', default: '500000' },
    batch: { type: 'string', default: '10000' },
    schema: { type: 'string', default: 'latest' },
    evidence: { type: 'string', default: 'yes' },
    'page-size': { type: 'string', default: '4096' },
  },
});
const entityCount = Number(values.entities);
const relationCount = Number(values.relations);
const batchSize = Number(values.batch);
const withEvidence = values.evidence !== 'no';

const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-floor-'));
const db = new Database(path.join(dir, 'floor.db'));
// The pragmas of src/store/sqlite.ts (a page size other than SQLite's default 4096 only to measure its effect).
for (const pragma of [
  `page_size = ${Number(values['page-size'])}`,
  'journal_mode = WAL',
  'synchronous = NORMAL',
  'foreign_keys = ON',
  'cache_size = -1048576',
  'temp_store = MEMORY',
  'wal_autocheckpoint = 16384',
  'mmap_size = 8589934592',
]) {
  db.pragma(pragma);
}
const schema = values.schema === '0001' ? migrations.slice(0, 1) : migrations;
for (const migration of schema) db.exec(migrationSql(migration, 'sqlite').sql);
const relationColumns = db.prepare("SELECT name FROM pragma_table_info('relations')").pluck().all() as string[];
const typeColumn = relationColumns.includes('type_id') ? 'type_id' : 'type';

const tenantId = randomUUID();
const sourceId = randomUUID();
const chunkId = randomUUID();
const now = new Date().toISOString();
const types = ['Person', 'Organization', 'Place', 'Project', 'Product'];
const relationTypes = ['WORKS_FOR', 'LOCATED_IN', 'PART_OF', 'MANAGES', 'MENTIONS'];
let seed = 42;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
// UUIDv7-like: time-ordered prefix, as Trellis IDs are.
let counter = 0;
const orderedId = () => `${(Date.now() * 4096 + counter++).toString(16).padStart(16, '0').slice(-16)}-${randomUUID().slice(19)}`.slice(0, 36);

const insertEntity = db.prepare(
  'INSERT INTO entities (tenant_id, id, type, name, canonical_key, properties, confidence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
);
const insertAlias = db.prepare('INSERT INTO entity_aliases (tenant_id, entity_id, alias_key, alias) VALUES (?, ?, ?, ?)');
const insertEvidence = db.prepare(
  `INSERT INTO evidence (tenant_id, subject_id, fingerprint, id, subject_kind, source_id, chunk_id, start_offset, end_offset, quote, extractor, extractor_version, confidence, created_at)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 'bench', NULL, 1, ?)`,
);
const insertRelation = db.prepare(
  `INSERT INTO relations (tenant_id, id, from_seq, ${typeColumn}, to_seq, properties, confidence, valid_from, valid_to, created_at, updated_at)
   VALUES (?, ?, ?, ?, ?, '{}', 1, NULL, NULL, ?, ?)`,
);
const typeValue = (index: number): string | number => (typeColumn === 'type_id' ? (index % 5) + 1 : (relationTypes[index % 5] as string));
if (typeColumn === 'type_id') {
  const insertType = db.prepare('INSERT INTO relation_types (tenant_id, id, name) VALUES (?, ?, ?)');
  relationTypes.forEach((name, index) => insertType.run(tenantId, index + 1, name));
}

function timed(label: string, count: number, [unit, units]: [string, string], write: (offset: number, end: number) => void): void {
  let seconds = 0;
  const cpu = process.cpuUsage();
  for (let offset = 0; offset < count; offset += batchSize) {
    const end = Math.min(count, offset + batchSize);
    const begin = performance.now();
    db.exec('BEGIN IMMEDIATE');
    write(offset, end);
    db.exec('COMMIT');
    seconds += (performance.now() - begin) / 1000;
  }
  const used = process.cpuUsage(cpu);
  console.log(
    `${label.padEnd(28)} ${Math.round(count / seconds).toLocaleString('en')} ${units}/s  wall ${((seconds * 1e6) / count).toFixed(2)} µs, CPU ${((used.user + used.system) / count).toFixed(2)} µs per ${unit} (${seconds.toFixed(1)} s)`,
  );
}

const entityIds = Array.from({ length: entityCount }, orderedId);
const entityEvidenceIds = Array.from({ length: entityCount }, orderedId);
const fingerprints = Array.from({ length: entityCount }, (_, index) => `fp${index % 900}`.padEnd(27, 'x'));
console.log(
  `bare SQLite ${db.prepare('SELECT sqlite_version()').pluck().get()}, schema ${schema.map((item) => item.id).join(' + ')}, batches of ${batchSize}, pages of ${db.pragma('page_size', { simple: true })} bytes`,
);
timed(`entities + alias${withEvidence ? ' + evidence' : ''}`, entityCount, ['entity', 'entities'], (offset, end) => {
  for (let index = offset; index < end; index++) {
    const id = entityIds[index] as string;
    const name = `Entity ${index}`;
    insertEntity.run(tenantId, id, types[index % 5], name, name.toLowerCase(), `{"rank":${index}}`, 1, now, now);
    insertAlias.run(tenantId, id, name.toLowerCase(), name);
    if (withEvidence)
      insertEvidence.run(tenantId, id, fingerprints[index], entityEvidenceIds[index], 'entity', sourceId, chunkId, index % 900, (index % 900) + 10, now);
  }
});
entityIds.length = 0;
entityEvidenceIds.length = 0;

const relationIds = Array.from({ length: relationCount }, orderedId);
const relationEvidenceIds = Array.from({ length: relationCount }, orderedId);
const ends = Array.from({ length: relationCount * 2 }, () => 1 + Math.floor(random() * entityCount));
timed(`relations${withEvidence ? ' + evidence' : ''}`, relationCount, ['relation', 'relations'], (offset, end) => {
  for (let index = offset; index < end; index++) {
    const id = relationIds[index] as string;
    try {
      insertRelation.run(tenantId, id, ends[2 * index], typeValue(index), ends[2 * index + 1], now, now);
    } catch {
      continue; // the same (from, type, to) drawn twice
    }
    if (withEvidence) insertEvidence.run(tenantId, id, 'fingerprint-of-the-citation', relationEvidenceIds[index], 'relation', sourceId, chunkId, 0, 20, now);
  }
});
console.log(
  `database ${(((db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number)) / 2 ** 20).toFixed(0)} MiB`,
);
db.close();
rmSync(dir, { recursive: true, force: true });
