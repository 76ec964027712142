/** @module The memories table: reading and writing its rows on both drivers, and the keyset-paged list with its filters. */
import { TrellisError } from '../core/errors.js';
import { isId } from '../core/ids.js';
import { pageClause, toPage } from '../graph/pagination.js';
import { type EventInput, type SqlValue, type Tx, inList, parseJson } from '../store/index.js';
import type { Importance, MemoryKind, PreparedMemory } from './kinds.js';

/** A memory as the API shows it. */
export interface Memory {
  id: string;
  kind: MemoryKind;
  title: string | null;
  body: string;
  fields: Record<string, unknown>;
  tags: string[];
  importance: Importance;
  sessionId: string | null;
  author: string | null;
  status: string;
  contentHash: string;
  /** Its source, `memory://<id>`: what evidence of entities it mentions cites. */
  sourceUri: string;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

interface MemoryRow {
  id: string;
  kind: string;
  title: string | null;
  body: string;
  fields: unknown;
  tags: unknown;
  importance: string;
  session_id: string | null;
  author: string | null;
  status: string;
  content_hash: string;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

const columns = 'id, kind, title, body, fields, tags, importance, session_id, author, status, content_hash, created_at, updated_at, archived_at';

/** The URI of a memory's source. */
export const memoryUri = (id: string): string => `memory://${id}`;

function toMemory(row: MemoryRow): Memory {
  return {
    id: String(row.id),
    kind: row.kind as MemoryKind,
    title: row.title,
    body: row.body,
    fields: parseJson<Record<string, unknown>>(row.fields),
    tags: parseJson<string[]>(row.tags),
    importance: row.importance as Importance,
    sessionId: row.session_id === null ? null : String(row.session_id),
    author: row.author,
    status: row.status,
    contentHash: row.content_hash,
    sourceUri: memoryUri(String(row.id)),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    archivedAt: row.archived_at === null ? null : String(row.archived_at),
  };
}

const json = (tx: Tx) => (tx.dialect === 'sqlite' ? '?' : '?::jsonb');

/** ` FOR UPDATE` on PostgreSQL, where writers of one tenant run at once; SQLite runs write transactions one at a time. */
const lockClause = (tx: Tx, lock: boolean) => (lock && tx.dialect === 'postgres' ? ' FOR UPDATE' : '');

/**
 * One memory of the tenant, or undefined (a malformed ID included). `lock` holds the row until commit, for a
 * read-modify-write (feedback counts, a status transition) that a concurrent writer must not interleave with.
 */
export async function findMemory(tx: Tx, tenantId: string, id: string, options: { lock?: boolean } = {}): Promise<Memory | undefined> {
  if (!isId(id)) return undefined;
  const row = await tx.get<MemoryRow>(`SELECT ${columns} FROM memories WHERE tenant_id = ? AND id = ?${lockClause(tx, options.lock ?? false)}`, [
    tenantId,
    id.toLowerCase(),
  ]);
  return row ? toMemory(row) : undefined;
}

/** The memories with these IDs in the tenant (missing ones left out); `lock` as for {@link findMemory}. */
export async function findMemories(tx: Tx, tenantId: string, ids: readonly string[], options: { lock?: boolean } = {}): Promise<Map<string, Memory>> {
  const out = new Map<string, Memory>();
  if (ids.length === 0) return out;
  const list = inList(tx.dialect, 'id', 'uuid');
  const rows = await tx.all<MemoryRow>(
    `SELECT ${columns} FROM memories WHERE tenant_id = ? AND ${list.sql} ORDER BY id${lockClause(tx, options.lock ?? false)}`,
    [tenantId, list.param(ids)],
  );
  for (const row of rows) out.set(String(row.id), toMemory(row));
  return out;
}

/** The ID of the tenant's memory with this content hash, if any. */
export async function findByContentHash(tx: Tx, tenantId: string, hash: string): Promise<string | undefined> {
  const row = await tx.get<{ id: string }>('SELECT id FROM memories WHERE tenant_id = ? AND content_hash = ?', [tenantId, hash]);
  return row ? String(row.id) : undefined;
}

/** The stored columns of a prepared memory, in the order title, body, fields, tags, importance, session_id, author, status, content_hash, search_text. */
function storedValues(memory: PreparedMemory): SqlValue[] {
  return [
    memory.title,
    memory.body,
    JSON.stringify(memory.fields),
    JSON.stringify(memory.tags),
    memory.importance,
    memory.sessionId,
    memory.author,
    memory.status,
    memory.contentHash,
    memory.searchText,
  ];
}

/**
 * Inserts a memory, pending extraction, with its source: the sources row as the graph module writes it, with the
 * memory's ID (the graph's createSource picks its own), so evidence can cite the memory and deleting the source
 * removes it. Answers the events that announce it (`source.created`, `memory.created`, and `decision.recorded` or
 * `mistake.recorded` for those kinds), for the caller to append with its own in the same transaction.
 */
export async function insertMemory(tx: Tx, tenantId: string, id: string, memory: PreparedMemory, now: string): Promise<EventInput[]> {
  await tx.run(
    `INSERT INTO sources (tenant_id, id, uri, kind, title, content_hash, metadata, status, created_at, updated_at) VALUES (?, ?, ?, 'memory', ?, ?, ${json(tx)}, 'registered', ?, ?)`,
    [tenantId, id, memoryUri(id), memory.title, memory.contentHash, JSON.stringify({ memoryKind: memory.kind }), now, now],
  );
  await tx.run(
    `INSERT INTO memories (tenant_id, id, kind, title, body, fields, tags, importance, session_id, author, status, content_hash, search_text, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ${json(tx)}, ${json(tx)}, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [tenantId, id, memory.kind, ...storedValues(memory), now, now],
  );
  const events: EventInput[] = [
    { type: 'source.created', subject: id, payload: { id, uri: memoryUri(id), kind: 'memory', chunks: 0 } },
    {
      type: 'memory.created',
      subject: id,
      payload: { id, kind: memory.kind, title: memory.title, importance: memory.importance, sessionId: memory.sessionId, tags: memory.tags },
    },
  ];
  if (memory.kind === 'decision')
    events.push({ type: 'decision.recorded', subject: id, payload: { id, title: memory.title, chosen: memory.fields.chosen, status: memory.status } });
  if (memory.kind === 'mistake')
    events.push({ type: 'mistake.recorded', subject: id, payload: { id, errorType: memory.fields.errorType, message: memory.fields.message } });
  return events;
}

/** Rewrites a memory's row from its prepared state; `archivedAt` is kept unless given. A changed search text marks the memory pending extraction and embedding. */
export async function updateMemoryRow(tx: Tx, tenantId: string, id: string, memory: PreparedMemory, now: string, archivedAt?: string | null): Promise<void> {
  const archive = archivedAt === undefined ? '' : ', archived_at = ?';
  // A changed search text waits for extraction and embedding again (the CASEs read the row's old text, as every SET
  // expression does).
  await tx.run(
    `UPDATE memories SET title = ?, body = ?, fields = ${json(tx)}, tags = ${json(tx)}, importance = ?, session_id = ?, author = ?, status = ?,
       content_hash = ?, search_text = ?, extract_pending = CASE WHEN search_text = ? THEN extract_pending ELSE 1 END,
       embed_pending = CASE WHEN search_text = ? THEN embed_pending ELSE 1 END, updated_at = ?${archive}
       WHERE tenant_id = ? AND id = ?`,
    [...storedValues(memory), memory.searchText, memory.searchText, now, ...(archivedAt === undefined ? [] : [archivedAt]), tenantId, id],
  );
}

/** Keeps the memory's source row's title and content hash equal to the memory's (what citations of it show). */
export async function syncSource(tx: Tx, tenantId: string, id: string, memory: PreparedMemory, now: string): Promise<void> {
  await tx.run('UPDATE sources SET title = ?, content_hash = ?, updated_at = ? WHERE tenant_id = ? AND id = ?', [
    memory.title,
    memory.contentHash,
    now,
    tenantId,
    id,
  ]);
}

/** Sets only a memory's status and fields (a superseded decision, a recorded outcome or feedback). */
export async function setStatusAndFields(tx: Tx, tenantId: string, id: string, status: string, fields: Record<string, unknown>, now: string): Promise<void> {
  await tx.run(`UPDATE memories SET status = ?, fields = ${json(tx)}, updated_at = ? WHERE tenant_id = ? AND id = ?`, [
    status,
    JSON.stringify(fields),
    now,
    tenantId,
    id,
  ]);
}

/** Clears the session of the memories that belonged to a session; returns their IDs. */
export async function detachFromSession(tx: Tx, tenantId: string, sessionId: string, now: string): Promise<string[]> {
  const rows = await tx.all<{ id: string }>('SELECT id FROM memories WHERE tenant_id = ? AND session_id = ?', [tenantId, sessionId]);
  if (rows.length > 0) await tx.run('UPDATE memories SET session_id = NULL, updated_at = ? WHERE tenant_id = ? AND session_id = ?', [now, tenantId, sessionId]);
  return rows.map((row) => String(row.id));
}

/** The filters of a memory list; every one given must hold. */
export interface MemoryFilter {
  kind?: MemoryKind;
  /** Memories carrying every one of these tags. */
  tags?: string[];
  sessionId?: string;
  author?: string;
  importance?: Importance[];
  status?: string;
  /** Created at or after (RFC 3339). */
  since?: string;
  /** Created before (RFC 3339). */
  until?: string;
  limit: number;
  cursor?: string;
}

/** A page of the tenant's memories, oldest first (IDs sort by creation time), keyset-paged by ID. */
export async function listMemories(tx: Tx, tenantId: string, filter: MemoryFilter): Promise<{ items: Memory[]; nextCursor: string | null }> {
  const where = ['tenant_id = ?'];
  const params: (string | number)[] = [tenantId];
  const add = (sql: string, ...values: (string | number)[]) => {
    where.push(sql);
    params.push(...values);
  };
  if (filter.kind) add('kind = ?', filter.kind);
  if (filter.sessionId !== undefined) {
    if (!isId(filter.sessionId)) throw new TrellisError('validation_failed', 'session must be a memory ID (a UUID)');
    add('session_id = ?', filter.sessionId.toLowerCase());
  }
  if (filter.author !== undefined) add('author = ?', filter.author);
  if (filter.status !== undefined) add('status = ?', filter.status);
  if (filter.importance && filter.importance.length > 0) {
    // The levels are checked names, so the PostgreSQL array literal needs no quoting.
    if (tx.dialect === 'sqlite') add('importance IN (SELECT value FROM json_each(?))', JSON.stringify(filter.importance));
    else add('importance = ANY(?::text[])', `{${filter.importance.join(',')}}`);
  }
  if (filter.since !== undefined) add(tx.dialect === 'sqlite' ? 'created_at >= ?' : 'created_at >= ?::timestamptz', filter.since);
  if (filter.until !== undefined) add(tx.dialect === 'sqlite' ? 'created_at < ?' : 'created_at < ?::timestamptz', filter.until);
  for (const tag of filter.tags ?? []) {
    if (tx.dialect === 'sqlite') add('EXISTS (SELECT 1 FROM json_each(memories.tags) WHERE value = ?)', tag);
    else add('tags @> ?::jsonb', JSON.stringify([tag]));
  }
  const rows = await tx.all<MemoryRow>(`SELECT ${columns} FROM memories ${pageClause(where, params, filter.cursor, filter.limit)}`, params);
  const page = toPage(rows, filter.limit);
  return { items: page.items.map(toMemory), nextCursor: page.nextCursor };
}
