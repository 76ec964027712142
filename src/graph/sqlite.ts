/** @module SQLite bulk writes for the graph: prepared statements in one synchronous loop per batch. */
import type Database from 'better-sqlite3';
import type { SqliteTx } from '../store/index.js';
import type { PreparedEntity, PreparedEvidence, PreparedRelation } from './prepare.js';

interface Statements {
  upsertEntity: Database.Statement;
  insertAlias: Database.Statement;
  insertEvidence: Database.Statement;
  upsertRelation: Database.Statement;
}

const cache = new WeakMap<Database.Database, Statements>();

function statements(db: Database.Database): Statements {
  let found = cache.get(db);
  if (!found) {
    found = {
      upsertEntity: db.prepare(
        `INSERT INTO entities (tenant_id, id, type, name, canonical_key, properties, confidence, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, type, canonical_key) DO UPDATE SET
           properties = CASE WHEN excluded.properties = '{}' THEN entities.properties ELSE json_patch(entities.properties, excluded.properties) END,
           confidence = max(entities.confidence, excluded.confidence),
           updated_at = excluded.updated_at
         RETURNING id`,
      ),
      insertAlias: db.prepare('INSERT OR IGNORE INTO entity_aliases (tenant_id, entity_id, alias_key, alias) VALUES (?, ?, ?, ?)'),
      insertEvidence: db.prepare(`INSERT OR IGNORE INTO evidence ${evidenceColumns} VALUES ${evidenceRow}`),
      upsertRelation: db.prepare(
        `INSERT INTO relations (tenant_id, id, from_seq, type, to_seq, properties, confidence, valid_from, valid_to, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (from_seq, type, to_seq) DO UPDATE SET
           properties = CASE WHEN excluded.properties = '{}' THEN relations.properties ELSE json_patch(relations.properties, excluded.properties) END,
           confidence = max(relations.confidence, excluded.confidence),
           valid_from = coalesce(excluded.valid_from, relations.valid_from),
           valid_to = coalesce(excluded.valid_to, relations.valid_to),
           updated_at = excluded.updated_at
         RETURNING id`,
      ),
    };
    cache.set(db, found);
  }
  return found;
}

const evidenceColumns =
  '(tenant_id, subject_id, fingerprint, id, subject_kind, source_id, chunk_id, start_offset, end_offset, quote, extractor, extractor_version, confidence, created_at)';
const evidenceRow = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/** Evidence rows per multi-row INSERT: fewer calls across the native boundary (14 × 64 = 896 parameters). */
const evidencePerStatement = 64;
const evidenceStatements = new WeakMap<Database.Database, Database.Statement>();

/** Collects evidence rows of a batch and writes them 64 to a statement. */
class EvidenceWriter {
  private readonly values: unknown[] = [];
  private readonly many: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly one: Database.Statement,
    private readonly tenantId: string,
    private readonly kind: 'entity' | 'relation',
    private readonly now: string,
  ) {
    let many = evidenceStatements.get(db);
    if (!many) {
      many = db.prepare(`INSERT OR IGNORE INTO evidence ${evidenceColumns} VALUES ${new Array(evidencePerStatement).fill(evidenceRow).join(', ')}`);
      evidenceStatements.set(db, many);
    }
    this.many = many;
  }

  add(subjectId: string, list: PreparedEvidence[]): void {
    for (const evidence of list) {
      this.values.push(
        this.tenantId,
        subjectId,
        evidence.fingerprint,
        evidence.id,
        this.kind,
        evidence.sourceId,
        evidence.chunkId,
        evidence.start,
        evidence.end,
        evidence.quote,
        evidence.extractor,
        evidence.extractorVersion,
        evidence.confidence,
        this.now,
      );
      if (this.values.length === evidencePerStatement * 14) this.flush();
    }
  }

  /** Writes what is left; call once at the end of the batch. */
  flush(): void {
    const rows = this.values.length / 14;
    if (rows === evidencePerStatement) this.many.run(...this.values);
    else for (let row = 0; row < rows; row++) this.one.run(...this.values.slice(row * 14, row * 14 + 14));
    this.values.length = 0;
  }
}

/** Upserts entities with their aliases and evidence; returns the stored IDs and which were new. */
export function upsertEntitiesSqlite(tx: SqliteTx, tenantId: string, items: PreparedEntity[], now: string): { ids: string[]; created: boolean[] } {
  const sql = statements(tx.db);
  const evidence = new EvidenceWriter(tx.db, sql.insertEvidence, tenantId, 'entity', now);
  const ids: string[] = [];
  const created: boolean[] = [];
  for (const item of items) {
    const row = sql.upsertEntity.get(tenantId, item.id, item.type, item.name, item.key, JSON.stringify(item.properties), item.confidence, now, now) as {
      id: string;
    };
    ids.push(row.id);
    created.push(row.id === item.id);
    for (const [aliasKey, alias] of item.aliases) sql.insertAlias.run(tenantId, row.id, aliasKey, alias);
    evidence.add(row.id, item.evidence);
  }
  evidence.flush();
  return { ids, created };
}

/** Upserts relations with their evidence; endpoints must have been checked by the caller. */
export function upsertRelationsSqlite(tx: SqliteTx, tenantId: string, items: PreparedRelation[], now: string): { ids: string[]; created: boolean[] } {
  const sql = statements(tx.db);
  const evidence = new EvidenceWriter(tx.db, sql.insertEvidence, tenantId, 'relation', now);
  const ids: string[] = [];
  const created: boolean[] = [];
  for (const item of items) {
    const row = sql.upsertRelation.get(
      tenantId,
      item.id,
      item.fromSeq,
      item.type,
      item.toSeq,
      JSON.stringify(item.properties),
      item.confidence,
      item.validFrom,
      item.validTo,
      now,
      now,
    ) as {
      id: string;
    };
    ids.push(row.id);
    created.push(row.id === item.id);
    evidence.add(row.id, item.evidence);
  }
  evidence.flush();
  return { ids, created };
}
