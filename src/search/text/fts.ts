/** @module What the SQLite full-text queries share: the index tables, FTS5 expressions built from parsed terms, a statement cache, row numbers → chunk IDs. */
import type Database from 'better-sqlite3';
import type { GraphHitKind } from '../types.js';
import type { RankedRow } from './options.js';
import type { QueryTerm } from './query.js';

/** The FTS5 table of a kind and the map from its row numbers to keys. */
interface IndexShape {
  fts: string;
  map: string;
}

export const shapes: Record<GraphHitKind, IndexShape> = {
  passage: { fts: 'search_passages', map: 'search_passage_rows' },
  entity: { fts: 'search_aliases', map: 'search_alias_rows' },
};

/** Row numbers per tenant (migration 0009). */
export const tenantBlock = 1_099_511_627_776;

/** One term as an FTS5 string: a quoted phrase (a single word is a phrase of one), `*` after it for a prefix. */
export function ftsPhrase(term: QueryTerm): string {
  return `"${term.words.join(' ').replaceAll('"', '""')}"${term.prefix ? ' *' : ''}`;
}

/** Any of the terms, as one FTS5 expression. */
export function anyOf(terms: readonly QueryTerm[]): string {
  return terms.length === 1 ? ftsPhrase(terms[0] as QueryTerm) : `(${terms.map(ftsPhrase).join(' OR ')})`;
}

/** All of the terms, as one FTS5 expression. */
export function allOf(terms: readonly QueryTerm[]): string {
  return terms.length === 1 ? ftsPhrase(terms[0] as QueryTerm) : `(${terms.map(ftsPhrase).join(' AND ')})`;
}

const statementCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A statement prepared once per connection and SQL text. */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = statementCache.get(db);
  if (!cache) {
    cache = new Map();
    statementCache.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/** A tenant's row numbers in an index (or a part of them). */
export interface Range {
  low: number;
  high: number;
}

/** Ranked passage rows by row number → ranked rows by chunk ID (the map is read for the tenant only). */
export function passageRows(db: Database.Database, tenantId: string, ranked: readonly [number, { score: number }][]): RankedRow[] {
  if (ranked.length === 0) return [];
  const ids = new Map(
    // json_each drives (CROSS JOIN): without statistics SQLite may read the tenant's whole map through its key index.
    (
      prepared(db, 'SELECT m.fts_rowid, m.chunk_id FROM json_each(?) j CROSS JOIN search_passage_rows m ON m.fts_rowid = j.value WHERE m.tenant_id = ?').all(
        JSON.stringify(ranked.map(([rowid]) => rowid)),
        tenantId,
      ) as { fts_rowid: number; chunk_id: string }[]
    ).map((row) => [row.fts_rowid, row.chunk_id]),
  );
  return ranked.flatMap(([rowid, row]) => {
    const id = ids.get(rowid);
    return id === undefined ? [] : [{ id, score: row.score }];
  });
}
