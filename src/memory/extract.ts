/**
 * @module Entity extraction of memories: the built-in extractor (the one document ingest uses, in its worker pool) over
 * each pending memory's search text, resolved like a document's mentions, written as entities, relations and evidence
 * that cite the memory's source (`memory://<id>`) with offsets into its search text.
 */
import { type EntityInput, type GraphService, type RelationInput, canonicalKey, maxBulkItems } from '../graph/index.js';
import { type PreparedDocument, addRelation, resolveDocument } from '../ingest/resolve/document.js';
import type { ChunkDraft, DocumentInfo, Extraction, Extractor } from '../ingest/types.js';
import { type SqlValue, type Store, type Tx, inList } from '../store/index.js';

/** Memories read, extracted and written per transaction (larger batches rewrite the hot pages of entities, relations and indexes less often per memory). @default 500 */
export const extractBatchSize = 500;
/** Memory texts sent to the extractor pool in one request; a batch is several requests, spread over the pool's workers. */
const extractGroup = 25;
/** Characters of a relation's supporting passage kept as its evidence quote (a memory has no chunk to cut it from). */
export const relationQuoteLimit = 500;

/** What one run of {@link MemoryExtraction.extractPending} did. */
export interface ExtractSummary {
  /** Memories whose evidence now matches their search text. */
  memories: number;
  /** Entity and relation citations written (an unchanged citation is rewritten in place, never duplicated). */
  entityCitations: number;
  relationCitations: number;
  /** Earlier citations of changed memories that were retracted, and the facts removed because none was left. */
  retracted: number;
  deletedEntities: number;
  deletedRelations: number;
  milliseconds: number;
}

/** Extraction of a tenant's pending memories (created, or their search text changed, since their last extraction). */
export interface MemoryExtraction {
  /** Extracts every pending memory of the tenant in batches of {@link extractBatchSize}, each batch one transaction. */
  extractPending(tenantId: string, options?: { signal?: AbortSignal; onProgress?: (progress: Record<string, unknown>) => void }): Promise<ExtractSummary>;
  /** How many memories of the tenant wait for extraction. */
  pendingCount(tenantId: string): Promise<number>;
}

/** What {@link createMemoryExtraction} needs. */
export interface MemoryExtractionOptions {
  store: Store;
  graph: GraphService;
  /** The extractor (the built-in extractor's worker pool in a server), asked for when the first batch needs it. */
  extractor: () => Extractor;
  /** @default extractBatchSize */
  batchSize?: number;
}

interface PendingRow {
  id: string;
  title: string | null;
  search_text: string;
}

/** One memory extracted and resolved, before anything is written. */
interface PreparedMemoryText {
  id: string;
  text: string;
  prepared: PreparedDocument;
}

const identityOf = (entity: { type: string; key: string }) => `${entity.type}\u0000${entity.key}`;
const citationKey = (subjectId: string, sourceId: string, start: number | null, end: number | null) =>
  `${subjectId}\u0000${sourceId}\u0000${start}\u0000${end}`;

/** `<column> IN (…)` for checked memory IDs on either driver, with its one parameter. */
function idList(tx: Tx, ids: readonly string[], column = 'id'): { sql: string; param: SqlValue } {
  const list = inList(tx.dialect, column, 'uuid');
  return { sql: list.sql, param: list.param(ids) };
}

/**
 * Entity resolution against the graph, as document ingest does it: an entity whose name or an alias is already the
 * name or an alias of exactly one stored entity of its type takes that entity's key, so its upsert merges into it.
 */
async function joinToGraph(graph: GraphService, tenantId: string, entities: PreparedDocument['entities'][number][]): Promise<void> {
  if (entities.length === 0) return;
  const types = [...new Set(entities.map((entity) => entity.type))];
  const matches = await graph.findByAliases(
    tenantId,
    types,
    entities.flatMap((entity) => [entity.name, ...entity.aliases]),
  );
  const keysByName = new Map<string, Set<string>>();
  for (const match of matches) {
    const name = `${match.type}\u0000${match.aliasKey}`;
    let keys = keysByName.get(name);
    if (!keys) keysByName.set(name, (keys = new Set()));
    keys.add(match.key);
  }
  for (const entity of entities) {
    const keys = new Set<string>();
    for (const name of [entity.name, ...entity.aliases]) for (const key of keysByName.get(`${entity.type}\u0000${canonicalKey(name)}`) ?? []) keys.add(key);
    if (keys.size !== 1 || keys.has(entity.key)) continue; // unknown, ambiguous, or already the same identity
    entity.key = [...keys][0] as string;
  }
}

/**
 * The graph writes of a batch: one entity input per identity (type, key) across the batch's memories with every
 * mention as evidence, and the relations between them, co-occurrence pointing from the identity that sorts first (as
 * ingest does, so a pair found in a document and in a memory is one relation).
 */
function graphInputs(
  memories: readonly PreparedMemoryText[],
  extractor: { name: string; version: string },
): { entities: EntityInput[]; relationsFor: (ids: readonly string[]) => RelationInput[]; relationCitations: number } {
  const inputs = new Map<string, EntityInput>();
  const order: string[] = [];
  const cited = (sourceId: string, start: number, end: number, quote: string, confidence: number) => ({
    sourceId,
    start,
    end,
    quote,
    extractor: extractor.name,
    extractorVersion: extractor.version,
    confidence,
  });
  for (const { id, prepared } of memories) {
    for (const { mention, entity } of prepared.mentions[0] ?? []) {
      const resolved = prepared.entities[entity]!;
      const identity = identityOf(resolved);
      let input = inputs.get(identity);
      if (!input) {
        input = { type: resolved.type, name: resolved.name, key: resolved.key, aliases: [], confidence: 0, evidence: [] };
        inputs.set(identity, input);
        order.push(identity);
      }
      for (const alias of resolved.aliases) if (!input.aliases!.includes(alias)) input.aliases!.push(alias);
      input.confidence = Math.max(input.confidence ?? 0, mention.confidence);
      input.evidence!.push(cited(id, mention.start, mention.end, mention.text, mention.confidence));
    }
  }
  let relationCitations = 0;
  for (const { prepared } of memories) relationCitations += prepared.relations[0]?.length ?? 0;
  const relationsFor = (ids: readonly string[]): RelationInput[] => {
    const idOf = new Map(order.map((identity, index) => [identity, ids[index] as string]));
    const relations = new Map<string, RelationInput>();
    for (const { id, text, prepared } of memories) {
      for (const { draft, from, to } of prepared.relations[0] ?? []) {
        let [fromIdentity, toIdentity] = [identityOf(prepared.entities[from]!), identityOf(prepared.entities[to]!)];
        if (draft.rule.startsWith('cooccurrence:') && fromIdentity > toIdentity) [fromIdentity, toIdentity] = [toIdentity, fromIdentity];
        if (fromIdentity === toIdentity) continue;
        const evidence = cited(id, draft.start, draft.end, text.slice(draft.start, Math.min(draft.end, draft.start + relationQuoteLimit)), draft.confidence);
        addRelation(relations, `${draft.type}\u0000${fromIdentity}\u0000${toIdentity}`, draft, evidence, () => [
          idOf.get(fromIdentity) as string,
          idOf.get(toIdentity) as string,
        ]);
      }
    }
    return [...relations.values()];
  };
  return { entities: order.map((identity) => inputs.get(identity) as EntityInput), relationsFor, relationCitations };
}

/**
 * Creates the extraction of memories. Each batch: read pending memories (oldest first), extract their search texts in
 * the extractor's workers, resolve each memory's mentions like a document's, join them to the graph, then in one
 * transaction (only for memories whose text is still the one extracted: a memory changed or deleted meanwhile stays
 * for the next batch or is gone) upsert the entities and relations with their evidence, retract this extractor's
 * earlier citations of those memories that the new run did not make again (removing facts left without evidence, as
 * re-ingesting a changed document does), and clear their pending flag. Resumable and idempotent: a killed run leaves
 * its unfinished memories pending, and evidence is keyed by its citation, so a rerun writes no duplicate.
 * @example
 * const extraction = createMemoryExtraction({ store, graph, extractor: () => pool });
 * await extraction.extractPending(tenantId);
 */
export function createMemoryExtraction({ store, graph, extractor, batchSize = extractBatchSize }: MemoryExtractionOptions): MemoryExtraction {
  const size = Math.max(1, Math.min(batchSize, Math.floor(maxBulkItems / 100)));

  const readPending = (tenantId: string, afterId: string | null) =>
    store.read({ tenantId }, (tx) =>
      tx.all<PendingRow>(
        `SELECT id, title, search_text FROM memories WHERE tenant_id = ? AND extract_pending = 1${afterId === null ? '' : ' AND id > ?'} ORDER BY id LIMIT ?`,
        afterId === null ? [tenantId, size] : [tenantId, afterId, size],
      ),
    );

  /** Extracts each memory's text, its one chunk (`chunks[i]` for memory i), in groups of {@link extractGroup}. */
  const extractTexts = async (chunks: readonly ChunkDraft[], signal: AbortSignal | undefined): Promise<Extraction[]> => {
    const run = extractor();
    const groups: Promise<Extraction[]>[] = [];
    for (let index = 0; index < chunks.length; index += extractGroup) {
      const group = chunks.slice(index, index + extractGroup);
      const document: DocumentInfo = { kind: 'txt', metadata: { memories: group.length } };
      groups.push(run.extract(group, { document, ...(signal ? { signal } : {}) }));
    }
    return (await Promise.all(groups)).flat();
  };

  return {
    async pendingCount(tenantId) {
      const row = await store.read({ tenantId }, (tx) =>
        tx.get<{ count: number | string }>('SELECT COUNT(*) AS count FROM memories WHERE tenant_id = ? AND extract_pending = 1', [tenantId]),
      );
      return Number(row?.count ?? 0);
    },

    async extractPending(tenantId, { signal, onProgress } = {}) {
      const started = performance.now();
      const summary: ExtractSummary = {
        memories: 0,
        entityCitations: 0,
        relationCitations: 0,
        retracted: 0,
        deletedEntities: 0,
        deletedRelations: 0,
        milliseconds: 0,
      };
      const { name, version } = extractor();
      let afterId: string | null = null;
      // A memory changed while its batch was extracted stays pending; one more pass from the start picks it up.
      let passes = 0;
      let skipped = 0;
      for (;;) {
        signal?.throwIfAborted();
        const rows = await readPending(tenantId, afterId);
        if (rows.length === 0) {
          if (skipped === 0 || ++passes > 2) break;
          [afterId, skipped] = [null, 0];
          continue;
        }
        afterId = rows[rows.length - 1]!.id;
        // A memory is one chunk: its whole search text.
        const chunks: ChunkDraft[] = rows.map((row) => ({ ordinal: 0, text: row.search_text, start: 0, end: row.search_text.length }));
        const extractions = await extractTexts(chunks, signal);
        const memories: PreparedMemoryText[] = rows.map((row, index) => {
          const info: DocumentInfo = { kind: 'txt', ...(row.title === null ? {} : { title: row.title }), metadata: {} };
          const prepared = resolveDocument(info, [chunks[index] as ChunkDraft], [extractions[index] as Extraction], { name, version });
          return { id: String(row.id), text: row.search_text, prepared };
        });
        await joinToGraph(
          graph,
          tenantId,
          memories.flatMap((memory) => memory.prepared.entities),
        );
        const written = await store.transaction({ tenantId }, async (tx) => {
          const ids = memories.map((memory) => memory.id);
          const list = idList(tx, ids);
          const current = await tx.all<{ id: string; search_text: string }>(
            `SELECT id, search_text FROM memories WHERE tenant_id = ? AND ${list.sql} ORDER BY id${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
            [tenantId, list.param],
          );
          const textNow = new Map(current.map((row) => [String(row.id), row.search_text]));
          const fresh = memories.filter((memory) => textNow.get(memory.id) === memory.text);
          skipped += memories.length - fresh.length;
          if (fresh.length === 0) return null;
          const freshIds = fresh.map((memory) => memory.id);
          // Only memories extracted before have citations to retract (asked before this batch writes its own): most of a
          // batch is new memories, and the retraction's scan is skipped for them.
          const cited = idList(tx, freshIds, 'source_id');
          const extractedBefore = (
            await tx.all<{ source_id: string }>(
              `SELECT DISTINCT source_id FROM evidence WHERE tenant_id = ? AND ${cited.sql} AND source_id IS NOT NULL AND extractor = ?`,
              [tenantId, cited.param, name],
            )
          ).map((row) => String(row.source_id));
          const inputs = graphInputs(fresh, { name, version });
          const within = graph.within(tx, tenantId);
          const keep = new Set<string>();
          let relations: RelationInput[] = [];
          const result = await within.upsertEntitiesAndRelations(inputs.entities, (entityIds) => {
            inputs.entities.forEach((entity, index) => {
              for (const item of entity.evidence ?? [])
                keep.add(citationKey(entityIds[index] as string, item.sourceId as string, item.start ?? null, item.end ?? null));
            });
            relations = inputs.relationsFor(entityIds);
            return relations;
          });
          relations.forEach((relation, index) => {
            for (const item of relation.evidence ?? [])
              keep.add(citationKey(result.relations.ids[index] as string, item.sourceId as string, item.start ?? null, item.end ?? null));
          });
          const retraction = await within.retractCitations(name, extractedBefore, (citation) =>
            keep.has(citationKey(citation.subjectId, citation.sourceId, citation.start, citation.end)),
          );
          const done = idList(tx, freshIds);
          await tx.run(`UPDATE memories SET extract_pending = 0 WHERE tenant_id = ? AND ${done.sql}`, [tenantId, done.param]);
          return {
            memories: fresh.length,
            entityCitations: inputs.entities.reduce((sum, entity) => sum + (entity.evidence?.length ?? 0), 0),
            relationCitations: inputs.relationCitations,
            retraction,
          };
        });
        if (written) {
          summary.memories += written.memories;
          summary.entityCitations += written.entityCitations;
          summary.relationCitations += written.relationCitations;
          summary.retracted += written.retraction.retracted;
          summary.deletedEntities += written.retraction.deletedEntities.length;
          summary.deletedRelations += written.retraction.deletedRelations.length;
        }
        onProgress?.({ memories: summary.memories, entityCitations: summary.entityCitations, relationCitations: summary.relationCitations });
      }
      summary.milliseconds = Math.round(performance.now() - started);
      return summary;
    },
  };
}
