/** @module Migration 0016: which memories wait for embedding (created, or their search text changed since). */
import type { Migration } from '../migrate.js';

// Like `extract_pending` (0014), for the `search.embed` job: 1 when a memory was created or its `search_text` changed
// since its vector was written, 0 once a vector of exactly that text is stored. Without it each embedding run read
// every memory of the tenant and hashed its text to find the stale ones: seconds a run at 1M memories, every run.
// Existing memories start pending; the first run checks them by hash as before and clears the flag.
const sqlite = `
ALTER TABLE memories ADD COLUMN embed_pending INTEGER NOT NULL DEFAULT 1;
CREATE INDEX memories_embed_pending ON memories (tenant_id, id) WHERE embed_pending = 1;
`;

const postgres = `
ALTER TABLE memories ADD COLUMN embed_pending smallint NOT NULL DEFAULT 1;
CREATE INDEX memories_embed_pending ON memories (tenant_id, id) WHERE embed_pending = 1;
`;

/** The pending-embedding flag of memories and its partial index. */
export const migration: Migration = { id: '0016-memory-embedding-pending', sqlite, postgres };
