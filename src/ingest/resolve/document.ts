/** @module A document's extractions resolved into entities, with every mention and relation placed in its chunk: what the pipeline commits. */
import type { EvidenceInput, RelationInput } from '../../graph/index.js';
import type { ChunkDraft, DocumentInfo, Extraction, Mention, RelationDraft } from '../types.js';
import { resolveMentions } from './resolve.js';

/** A mention kept for commit: its chunk, its offsets in the source text, and the resolved entity it belongs to. */
export interface PlacedMention {
  chunk: number;
  mention: Mention;
  entity: number;
}

/** One explained merge: the name that joined, the entity's name it joined, the rule and its score. */
export interface ResolutionMerge {
  type: string;
  name: string;
  joined: string;
  rule: string;
  score: number;
}

/** A document parsed, chunked, extracted and resolved: everything the commit writes, computed before anything is written. */
export interface PreparedDocument {
  info: DocumentInfo;
  chunks: ChunkDraft[];
  entities: { type: string; name: string; key: string; aliases: string[] }[];
  /** Why names were merged into entities: every merge by a rule other than an identical normalised name. */
  merges: ResolutionMerge[];
  /** Mentions by chunk (duplicates from chunk overlap removed). */
  mentions: PlacedMention[][];
  /** Relations by chunk, endpoints as entity indexes. */
  relations: { draft: RelationDraft; from: number; to: number }[][];
  extractor: { name: string; version: string };
}

/**
 * Adds a relation draft's evidence to `relations`, the relations of a write keyed by `identity` (type and endpoints):
 * to the relation there (the highest confidence kept, properties merged, evidence appended), or as a new relation
 * between the endpoints `ends` answers (called only then).
 */
export function addRelation(
  relations: Map<string, RelationInput>,
  identity: string,
  draft: RelationDraft,
  evidence: EvidenceInput,
  ends: () => readonly [from: string, to: string],
): void {
  const input = relations.get(identity);
  if (input) {
    input.confidence = Math.max(input.confidence ?? 0, draft.confidence);
    if (draft.properties) input.properties = { ...input.properties, ...draft.properties };
    input.evidence!.push(evidence);
    return;
  }
  const [from, to] = ends();
  relations.set(identity, {
    type: draft.type,
    from,
    to,
    confidence: draft.confidence,
    ...(draft.properties ? { properties: { ...draft.properties } } : {}),
    evidence: [evidence],
  });
}

/** Resolves a document's mentions into entities and places every mention and relation; overlap duplicates are dropped. */
export function resolveDocument(
  info: DocumentInfo,
  chunks: ChunkDraft[],
  extractions: Extraction[],
  extractor: { name: string; version: string },
): PreparedDocument {
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
  const relations: { draft: RelationDraft; from: number; to: number }[][] = chunks.map(() => []);
  // Co-occurrence is cited once per (entity pair, document): every time two entities meet ("Obama" and "Barack Obama"
  // are one entity) adds its weight, and the closest, highest-confidence meeting is the citation. Pattern relations
  // are cited where each was found (once, though chunk overlap repeats them).
  const cooccurring = new Map<string, { chunk: number; draft: RelationDraft; from: number; to: number; weight: number }>();
  extractions.forEach((extraction, chunkIndex) => {
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
    for (const draft of extraction.relations) {
      const [from, to] = [endpoint(draft.from), endpoint(draft.to)];
      if (from < 0 || to < 0 || from === to) continue;
      if (draft.rule.startsWith('cooccurrence:')) {
        const pair = `${draft.type}\u0000${Math.min(from, to)}\u0000${Math.max(from, to)}`;
        const weight = Number(draft.properties?.weight ?? 1);
        const kept = cooccurring.get(pair);
        if (!kept) cooccurring.set(pair, { chunk: chunkIndex, draft, from, to, weight });
        else {
          kept.weight += weight;
          if (draft.confidence > kept.draft.confidence) Object.assign(kept, { chunk: chunkIndex, draft, from, to });
        }
        continue;
      }
      const identity = `${draft.type}\u0000${from}\u0000${to}\u0000${chunk.start + draft.start}\u0000${chunk.start + draft.end}`;
      if (relationSeen.has(identity)) continue;
      relationSeen.add(identity);
      relations[chunkIndex]!.push({ draft, from, to });
    }
  });
  for (const { chunk, draft, from, to, weight } of cooccurring.values())
    relations[chunk]!.push({ draft: { ...draft, properties: { ...draft.properties, weight } }, from, to });
  return {
    info,
    chunks,
    entities: resolved.map((entity) => ({ type: entity.type, name: entity.name, key: entity.key, aliases: entity.aliases })),
    merges: mergesOf(resolved, flat),
    mentions,
    relations,
    extractor: { name: extractor.name, version: extractor.version },
  };
}

/** The explained merges of a document's entities, one per distinct (entity, name, rule). */
function mergesOf(resolved: ReturnType<typeof resolveMentions>, flat: { mention: Mention }[]): ResolutionMerge[] {
  const merges = new Map<string, ResolutionMerge>();
  for (const entity of resolved) {
    for (const { mention, explanation } of entity.members) {
      if (explanation.rule === 'first' || explanation.rule === 'normalised') continue;
      const name = flat[mention]?.mention.text ?? '';
      const merge = { type: entity.type, name, joined: explanation.matched, rule: explanation.rule, score: Math.round(explanation.score * 1000) / 1000 };
      merges.set(`${entity.type}\u0000${name}\u0000${merge.joined}\u0000${merge.rule}`, merge);
    }
  }
  return [...merges.values()];
}
