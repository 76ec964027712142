/** @module Migration 0014: which memories wait for entity extraction (created, or their search text changed since the last run). */
import type { Migration } from '../migrate.js';

// `extract_pending` is 1 when a memory was created or its `search_text` changed since the `memory.extract` job last
// extracted it, and 0 once the job wrote its evidence for exactly that text. A flag rather than a hash compared with
// `content_hash`: the content hash collapses whitespace, so a text that changed only in spacing would keep its hash
// while the evidence offsets into `search_text` went stale. Existing memories start pending, so the first job run
// links them too. The partial index holds only pending rows: the job finds its next batch without scanning the table.
const sqlite = `
ALTER TABLE memories ADD COLUMN extract_pending INTEGER NOT NULL DEFAULT 1;
CREATE INDEX memories_extract_pending ON memories (tenant_id, id) WHERE extract_pending = 1;
`;

const postgres = `
ALTER TABLE memories ADD COLUMN extract_pending smallint NOT NULL DEFAULT 1;
CREATE INDEX memories_extract_pending ON memories (tenant_id, id) WHERE extract_pending = 1;
`;

/** The pending-extraction flag of memories and its partial index. */
export const migration: Migration = { id: '0014-memory-extraction', sqlite, postgres };
