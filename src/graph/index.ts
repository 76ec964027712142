/** @module The graph's public door: upserts with provenance, reads with evidence, traversal, sources and retraction. */
import { TrellisError, notFound } from '../core/errors.js';
import { isId, normaliseId as normalise } from '../core/ids.js';
import { type Store, type Tx, appendEvent, nowIso } from '../store/index.js';
import {
  type AliasMatch,
  type EntityFilter,
  entitiesByIds,
  entitiesBySeq,
  entitySeqs,
  findByAliases,
  findEntity,
  listEntities,
  propertiesBySeq,
} from './entities.js';
import { slices } from './dialect.js';
import type { EntityFilterOptions } from './filters.js';
import { canonicalKey } from './keys.js';
import { type CitedPlace, checkEvidenceTargets, citedPlaces, deleteFacts, evidenceFor, retractSource } from './evidence.js';
import { upsertEntitiesPostgres, upsertRelationsPostgres } from './postgres.js';
import { type PreparedEntity, type PreparedRelation, idsByInput, prepareEntities, prepareRelations } from './prepare.js';
import { findRelation, listRelations, type RelationFilter } from './relations.js';
import { type Passage, chunksOf, deleteSourceRows, findSource, findSourceByUri, insertSource, listSources, passagesByIds } from './sources.js';
import { type EntityPropertiesUpdate, mergeEntityProperties } from './entity-properties.js';
import { upsertEntitiesSqlite, upsertRelationsSqlite } from './sqlite.js';
import { type GraphDelta, type ProjectionInfo, type ProjectionOptions, type Projections, createProjections } from './projection.js';
import { projectedNeighbourhood, projectedPath } from './projection-traversal.js';
import { type NeighbourOptions, type PathOptions, neighbourhood, shortestPath } from './traversal.js';
import { type PathResult, type PathsOptions, type SubgraphQueryOptions, kPathsQuery, subgraphQuery } from './queries.js';
import { type GraphWithin, createGraphWithin } from './within.js';
import type { BulkResult, Chunk, Edge, Entity, EntityInput, Evidence, NodeSummary, Page, Relation, RelationInput, Source, SourceInput } from './types.js';

export type * from './types.js';
export type { EntityPropertiesUpdate } from './entity-properties.js';
export { canonicalKey } from './keys.js';
export type { Passage } from './sources.js';
export type { CitedPlace } from './evidence.js';
export type { AliasMatch } from './entities.js';
export type { ProjectionInfo, ProjectionOptions, ProjectionSource } from './projection.js';
export type { PathResult, PathsOptions, SubgraphQueryOptions } from './queries.js';
export type { NeighbourOptions, PathOptions } from './traversal.js';
export { type PropertyFilter, checkPropertyFilter, compileFilter, parsePropertyFilter, propertyFilterFromConditions } from './filters.js';
export { maxPathCount, maxSeeds } from './queries.js';
export type { GraphWithin, Retraction, ScannedEntity, ScannedRelation } from './within.js';

/** Most items one bulk call accepts; larger loads are split by the caller. */
export const maxBulkItems = 50_000;

/** The graph service over one store. Every method is scoped to a tenant. */
/** Options of the deleting calls. */
export interface DeleteOptions {
  /**
   * Runs inside the deletion's transaction, after the rows are gone and before commit: the place for records that
   * must commit or roll back with the deletion (the HTTP layer writes its audit row here).
   */
  within?: (tx: Tx) => Promise<void>;
}

export interface GraphService {
  /** Creates or merges one entity (identity: type + key); properties merge as a JSON merge patch, aliases and evidence accumulate. */
  upsertEntity(tenantId: string, input: EntityInput): Promise<{ entity: Entity; created: boolean }>;
  /** Upserts many entities in one transaction with one `entity.bulk_upserted` event. */
  upsertEntities(tenantId: string, inputs: readonly EntityInput[]): Promise<BulkResult>;
  getEntity(tenantId: string, id: string): Promise<Entity & { evidence: Evidence[] }>;
  /**
   * Existing entities of `types` that carry one of `names` as their name or an alias (compared by canonical key: NFKC,
   * case, spaces): what entity resolution consults to join a new document's names to the graph.
   */
  findByAliases(tenantId: string, types: readonly string[], names: readonly string[]): Promise<AliasMatch[]>;
  /** The entities with these IDs (with aliases, without evidence), keyed by ID; unknown and other tenants' IDs are left out. */
  entitiesByIds(tenantId: string, ids: readonly string[]): Promise<Map<string, Entity>>;
  /** The chunks with these IDs and their sources, keyed by ID; unknown and other tenants' IDs are left out. */
  passages(tenantId: string, chunkIds: readonly string[]): Promise<Map<string, Passage>>;
  /** The evidence of these entities or relations, oldest first, with citations resolved; grouped by subject. `perSubject` bounds each subject's list. */
  citations(tenantId: string, subjectIds: readonly string[], perSubject?: number): Promise<Map<string, Evidence[]>>;
  /** Where the evidence of these facts points (source and chunk IDs only, up to `perSubject` each): cheaper than `citations` for ranking. */
  citedPlaces(tenantId: string, subjectIds: readonly string[], perSubject: number): Promise<CitedPlace[]>;
  listEntities(tenantId: string, filter: EntityFilter): Promise<Page<Entity>>;
  /**
   * Merges properties into existing entities by ID (a JSON merge patch each; identity, aliases and evidence stay as
   * they are) in one transaction with one `entity.bulk_updated` event. IDs that are not the tenant's entities are
   * skipped and answered in `missing`. At most {@link maxBulkItems} updates; analytics write-back uses it.
   */
  setEntityProperties(tenantId: string, updates: readonly EntityPropertiesUpdate[]): Promise<{ updated: number; missing: string[] }>;
  /** Deletes an entity, the relations touching it and all their evidence. */
  deleteEntity(tenantId: string, id: string, options?: DeleteOptions): Promise<{ relations: string[] }>;
  upsertRelation(tenantId: string, input: RelationInput): Promise<{ relation: Relation; created: boolean }>;
  upsertRelations(tenantId: string, inputs: readonly RelationInput[]): Promise<BulkResult>;
  /**
   * Upserts entities, then the relations `relationsFor` builds from their stored IDs (in input order), in one
   * transaction: one commit instead of two, both bulk events. Each list is limited to {@link maxBulkItems}.
   */
  upsertEntitiesAndRelations(
    tenantId: string,
    entities: readonly EntityInput[],
    relationsFor: (entityIds: readonly string[]) => RelationInput[],
  ): Promise<{ entities: BulkResult; relations: BulkResult }>;
  getRelation(tenantId: string, id: string): Promise<Relation & { evidence: Evidence[] }>;
  listRelations(tenantId: string, filter: RelationFilter): Promise<Page<Relation>>;
  deleteRelation(tenantId: string, id: string, options?: DeleteOptions): Promise<void>;
  neighbours(tenantId: string, entityId: string, options: NeighbourOptions): Promise<{ root: string; nodes: NodeSummary[]; edges: Edge[]; truncated: boolean }>;
  /** A shortest path; with an entity filter (`entityTypes`, `where`) the entities inside the path must pass it. */
  path(
    tenantId: string,
    from: string,
    to: string,
    options: PathOptions & EntityFilterOptions,
  ): Promise<{ found: boolean; length: number | null; nodes: NodeSummary[]; edges: Edge[] }>;
  /** Up to k shortest loopless paths (Yen's algorithm), shortest first; `truncated` when the query's step budget ran out. */
  paths(tenantId: string, from: string, to: string, options: PathsOptions): Promise<{ found: boolean; paths: PathResult[]; truncated: boolean }>;
  /**
   * The graph inside the caller's transaction `tx` (scoped to `tenantId`): scans, sources, bulk writes and retraction
   * that commit or roll back with the caller's own rows. Writes keep the traversal projection current.
   */
  within(tx: Tx, tenantId: string): GraphWithin;
  /** The induced subgraph of seed entities and their neighbourhood to a depth, bounded in nodes and relations. */
  subgraph(tenantId: string, seeds: readonly string[], options: SubgraphQueryOptions): Promise<{ nodes: NodeSummary[]; edges: Edge[]; truncated: boolean }>;
  createSource(tenantId: string, input: SourceInput): Promise<Source & { chunks: Chunk[] }>;
  getSource(tenantId: string, id: string): Promise<Source & { chunks: Chunk[] }>;
  listSources(tenantId: string, filter: { kind?: string; limit: number; cursor?: string }): Promise<Page<Source>>;
  /** The source with this URI (its identity in a tenant), without its chunks; undefined when there is none. */
  findSourceByUri(tenantId: string, uri: string): Promise<Source | undefined>;
  /**
   * Sets a source's status (a lower-case word, e.g. the pipeline's `ingesting` → `ingested` checkpoint) and appends
   * `source.<status>` with `payload` in the same transaction. An unknown or another tenant's source is not_found.
   */
  setSourceStatus(tenantId: string, id: string, status: string, payload?: Record<string, unknown>): Promise<void>;
  /**
   * Deletes a source: retracts its evidence and removes every fact left without evidence. A memory's source is a
   * conflict: the memory service deletes it with its memory.
   */
  deleteSource(
    tenantId: string,
    id: string,
    options?: DeleteOptions,
  ): Promise<{ retractedEvidence: number; deletedEntities: number; deletedRelations: number }>;
  /**
   * Listens to every source this service deletes (by `deleteSource`, whoever calls it), once the deletion has committed;
   * returns the unsubscribe function. For files kept beside a source (uploads) that must go with it.
   */
  onSourceDeleted(listener: SourceDeletedListener): () => void;
  /** Builds the tenant's traversal projection if needed and waits for it; null when projections are off or the tenant is above the cap. */
  projectionReady(tenantId: string): Promise<ProjectionInfo | null>;
  /** How many traversals the projection and the SQL path answered. */
  traversalCounts(): { projection: number; sql: number };
  /** Stops projection builds and drops the projections (the store stays open). */
  close(): Promise<void>;
}

/** Told of a deleted source after its deletion committed; it must not throw (errors are reported as process warnings). */
export type SourceDeletedListener = (tenantId: string, source: Source) => void;

/** Options of {@link createGraphService}. */
export interface GraphServiceOptions {
  /** The in-memory traversal projection; omitted or null: every traversal runs in SQL. */
  projection?: ProjectionOptions | null;
}

function checkBulkSize(count: number): void {
  if (count > maxBulkItems) throw new TrellisError('payload_too_large', `A bulk call takes at most ${maxBulkItems} items, not ${count}`);
}

async function writeEntities(tx: Tx, tenantId: string, items: PreparedEntity[], now: string): Promise<{ ids: string[]; created: boolean[] }> {
  await checkEvidenceTargets(
    tx,
    tenantId,
    items.map((item) => item.evidence),
  );
  return tx.dialect === 'sqlite' ? upsertEntitiesSqlite(tx, tenantId, items, now) : upsertEntitiesPostgres(tx, tenantId, items, now);
}

async function writeRelations(tx: Tx, tenantId: string, items: PreparedRelation[], now: string): Promise<{ ids: string[]; created: boolean[] }> {
  const endpoints = new Set<string>();
  for (const item of items) endpoints.add(item.from).add(item.to);
  const seqs = await entitySeqs(tx, tenantId, [...endpoints]);
  for (const item of items) {
    const fromSeq = seqs.get(item.from);
    const toSeq = seqs.get(item.to);
    if (fromSeq === undefined || toSeq === undefined) {
      const missing = fromSeq === undefined ? item.from : item.to;
      throw new TrellisError('unprocessable', `Relation endpoint ${missing} is not an entity`, { entityId: missing });
    }
    item.fromSeq = fromSeq;
    item.toSeq = toSeq;
  }
  await checkEvidenceTargets(
    tx,
    tenantId,
    items.map((item) => item.evidence),
  );
  return tx.dialect === 'sqlite' ? upsertRelationsSqlite(tx, tenantId, items, now) : upsertRelationsPostgres(tx, tenantId, items, now);
}

/** The relations a write created, for the projection (updates do not change the structure: the identity is from, type, to). */
function createdRelations(items: PreparedRelation[], ids: string[], created: boolean[]): NonNullable<GraphDelta['addedRelations']> {
  const added: NonNullable<GraphDelta['addedRelations']> = [];
  items.forEach((item, index) => {
    if (created[index]) added.push({ id: ids[index] as string, type: item.type, fromSeq: item.fromSeq, toSeq: item.toSeq });
  });
  return added;
}

function countCreated(created: boolean[]): number {
  return created.reduce((sum, flag) => sum + (flag ? 1 : 0), 0);
}

function deletionEvents(removal: { entities: string[]; relations: string[] }, cause: Record<string, unknown>) {
  return [
    ...removal.relations.map((id) => ({ type: 'relation.deleted', subject: id, payload: { id, ...cause } })),
    ...removal.entities.map((id) => ({ type: 'entity.deleted', subject: id, payload: { id, ...cause } })),
  ];
}

/**
 * Builds the graph service over a store.
 * @example
 * const graph = createGraphService(store);
 * const { entity } = await graph.upsertEntity(tenantId, { type: 'Person', name: 'Ada Lovelace' });
 */
export function createGraphService(store: Store, options: GraphServiceOptions = {}): GraphService {
  const scope = (tenantId: string) => ({ tenantId });
  const projections: Projections | null = options.projection?.source ? createProjections(store, options.projection) : null;
  /** Hands a transaction's structural change to the projection once it has committed. */
  const track = (tx: Tx, tenantId: string, seqs: number[], delta: GraphDelta = {}) => {
    if (projections) tx.afterCommit(() => projections.committed(tenantId, seqs, delta));
  };
  const sourceDeletedListeners = new Set<SourceDeletedListener>();

  /** A bulk entity upsert inside `tx`, with its `entity.bulk_upserted` event. */
  const bulkEntities = async (tx: Tx, tenantId: string, items: PreparedEntity[], inputCount: number): Promise<BulkResult> => {
    const { ids, created } = await writeEntities(tx, tenantId, items, nowIso());
    const createdCount = countCreated(created);
    track(
      tx,
      tenantId,
      await appendEvent(tx, {
        type: 'entity.bulk_upserted',
        payload: { count: ids.length, created: createdCount, updated: ids.length - createdCount, ids },
      }),
    );
    return { ids: idsByInput(items, ids, inputCount), created: createdCount, updated: ids.length - createdCount };
  };
  /** A bulk relation upsert inside `tx`, with its `relation.bulk_upserted` event. */
  const bulkRelations = async (tx: Tx, tenantId: string, items: PreparedRelation[], inputCount: number): Promise<BulkResult> => {
    const { ids, created } = await writeRelations(tx, tenantId, items, nowIso());
    const createdCount = countCreated(created);
    const seqs = await appendEvent(tx, {
      type: 'relation.bulk_upserted',
      payload: { count: ids.length, created: createdCount, updated: ids.length - createdCount, ids },
    });
    track(tx, tenantId, seqs, { addedRelations: createdRelations(items, ids, created) });
    return { ids: idsByInput(items, ids, inputCount), created: createdCount, updated: ids.length - createdCount };
  };

  const service: GraphService = {
    async upsertEntity(tenantId, input) {
      const items = prepareEntities([input]);
      return store.transaction(scope(tenantId), async (tx) => {
        const now = nowIso();
        const { ids, created } = await writeEntities(tx, tenantId, items, now);
        const id = ids[0] as string;
        const entity = (await findEntity(tx, tenantId, id)) as Entity;
        track(
          tx,
          tenantId,
          await appendEvent(tx, { type: created[0] ? 'entity.created' : 'entity.updated', subject: id, payload: { id, type: entity.type, name: entity.name } }),
        );
        return { entity, created: created[0] as boolean };
      });
    },

    async upsertEntities(tenantId, inputs) {
      checkBulkSize(inputs.length);
      const items = prepareEntities(inputs);
      return store.transaction(scope(tenantId), (tx) => bulkEntities(tx, tenantId, items, inputs.length));
    },

    async upsertEntitiesAndRelations(tenantId, entityInputs, relationsFor) {
      checkBulkSize(entityInputs.length);
      const entityItems = prepareEntities(entityInputs);
      return store.transaction(scope(tenantId), async (tx) => {
        const entities = await bulkEntities(tx, tenantId, entityItems, entityInputs.length);
        const relationInputs = relationsFor(entities.ids);
        checkBulkSize(relationInputs.length);
        const relations = await bulkRelations(tx, tenantId, prepareRelations(relationInputs), relationInputs.length);
        return { entities, relations };
      });
    },

    entitiesByIds(tenantId, ids) {
      return store.read(scope(tenantId), (tx) => entitiesByIds(tx, tenantId, ids.map(normalise)));
    },

    passages(tenantId, chunkIds) {
      return store.read(scope(tenantId), (tx) => passagesByIds(tx, tenantId, chunkIds.map(normalise)));
    },

    citedPlaces(tenantId, subjectIds, perSubject) {
      return store.read(scope(tenantId), (tx) => citedPlaces(tx, tenantId, subjectIds.map(normalise).filter(isId), perSubject));
    },

    citations(tenantId, subjectIds, perSubject) {
      return store.read(scope(tenantId), (tx) => evidenceFor(tx, tenantId, subjectIds.map(normalise).filter(isId), perSubject));
    },

    async getEntity(tenantId, rawId) {
      const id = normalise(rawId);
      return store.read(scope(tenantId), async (tx) => {
        const entity = await findEntity(tx, tenantId, id);
        if (!entity) throw notFound('Entity', id);
        const evidence = await evidenceFor(tx, tenantId, [entity.id]);
        return { ...entity, evidence: evidence.get(entity.id) ?? [] };
      });
    },

    listEntities: (tenantId, filter) => store.read(scope(tenantId), (tx) => listEntities(tx, tenantId, filter)),

    async setEntityProperties(tenantId, updates) {
      checkBulkSize(updates.length);
      const keys = new Set<string>();
      updates.forEach((update, index) => {
        const { properties } = update;
        if (properties === null || typeof properties !== 'object' || Array.isArray(properties))
          throw new TrellisError('unprocessable', `updates[${index}].properties must be an object`, { path: `updates[${index}].properties` });
        for (const key of Object.keys(properties)) keys.add(key);
      });
      return store.transaction(scope(tenantId), async (tx) => {
        const { updated, missing } = await mergeEntityProperties(tx, tenantId, updates, nowIso());
        if (updated.length > 0) {
          const payload = { count: updated.length, properties: [...keys].sort(), ids: updated };
          track(tx, tenantId, await appendEvent(tx, { type: 'entity.bulk_updated', payload }));
        }
        return { updated: updated.length, missing };
      });
    },

    findByAliases: (tenantId, types, names) =>
      store.read(scope(tenantId), async (tx) => {
        const keys = [...new Set(names.map(canonicalKey).filter((key) => key !== ''))];
        const found: AliasMatch[] = [];
        // Slices keep each statement's list (a json_each or array parameter) small.
        for (const slice of slices(keys, 1000)) found.push(...(await findByAliases(tx, tenantId, types, slice)));
        return found;
      }),

    async deleteEntity(tenantId, rawId, options = {}) {
      const id = normalise(rawId);
      return store.transaction(scope(tenantId), async (tx) => {
        const entity = await findEntity(tx, tenantId, id);
        if (!entity) throw notFound('Entity', id);
        const removal = await deleteFacts(tx, tenantId, [entity.id], []);
        await options.within?.(tx);
        track(tx, tenantId, await appendEvent(tx, deletionEvents(removal, { cause: 'deleted' })), {
          deletedRelations: removal.relations,
          deletedEntities: removal.entities,
        });
        return { relations: removal.relations };
      });
    },

    async upsertRelation(tenantId, input) {
      const items = prepareRelations([input]);
      return store.transaction(scope(tenantId), async (tx) => {
        const { ids, created } = await writeRelations(tx, tenantId, items, nowIso());
        const relation = (await findRelation(tx, tenantId, ids[0] as string)) as Relation;
        const seqs = await appendEvent(tx, {
          type: created[0] ? 'relation.created' : 'relation.updated',
          subject: relation.id,
          payload: { id: relation.id, type: relation.type, from: relation.from, to: relation.to },
        });
        track(tx, tenantId, seqs, { addedRelations: createdRelations(items, ids, created) });
        return { relation, created: created[0] as boolean };
      });
    },

    async upsertRelations(tenantId, inputs) {
      checkBulkSize(inputs.length);
      const items = prepareRelations(inputs);
      return store.transaction(scope(tenantId), (tx) => bulkRelations(tx, tenantId, items, inputs.length));
    },

    async getRelation(tenantId, rawId) {
      const id = normalise(rawId);
      return store.read(scope(tenantId), async (tx) => {
        const relation = await findRelation(tx, tenantId, id);
        if (!relation) throw notFound('Relation', id);
        const evidence = await evidenceFor(tx, tenantId, [relation.id]);
        return { ...relation, evidence: evidence.get(relation.id) ?? [] };
      });
    },

    listRelations: (tenantId, filter) => store.read(scope(tenantId), (tx) => listRelations(tx, tenantId, filter)),

    async deleteRelation(tenantId, rawId, options = {}) {
      const id = normalise(rawId);
      await store.transaction(scope(tenantId), async (tx) => {
        const relation = await findRelation(tx, tenantId, id);
        if (!relation) throw notFound('Relation', id);
        const removal = await deleteFacts(tx, tenantId, [], [relation.id]);
        await options.within?.(tx);
        track(tx, tenantId, await appendEvent(tx, deletionEvents(removal, { cause: 'deleted' })), {
          deletedRelations: removal.relations,
          deletedEntities: removal.entities,
        });
      });
    },

    async neighbours(tenantId, rawEntityId, options) {
      const entityId = normalise(rawEntityId);
      // The projection is taken (and its version checked) before the store is read, so it is never older than the read.
      const projection = projections ? await projections.current(tenantId) : null;
      return store.read(scope(tenantId), async (tx) => {
        const seq = (await entitySeqs(tx, tenantId, isId(entityId) ? [entityId] : [])).get(entityId);
        const root = seq === undefined ? undefined : (await entitiesBySeq(tx, tenantId, [seq])).get(seq);
        if (seq === undefined || !root) throw notFound('Entity', entityId);
        const start = { seq, ...root };
        const result = projection
          ? await projectedNeighbourhood(
              projection,
              start,
              options,
              (seqs) => entitiesBySeq(tx, tenantId, seqs),
              (seqs) => propertiesBySeq(tx, tenantId, seqs),
            )
          : await neighbourhood(tx, tenantId, start, options);
        projections?.served(projection !== null);
        return { root: root.id, ...result };
      });
    },

    async path(tenantId, rawFrom, rawTo, options) {
      const [from, to] = [normalise(rawFrom), normalise(rawTo)];
      if ((options.entityTypes && options.entityTypes.length > 0) || options.where) {
        // With an entity filter, the first of the k shortest paths (the same search and tie-breaks as below).
        const { paths } = await service.paths(tenantId, from, to, { ...options, k: 1 });
        const first = paths[0];
        return first ? { found: true, ...first } : { found: false, length: null, nodes: [], edges: [] };
      }
      const projection = projections ? await projections.current(tenantId) : null;
      return store.read(scope(tenantId), async (tx) => {
        const ends = await entitySeqs(tx, tenantId, [from, to].filter(isId));
        for (const id of [from, to]) if (!ends.has(id)) throw notFound('Entity', id);
        const [fromSeq, toSeq] = [ends.get(from) as number, ends.get(to) as number];
        const found = projection ? projectedPath(projection, fromSeq, toSeq, options) : await shortestPath(tx, tenantId, fromSeq, toSeq, options);
        projections?.served(projection !== null);
        if (!found) return { found: false, length: null, nodes: [], edges: [] };
        const entities = await entitiesBySeq(tx, tenantId, found.nodes);
        const idOf = (seq: number) => entities.get(seq)?.id ?? '';
        const nodes = found.nodes.map((seq, depth) => ({ id: idOf(seq), type: entities.get(seq)?.type ?? '', name: entities.get(seq)?.name ?? '', depth }));
        const edges = found.edges.map((edge) => ({ id: edge.id, type: edge.type, from: idOf(edge.from), to: idOf(edge.to) }));
        return { found: true, length: edges.length, nodes, edges };
      });
    },

    within(tx, tenantId) {
      return createGraphWithin(tx, tenantId, {
        track,
        async upsertEntitiesAndRelations(tx, tenantId, entityInputs, relationsFor) {
          checkBulkSize(entityInputs.length);
          const entities = await bulkEntities(tx, tenantId, prepareEntities(entityInputs), entityInputs.length);
          const relationInputs = relationsFor(entities.ids);
          checkBulkSize(relationInputs.length);
          const relations = await bulkRelations(tx, tenantId, prepareRelations(relationInputs), relationInputs.length);
          return { entities, relations };
        },
      });
    },

    async paths(tenantId, rawFrom, rawTo, options) {
      const projection = projections ? await projections.current(tenantId) : null;
      return store.read(scope(tenantId), async (tx) => {
        const result = await kPathsQuery(tx, tenantId, projection, normalise(rawFrom), normalise(rawTo), options);
        projections?.served(projection !== null);
        return result;
      });
    },

    async subgraph(tenantId, seeds, options) {
      const projection = projections ? await projections.current(tenantId) : null;
      return store.read(scope(tenantId), async (tx) => {
        const result = await subgraphQuery(tx, tenantId, projection, seeds.map(normalise), options);
        projections?.served(projection !== null);
        return result;
      });
    },

    async createSource(tenantId, input) {
      return store.transaction(scope(tenantId), async (tx) => {
        const { source, chunks } = await insertSource(tx, tenantId, input, nowIso());
        const seqs = await appendEvent(tx, {
          type: 'source.created',
          subject: source.id,
          payload: { id: source.id, uri: source.uri, kind: source.kind, chunks: chunks.length },
        });
        track(tx, tenantId, seqs);
        return { ...source, chunks };
      });
    },

    async getSource(tenantId, rawId) {
      const id = normalise(rawId);
      return store.read(scope(tenantId), async (tx) => {
        const source = await findSource(tx, tenantId, id);
        if (!source) throw notFound('Source', id);
        return { ...source, chunks: await chunksOf(tx, tenantId, source.id) };
      });
    },

    listSources: (tenantId, filter) => store.read(scope(tenantId), (tx) => listSources(tx, tenantId, filter)),

    findSourceByUri: (tenantId, uri) => store.read(scope(tenantId), (tx) => findSourceByUri(tx, tenantId, uri)),

    async setSourceStatus(tenantId, rawId, status, payload = {}) {
      const id = normalise(rawId);
      if (!/^[a-z][a-z_-]{0,31}$/.test(status)) throw new TrellisError('unprocessable', `A source status is a lower-case word; got ${JSON.stringify(status)}`);
      await store.transaction(scope(tenantId), async (tx) => {
        if (!isId(id) || (await tx.run('UPDATE sources SET status = ?, updated_at = ? WHERE tenant_id = ? AND id = ?', [status, nowIso(), tenantId, id])) === 0)
          throw notFound('Source', id);
        await appendEvent(tx, { type: `source.${status}`, subject: id, payload: { id, ...payload } });
      });
    },

    async deleteSource(tenantId, rawId, options = {}) {
      const id = normalise(rawId);
      return store.transaction(scope(tenantId), async (tx) => {
        const source = await findSource(tx, tenantId, id);
        if (!source) throw notFound('Source', id);
        // A memory's source goes with its memory (DELETE /memories/{id}, which deletes it through `within`), so the
        // memory's own events and the references to it are told; here it would vanish by cascade, untold.
        if (source.kind === 'memory')
          throw new TrellisError('conflict', `Source ${id} is a memory's; delete the memory instead: DELETE /memories/${id}`, { memoryId: id });
        const removal = await retractSource(tx, tenantId, source.id);
        await deleteSourceRows(tx, tenantId, source.id);
        await options.within?.(tx);
        const summary = { retractedEvidence: removal.retracted, deletedEntities: removal.entities.length, deletedRelations: removal.relations.length };
        const seqs = await appendEvent(tx, [
          ...deletionEvents(removal, { cause: 'source_deleted', sourceId: source.id }),
          { type: 'source.deleted', subject: source.id, payload: { id: source.id, uri: source.uri, ...summary } },
        ]);
        track(tx, tenantId, seqs, { deletedRelations: removal.relations, deletedEntities: removal.entities });
        tx.afterCommit(() => {
          for (const listener of sourceDeletedListeners) {
            try {
              listener(tenantId, source);
            } catch (error) {
              process.emitWarning(`a source deletion listener failed: ${(error as Error).message}`);
            }
          }
        });
        return summary;
      });
    },

    onSourceDeleted(listener) {
      sourceDeletedListeners.add(listener);
      return () => sourceDeletedListeners.delete(listener);
    },

    projectionReady: async (tenantId) => (projections ? projections.ready(tenantId) : null),
    traversalCounts: () => projections?.counts() ?? { projection: 0, sql: 0 },
    close: async () => projections?.close(),
  };
  return service;
}
