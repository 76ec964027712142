/**
 * @module What the analysis jobs write: patterns (created or updated, with `pattern.detected`), archived and decayed
 * memories, merged near-duplicates. Each write and its events share one transaction, as the memory service's do;
 * a pattern is validated by the same `prepareMemory` as one posted to `/memories`.
 */
import { newId } from '../../core/ids.js';
import type { GraphService } from '../../graph/index.js';
import type { QueueMemoryWork } from '../extract-job.js';
import { type EventInput, type Store, type Tx, appendEvent, parseJson } from '../../store/index.js';
import { type Importance, type MemoryKind, importanceLevels, prepareMemory, searchText } from '../kinds.js';
import { type Memory, findByContentHash, findMemories, findMemory, insertMemory, syncSource, updateMemoryRow } from '../rows.js';

/** The author of every memory the analysis jobs write. */
export const analysisAuthor = 'trellis:analysis';

/** What the analysis jobs need. */
export interface AnalysisDeps {
  store: Store;
  graph: GraphService;
  /** The clock; tests move it. @default () => new Date() */
  now: () => Date;
  /** Queues entity extraction and embedding of a written pattern, in its transaction (as the memory service's writes do). */
  queueWork?: QueueMemoryWork;
}

/** Appends events and tells the traversal projection they changed no graph structure (as the memory service does). */
export async function emit(tx: Tx, graph: GraphService, tenantId: string, events: EventInput[]): Promise<void> {
  if (events.length > 0) graph.within(tx, tenantId).noteEvents(await appendEvent(tx, events));
}

/** A memory row as the analysis jobs read it in bulk. */
export interface ScannedMemory {
  id: string;
  kind: MemoryKind;
  title: string | null;
  fields: Record<string, unknown>;
  tags: string[];
  importance: Importance;
  author: string | null;
  status: string;
  createdAt: string;
  updatedAt: string;
}

const pageSize = 5000;
const beforeEveryId = '00000000-0000-0000-0000-000000000000';

/**
 * Reads the tenant's memories of `kinds` (active only unless `archived`) in ID order, a page of 5,000 per read
 * transaction so no read holds the store long, and hands each to `visit`.
 */
export async function scanMemories(
  store: Store,
  tenantId: string,
  kinds: readonly MemoryKind[],
  visit: (memory: ScannedMemory) => void,
  options: { archived?: boolean; signal?: AbortSignal } = {},
): Promise<number> {
  let after = beforeEveryId;
  let seen = 0;
  const kindList = kinds.map((kind) => `'${kind}'`).join(', ');
  for (;;) {
    options.signal?.throwIfAborted();
    const rows = await store.read({ tenantId }, (tx) =>
      tx.all<Record<string, unknown>>(
        `SELECT id, kind, title, fields, tags, importance, author, status, created_at, updated_at FROM memories
         WHERE tenant_id = ? AND kind IN (${kindList})${options.archived ? '' : " AND status <> 'archived'"} AND id > ? ORDER BY id LIMIT ?`,
        [tenantId, after, pageSize],
      ),
    );
    for (const row of rows) {
      visit({
        id: String(row.id),
        kind: row.kind as MemoryKind,
        title: (row.title as string | null) ?? null,
        fields: parseJson<Record<string, unknown>>(row.fields),
        tags: parseJson<string[]>(row.tags),
        importance: row.importance as Importance,
        author: (row.author as string | null) ?? null,
        status: String(row.status),
        createdAt: new Date(row.created_at as string).toISOString(),
        updatedAt: new Date(row.updated_at as string).toISOString(),
      });
    }
    seen += rows.length;
    if (rows.length < pageSize) return seen;
    after = String(rows[rows.length - 1]?.id);
  }
}

/** A pattern as detection wants it stored. */
export interface PatternDraft {
  title: string;
  description: string;
  /** Oldest first, at most 100 (the limit of a list field); `occurrences` counts them all. */
  supportingIds: string[];
  occurrences: number;
  confidence: number;
  signature: string;
  /** What the pattern groups (mistake, note, decision): a tag and the event's `of`. */
  of: string;
}

/** What {@link savePattern} did. */
export type PatternWrite = { id: string; outcome: 'created' | 'updated' } | { id: null; outcome: 'skipped'; reason: string };

/**
 * Creates a pattern or updates `existingId`, with `pattern.detected` (and the memory events) in the same
 * transaction. Supporting memories deleted since the scan are dropped; a pattern left with none is skipped.
 */
export async function savePattern(deps: AnalysisDeps, tenantId: string, draft: PatternDraft, existingId: string | null): Promise<PatternWrite> {
  const { store, graph } = deps;
  try {
    return await store.transaction({ tenantId }, async (tx): Promise<PatternWrite> => {
      const existing = existingId ? await findMemory(tx, tenantId, existingId, { lock: true }) : undefined;
      if (existingId && !existing) return { id: null, outcome: 'skipped', reason: 'the pattern was deleted during the run' };
      const found = await findMemories(tx, tenantId, draft.supportingIds);
      const supportingIds = draft.supportingIds.filter((id) => found.has(id));
      if (supportingIds.length === 0) return { id: null, outcome: 'skipped', reason: 'its supporting memories were deleted during the run' };
      const tags = [...new Set([...(existing?.tags ?? []), analysisAuthor, draft.of])].slice(0, 50);
      const prepared = prepareMemory(
        {
          kind: 'pattern',
          title: draft.title,
          description: draft.description,
          supportingIds,
          occurrences: Math.max(draft.occurrences, supportingIds.length),
          confidence: draft.confidence,
          tags,
          importance: existing?.importance ?? 'normal',
          author: analysisAuthor,
        },
        { recorded: { signature: draft.signature } },
      );
      const holder = await findByContentHash(tx, tenantId, prepared.contentHash);
      if (holder && holder !== existingId) return { id: null, outcome: 'skipped', reason: `memory ${holder} has the same content` };
      const now = deps.now().toISOString();
      const detected = (id: string, created: boolean): EventInput => ({
        type: 'pattern.detected',
        subject: id,
        payload: {
          id,
          title: prepared.title,
          of: draft.of,
          occurrences: prepared.fields.occurrences,
          confidence: prepared.fields.confidence,
          supporting: supportingIds.length,
          new: created,
        },
      });
      if (existing) {
        // A pattern someone archived stays archived; its counts still follow the data.
        prepared.status = existing.status;
        await updateMemoryRow(tx, tenantId, existing.id, prepared, now);
        if (prepared.title !== existing.title || prepared.contentHash !== existing.contentHash) await syncSource(tx, tenantId, existing.id, prepared, now);
        await emit(tx, graph, tenantId, [
          {
            type: 'memory.updated',
            subject: existing.id,
            payload: {
              id: existing.id,
              kind: 'pattern',
              changed: ['title', 'description', 'supportingIds', 'occurrences', 'confidence'],
              status: prepared.status,
            },
          },
          detected(existing.id, false),
        ]);
        if (prepared.searchText !== searchText(existing.title, existing.fields)) await deps.queueWork?.(tx, tenantId);
        return { id: existing.id, outcome: 'updated' };
      }
      const id = newId();
      await emit(tx, graph, tenantId, [...(await insertMemory(tx, tenantId, id, prepared, now)), detected(id, true)]);
      await deps.queueWork?.(tx, tenantId);
      return { id, outcome: 'created' };
    });
  } catch (error) {
    const err = error as { code?: string; message?: string };
    // A writer committed the same content between the check and the insert.
    if (err.code === '23505' || /UNIQUE constraint failed: memories/.test(err.message ?? ''))
      return { id: null, outcome: 'skipped', reason: 'another memory with the same content was written meanwhile' };
    throw error;
  }
}

const json = (tx: Tx) => (tx.dialect === 'sqlite' ? '?' : '?::jsonb');

/** Archives a memory (status archived, archived_at now) with `memory.updated`, unless it changed since it was read. */
export async function archiveMemory(tx: Tx, deps: AnalysisDeps, tenantId: string, memory: ScannedMemory, reason: string): Promise<boolean> {
  const now = deps.now().toISOString();
  const changed = await tx.run("UPDATE memories SET status = 'archived', archived_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND status = ?", [
    now,
    now,
    tenantId,
    memory.id,
    memory.status,
  ]);
  if (changed !== 1) return false;
  await emit(tx, deps.graph, tenantId, [
    {
      type: 'memory.updated',
      subject: memory.id,
      payload: { id: memory.id, kind: memory.kind, changed: ['status'], from: memory.status, status: 'archived', reason },
    },
  ]);
  return true;
}

/** Lowers a memory's importance by one level with `memory.updated`, unless it changed since it was read. */
export async function decayMemory(tx: Tx, deps: AnalysisDeps, tenantId: string, memory: ScannedMemory, reason: string): Promise<Importance | null> {
  const next = importanceLevels[importanceLevels.indexOf(memory.importance) + 1];
  if (!next) return null;
  const now = deps.now().toISOString();
  const changed = await tx.run('UPDATE memories SET importance = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND importance = ?', [
    next,
    now,
    tenantId,
    memory.id,
    memory.importance,
  ]);
  if (changed !== 1) return null;
  await emit(tx, deps.graph, tenantId, [
    {
      type: 'memory.updated',
      subject: memory.id,
      payload: { id: memory.id, kind: memory.kind, changed: ['importance'], from: memory.importance, importance: next, status: memory.status, reason },
    },
  ]);
  return next;
}

/**
 * Merges near-duplicates into `keeperId` in one transaction: the keeper takes the union of their tags and the
 * highest importance; patterns citing a duplicate cite the keeper instead; each duplicate is deleted with its source
 * (`memory.deleted` with `mergedInto`). Answers the IDs deleted (none when the keeper is gone).
 */
export async function mergeDuplicates(deps: AnalysisDeps, tenantId: string, keeperId: string, duplicateIds: readonly string[]): Promise<string[]> {
  const { store, graph } = deps;
  return store.transaction({ tenantId }, async (tx) => {
    const found = await findMemories(tx, tenantId, [keeperId, ...duplicateIds], { lock: true });
    const keeper = found.get(keeperId);
    if (!keeper) return [];
    const duplicates = duplicateIds.map((id) => found.get(id)).filter((memory): memory is Memory => memory !== undefined && memory.kind === keeper.kind);
    if (duplicates.length === 0) return [];
    const now = deps.now().toISOString();
    const tags = [...new Set([keeper.tags, ...duplicates.map((memory) => memory.tags)].flat())].slice(0, 50);
    const importance = importanceLevels[Math.min(...[keeper, ...duplicates].map((memory) => importanceLevels.indexOf(memory.importance)))] as Importance;
    await tx.run(`UPDATE memories SET tags = ${json(tx)}, importance = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`, [
      JSON.stringify(tags),
      importance,
      now,
      tenantId,
      keeper.id,
    ]);
    const gone = new Set(duplicates.map((memory) => memory.id));
    const events: EventInput[] = [
      {
        type: 'memory.updated',
        subject: keeper.id,
        payload: { id: keeper.id, kind: keeper.kind, changed: ['tags', 'importance'], status: keeper.status, mergedFrom: [...gone] },
      },
    ];
    // Patterns citing a duplicate cite the keeper instead.
    const citing = await tx.all<{ id: string; fields: unknown; status: string }>(
      `SELECT id, fields, status FROM memories WHERE tenant_id = ? AND kind = 'pattern' AND ${
        tx.dialect === 'sqlite'
          ? "EXISTS (SELECT 1 FROM json_each(memories.fields, '$.supportingIds') WHERE value IN (SELECT value FROM json_each(?)))"
          : "jsonb_exists_any(fields->'supportingIds', ?::text[])"
      }`,
      [tenantId, tx.dialect === 'sqlite' ? JSON.stringify([...gone]) : `{${[...gone].join(',')}}`],
    );
    for (const row of citing) {
      const fields = parseJson<Record<string, unknown>>(row.fields);
      const ids = (fields.supportingIds as string[]).map((id) => (gone.has(id) ? keeper.id : id));
      fields.supportingIds = [...new Set(ids)].filter((id) => id !== String(row.id));
      await tx.run(`UPDATE memories SET fields = ${json(tx)}, updated_at = ? WHERE tenant_id = ? AND id = ?`, [JSON.stringify(fields), now, tenantId, row.id]);
      events.push({
        type: 'memory.updated',
        subject: String(row.id),
        payload: { id: String(row.id), kind: 'pattern', changed: ['supportingIds'], status: row.status },
      });
    }
    for (const duplicate of duplicates)
      events.push({
        type: 'memory.deleted',
        subject: duplicate.id,
        payload: { id: duplicate.id, kind: duplicate.kind, title: duplicate.title, detachedFromSession: 0, mergedInto: keeper.id },
      });
    await emit(tx, graph, tenantId, events);
    const within = graph.within(tx, tenantId);
    // Deleting the source retracts the evidence citing the duplicate and removes its row (ON DELETE CASCADE).
    for (const duplicate of duplicates) await within.deleteSource(duplicate.id);
    return [...gone];
  });
}
