/** @module SQLite bulk writes for the graph: prepared statements in one synchronous loop per batch. */
import type Database from 'better-sqlite3';
import type { SqliteTx } from '../store/index.js';
import type { PreparedEntity, PreparedEvidence, PreparedRelation } from './prepare.js';

interface Statements {
  insertEntity: Database.Statement;
  updateEntity: Database.Statement;
  insertAlias: Database.Statement;
  insertEvidence: Database.Statement;
  insertRelation: Database.Statement;
  updateRelation: Database.Statement;
}

const cache = new WeakMap<Database.Database, Statements>();

/**
 * An upsert is a plain INSERT that does nothing on conflict, then, only when it changed no row, an UPDATE of the
 * row already there that returns its ID. New rows, the bulk of a load, so skip RETURNING and the DO UPDATE
 * machinery, which measured 2–3 µs a row. The UPDATEs carry the same merge rules a DO UPDATE did.
 */
function statements(db: Database.Database): Statements {
  let found = cache.get(db);
  if (!found) {
    found = {
      insertEntity: db.prepare(
        `INSERT INTO entities (tenant_id, id, type, name, canonical_key, properties, confidence, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, type, canonical_key) DO NOTHING`,
      ),
      updateEntity: db
        .prepare(
          `UPDATE entities SET
             properties = CASE WHEN ? = '{}' THEN properties ELSE json_patch(properties, ?) END,
             confidence = max(confidence, ?),
             updated_at = ?
           WHERE tenant_id = ? AND type = ? AND canonical_key = ?
           RETURNING id`,
        )
        .pluck(),
      insertAlias: db.prepare('INSERT OR IGNORE INTO entity_aliases (tenant_id, entity_id, alias_key, alias) VALUES (?, ?, ?, ?)'),
      insertEvidence: db.prepare(`INSERT OR IGNORE INTO evidence ${evidenceColumns} VALUES ${evidenceRow}`),
      insertRelation: db.prepare(
        `INSERT INTO relations (tenant_id, id, from_seq, type, to_seq, properties, confidence, valid_from, valid_to, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (from_seq, type, to_seq) DO NOTHING`,
      ),
      updateRelation: db
        .prepare(
          `UPDATE relations SET
             properties = CASE WHEN ? = '{}' THEN properties ELSE json_patch(properties, ?) END,
             confidence = max(confidence, ?),
             valid_from = coalesce(?, valid_from),
             valid_to = coalesce(?, valid_to),
             updated_at = ?
           WHERE from_seq = ? AND type = ? AND to_seq = ?
           RETURNING id`,
        )
        .pluck(),
    };
    cache.set(db, found);
  }
  return found;
}

/** Properties as stored: the common empty object without a JSON.stringify call. */
function propertiesJson(properties: Record<string, unknown>): string {
  for (const _ in properties) return JSON.stringify(properties);
  return '{}';
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
  const ids: string[] = new Array(items.length);
  const created: boolean[] = new Array(items.length);
  for (let position = 0; position < items.length; position++) {
    const item = items[position] as PreparedEntity;
    const properties = propertiesJson(item.properties);
    let id = item.id;
    if (sql.insertEntity.run(tenantId, id, item.type, item.name, item.key, properties, item.confidence, now, now).changes === 0) {
      id = sql.updateEntity.get(properties, properties, item.confidence, now, tenantId, item.type, item.key) as string;
    }
    ids[position] = id;
    created[position] = id === item.id;
    for (const [aliasKey, alias] of item.aliases) sql.insertAlias.run(tenantId, id, aliasKey, alias);
    evidence.add(id, item.evidence);
  }
  evidence.flush();
  return { ids, created };
}

/** Upserts relations with their evidence; endpoints must have been checked by the caller. */
export function upsertRelationsSqlite(tx: SqliteTx, tenantId: string, items: PreparedRelation[], now: string): { ids: string[]; created: boolean[] } {
  const sql = statements(tx.db);
  const evidence = new EvidenceWriter(tx.db, sql.insertEvidence, tenantId, 'relation', now);
  const ids: string[] = new Array(items.length);
  const created: boolean[] = new Array(items.length);
  for (let position = 0; position < items.length; position++) {
    const item = items[position] as PreparedRelation;
    const properties = propertiesJson(item.properties);
    let id = item.id;
    const inserted = sql.insertRelation.run(
      tenantId,
      id,
      item.fromSeq,
      item.type,
      item.toSeq,
      properties,
      item.confidence,
      item.validFrom,
      item.validTo,
      now,
      now,
    ).changes;
    if (inserted === 0) {
      id = sql.updateRelation.get(properties, properties, item.confidence, item.validFrom, item.validTo, now, item.fromSeq, item.type, item.toSeq) as string;
    }
    ids[position] = id;
    created[position] = id === item.id;
  }
  // Evidence after the relations, not interleaved: each table's pages stay in cache while it is written.
  for (let position = 0; position < items.length; position++) evidence.add(ids[position] as string, (items[position] as PreparedRelation).evidence);
  evidence.flush();
  return { ids, created };
}
