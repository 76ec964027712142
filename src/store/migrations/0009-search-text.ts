/** @module Migration 0009: full-text indexes over passages (chunks) and entity names and aliases, kept current by the database itself. */
import type { Migration } from '../migrate.js';

/**
 * Characters of the Unicode block Combining Diacritical Marks (U+0300–U+036F), as a PostgreSQL `U&''` literal: what
 * PostgreSQL strips after NFD decomposition so that "Zürich" and "zurich" index alike, as SQLite's
 * `remove_diacritics 2` does.
 */
const combiningMarks = `U&'${Array.from({ length: 0x70 }, (_, offset) => `\\${(0x300 + offset).toString(16).padStart(4, '0')}`).join('')}'`;

/** Indexed characters of a passage; the rest of a longer passage is stored but not searchable (PostgreSQL caps a tsvector at 1 MB). */
export const indexedCharacters = 100_000;

/** Row numbers a tenant gets in the search tables (2^40): a tenant's rows are one contiguous range. */
const tenantBlock = 1_099_511_627_776;

// FTS5 needs integer row numbers and chunks and aliases have text keys, so each index has a map table from its
// row number to the row's key. Row numbers are handed out per tenant in a block of 2^40, in insertion order: a
// search passes its tenant's range to FTS5 (`rowid BETWEEN`), so it never returns or scores another tenant's rows
// without a join per row, and the newest rows have the highest numbers. The index is contentless
// (`content=''`): the text stays in chunks and entity_aliases only; `contentless_delete=1` allows deleting by row
// number. Triggers keep all of it in the writing transaction, whoever writes. The next row number is found with
// ORDER BY … DESC LIMIT 1, a seek to the end of the tenant's range: max() was answered by scanning the range. The tenant-block insert uses
// WHERE NOT EXISTS rather than OR IGNORE: inside a trigger, an outer INSERT OR REPLACE would turn OR IGNORE into
// REPLACE and hand the tenant a new block.
const tokenizer = `tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co M*'"`;

/** A row's key: the column in the map table and the column of the indexed table it copies. */
export interface KeyColumn {
  map: string;
  table: string;
}

/**
 * The SQLite statements of one contentless FTS5 index over `table.text`: its row-number map table, the index and the
 * triggers that keep both current. Later migrations reuse it for further indexes (0013: memories); the text it
 * returns for 0009's own indexes must never change (it is part of 0009's checksum).
 */
export function sqliteIndex(options: { index: string; map: string; table: string; keys: KeyColumn[]; text: string }): string {
  const { index, map, table, keys, text } = options;
  const mapKeys = keys.map((key) => key.map).join(', ');
  const rowOf = (row: 'old' | 'new') => `tenant_id = ${row}.tenant_id AND ${keys.map((key) => `${key.map} = ${row}.${key.table}`).join(' AND ')}`;
  const remove = `DELETE FROM ${index} WHERE rowid = (SELECT fts_rowid FROM ${map} WHERE ${rowOf('old')});
  DELETE FROM ${map} WHERE ${rowOf('old')};`;
  const add = `INSERT INTO search_tenants (tenant_id, base)
    SELECT new.tenant_id, coalesce((SELECT max(base) FROM search_tenants), 0) + ${tenantBlock}
    WHERE NOT EXISTS (SELECT 1 FROM search_tenants WHERE tenant_id = new.tenant_id);
  INSERT INTO ${map} (fts_rowid, tenant_id, ${mapKeys})
    SELECT coalesce((SELECT fts_rowid FROM ${map} WHERE fts_rowid BETWEEN t.base AND t.base + ${tenantBlock - 1} ORDER BY fts_rowid DESC LIMIT 1), t.base) + 1,
      new.tenant_id, ${keys.map((key) => `new.${key.table}`).join(', ')}
    FROM search_tenants t WHERE t.tenant_id = new.tenant_id;
  INSERT INTO ${index} (rowid, text) SELECT fts_rowid, substr(new.${text}, 1, ${indexedCharacters}) FROM ${map} WHERE ${rowOf('new')};`;
  const changed = ['tenant_id', ...keys.map((key) => key.table), text].join(', ');
  return `
CREATE TABLE ${map} (
  fts_rowid INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  ${keys.map((key) => `${key.map} TEXT NOT NULL`).join(',\n  ')},
  UNIQUE (tenant_id, ${mapKeys})
);
CREATE VIRTUAL TABLE ${index} USING fts5(text, content = '', contentless_delete = 1, ${tokenizer});
CREATE TRIGGER ${index}_insert AFTER INSERT ON ${table} BEGIN
  ${add}
END;
CREATE TRIGGER ${index}_delete AFTER DELETE ON ${table} BEGIN
  ${remove}
END;
CREATE TRIGGER ${index}_update AFTER UPDATE OF ${changed} ON ${table} BEGIN
  ${remove}
  ${add}
END;`;
}

const sqlite = `
CREATE TABLE search_tenants (
  tenant_id TEXT PRIMARY KEY,
  base INTEGER NOT NULL UNIQUE
) WITHOUT ROWID;
${sqliteIndex({ index: 'search_passages', map: 'search_passage_rows', table: 'chunks', keys: [{ map: 'chunk_id', table: 'id' }], text: 'text' })}
${sqliteIndex({
  index: 'search_aliases',
  map: 'search_alias_rows',
  table: 'entity_aliases',
  keys: [
    { map: 'entity_id', table: 'entity_id' },
    { map: 'alias_key', table: 'alias_key' },
  ],
  text: 'alias',
})}
INSERT INTO search_tenants (tenant_id, base)
  SELECT tenant_id, ${tenantBlock} * row_number() OVER (ORDER BY tenant_id)
  FROM (SELECT tenant_id FROM chunks UNION SELECT tenant_id FROM entity_aliases);
INSERT INTO search_passage_rows (fts_rowid, tenant_id, chunk_id)
  SELECT t.base + row_number() OVER (PARTITION BY c.tenant_id ORDER BY s.created_at, c.source_id, c.ordinal), c.tenant_id, c.id
  FROM chunks c JOIN search_tenants t ON t.tenant_id = c.tenant_id
  LEFT JOIN sources s ON s.tenant_id = c.tenant_id AND s.id = c.source_id;
INSERT INTO search_passages (rowid, text)
  SELECT m.fts_rowid, substr(c.text, 1, ${indexedCharacters}) FROM search_passage_rows m JOIN chunks c ON c.tenant_id = m.tenant_id AND c.id = m.chunk_id;
INSERT INTO search_alias_rows (fts_rowid, tenant_id, entity_id, alias_key)
  SELECT t.base + row_number() OVER (PARTITION BY a.tenant_id ORDER BY e.seq, a.alias_key), a.tenant_id, a.entity_id, a.alias_key
  FROM entity_aliases a JOIN search_tenants t ON t.tenant_id = a.tenant_id
  LEFT JOIN entities e ON e.tenant_id = a.tenant_id AND e.id = a.entity_id;
INSERT INTO search_aliases (rowid, text)
  SELECT m.fts_rowid, a.alias FROM search_alias_rows m
  JOIN entity_aliases a ON a.tenant_id = m.tenant_id AND a.entity_id = m.entity_id AND a.alias_key = m.alias_key;
`;

// PostgreSQL: a stored generated tsvector beside the text and a GIN index on it. The generated column is computed
// in the writing statement, so the index is as current as the row, and row-level security of chunks and
// entity_aliases covers it. 'simple' (no stemming, no stop words) for any language; trellis_search_fold strips
// combining diacritics after NFD decomposition, and to_tsvector lower-cases.
const postgres = `
CREATE FUNCTION trellis_search_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT translate(normalize(value, NFD), ${combiningMarks}, '')
$fn$;
ALTER TABLE chunks ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, trellis_search_fold(left(text, ${indexedCharacters})))) STORED;
CREATE INDEX chunks_search ON chunks USING gin (search_vector);
ALTER TABLE entity_aliases ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, trellis_search_fold(alias))) STORED;
CREATE INDEX entity_aliases_search ON entity_aliases USING gin (search_vector);
`;

/** Full-text search over passages and entity names and aliases. */
export const migration: Migration = { id: '0009-search-text', sqlite, postgres };
