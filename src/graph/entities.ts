/** @module Reading and deleting entities (writes go through the bulk writers). */
import type Database from 'better-sqlite3';
import { isId } from '../core/ids.js';
import { type Tx, parseJson } from '../store/index.js';
import { containsPattern, inList, matchAny, tenantCheck } from './dialect.js';
import { pageClause, toPage } from './pagination.js';
import type { Entity, Page } from './types.js';

interface EntityRow {
  id: string;
  type: string;
  name: string;
  canonical_key: string;
  properties: unknown;
  confidence: number;
  created_at: string;
  updated_at: string;
}

const columns = 'id, type, name, canonical_key, properties, confidence, created_at, updated_at';

function toEntity(row: EntityRow, aliases: string[]): Entity {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    key: row.canonical_key,
    aliases,
    properties: parseJson(row.properties),
    confidence: Number(row.confidence),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Aliases of many entities at once, other than each entity's own name. */
async function aliasesOf(tx: Tx, tenantId: string, rows: EntityRow[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(rows.map((row) => [row.id, []]));
  if (rows.length === 0) return out;
  const filter = matchAny(
    tx.dialect,
    'entity_id',
    'uuid',
    rows.map((row) => row.id),
  );
  const aliasRows = await tx.all<{ entity_id: string; alias: string }>(
    `SELECT entity_id, alias FROM entity_aliases WHERE tenant_id = ? AND ${filter.sql} ORDER BY entity_id, alias_key`,
    [tenantId, filter.param],
  );
  const names = new Map(rows.map((row) => [row.id, row.name]));
  for (const row of aliasRows) if (names.get(row.entity_id) !== row.alias) out.get(row.entity_id)?.push(row.alias);
  return out;
}

/** One entity, or undefined when it does not exist in this tenant. */
export async function findEntity(tx: Tx, tenantId: string, id: string): Promise<Entity | undefined> {
  if (!isId(id)) return undefined;
  const row = await tx.get<EntityRow>(`SELECT ${columns} FROM entities WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
  if (!row) return undefined;
  return toEntity(row, (await aliasesOf(tx, tenantId, [row])).get(row.id) ?? []);
}

/** The entities with these IDs in this tenant (IDs of other tenants or of nothing are left out), keyed by ID. */
export async function entitiesByIds(tx: Tx, tenantId: string, ids: readonly string[]): Promise<Map<string, Entity>> {
  const out = new Map<string, Entity>();
  const wanted = ids.filter(isId);
  if (wanted.length === 0) return out;
  const filter = matchAny(tx.dialect, 'id', 'uuid', wanted);
  const rows = await tx.all<EntityRow>(`SELECT ${columns} FROM entities WHERE tenant_id = ? AND ${filter.sql}`, [tenantId, filter.param]);
  const aliases = await aliasesOf(tx, tenantId, rows);
  for (const row of rows) out.set(row.id, toEntity(row, aliases.get(row.id) ?? []));
  return out;
}

/** Filters for listing entities. */
export interface EntityFilter {
  type?: string;
  /** Case-insensitive substring of the name. */
  q?: string;
  limit: number;
  cursor?: string;
}

/** A page of entities in creation order. */
export async function listEntities(tx: Tx, tenantId: string, filter: EntityFilter): Promise<Page<Entity>> {
  const where = ['tenant_id = ?'];
  const params: (string | number)[] = [tenantId];
  if (filter.type !== undefined) {
    where.push('type = ?');
    params.push(filter.type);
  }
  if (filter.q !== undefined && filter.q !== '') {
    where.push("lower(name) LIKE ? ESCAPE '\\'");
    params.push(containsPattern(filter.q));
  }
  const rows = await tx.all<EntityRow>(`SELECT ${columns} FROM entities ${pageClause(where, params, filter.cursor, filter.limit)}`, params);
  const page = toPage(rows, filter.limit);
  const aliases = await aliasesOf(tx, tenantId, page.items);
  return { items: page.items.map((row) => toEntity(row, aliases.get(row.id) ?? [])), nextCursor: page.nextCursor };
}

/** Row numbers of those of `ids` that are entities of this tenant (unknown IDs are left out). */
export async function entitySeqs(tx: Tx, tenantId: string, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  if (tx.dialect === 'sqlite') return entitySeqsSqlite(tx.db, tenantId, ids);
  const filter = inList(tx.dialect, 'id', 'uuid');
  const rows = await tx.all<{ id: string; seq: number }>(`SELECT id, seq FROM entities WHERE tenant_id = ? AND ${filter.sql}`, [tenantId, filter.param(ids)]);
  return new Map(rows.map((row) => [row.id, Number(row.seq)]));
}

const seqStatements = new WeakMap<Database.Database, Database.Statement>();

/**
 * SQLite: one row per ID in list order (null where unknown), so only the numbers cross into JavaScript, not the
 * IDs again in row objects; a bulk write of 10,000 relations looks up some 20,000 endpoints here.
 */
function entitySeqsSqlite(db: Database.Database, tenantId: string, ids: readonly string[]): Map<string, number> {
  let statement = seqStatements.get(db);
  if (!statement) {
    statement = db.prepare('SELECT e.seq FROM json_each(?) AS list LEFT JOIN entities AS e ON e.tenant_id = ? AND e.id = list.value ORDER BY list.key').pluck();
    seqStatements.set(db, statement);
  }
  const seqs = statement.all(JSON.stringify(ids), tenantId) as (number | null)[];
  const out = new Map<string, number>();
  for (let index = 0; index < ids.length; index++) {
    const seq = seqs[index];
    if (seq !== null && seq !== undefined) out.set(ids[index] as string, seq);
  }
  return out;
}

/** ID, type and name of the entities with the given row numbers, keyed by row number. */
export async function entitiesBySeq(tx: Tx, tenantId: string, seqs: readonly number[]): Promise<Map<number, { id: string; type: string; name: string }>> {
  if (seqs.length === 0) return new Map();
  const filter = inList(tx.dialect, 'seq', 'int8');
  const rows = await tx.all<{ seq: number; id: string; type: string; name: string }>(
    `SELECT seq, id, type, name FROM entities WHERE ${filter.sql} AND ${tenantCheck(tx.dialect)}`,
    [filter.param(seqs.map(String)), tenantId],
  );
  return new Map(rows.map((row) => [Number(row.seq), { id: row.id, type: row.type, name: row.name }]));
}

/** Properties of entities by row number (for property filters). */
export async function propertiesBySeq(tx: Tx, tenantId: string, seqs: readonly number[]): Promise<Map<number, Record<string, unknown>>> {
  if (seqs.length === 0) return new Map();
  const filter = inList(tx.dialect, 'seq', 'int8');
  const rows = await tx.all<{ seq: number; properties: unknown }>(`SELECT seq, properties FROM entities WHERE ${filter.sql} AND ${tenantCheck(tx.dialect)}`, [
    filter.param(seqs.map(String)),
    tenantId,
  ]);
  return new Map(rows.map((row) => [Number(row.seq), parseJson<Record<string, unknown>>(row.properties)]));
}

/** An existing entity that carries a name as its name or alias. */
export interface AliasMatch {
  /** The canonical key of the name looked up. */
  aliasKey: string;
  id: string;
  type: string;
  name: string;
  key: string;
}

/** Entities of the given types whose name or an alias has one of `aliasKeys` (canonical keys), in key order. */
export async function findByAliases(tx: Tx, tenantId: string, types: readonly string[], aliasKeys: readonly string[]): Promise<AliasMatch[]> {
  if (aliasKeys.length === 0 || types.length === 0) return [];
  const keys = matchAny(tx.dialect, 'a.alias_key', 'text', aliasKeys);
  const typeFilter = matchAny(tx.dialect, 'e.type', 'text', types);
  const rows = await tx.all<{ alias_key: string; id: string; type: string; name: string; canonical_key: string }>(
    `SELECT a.alias_key, e.id, e.type, e.name, e.canonical_key FROM entity_aliases a
     JOIN entities e ON e.tenant_id = a.tenant_id AND e.id = a.entity_id
     WHERE a.tenant_id = ? AND ${keys.sql} AND ${typeFilter.sql}
     ORDER BY a.alias_key, e.canonical_key`,
    [tenantId, keys.param, typeFilter.param],
  );
  return rows.map((row) => ({ aliasKey: row.alias_key, id: row.id, type: row.type, name: row.name, key: row.canonical_key }));
}
