/**
 * @module The vector index's SQL for both dialects: the rows of one (tenant, embedder, kind), with the metadata its
 * filters need (a passage's source and the source's creation time, an entity's type, a memory's kind), read by the build, the
 * catch-up after writes, the rescoring of candidates and exact search. Statements use `?` placeholders.
 */
import type { Dialect, SqlValue } from '../../store/index.js';
import type { OwnerKind } from './types.js';

/** A statement and its parameters. */
export interface Statement {
  sql: string;
  params: SqlValue[];
}

/** Which vectors: one tenant's, of one embedder and owner kind, of one dimension. */
export interface VectorScope {
  tenantId: string;
  embedderId: string;
  kind: OwnerKind;
  dimensions: number;
}

/** The filters exact search applies in SQL (already checked; times as ISO strings). */
export interface SqlFilter {
  types?: readonly string[];
  sourceIds?: readonly string[];
  since?: string;
  until?: string;
}

/** An ID column as text, to compare with `embeddings.owner_id` (PostgreSQL IDs are uuid; SQLite's are text). */
function asText(dialect: Dialect, column: string): string {
  return dialect === 'sqlite' ? column : `${column}::text`;
}

/** A membership test against a list passed as one parameter (`json_each` on SQLite, `= ANY` on PostgreSQL). */
function inList(dialect: Dialect, column: string, pgType: 'uuid' | 'text' | 'int8', values: readonly (string | number)[]): Statement {
  if (dialect === 'sqlite') return { sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(values)] };
  return { sql: `${column} = ANY(?::${pgType}[])`, params: [values.map(String) as unknown as SqlValue] };
}

/**
 * The scope's conditions. `bySeq`: the statement picks rows by seq; on SQLite the unary `+` keeps the planner from
 * walking the scope's whole index instead of looking the seqs up (seq is the rowid); the conditions still apply.
 */
function scopeWhere(dialect: Dialect, scope: VectorScope, bySeq = false): Statement {
  const length = dialect === 'sqlite' ? 'length(e.vector)' : 'octet_length(e.vector)';
  const column = (name: string) => (bySeq && dialect === 'sqlite' ? `+e.${name}` : `e.${name}`);
  return {
    sql: `${column('tenant_id')} = ? AND ${column('embedder')} = ? AND ${column('owner_kind')} = ? AND e.dimensions = ? AND ${length} = ?`,
    params: [scope.tenantId, scope.embedderId, scope.kind, scope.dimensions, scope.dimensions * 4],
  };
}

/** Every vector's seq and owner, in seq order (the build's first pass; metadata is looked up by owner). */
export function ownerRows(dialect: Dialect, scope: VectorScope): Statement {
  const where = scopeWhere(dialect, scope);
  return { sql: `SELECT e.seq, e.owner_id FROM embeddings e WHERE ${where.sql} ORDER BY e.seq`, params: where.params };
}

/**
 * The metadata of owners (a passage's source and the source's creation time, an entity's type, a memory's kind), looked up by owner
 * ID: [owner_id, key, time] rows. Rows have none (null). Owner IDs that are not UUIDs cannot name a chunk or entity
 * and are left out by the caller.
 */
export function ownerMetadata(dialect: Dialect, kind: OwnerKind, tenantId: string, ownerIds: readonly string[]): Statement | null {
  if (kind === 'row' || ownerIds.length === 0) return null;
  if (kind === 'passage') {
    const list = inList(dialect, 'c.id', 'uuid', ownerIds);
    return {
      sql: `SELECT ${asText(dialect, 'c.id')} AS owner_id, ${asText(dialect, 'c.source_id')} AS meta_key, s.created_at AS meta_time FROM chunks c JOIN sources s ON s.tenant_id = c.tenant_id AND s.id = c.source_id WHERE c.tenant_id = ? AND ${list.sql}`,
      params: [tenantId, ...list.params],
    };
  }
  if (kind === 'memory') {
    // A memory's kind never changes, so the index can hold it; its time, tags, session and status are read in SQL.
    const list = inList(dialect, 'mem.id', 'uuid', ownerIds);
    return {
      sql: `SELECT ${asText(dialect, 'mem.id')} AS owner_id, mem.kind AS meta_key, NULL AS meta_time FROM memories mem WHERE mem.tenant_id = ? AND ${list.sql}`,
      params: [tenantId, ...list.params],
    };
  }
  const list = inList(dialect, 'ent.id', 'uuid', ownerIds);
  return {
    sql: `SELECT ${asText(dialect, 'ent.id')} AS owner_id, ent.type AS meta_key, NULL AS meta_time FROM entities ent WHERE ent.tenant_id = ? AND ${list.sql}`,
    params: [tenantId, ...list.params],
  };
}

/** At most how many vectors the scope holds (counted on the index alone: every dimension of the embedder). */
export function countRows(scope: VectorScope): Statement {
  return {
    sql: 'SELECT count(*) FROM embeddings WHERE tenant_id = ? AND embedder = ? AND owner_kind = ?',
    params: [scope.tenantId, scope.embedderId, scope.kind],
  };
}

/** Every vector in seq order (the build's second pass). */
export function vectorRows(dialect: Dialect, scope: VectorScope): Statement {
  const where = scopeWhere(dialect, scope);
  return { sql: `SELECT e.seq, e.vector FROM embeddings e WHERE ${where.sql} ORDER BY e.seq`, params: where.params };
}

/** The vectors of some seqs (the build's training sample). */
export function vectorsBySeq(dialect: Dialect, scope: VectorScope, seqs: readonly number[]): Statement {
  const where = scopeWhere(dialect, scope, true);
  const list = inList(dialect, 'e.seq', 'int8', seqs);
  return { sql: `SELECT e.seq, e.vector FROM embeddings e WHERE ${list.sql} AND ${where.sql}`, params: [...list.params, ...where.params] };
}

/** Owner IDs (and vectors, for rescoring) of candidate seqs; a seq no longer stored is simply missing. */
export function ownersBySeq(dialect: Dialect, scope: VectorScope, seqs: readonly number[], withVectors: boolean): Statement {
  const where = scopeWhere(dialect, scope, true);
  const list = inList(dialect, 'e.seq', 'int8', seqs);
  return {
    sql: `SELECT e.seq, e.owner_id${withVectors ? ', e.vector' : ''} FROM embeddings e WHERE ${list.sql} AND ${where.sql}`,
    params: [...list.params, ...where.params],
  };
}

/** Vectors written after `afterSeq`, in seq order (catching up with commits). */
export function rowsAfter(dialect: Dialect, scope: VectorScope, afterSeq: number, limit: number): Statement {
  const where = scopeWhere(dialect, scope);
  return {
    sql: `SELECT e.seq, e.owner_id, e.vector FROM embeddings e WHERE ${where.sql} AND e.seq > ? ORDER BY e.seq LIMIT ?`,
    params: [...where.params, afterSeq, limit],
  };
}

/** Vectors of the given seqs (seqs a PostgreSQL catch-up passed while their transaction was still open). */
export function rowsOfSeqs(dialect: Dialect, scope: VectorScope, seqs: readonly number[]): Statement {
  const where = scopeWhere(dialect, scope, true);
  const list = inList(dialect, 'e.seq', 'int8', seqs);
  return {
    sql: `SELECT e.seq, e.owner_id, e.vector FROM embeddings e WHERE ${list.sql} AND ${where.sql} ORDER BY e.seq`,
    params: [...list.params, ...where.params],
  };
}

/** The dimension of the scope's stored vectors (the first found), to check a query against. */
export function storedDimensions(scope: Omit<VectorScope, 'dimensions'>): Statement {
  return {
    sql: 'SELECT dimensions FROM embeddings WHERE tenant_id = ? AND embedder = ? AND owner_kind = ? LIMIT 1',
    params: [scope.tenantId, scope.embedderId, scope.kind],
  };
}

/**
 * The FROM clause and conditions of an exact search with a filter. A filtered search starts from the rows the filter
 * selects (sources, entities) and reaches each one's vector through the embeddings key (tenant, kind, owner ID), so a
 * selective filter reads few vectors and no plan depends on table statistics.
 */
function filtered(dialect: Dialect, scope: VectorScope, filter: SqlFilter): { from: string; where: Statement } {
  const time = (column: string, op: '>=' | '<=', value: string): Statement => ({
    sql: dialect === 'sqlite' ? `${column} ${op} ?` : `${column} ${op} ?::timestamptz`,
    params: [value],
  });
  const scopeCondition = scopeWhere(dialect, scope);
  const parts: Statement[] = [];
  const embeddings = (owner: string) => `embeddings e ON e.tenant_id = ? AND e.owner_kind = ? AND e.owner_id = ${owner}`;
  const embeddingParams = [scope.tenantId, scope.kind];
  const hasSources = filter.sourceIds !== undefined || filter.since !== undefined || filter.until !== undefined;
  if ((scope.kind === 'passage' || scope.kind === 'row') && hasSources) {
    if (filter.sourceIds !== undefined) parts.push(inList(dialect, 's.id', 'uuid', filter.sourceIds));
    if (filter.since !== undefined) parts.push(time('s.created_at', '>=', filter.since));
    if (filter.until !== undefined) parts.push(time('s.created_at', '<=', filter.until));
    const owners =
      scope.kind === 'passage'
        ? `sources s JOIN chunks c ON c.tenant_id = s.tenant_id AND c.source_id = s.id JOIN ${embeddings(asText(dialect, 'c.id'))}`
        : `sources s JOIN dataset_rows dr ON dr.tenant_id = s.tenant_id AND dr.source_id = s.id JOIN ${embeddings(`${asText(dialect, 'dr.dataset_id')} || ':' || dr.row_key`)}`;
    return {
      from: owners,
      where: {
        sql: ['s.tenant_id = ?', ...parts.map((part) => part.sql), scopeCondition.sql].join(' AND '),
        params: [...embeddingParams, scope.tenantId, ...parts.flatMap((part) => part.params), ...scopeCondition.params],
      },
    };
  }
  if (scope.kind === 'entity' && (filter.types !== undefined || hasSources)) {
    if (filter.types !== undefined) parts.push(inList(dialect, 'ent.type', 'text', filter.types));
    if (filter.since !== undefined) parts.push(time('ent.updated_at', '>=', filter.since));
    if (filter.until !== undefined) parts.push(time('ent.updated_at', '<=', filter.until));
    if (filter.sourceIds !== undefined) {
      const sources = inList(dialect, 'ev.source_id', 'uuid', filter.sourceIds);
      parts.push({
        sql: `EXISTS (SELECT 1 FROM evidence ev WHERE ev.tenant_id = ent.tenant_id AND ev.subject_id = ent.id AND ${sources.sql})`,
        params: sources.params,
      });
    }
    return {
      from: `entities ent JOIN ${embeddings(asText(dialect, 'ent.id'))}`,
      where: {
        sql: ['ent.tenant_id = ?', ...parts.map((part) => part.sql), scopeCondition.sql].join(' AND '),
        params: [...embeddingParams, scope.tenantId, ...parts.flatMap((part) => part.params), ...scopeCondition.params],
      },
    };
  }
  if (scope.kind === 'memory' && (filter.types !== undefined || hasSources)) {
    // Memories: `types` are kinds of memory, `sourceIds` memory IDs (a memory is its own source), times its creation.
    if (filter.types !== undefined) parts.push(inList(dialect, 'mem.kind', 'text', filter.types));
    if (filter.sourceIds !== undefined) parts.push(inList(dialect, 'mem.id', 'uuid', filter.sourceIds));
    if (filter.since !== undefined) parts.push(time('mem.created_at', '>=', filter.since));
    if (filter.until !== undefined) parts.push(time('mem.created_at', '<=', filter.until));
    return {
      from: `memories mem JOIN ${embeddings(asText(dialect, 'mem.id'))}`,
      where: {
        sql: ['mem.tenant_id = ?', ...parts.map((part) => part.sql), scopeCondition.sql].join(' AND '),
        params: [...embeddingParams, scope.tenantId, ...parts.flatMap((part) => part.params), ...scopeCondition.params],
      },
    };
  }
  return { from: 'embeddings e', where: scopeCondition };
}

/**
 * Exact nearest neighbours on SQLite with sqlite-vec: cosine distance over every vector of the scope that passes the
 * filter, best `limit` first (ties by owner ID). A zero vector has no cosine; it scores 0 (distance 1).
 */
export function sqliteExact(scope: VectorScope, filter: SqlFilter, query: Buffer, limit: number): Statement {
  const { from, where } = filtered('sqlite', scope, filter);
  return {
    sql: `SELECT e.seq, e.owner_id, COALESCE(vec_distance_cosine(e.vector, ?), 1.0) AS distance FROM ${from} WHERE ${where.sql} ORDER BY distance, e.owner_id LIMIT ?`,
    params: [query, ...where.params, limit],
  };
}

/** Every vector of the scope that passes the filter (PostgreSQL without pgvector: scored in the process). */
export function filteredVectors(dialect: Dialect, scope: VectorScope, filter: SqlFilter): Statement {
  const { from, where } = filtered(dialect, scope, filter);
  return { sql: `SELECT e.seq, e.owner_id, e.vector FROM ${from} WHERE ${where.sql}`, params: where.params };
}
