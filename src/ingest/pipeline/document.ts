/** @module One document through the pipeline: parse → chunk → extract → resolve (prepare, nothing written), then commit in batches of chunks. */
import path from 'node:path';
import { type EntityInput, type GraphService, type RelationInput, maxBulkItems } from '../../graph/index.js';
import type { Store } from '../../store/index.js';
import { type ChunkOptions, chunkBlocks } from '../chunk.js';
import { parseDocument, parseFailed } from '../parse/index.js';
import { resolveMentions } from '../resolve/resolve.js';
import type { ChunkDraft, DocumentInfo, Extraction, Extractor, Mention, RelationDraft, SourceKind } from '../types.js';
import type { BatchSizer } from './batch-size.js';
import { batchDuration, chunksProcessed } from './metrics.js';
import { ingestingStatus, markIngested } from './source-state.js';

/** Chunks sent to the extractor in one call; several calls run at once so every worker of a pool is busy. */
const extractGroup = 16;

/** A mention kept for commit: its chunk, its offsets in the source text, and the resolved entity it belongs to. */
interface PlacedMention {
  chunk: number;
  mention: Mention;
  entity: number;
}

/** A document parsed, chunked, extracted and resolved: everything the commit writes, computed before anything is written. */
export interface PreparedDocument {
  info: DocumentInfo;
  chunks: ChunkDraft[];
  entities: { type: string; name: string; key: string; aliases: string[] }[];
  /** Mentions by chunk (duplicates from chunk overlap removed). */
  mentions: PlacedMention[][];
  /** Relations by chunk, endpoints as entity indexes. */
  relations: { draft: RelationDraft; from: number; to: number }[][];
  extractor: { name: string; version: string };
}

/**
 * Parses, chunks, extracts and resolves a document. Pure with respect to the store, so a file that fails here leaves
 * the graph (and any earlier version of the source) untouched. An empty file is refused with its name.
 */
export async function prepareDocument(
  file: string,
  kind: SourceKind,
  bytes: number,
  extractor: Extractor,
  chunkOptions: ChunkOptions,
): Promise<PreparedDocument> {
  if (bytes === 0) throw parseFailed(file, 'empty file: there is no text to ingest', { byte: 0 });
  const parsed = await parseDocument(file, kind);
  const chunks: ChunkDraft[] = [];
  for await (const chunk of chunkBlocks(parsed.blocks, chunkOptions)) chunks.push(chunk);
  if (chunks.length === 0 || chunks.every((chunk) => chunk.text.trim() === '')) throw parseFailed(file, 'no text in the document (only markup or whitespace)');
  const groups: Promise<Extraction[]>[] = [];
  for (let index = 0; index < chunks.length; index += extractGroup)
    groups.push(extractor.extract(chunks.slice(index, index + extractGroup), { document: parsed.info }));
  const extractions = (await Promise.all(groups)).flat();
  return resolveDocument(parsed.info, chunks, extractions, extractor);
}

/** Resolves a document's mentions into entities and places every mention and relation; overlap duplicates are dropped. */
export function resolveDocument(info: DocumentInfo, chunks: ChunkDraft[], extractions: Extraction[], extractor: Extractor): PreparedDocument {
  const flat: { chunk: number; index: number; mention: Mention }[] = [];
  // Mention identity (type, offsets in the source) → its index in `flat`.
  const seen = new Map<string, number>();
  // Index of each chunk's mention in `flat`, or -1 when it repeats an earlier chunk's mention (chunk overlap).
  const flatIndex: number[][] = extractions.map((extraction, chunkIndex) => {
    const chunk = chunks[chunkIndex] as ChunkDraft;
    return extraction.mentions.map((mention, index) => {
      const identity = `${mention.type}\u0000${chunk.start + mention.start}\u0000${chunk.start + mention.end}`;
      if (seen.has(identity)) return -1;
      seen.set(identity, flat.length);
      flat.push({ chunk: chunkIndex, index, mention });
      return flat.length - 1;
    });
  });
  const resolved = resolveMentions(flat.map(({ mention }) => ({ type: mention.type, text: mention.text })));
  const entityOf = new Int32Array(flat.length).fill(-1);
  resolved.forEach((entity, entityIndex) => {
    for (const member of entity.members) entityOf[member.mention] = entityIndex;
  });
  const mentions: PlacedMention[][] = chunks.map(() => []);
  flat.forEach((item, index) => {
    const entity = entityOf[index] as number;
    if (entity >= 0) mentions[item.chunk]?.push({ chunk: item.chunk, mention: item.mention, entity });
  });
  const relationSeen = new Set<string>();
  const relations = extractions.map((extraction, chunkIndex) => {
    const chunk = chunks[chunkIndex] as ChunkDraft;
    // An endpoint's entity: through `flat` when kept, else the entity of the identical earlier mention.
    const endpoint = (mentionIndex: number): number => {
      const at = flatIndex[chunkIndex]?.[mentionIndex];
      if (at !== undefined && at >= 0) return entityOf[at] as number;
      const mention = extraction.mentions[mentionIndex];
      if (!mention) return -1;
      const found = seen.get(`${mention.type}\u0000${chunk.start + mention.start}\u0000${chunk.start + mention.end}`);
      return found === undefined ? -1 : (entityOf[found] as number);
    };
    const out: { draft: RelationDraft; from: number; to: number }[] = [];
    // Co-occurrence is cited once per (entity pair, chunk): names of one entity ("Obama", "Barack Obama") add their
    // weights, and the closest, highest-confidence citation is kept.
    const cooccurring = new Map<string, number>();
    for (const draft of extraction.relations) {
      const [from, to] = [endpoint(draft.from), endpoint(draft.to)];
      if (from < 0 || to < 0 || from === to) continue;
      if (draft.rule.startsWith('cooccurrence:')) {
        const pair = `${draft.type}\u0000${Math.min(from, to)}\u0000${Math.max(from, to)}`;
        const at = cooccurring.get(pair);
        if (at === undefined) {
          cooccurring.set(pair, out.length);
          out.push({ draft, from, to });
          continue;
        }
        const kept = out[at]!;
        const weight = Number(kept.draft.properties?.weight ?? 1) + Number(draft.properties?.weight ?? 1);
        const better = draft.confidence > kept.draft.confidence ? { draft, from, to } : kept;
        out[at] = { ...better, draft: { ...better.draft, properties: { ...better.draft.properties, weight } } };
        continue;
      }
      const identity = `${draft.type}\u0000${from}\u0000${to}\u0000${chunk.start + draft.start}\u0000${chunk.start + draft.end}`;
      if (relationSeen.has(identity)) continue;
      relationSeen.add(identity);
      out.push({ draft, from, to });
    }
    return out;
  });
  return {
    info,
    chunks,
    entities: resolved.map((entity) => ({ type: entity.type, name: entity.name, key: entity.key, aliases: entity.aliases })),
    mentions,
    relations,
    extractor: { name: extractor.name, version: extractor.version },
  };
}

/** What committing a document wrote. */
export interface CommittedDocument {
  sourceId: string;
  chunks: number;
  entities: number;
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

function splitBulk<T>(items: T[]): T[][] {
  const parts: T[][] = [];
  for (let index = 0; index < items.length; index += maxBulkItems) parts.push(items.slice(index, index + maxBulkItems));
  return parts;
}

/**
 * Writes a prepared document: the source ('ingesting') with all its chunks, then batches of chunks — each one bulk
 * upsert of the entities mentioned in it and one of its relations, every fact citing source, chunk and its offsets
 * in the source text — then marks the source 'ingested'. Every write is idempotent (entities and relations by
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
  const source = await graph.createSource(tenantId, {
    uri,
    kind: prepared.info.kind,
    title: prepared.info.title ?? path.basename(file),
    contentHash,
    status: ingestingStatus,
    metadata: { ...prepared.info.metadata, bytes, extractor: prepared.extractor.name, extractorVersion: prepared.extractor.version },
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
    for (const items of splitBulk(order)) {
      const result = await graph.upsertEntities(
        tenantId,
        items.map((entity) => inputs.get(entity) as EntityInput),
      );
      items.forEach((entity, index) => entityIds.set(entity, result.ids[index] as string));
    }
    // One upsert per relation of the batch, carrying all its citations: the same result as one upsert per citation
    // (confidence is the highest, properties are merged in chunk order), with far fewer relation writes.
    const relations = new Map<string, RelationInput>();
    let citations = 0;
    for (let chunkIndex = first; chunkIndex < first + count; chunkIndex++) {
      for (const { draft, from, to } of prepared.relations[chunkIndex] ?? []) {
        const evidence = cite(chunkIndex, draft);
        citations++;
        const identity = `${draft.type}\u0000${from}\u0000${to}`;
        const input = relations.get(identity);
        if (input) {
          input.confidence = Math.max(input.confidence ?? 0, draft.confidence);
          if (draft.properties) input.properties = { ...input.properties, ...draft.properties };
          input.evidence!.push(evidence);
          continue;
        }
        relations.set(identity, {
          type: draft.type,
          from: entityIds.get(from) as string,
          to: entityIds.get(to) as string,
          confidence: draft.confidence,
          ...(draft.properties ? { properties: { ...draft.properties } } : {}),
          evidence: [evidence],
        });
      }
    }
    for (const items of splitBulk([...relations.values()])) await graph.upsertRelations(tenantId, items);
    relationCount += citations;
    const milliseconds = performance.now() - started;
    sizer.record(count, milliseconds);
    batchDuration.observe(milliseconds / 1000);
    chunksProcessed.inc(count);
    context.onBatch?.(count, inputs.size);
    first += count;
  }
  const summary = { chunks: prepared.chunks.length, entities: prepared.entities.length, relations: relationCount };
  await markIngested(context.store, tenantId, source.id, summary);
  return { sourceId: source.id, ...summary };
}
