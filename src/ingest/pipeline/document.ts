/** @module One document through the pipeline: parse → chunk → extract → resolve (prepare, nothing written), then commit in batches of chunks. */
import path from 'node:path';
import { type EntityInput, type GraphService, type RelationInput, canonicalKey, maxBulkItems } from '../../graph/index.js';
import type { Store } from '../../store/index.js';
import { type ChunkOptions, chunkFile } from '../chunk.js';
import { parseFailed } from '../parse/index.js';
import type { ExtractorPool } from '../extract/pool.js';
import { type PreparedDocument, type ResolutionMerge, addRelation, resolveDocument } from '../resolve/document.js';
import type { ChunkDraft, Extraction, Extractor, SourceKind } from '../types.js';
import type { BatchSizer } from './batch-size.js';
import { batchDuration, chunksProcessed } from './metrics.js';
import { ingestingStatus, markIngested } from './source-state.js';

/** Chunks sent to an extractor in one call; several calls run at once (an LLM extractor bounds its own concurrency). */
const extractGroup = 16;

/**
 * Parses, chunks, extracts and resolves a document. Pure with respect to the store, so a file that fails here leaves
 * the graph (and any earlier version of the source) untouched. An empty file is refused with its name. With the
 * built-in extractor's pool, parsing, chunking, extraction and resolution all run in one worker (`ExtractorPool.prepare`),
 * so this thread only writes; any other extractor (the LLM one) gets the chunks in groups, several at once, from a
 * document parsed and chunked in `chunker`'s worker when one is given (here otherwise).
 */
export async function prepareDocument(
  file: string,
  kind: SourceKind,
  bytes: number,
  extractor: Extractor | ExtractorPool,
  chunkOptions: ChunkOptions,
  chunker?: ExtractorPool,
): Promise<PreparedDocument> {
  if (bytes === 0) throw parseFailed(file, 'empty file: there is no text to ingest', { byte: 0 });
  const prepared = 'prepare' in extractor ? await extractor.prepare(file, kind, chunkOptions) : await prepareHere(file, kind, extractor, chunkOptions, chunker);
  if (prepared.chunks.length === 0) throw parseFailed(file, 'no text in the document (only markup or whitespace)');
  return prepared;
}

async function prepareHere(
  file: string,
  kind: SourceKind,
  extractor: Extractor,
  chunkOptions: ChunkOptions,
  chunker: ExtractorPool | undefined,
): Promise<PreparedDocument> {
  const { info, chunks } = chunker ? await chunker.chunk(file, kind, chunkOptions) : await chunkFile(file, kind, chunkOptions);
  if (chunks.length === 0) return resolveDocument(info, chunks, [], extractor);
  const groups: Promise<Extraction[]>[] = [];
  for (let index = 0; index < chunks.length; index += extractGroup)
    groups.push(extractor.extract(chunks.slice(index, index + extractGroup), { document: info }));
  return resolveDocument(info, chunks, (await Promise.all(groups)).flat(), extractor);
}

/** What committing a document wrote. */
export interface CommittedDocument {
  sourceId: string;
  chunks: number;
  entities: number;
  /** Entities joined to one already in the graph by name or alias (see `joinToGraph`). */
  joined: number;
  relations: number;
}

/** What {@link commitDocument} needs. */
export interface CommitContext {
  store: Store;
  graph: GraphService;
  tenantId: string;
  sizer: BatchSizer;
  /** Called after each batch with the chunks it committed. */
  onBatch?: (chunks: number, entities: number) => void;
}

/**
 * Entity resolution against the graph: a document entity whose name or an alias is already the name or an alias of
 * exactly one stored entity of its type takes that entity's key, so its upsert merges into it ("Alice Johnson" in a
 * report joins the Person a mapped spreadsheet row made, whatever key the mapping gave it). Runs at commit time,
 * after an earlier version of the source was retracted, so a redo sees the same graph as the first run. Returns each
 * join as a merge with rule `graph-alias`.
 */
async function joinToGraph(graph: GraphService, tenantId: string, entities: PreparedDocument['entities']): Promise<ResolutionMerge[]> {
  if (entities.length === 0) return [];
  const types = [...new Set(entities.map((entity) => entity.type))];
  const matches = await graph.findByAliases(
    tenantId,
    types,
    entities.flatMap((entity) => [entity.name, ...entity.aliases]),
  );
  const keysByName = new Map<string, Map<string, string>>();
  for (const match of matches) {
    const name = `${match.type}\u0000${match.aliasKey}`;
    let keys = keysByName.get(name);
    if (!keys) keysByName.set(name, (keys = new Map()));
    keys.set(match.key, match.name);
  }
  const joins: ResolutionMerge[] = [];
  for (const entity of entities) {
    const keys = new Map<string, string>();
    for (const name of [entity.name, ...entity.aliases])
      for (const [key, stored] of keysByName.get(`${entity.type}\u0000${canonicalKey(name)}`) ?? []) keys.set(key, stored);
    if (keys.size !== 1 || keys.has(entity.key)) continue; // unknown, ambiguous, or already the same identity
    const [[key, stored]] = [...keys] as [[string, string]];
    joins.push({ type: entity.type, name: entity.name, joined: stored, rule: 'graph-alias', score: 1 });
    entity.key = key;
  }
  return joins;
}

/** Merges recorded on a source's metadata; `total` says how many there were. */
const maxRecordedMerges = 500;

const identityOf = (entity: { type: string; key: string }) => `${entity.type}\u0000${entity.key}`;

function splitBulk<T>(items: T[]): T[][] {
  const parts: T[][] = [];
  for (let index = 0; index < items.length; index += maxBulkItems) parts.push(items.slice(index, index + maxBulkItems));
  return parts;
}

/**
 * Writes a prepared document: joins its entities to the graph (see {@link joinToGraph}), writes the source
 * ('ingesting', with its chunks and the resolution's merges), then batches of chunks — each one transaction with the
 * entities mentioned in it and then its relations, every fact citing source, chunk and its offsets in the source
 * text — then marks the source 'ingested'. Every write is idempotent (entities and relations by
 * identity, evidence by fingerprint), so a run killed anywhere is redone from the source without duplicates.
 */
export async function commitDocument(
  context: CommitContext,
  file: string,
  uri: string,
  contentHash: string,
  bytes: number,
  prepared: PreparedDocument,
): Promise<CommittedDocument> {
  const { graph, tenantId, sizer } = context;
  // Resolution against the graph reads only, so it runs before the source is written and its merges are recorded on it.
  const joins = await joinToGraph(graph, tenantId, prepared.entities);
  const merges = [...prepared.merges, ...joins];
  const source = await graph.createSource(tenantId, {
    uri,
    kind: prepared.info.kind,
    title: prepared.info.title ?? path.basename(file),
    contentHash,
    status: ingestingStatus,
    metadata: {
      ...prepared.info.metadata,
      bytes,
      extractor: prepared.extractor.name,
      extractorVersion: prepared.extractor.version,
      // Every merge explained (which rule, which score), the first few hundred kept: GET /sources/{id} shows them.
      resolution: { merges: merges.slice(0, maxRecordedMerges), total: merges.length },
    },
    chunks: prepared.chunks.map((chunk) => ({
      text: chunk.text,
      start: chunk.start,
      end: chunk.end,
      ...(chunk.page === undefined ? {} : { page: chunk.page }),
    })),
  });
  const entityIds = new Map<number, string>();
  let relationCount = 0;
  const { name: extractor, version: extractorVersion } = prepared.extractor;
  /** Evidence for a span of chunk `chunkIndex` (offsets in the chunk's text), cited in the source's text. */
  const cite = (chunkIndex: number, span: { start: number; end: number; confidence: number }) => {
    const chunk = prepared.chunks[chunkIndex] as ChunkDraft;
    return {
      sourceId: source.id,
      chunkId: source.chunks[chunkIndex]?.id as string,
      start: chunk.start + span.start,
      end: chunk.start + span.end,
      extractor,
      extractorVersion,
      confidence: span.confidence,
    };
  };
  for (let first = 0; first < prepared.chunks.length;) {
    const count = Math.min(sizer.size, prepared.chunks.length - first);
    const started = performance.now();
    const inputs = new Map<number, EntityInput>();
    for (let chunkIndex = first; chunkIndex < first + count; chunkIndex++) {
      for (const { mention, entity } of prepared.mentions[chunkIndex] ?? []) {
        let input = inputs.get(entity);
        if (!input) {
          const resolved = prepared.entities[entity]!;
          input = { type: resolved.type, name: resolved.name, key: resolved.key, aliases: resolved.aliases, confidence: 0, evidence: [] };
          inputs.set(entity, input);
        }
        input.confidence = Math.max(input.confidence ?? 0, mention.confidence);
        input.evidence!.push(cite(chunkIndex, mention));
      }
    }
    const order = [...inputs.keys()];
    // One upsert per relation of the batch, carrying all its citations: the same result as one upsert per citation
    // (confidence is the highest, properties are merged in chunk order), with far fewer relation writes.
    let citations = 0;
    const relationInputs = (): RelationInput[] => {
      const relations = new Map<string, RelationInput>();
      for (let chunkIndex = first; chunkIndex < first + count; chunkIndex++) {
        for (const { draft, from, to } of prepared.relations[chunkIndex] ?? []) {
          const evidence = cite(chunkIndex, draft);
          citations++;
          addRelation(relations, `${draft.type}\u0000${from}\u0000${to}`, draft, evidence, () => {
            const [fromId, toId] = [entityIds.get(from) as string, entityIds.get(to) as string];
            // Co-occurrence has no direction: one relation per pair, whichever document finds it, from the entity whose
            // identity (type, key) sorts first — the same in every database, unlike IDs.
            return draft.rule.startsWith('cooccurrence:') && identityOf(prepared.entities[from]!) > identityOf(prepared.entities[to]!)
              ? [toId, fromId]
              : [fromId, toId];
          });
        }
      }
      return [...relations.values()];
    };
    const entityInputs = order.map((entity) => inputs.get(entity) as EntityInput);
    const keepIds = (ids: readonly string[]) => order.forEach((entity, index) => entityIds.set(entity, ids[index] as string));
    let drafts = 0;
    for (let chunkIndex = first; chunkIndex < first + count; chunkIndex++) drafts += prepared.relations[chunkIndex]?.length ?? 0;
    if (entityInputs.length <= maxBulkItems && drafts <= maxBulkItems) {
      // Entities and relations of the batch in one transaction: one commit.
      await graph.upsertEntitiesAndRelations(tenantId, entityInputs, (ids) => {
        keepIds(ids);
        return relationInputs();
      });
    } else {
      const ids: string[] = [];
      for (const items of splitBulk(entityInputs)) ids.push(...(await graph.upsertEntities(tenantId, items)).ids);
      keepIds(ids);
      for (const items of splitBulk(relationInputs())) await graph.upsertRelations(tenantId, items);
    }
    relationCount += citations;
    const milliseconds = performance.now() - started;
    sizer.record(count, milliseconds);
    batchDuration.observe(milliseconds / 1000);
    chunksProcessed.inc(count);
    context.onBatch?.(count, inputs.size);
    first += count;
  }
  const summary = { chunks: prepared.chunks.length, entities: prepared.entities.length, joined: joins.length, relations: relationCount };
  await markIngested(context.graph, tenantId, source.id, summary);
  return { sourceId: source.id, ...summary };
}
