/**
 * @module The graph inside a caller's transaction: ordered scans of entities and relations with their properties,
 * degrees, sources, bulk writes and the retraction of one extractor's citations. For modules that must read the graph
 * and write their own rows as one atomic change at one version (views materialise this way).
 */
import type { Tx } from '../store/index.js';
import { appendEvent, nowIso, parseJson } from '../store/index.js';
import { inList, slices, tenantCheck } from './dialect.js';
import { deleteFacts, retractSource } from './evidence.js';
import type { GraphDelta } from './projection.js';
import { deleteSourceRows, findSource, findSourceByUri, insertSource } from './sources.js';
import type { BulkResult, EntityInput, RelationInput, Source, SourceInput } from './types.js';

/** An entity as a scan reads it. */
export interface ScannedEntity {
  seq: number;
  id: string;
  type: string;
  name: string;
  properties: Record<string, unknown>;
}

/** A relation as a scan reads it; endpoints as entity row numbers. */
export interface ScannedRelation {
  id: string;
  type: string;
  fromSeq: number;
  toSeq: number;
  properties: Record<string, unknown>;
}

/** What retracting citations removed. */
export interface Retraction {
  retracted: number;
  deletedEntities: string[];
  deletedRelations: string[];
}

/** Graph reads and writes bound to one transaction of one tenant; see the module comment. */
export interface GraphWithin {
  /** Up to `limit` entities of `type` in ID order (creation order: UUIDv7) after the ID `afterId`: one range of the type index per page. */
  entitiesOfType(type: string, afterId: string | null, limit: number): Promise<ScannedEntity[]>;
  /** Up to `limit` relations of `types`, in ID order (creation order: UUIDv7) after the ID `afterId`. */
  relationsOfTypes(types: readonly string[], afterId: string | null, limit: number): Promise<ScannedRelation[]>;
  /** Entities by row number, with properties. */
  entitiesBySeq(seqs: readonly number[]): Promise<Map<number, ScannedEntity>>;
  /** Relations leaving and entering each entity (every type). */
  degrees(seqs: readonly number[]): Promise<Map<number, { in: number; out: number }>>;
  /** How many entities of each of `types` there are (types without any are absent). */
  countEntityTypes(types: readonly string[]): Promise<Map<string, number>>;
  /** How many relations of each of `types` there are. */
  countRelationTypes(types: readonly string[]): Promise<Map<string, number>>;
  findSourceByUri(uri: string): Promise<Source | undefined>;
  /** Registers a source (with a `source.created` event). */
  createSource(input: SourceInput): Promise<Source>;
  /** Deletes a source as the graph service does (its evidence retracted, facts left without any removed); false when there is none. */
  deleteSource(id: string): Promise<boolean>;
  /** Upserts entities, then the relations `relationsFor` builds from their IDs, with their bulk events. */
  upsertEntitiesAndRelations(
    entities: readonly EntityInput[],
    relationsFor: (entityIds: readonly string[]) => RelationInput[],
  ): Promise<{ entities: BulkResult; relations: BulkResult }>;
  /**
   * Retracts the evidence of `extractor` citing any of `sourceIds` that `keep` does not keep, then removes the facts
   * left without evidence (with their `*.deleted` events).
   */
  retractCitations(
    extractor: string,
    sourceIds: readonly string[],
    keep: (citation: { subjectId: string; sourceId: string; start: number | null; end: number | null }) => boolean,
  ): Promise<Retraction>;
  /** Tells the traversal projection that events `seqs` of this transaction changed no graph structure. */
  noteEvents(seqs: readonly number[]): void;
}

/** What the graph service lends {@link createGraphWithin}: its bulk writers and projection tracking. */
export interface WithinHooks {
  upsertEntitiesAndRelations(
    tx: Tx,
    tenantId: string,
    entities: readonly EntityInput[],
    relationsFor: (entityIds: readonly string[]) => RelationInput[],
  ): Promise<{ entities: BulkResult; relations: BulkResult }>;
  track(tx: Tx, tenantId: string, seqs: number[], delta?: GraphDelta): void;
}

interface EntityRow {
  seq: number;
  id: string;
  type: string;
  name: string;
  properties: unknown;
}

const toEntity = (row: EntityRow): ScannedEntity => ({
  seq: Number(row.seq),
  id: row.id,
  type: row.type,
  name: row.name,
  properties: parseJson<Record<string, unknown>>(row.properties),
});

/** The graph bound to `tx` (scoped to `tenantId`). */
export function createGraphWithin(tx: Tx, tenantId: string, hooks: WithinHooks): GraphWithin {
  const typeList = (column: string) => inList(tx.dialect, column, 'text');
  return {
    async entitiesOfType(type, afterId, limit) {
      const rows = await tx.all<EntityRow>(
        `SELECT seq, id, type, name, properties FROM entities WHERE tenant_id = ? AND type = ?${afterId === null ? '' : ' AND id > ?'} ORDER BY id LIMIT ?`,
        afterId === null ? [tenantId, type, limit] : [tenantId, type, afterId, limit],
      );
      return rows.map(toEntity);
    },

    async relationsOfTypes(types, afterId, limit) {
      const filter = typeList('type');
      const rows = await tx.all<{ id: string; type: string; from_seq: number; to_seq: number; properties: unknown }>(
        `SELECT id, type, from_seq, to_seq, properties FROM relations WHERE tenant_id = ? AND ${filter.sql}${afterId === null ? '' : ' AND id > ?'} ORDER BY id LIMIT ?`,
        afterId === null ? [tenantId, filter.param(types), limit] : [tenantId, filter.param(types), afterId, limit],
      );
      return rows.map((row) => ({
        id: row.id,
        type: row.type,
        fromSeq: Number(row.from_seq),
        toSeq: Number(row.to_seq),
        properties: parseJson<Record<string, unknown>>(row.properties),
      }));
    },

    async entitiesBySeq(seqs) {
      const out = new Map<number, ScannedEntity>();
      const filter = inList(tx.dialect, 'seq', 'int8');
      for (const slice of slices([...new Set(seqs)], 5000)) {
        const rows = await tx.all<EntityRow>(`SELECT seq, id, type, name, properties FROM entities WHERE ${filter.sql} AND ${tenantCheck(tx.dialect)}`, [
          filter.param(slice.map(String)),
          tenantId,
        ]);
        for (const row of rows) out.set(Number(row.seq), toEntity(row));
      }
      return out;
    },

    async degrees(seqs) {
      const out = new Map<number, { in: number; out: number }>(seqs.map((seq) => [seq, { in: 0, out: 0 }]));
      for (const [column, side] of [
        ['from_seq', 'out'],
        ['to_seq', 'in'],
      ] as const) {
        const filter = inList(tx.dialect, column, 'int8');
        for (const slice of slices(seqs, 5000)) {
          const rows = await tx.all<{ seq: number; n: number }>(
            `SELECT ${column} AS seq, count(*) AS n FROM relations WHERE ${filter.sql} AND ${tenantCheck(tx.dialect)} GROUP BY ${column}`,
            [filter.param(slice.map(String)), tenantId],
          );
          for (const row of rows) {
            const entry = out.get(Number(row.seq));
            if (entry) entry[side] = Number(row.n);
          }
        }
      }
      return out;
    },

    async countEntityTypes(types) {
      const filter = typeList('type');
      const rows = await tx.all<{ type: string; n: number }>(`SELECT type, count(*) AS n FROM entities WHERE tenant_id = ? AND ${filter.sql} GROUP BY type`, [
        tenantId,
        filter.param(types),
      ]);
      return new Map(rows.map((row) => [row.type, Number(row.n)]));
    },

    async countRelationTypes(types) {
      const filter = typeList('type');
      const rows = await tx.all<{ type: string; n: number }>(`SELECT type, count(*) AS n FROM relations WHERE tenant_id = ? AND ${filter.sql} GROUP BY type`, [
        tenantId,
        filter.param(types),
      ]);
      return new Map(rows.map((row) => [row.type, Number(row.n)]));
    },

    findSourceByUri: (uri) => findSourceByUri(tx, tenantId, uri),

    async createSource(input) {
      const { source, chunks } = await insertSource(tx, tenantId, input, nowIso());
      const seqs = await appendEvent(tx, {
        type: 'source.created',
        subject: source.id,
        payload: { id: source.id, uri: source.uri, kind: source.kind, chunks: chunks.length },
      });
      hooks.track(tx, tenantId, seqs);
      return source;
    },

    async deleteSource(id) {
      const source = await findSource(tx, tenantId, id);
      if (!source) return false;
      const removal = await retractSource(tx, tenantId, source.id);
      await deleteSourceRows(tx, tenantId, source.id);
      const cause = { cause: 'source_deleted', sourceId: source.id };
      const seqs = await appendEvent(tx, [
        ...removal.relations.map((relation) => ({ type: 'relation.deleted', subject: relation, payload: { id: relation, ...cause } })),
        ...removal.entities.map((entity) => ({ type: 'entity.deleted', subject: entity, payload: { id: entity, ...cause } })),
        {
          type: 'source.deleted',
          subject: source.id,
          payload: {
            id: source.id,
            uri: source.uri,
            retractedEvidence: removal.retracted,
            deletedEntities: removal.entities.length,
            deletedRelations: removal.relations.length,
          },
        },
      ]);
      hooks.track(tx, tenantId, seqs, { deletedRelations: removal.relations, deletedEntities: removal.entities });
      return true;
    },

    upsertEntitiesAndRelations: (entities, relationsFor) => hooks.upsertEntitiesAndRelations(tx, tenantId, entities, relationsFor),

    async retractCitations(extractor, sourceIds, keep) {
      if (sourceIds.length === 0) return { retracted: 0, deletedEntities: [], deletedRelations: [] };
      const sources = inList(tx.dialect, 'source_id', 'uuid');
      const rows = await tx.all<{
        subject_id: string;
        subject_kind: 'entity' | 'relation';
        fingerprint: string;
        source_id: string;
        start_offset: number | null;
        end_offset: number | null;
      }>(
        // `source_id IS NOT NULL` lets the planner use the partial index evidence_by_source (an IN list alone does not
        // imply it, and the query would scan the tenant's evidence).
        `SELECT subject_id, subject_kind, fingerprint, source_id, start_offset, end_offset FROM evidence
          WHERE tenant_id = ? AND source_id IS NOT NULL AND ${sources.sql} AND extractor = ?`,
        [tenantId, sources.param(sourceIds), extractor],
      );
      const stale = rows.filter(
        (row) =>
          !keep({
            subjectId: row.subject_id,
            sourceId: row.source_id,
            start: row.start_offset === null ? null : Number(row.start_offset),
            end: row.end_offset === null ? null : Number(row.end_offset),
          }),
      );
      for (const row of stale) {
        await tx.run('DELETE FROM evidence WHERE tenant_id = ? AND subject_id = ? AND fingerprint = ?', [tenantId, row.subject_id, row.fingerprint]);
      }
      const touched = [...new Map(stale.map((row) => [row.subject_id, row.subject_kind])).entries()];
      const orphaned = { entity: [] as string[], relation: [] as string[] };
      const subjects = inList(tx.dialect, 'subject_id', 'uuid');
      for (const slice of slices(touched, 5000)) {
        const left = await tx.all<{ subject_id: string }>(`SELECT DISTINCT subject_id FROM evidence WHERE tenant_id = ? AND ${subjects.sql}`, [
          tenantId,
          subjects.param(slice.map(([id]) => id)),
        ]);
        const kept = new Set(left.map((row) => row.subject_id));
        for (const [id, kind] of slice) if (!kept.has(id)) orphaned[kind].push(id);
      }
      const removal = await deleteFacts(tx, tenantId, orphaned.entity, orphaned.relation);
      if (removal.entities.length + removal.relations.length > 0) {
        const seqs = await appendEvent(tx, [
          ...removal.relations.map((id) => ({ type: 'relation.deleted', subject: id, payload: { id, cause: 'retracted', extractor } })),
          ...removal.entities.map((id) => ({ type: 'entity.deleted', subject: id, payload: { id, cause: 'retracted', extractor } })),
        ]);
        hooks.track(tx, tenantId, seqs, { deletedRelations: removal.relations, deletedEntities: removal.entities });
      }
      return { retracted: stale.length, deletedEntities: removal.entities, deletedRelations: removal.relations };
    },

    noteEvents(seqs) {
      hooks.track(tx, tenantId, [...seqs]);
    },
  };
}
