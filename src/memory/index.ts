/**
 * @module Memory: notes, decisions, mistakes, patterns and sessions, each the fields of a source with the same ID
 * (`memory://<id>`), written with their events in one transaction. The public door of the memory module.
 */
import { TrellisError, notFound } from '../core/errors.js';
import { isId, newId } from '../core/ids.js';
import type { GraphService, GraphWithin } from '../graph/index.js';
import { type EventInput, type Store, type Tx, appendEvent, nowIso } from '../store/index.js';
import {
  type MemoryInput,
  type PreparedMemory,
  checkTransition,
  effectiveness,
  memoryStatuses,
  outcomes,
  prepareMemory,
  recordedFieldsOf,
  limits,
  searchText,
} from './kinds.js';
import type { QueueMemoryWork } from './extract-job.js';
import { createGroupCommit } from './group-commit.js';
import {
  type Memory,
  type MemoryFilter,
  detachFromSession,
  findByContentHash,
  findMemories,
  findMemory,
  insertMemory,
  listMemories,
  setStatusAndFields,
  syncSource,
  updateMemoryRow,
} from './rows.js';

export type { Memory, MemoryFilter } from './rows.js';
export { type DeprecatedField, mapLegacyFields } from './legacy-fields.js';
export {
  type Importance,
  type MemoryInput,
  type MemoryKind,
  decisionStatuses,
  effectiveness,
  importanceLevels,
  limits as memoryLimits,
  memoryKinds,
  outcomes,
} from './kinds.js';

/** The memory service: create, read, list, update and delete memories, and record outcomes and feedback. */
export interface MemoryService {
  /** Creates a memory and its source; an exact duplicate (same kind and normalised content) is a 409 naming the existing memory. */
  create(tenantId: string, input: MemoryInput): Promise<Memory>;
  get(tenantId: string, id: string): Promise<Memory>;
  list(tenantId: string, filter: MemoryFilter): Promise<{ items: Memory[]; nextCursor: string | null }>;
  /**
   * Changes fields of a memory (a merge: a field set to null is removed, when the kind allows it); the kind never
   * changes. A decision's status follows its transitions; other kinds take status active or archived.
   */
  update(tenantId: string, id: string, patch: MemoryInput): Promise<Memory>;
  /** Deletes a memory with its source (retracting the evidence that cites it); a deleted session's memories lose their session. */
  delete(tenantId: string, id: string): Promise<void>;
  /** Records what an accepted (or since superseded or reverted) decision turned out to be. */
  recordOutcome(tenantId: string, id: string, outcome: { outcome: string; details?: string }): Promise<Memory>;
  /** Records whether a mistake's solution worked, updating its counts and Laplace-smoothed effectiveness. */
  recordFeedback(tenantId: string, id: string, feedback: { worked: boolean; note?: string }): Promise<Memory>;
}

/** What {@link createMemoryService} needs. */
export interface MemoryServiceOptions {
  store: Store;
  graph: GraphService;
  /** Queues extraction and embedding in the transaction of a write that changes a memory's text. @default none */
  queueWork?: QueueMemoryWork;
}

/** Feedback notes a mistake keeps (the newest). */
const keptFeedbackNotes = 20;

function unprocessable(message: string, details?: Record<string, unknown>): TrellisError {
  return new TrellisError('unprocessable', message, details);
}

function duplicate(id: string): TrellisError {
  return new TrellisError('conflict', `An identical memory exists already: ${id}`, { reason: 'duplicate', id });
}

function isUniqueViolation(error: unknown): boolean {
  const err = error as { code?: string; message?: string };
  return err.code === '23505' || /UNIQUE constraint failed: memories/.test(err.message ?? '');
}

/** The editable state of a stored memory, by the API's names: what an update merges its patch onto. */
function editable(memory: Memory): MemoryInput {
  const recorded = recordedFieldsOf(memory.kind, memory.fields);
  const fields = Object.fromEntries(Object.entries(memory.fields).filter(([name]) => !(name in recorded)));
  return {
    kind: memory.kind,
    ...(memory.title === null ? {} : { title: memory.title }),
    tags: memory.tags,
    importance: memory.importance,
    ...(memory.sessionId === null ? {} : { sessionId: memory.sessionId }),
    ...(memory.author === null ? {} : { author: memory.author }),
    ...(memory.kind === 'decision' ? { status: memory.status } : {}),
    ...fields,
  };
}

/** Creates the memory service. */
export function createMemoryService({ store, graph, queueWork }: MemoryServiceOptions): MemoryService {
  const scope = (tenantId: string) => ({ tenantId });
  const creates = createGroupCommit(store, queueWork);

  /** Appends events and tells the traversal projection they changed no graph structure. */
  const emit = async (tx: Tx, within: GraphWithin, events: EventInput[]) => within.noteEvents(await appendEvent(tx, events));

  /** Checks what a memory points at: its session, the decisions it supersedes, the memories a pattern cites. */
  const checkReferences = async (tx: Tx, tenantId: string, memory: PreparedMemory, self: string | null): Promise<Map<string, Memory>> => {
    const wanted = [...new Set([...(memory.sessionId ? [memory.sessionId] : []), ...memory.supersedes, ...memory.supportingIds])];
    // Locked in ID order: a decision about to be superseded must not change status under this transaction.
    const found = await findMemories(tx, tenantId, wanted.filter(isId), { lock: memory.supersedes.length > 0 });
    if (memory.sessionId && found.get(memory.sessionId)?.kind !== 'session')
      throw unprocessable(`sessionId ${memory.sessionId} is not a session memory of this tenant`, { field: 'sessionId', id: memory.sessionId });
    for (const id of memory.supersedes) {
      if (id === self) throw unprocessable('A decision cannot supersede itself', { field: 'supersedes', id });
      if (found.get(id)?.kind !== 'decision')
        throw unprocessable(`supersedes names ${id}, which is not a decision of this tenant`, { field: 'supersedes', id });
    }
    const missing = memory.supportingIds.filter((id) => !found.has(id) || id === self);
    if (missing.length > 0)
      throw unprocessable(`supportingIds names memories that do not exist in this tenant: ${missing.join(', ')}`, { field: 'supportingIds', ids: missing });
    return found;
  };

  /** Marks decisions superseded by `by`, inside the transaction, with their events. */
  const supersede = async (tx: Tx, within: GraphWithin, tenantId: string, ids: readonly string[], found: Map<string, Memory>, by: string, now: string) => {
    const events: EventInput[] = [];
    for (const id of ids) {
      const decision = found.get(id) as Memory;
      if (decision.status === 'superseded') continue;
      checkTransition(decision.status, 'superseded');
      await setStatusAndFields(tx, tenantId, id, 'superseded', { ...decision.fields, supersededBy: by }, now);
      events.push({
        type: 'memory.updated',
        subject: id,
        payload: { id, kind: 'decision', changed: ['status'], from: decision.status, status: 'superseded', supersededBy: by },
      });
    }
    if (events.length > 0) await emit(tx, within, events);
  };

  const mustFind = async (tx: Tx, tenantId: string, id: string, lock = false): Promise<Memory> => {
    const memory = await findMemory(tx, tenantId, id, { lock });
    if (!memory) throw notFound('memory', id);
    return memory;
  };

  const guarded = async <T>(work: () => Promise<T>, hash: string, tenantId: string): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Another writer committed the same content between the check and the insert.
      const existing = await store.read(scope(tenantId), (tx) => findByContentHash(tx, tenantId, hash));
      throw duplicate(existing ?? 'unknown');
    }
  };

  return {
    async create(tenantId, input) {
      const memory = prepareMemory(input);
      if (memory.kind === 'decision' && memory.status !== 'proposed' && memory.status !== 'accepted')
        throw unprocessable(`A decision is recorded as proposed or accepted; it becomes ${memory.status} later`, { field: 'status' });
      const write = async (tx: Tx): Promise<Memory> => {
        const existing = await findByContentHash(tx, tenantId, memory.contentHash);
        if (existing) throw duplicate(existing);
        const found = await checkReferences(tx, tenantId, memory, null);
        const id = newId();
        const now = nowIso();
        const within = graph.within(tx, tenantId);
        await emit(tx, within, await insertMemory(tx, tenantId, id, memory, now));
        await supersede(tx, within, tenantId, memory.supersedes, found, id, now);
        return (await findMemory(tx, tenantId, id)) as Memory;
      };
      // A decision that supersedes others locks and changes them: a transaction of its own. Every other create joins
      // the tenant's group commit (one transaction for the creates that arrive together, each in a savepoint).
      return guarded(
        () =>
          memory.supersedes.length > 0
            ? store.transaction(scope(tenantId), async (tx) => {
                const created = await write(tx);
                await queueWork?.(tx, tenantId);
                return created;
              })
            : creates.run(tenantId, write),
        memory.contentHash,
        tenantId,
      );
    },

    async get(tenantId, id) {
      return store.read(scope(tenantId), (tx) => mustFind(tx, tenantId, id));
    },

    async list(tenantId, filter) {
      return store.read(scope(tenantId), (tx) => listMemories(tx, tenantId, filter));
    },

    async update(tenantId, id, patch) {
      if (patch.kind !== undefined) throw unprocessable('A memory’s kind cannot change; create a new memory instead', { field: 'kind' });
      const current = await store.read(scope(tenantId), (tx) => mustFind(tx, tenantId, id));
      const { status: requestedStatus, ...changes } = patch;
      const merged: MemoryInput = editable(current);
      for (const [name, value] of Object.entries(changes)) {
        if (value === null) delete merged[name];
        else merged[name] = value;
      }
      let archive: string | null | undefined;
      if (current.kind === 'decision') {
        if (requestedStatus !== undefined) merged.status = requestedStatus;
      } else if (requestedStatus !== undefined) {
        if (typeof requestedStatus !== 'string' || !(memoryStatuses as readonly string[]).includes(requestedStatus))
          throw new TrellisError('validation_failed', `status of a ${current.kind} must be active or archived`, {
            errors: [{ path: 'body/status', message: 'must be active or archived' }],
          });
        if (requestedStatus !== current.status) archive = requestedStatus === 'archived' ? nowIso() : null;
      }
      const memory = prepareMemory(merged, { recorded: recordedFieldsOf(current.kind, current.fields) });
      if (current.kind === 'decision') checkTransition(current.status, memory.status);
      else memory.status = typeof requestedStatus === 'string' ? requestedStatus : current.status;
      const memoryId = current.id;
      return guarded(
        () =>
          store.transaction(scope(tenantId), async (tx) => {
            const stored = await mustFind(tx, tenantId, memoryId, true);
            if (stored.updatedAt !== current.updatedAt)
              throw new TrellisError('conflict', `Memory ${memoryId} changed while this update was prepared; retry it`);
            const existing = await findByContentHash(tx, tenantId, memory.contentHash);
            if (existing && existing !== memoryId) throw duplicate(existing);
            const found = await checkReferences(tx, tenantId, memory, memoryId);
            const now = nowIso();
            await updateMemoryRow(tx, tenantId, memoryId, memory, now, archive);
            if (memory.searchText !== searchText(stored.title, stored.fields)) await queueWork?.(tx, tenantId);
            if (memory.title !== current.title || memory.contentHash !== current.contentHash) await syncSource(tx, tenantId, memoryId, memory, now);
            const within = graph.within(tx, tenantId);
            const payload: Record<string, unknown> = { id: memoryId, kind: current.kind, changed: Object.keys(patch), status: memory.status };
            if (memory.status !== current.status) payload.from = current.status;
            await emit(tx, within, [{ type: 'memory.updated', subject: memoryId, payload }]);
            const previous = new Set((current.fields.supersedes as string[] | undefined) ?? []);
            await supersede(
              tx,
              within,
              tenantId,
              memory.supersedes.filter((other) => !previous.has(other)),
              found,
              memoryId,
              now,
            );
            return (await findMemory(tx, tenantId, memoryId)) as Memory;
          }),
        memory.contentHash,
        tenantId,
      );
    },

    async delete(tenantId, id) {
      await store.transaction(scope(tenantId), async (tx) => {
        const memory = await mustFind(tx, tenantId, id, true);
        const now = nowIso();
        const detached = memory.kind === 'session' ? await detachFromSession(tx, tenantId, memory.id, now) : [];
        const within = graph.within(tx, tenantId);
        await emit(tx, within, [
          {
            type: 'memory.deleted',
            subject: memory.id,
            payload: { id: memory.id, kind: memory.kind, title: memory.title, detachedFromSession: detached.length },
          },
        ]);
        // Deleting the source retracts the evidence citing the memory and removes the memory row (ON DELETE CASCADE).
        await within.deleteSource(memory.id);
      });
    },

    async recordOutcome(tenantId, id, { outcome, details }) {
      if (!(outcomes as readonly string[]).includes(outcome)) throw new TrellisError('validation_failed', `outcome must be one of ${outcomes.join(', ')}`);
      if (details !== undefined && (typeof details !== 'string' || details.length > limits.mediumText || details.includes('\u0000')))
        throw new TrellisError('validation_failed', `details must be text of at most ${limits.mediumText} characters`);
      return store.transaction(scope(tenantId), async (tx) => {
        const memory = await mustFind(tx, tenantId, id, true);
        if (memory.kind !== 'decision') throw unprocessable(`Outcomes are recorded for decisions; memory ${memory.id} is a ${memory.kind}`);
        if (memory.status === 'proposed')
          throw new TrellisError('conflict', `Decision ${memory.id} is still proposed: accept it before recording its outcome`, { status: memory.status });
        const now = nowIso();
        const fields = { ...memory.fields, outcome, outcomeDetails: details ?? null, outcomeAt: now };
        await setStatusAndFields(tx, tenantId, memory.id, memory.status, fields, now);
        await emit(tx, graph.within(tx, tenantId), [
          { type: 'memory.updated', subject: memory.id, payload: { id: memory.id, kind: 'decision', changed: ['outcome'], status: memory.status } },
          { type: 'outcome.recorded', subject: memory.id, payload: { id: memory.id, title: memory.title, outcome, details: details ?? null } },
        ]);
        return (await findMemory(tx, tenantId, memory.id)) as Memory;
      });
    },

    async recordFeedback(tenantId, id, { worked, note }) {
      if (typeof worked !== 'boolean') throw new TrellisError('validation_failed', 'worked must be true or false');
      if (note !== undefined && (typeof note !== 'string' || note.length > limits.mediumText || note.includes('\u0000')))
        throw new TrellisError('validation_failed', `note must be text of at most ${limits.mediumText} characters`);
      return store.transaction(scope(tenantId), async (tx) => {
        const memory = await mustFind(tx, tenantId, id, true);
        if (memory.kind !== 'mistake') throw unprocessable(`Feedback is recorded for mistakes' solutions; memory ${memory.id} is a ${memory.kind}`);
        const previous = (memory.fields.feedback ?? { worked: 0, total: 0, notes: [] }) as { worked: number; total: number; notes: unknown[] };
        const now = nowIso();
        const counts = { worked: previous.worked + (worked ? 1 : 0), total: previous.total + 1 };
        const notes = note === undefined ? previous.notes : [...previous.notes, { worked, note, at: now }].slice(-keptFeedbackNotes);
        const feedback = { ...counts, failed: counts.total - counts.worked, effectiveness: effectiveness(counts.worked, counts.total), notes };
        await setStatusAndFields(tx, tenantId, memory.id, memory.status, { ...memory.fields, feedback }, now);
        await emit(tx, graph.within(tx, tenantId), [
          {
            type: 'memory.updated',
            subject: memory.id,
            payload: { id: memory.id, kind: 'mistake', changed: ['feedback'], worked, effectiveness: feedback.effectiveness },
          },
        ]);
        return (await findMemory(tx, tenantId, memory.id)) as Memory;
      });
    },
  };
}
