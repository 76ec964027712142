/** @module The graph's data types: entities, relations, evidence, sources and the inputs that create them. */

/** Where a fact came from, as given when the fact is asserted. */
export interface EvidenceInput {
  /** The source the fact was read from; omitted for facts asserted directly through the API. */
  sourceId?: string;
  /** The chunk of that source holding the passage. */
  chunkId?: string;
  /** Character offsets of the passage in the source's text (start inclusive, end exclusive). */
  start?: number;
  end?: number;
  /** The passage itself, when the chunk is not stored. */
  quote?: string;
  /** What produced the fact: an extractor name, or "api" for a direct assertion. @default "api" */
  extractor?: string;
  extractorVersion?: string;
  /** @default 1 */
  confidence?: number;
}

/** A stored piece of evidence, with the citation resolved. */
export interface Evidence {
  id: string;
  subjectKind: 'entity' | 'relation';
  subjectId: string;
  sourceId: string | null;
  chunkId: string | null;
  start: number | null;
  end: number | null;
  quote: string | null;
  extractor: string;
  extractorVersion: string | null;
  confidence: number;
  createdAt: string;
  /** The source's URI and title, and the chunk's page, when the evidence points at a source. */
  source: { uri: string; title: string | null; page: number | null } | null;
}

/** An entity to upsert: identity is (type, key), key defaulting to the normalised name. */
export interface EntityInput {
  type: string;
  name: string;
  key?: string;
  aliases?: string[];
  properties?: Record<string, unknown>;
  /** @default 1 */
  confidence?: number;
  /** @default [{ extractor: "api" }] */
  evidence?: EvidenceInput[];
}

/** A stored entity. */
export interface Entity {
  id: string;
  type: string;
  name: string;
  key: string;
  aliases: string[];
  properties: Record<string, unknown>;
  confidence: number;
  createdAt: string;
  updatedAt: string;
}

/** A relation to upsert: identity is (from, type, to). */
export interface RelationInput {
  type: string;
  from: string;
  to: string;
  properties?: Record<string, unknown>;
  confidence?: number;
  validFrom?: string | null;
  validTo?: string | null;
  evidence?: EvidenceInput[];
}

/** A stored relation. */
export interface Relation {
  id: string;
  type: string;
  from: string;
  to: string;
  properties: Record<string, unknown>;
  confidence: number;
  validFrom: string | null;
  validTo: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A source document or table, and the status of its processing. */
export interface Source {
  id: string;
  uri: string;
  kind: string;
  title: string | null;
  contentHash: string | null;
  metadata: Record<string, unknown>;
  status: string;
  createdAt: string;
  updatedAt: string;
}

/** A passage of a source. Offsets are character offsets in the source's text. */
export interface Chunk {
  id: string;
  sourceId: string;
  ordinal: number;
  text: string;
  start: number;
  end: number;
  page: number | null;
}

/** A source to register, optionally with its chunks. */
export interface SourceInput {
  uri: string;
  kind: string;
  title?: string;
  contentHash?: string;
  metadata?: Record<string, unknown>;
  status?: string;
  chunks?: { text: string; start?: number; end?: number; page?: number }[];
}

/** One page of a list, with the cursor of the next page (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Which way to follow relations. */
export type Direction = 'out' | 'in' | 'both';

/** A relation as traversal sees it. */
export interface Edge {
  id: string;
  type: string;
  from: string;
  to: string;
}

/** A node of a traversal result. */
export interface NodeSummary {
  id: string;
  type: string;
  name: string;
  depth: number;
}

/** What a bulk upsert did. `ids[i]` is the entity or relation stored for input `i`. */
export interface BulkResult {
  ids: string[];
  created: number;
  updated: number;
}
