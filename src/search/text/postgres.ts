/**
 * @module Full-text search on PostgreSQL: the generated `search_vector` columns and their GIN indexes (migration
 * 0009), ranked by ts_rank_cd weighted per term by how rare the term is in the tenant. Every term reaches PostgreSQL
 * as a bound parameter of `phraseto_tsquery` (which reads no operators), or, for a prefix, as quoted lexemes.
 */
import type { PostgresTx } from '../../store/index.js';
import type { GraphHitKind } from '../types.js';
import type { CheckedFilter, RankedRow } from './options.js';
import type { QueryTerm, TextQuery } from './query.js';

/** Rows counted for a term's weight (the tenant's rows, and those matching the term); more are counted as this many. */
export const frequencyCap = 1_000_000;

/** A prefix term as tsquery text: each word a quoted lexeme, phrase words joined by `<->`, `:*` after the last. */
export function prefixTsquery(term: QueryTerm): string {
  const lexemes = term.words.map((word) => `'${word.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`);
  return `${lexemes.join(' <-> ')}:*`;
}

/**
 * One term as a tsquery expression over a parameter: the term as typed through `phraseto_tsquery`, so PostgreSQL's
 * parser reads it as it read the text (`U.S.A.` is one lexeme there, `e-mail` a compound and its parts); a prefix
 * term through `to_tsquery` with quoted lexemes. A term without lexemes becomes an empty query, which `||` drops.
 */
export function termSql(term: QueryTerm, param: (value: unknown) => string): string {
  return term.prefix
    ? `to_tsquery('simple', trellis_search_fold(${param(prefixTsquery(term))}))`
    : `phraseto_tsquery('simple', trellis_search_fold(${param(term.text)}))`;
}

/** Conditions of a filter on the aliased tables, with its parameters numbered from `next`. */
function filterSql(kind: GraphHitKind, filter: CheckedFilter, next: number): { joins: string; where: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown, cast: string) => {
    params.push(value);
    return `$${next + params.length - 1}::${cast}`;
  };
  let joins = '';
  if (kind === 'passage') {
    if (filter.since !== undefined || filter.until !== undefined) joins = 'JOIN sources s ON s.tenant_id = c.tenant_id AND s.id = c.source_id';
    if (filter.sourceIds) where.push(`c.source_id = ANY(${param(filter.sourceIds, 'uuid[]')})`);
    if (filter.since !== undefined) where.push(`s.created_at >= ${param(filter.since, 'timestamptz')}`);
    if (filter.until !== undefined) where.push(`s.created_at <= ${param(filter.until, 'timestamptz')}`);
  } else {
    if (filter.types || filter.since !== undefined || filter.until !== undefined) joins = 'JOIN entities e ON e.tenant_id = a.tenant_id AND e.id = a.entity_id';
    if (filter.types) where.push(`e.type = ANY(${param(filter.types, 'text[]')})`);
    if (filter.since !== undefined) where.push(`e.updated_at >= ${param(filter.since, 'timestamptz')}`);
    if (filter.until !== undefined) where.push(`e.updated_at <= ${param(filter.until, 'timestamptz')}`);
    if (filter.sourceIds)
      where.push(
        `EXISTS (SELECT 1 FROM evidence v WHERE v.tenant_id = a.tenant_id AND v.subject_id = a.entity_id AND v.source_id = ANY(${param(filter.sourceIds, 'uuid[]')}))`,
      );
  }
  return { joins, where: where.map((condition) => ` AND ${condition}`).join(''), params };
}

/**
 * Ranks one kind of hit for a query on PostgreSQL: every row matching any term (and no excluded one), scored
 * Σ idf(term) × ts_rank_cd(row, term, 1), with FTS5's bm25 idf = max(ln((N − n + 0.5) / (n + 0.5)), 10⁻⁶) over the
 * tenant's N rows of which n match the term (both counted up to {@link frequencyCap}): rows with more terms, rarer
 * terms and more occurrences rank higher, as with bm25 on SQLite (whose idf counts every tenant's rows).
 */
export async function searchPostgres(
  tx: PostgresTx,
  tenantId: string,
  kind: GraphHitKind,
  query: TextQuery,
  limit: number,
  filter: CheckedFilter,
): Promise<RankedRow[]> {
  if (query.terms.length === 0) return [];
  const params: unknown[] = [tenantId, limit, frequencyCap];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const alias = kind === 'passage' ? 'c' : 'a';
  const table = kind === 'passage' ? 'chunks c' : 'entity_aliases a';
  const vector = `${alias}.search_vector`;
  const terms = query.terms.map((term) => termSql(term, param));
  const positive = `(${terms.join(' || ')})`;
  const match = query.excluded.length > 0 ? `(${positive} && !!(${query.excluded.map((term) => termSql(term, param)).join(' || ')}))` : positive;
  const filtered = filterSql(kind, filter, params.length + 1);
  params.push(...filtered.params);
  // The weights are computed once (MATERIALIZED), from counts of the tenant's rows, capped.
  const items = `WITH total AS MATERIALIZED (
      SELECT count(*)::float8 AS rows FROM (SELECT 1 FROM ${table} WHERE ${alias}.tenant_id = $1 LIMIT $3) x
    ), items AS MATERIALIZED (
      SELECT t.query, greatest(ln((total.rows - d.rows + 0.5) / (d.rows + 0.5)), 1e-6) AS weight
      FROM (VALUES ${terms.map((term) => `(${term})`).join(', ')}) AS t(query)
      CROSS JOIN total
      CROSS JOIN LATERAL (SELECT count(*)::float8 AS rows FROM (SELECT 1 FROM ${table} WHERE ${alias}.tenant_id = $1 AND ${vector} @@ t.query LIMIT $3) x) d
    )`;
  const score = `(SELECT coalesce(sum(i.weight * ts_rank_cd(${vector}, i.query, 1)), 0) FROM items i)`;
  if (kind === 'passage') {
    const { rows } = await tx.client.query<{ id: string; score: number }>(
      `${items}
       SELECT c.id, ${score} AS score FROM chunks c ${filtered.joins}
       WHERE c.tenant_id = $1 AND ${vector} @@ ${match}${filtered.where}
       ORDER BY score DESC, c.id LIMIT $2`,
      params,
    );
    return rows.map((row) => ({ id: row.id, score: Number(row.score) }));
  }
  const { rows } = await tx.client.query<{ id: string; alias: string; score: number }>(
    `${items}
     SELECT id, alias, score FROM (
       SELECT id, alias, score, row_number() OVER (PARTITION BY id ORDER BY score DESC, alias_key) AS position FROM (
         SELECT a.entity_id AS id, a.alias, a.alias_key, ${score} AS score FROM entity_aliases a ${filtered.joins}
         WHERE a.tenant_id = $1 AND ${vector} @@ ${match}${filtered.where}
       ) scored
     ) best WHERE position = 1
     ORDER BY score DESC, id LIMIT $2`,
    params,
  );
  return rows.map((row) => ({ id: row.id, score: Number(row.score), alias: row.alias }));
}

/** Passage texts by chunk ID, for snippets. */
export async function passageTexts(tx: PostgresTx, tenantId: string, ids: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await tx.client.query<{ id: string; text: string }>('SELECT id, text FROM chunks WHERE tenant_id = $1 AND id = ANY($2::uuid[])', [
    tenantId,
    ids,
  ]);
  return new Map(rows.map((row) => [row.id, row.text]));
}
