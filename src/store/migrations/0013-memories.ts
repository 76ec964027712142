/** @module Migration 0013: memories (notes, decisions, mistakes, patterns, sessions), each the fields of a source with the same ID; their full-text index; embeddings of memories. */
import type { Migration } from '../migrate.js';
import { indexedCharacters, sqliteIndex } from './0009-search-text.js';
import { forcedRowLevelSecurity } from './row-level-security.js';

// A memory is a source with fields (docs/design-notes.md, "Memory: a memory is a source with fields"): `id` is the
// ID of its source (`memory://<id>`, kind memory), so deleting the source removes the memory and retracting its
// evidence works as for any document. `fields` holds the kind's validated fields as JSON; `status` is a decision's
// status (proposed, accepted, superseded, reverted) and active/archived for the other kinds. `content_hash` is the
// hash of the kind and the normalised content: exact duplicates are refused. `session_id` names a memory of kind
// session of the same tenant; it has no foreign key because the memory service clears it when the session goes.
// `search_text` (title, body and the kind's text fields) is what the full-text index sees.
//
// Embeddings get owner kind 'memory' (owner_id = memory ID), removed with their memory by a trigger like the other
// owners. SQLite cannot alter a CHECK, so the embeddings table is rebuilt: the triggers naming it are dropped first
// (a rename checks every trigger's body), the AUTOINCREMENT counter is carried over so a seq is never reused, and the
// index and triggers are created again as 0010 made them.
const sqlite = `
CREATE TABLE memories (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('note','decision','mistake','pattern','session')),
  title TEXT,
  body TEXT NOT NULL,
  fields TEXT NOT NULL DEFAULT '{}',
  tags TEXT NOT NULL DEFAULT '[]',
  importance TEXT NOT NULL CHECK (importance IN ('critical','high','normal','low','ephemeral')),
  session_id TEXT,
  author TEXT,
  status TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  search_text TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  archived_at TEXT,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, content_hash),
  FOREIGN KEY (tenant_id, id) REFERENCES sources (tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX memories_by_kind ON memories (tenant_id, kind, id);
CREATE INDEX memories_by_session ON memories (tenant_id, session_id, id) WHERE session_id IS NOT NULL;
${sqliteIndex({ index: 'search_memories', map: 'search_memory_rows', table: 'memories', keys: [{ map: 'memory_id', table: 'id' }], text: 'search_text' })}
DROP TRIGGER embeddings_of_chunks;
DROP TRIGGER embeddings_of_entities;
DROP TRIGGER embeddings_of_dataset_rows;
CREATE TABLE embeddings_widened (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id TEXT NOT NULL,
  owner_kind TEXT NOT NULL CHECK (owner_kind IN ('passage','entity','row','memory')),
  owner_id TEXT NOT NULL,
  embedder TEXT NOT NULL,
  dimensions INTEGER NOT NULL,
  vector BLOB NOT NULL,
  content_hash TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (tenant_id, owner_kind, owner_id)
);
INSERT INTO embeddings_widened (seq, tenant_id, owner_kind, owner_id, embedder, dimensions, vector, content_hash, updated_at)
  SELECT seq, tenant_id, owner_kind, owner_id, embedder, dimensions, vector, content_hash, updated_at FROM embeddings ORDER BY seq;
INSERT INTO sqlite_sequence (name, seq) SELECT 'embeddings_widened', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'embeddings_widened');
UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'embeddings'), 0)) WHERE name = 'embeddings_widened';
DROP TABLE embeddings;
ALTER TABLE embeddings_widened RENAME TO embeddings;
CREATE INDEX embeddings_by_embedder ON embeddings (tenant_id, embedder, owner_kind, seq);
CREATE TRIGGER embeddings_of_chunks AFTER DELETE ON chunks BEGIN
  DELETE FROM embeddings WHERE tenant_id = OLD.tenant_id AND owner_kind = 'passage' AND owner_id = OLD.id;
END;
CREATE TRIGGER embeddings_of_entities AFTER DELETE ON entities BEGIN
  DELETE FROM embeddings WHERE tenant_id = OLD.tenant_id AND owner_kind = 'entity' AND owner_id = OLD.id;
END;
CREATE TRIGGER embeddings_of_dataset_rows AFTER DELETE ON dataset_rows BEGIN
  DELETE FROM embeddings WHERE tenant_id = OLD.tenant_id AND owner_kind = 'row' AND owner_id = OLD.dataset_id || ':' || OLD.row_key;
END;
CREATE TRIGGER embeddings_of_memories AFTER DELETE ON memories BEGIN
  DELETE FROM embeddings WHERE tenant_id = OLD.tenant_id AND owner_kind = 'memory' AND owner_id = OLD.id;
END;
`;

// PostgreSQL: the tsvector is 0009's (simple configuration, diacritics folded), computed by a function of its own so
// that the recall part can build the same vector for a query, and the column does not pin trellis_search_fold.
const postgres = `
CREATE FUNCTION trellis_memory_search_vector(value text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
  SELECT to_tsvector('simple'::regconfig, trellis_search_fold(left(value, ${indexedCharacters})))
$fn$;
CREATE TABLE memories (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('note','decision','mistake','pattern','session')),
  title text,
  body text NOT NULL,
  fields jsonb NOT NULL DEFAULT '{}',
  tags jsonb NOT NULL DEFAULT '[]',
  importance text NOT NULL CHECK (importance IN ('critical','high','normal','low','ephemeral')),
  session_id uuid,
  author text,
  status text NOT NULL,
  content_hash text NOT NULL,
  search_text text NOT NULL,
  search_vector tsvector GENERATED ALWAYS AS (trellis_memory_search_vector(search_text)) STORED,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  archived_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, content_hash),
  FOREIGN KEY (tenant_id, id) REFERENCES sources (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX memories_by_kind ON memories (tenant_id, kind, id);
CREATE INDEX memories_by_session ON memories (tenant_id, session_id, id) WHERE session_id IS NOT NULL;
CREATE INDEX memories_search ON memories USING gin (search_vector);
ALTER TABLE embeddings DROP CONSTRAINT embeddings_owner_kind_check;
ALTER TABLE embeddings ADD CONSTRAINT embeddings_owner_kind_check CHECK (owner_kind IN ('passage','entity','row','memory'));
CREATE FUNCTION trellis_embeddings_of_memories() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  DELETE FROM embeddings e USING gone g
    WHERE e.tenant_id = g.tenant_id AND e.owner_kind = 'memory' AND e.owner_id = g.id::text;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER embeddings_of_memories AFTER DELETE ON memories REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION trellis_embeddings_of_memories();
${forcedRowLevelSecurity(['memories'])}
`;

/** Memories, their full-text index, and memory embeddings. */
export const migration: Migration = { id: '0013-memories', sqlite, postgres };
