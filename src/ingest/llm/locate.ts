/** @module Turns the model's answer into mentions and relations with exact offsets in the chunk; nothing not found in the text is kept. */
import type { Extraction, Mention, RelationDraft } from '../types.js';
import type { Answer } from './answer-schema.js';
import { endAllows, statedRelationTypes, type LlmExtractionSchema } from './schema-shape.js';

/** What grounding dropped: answer parts that could not be tied to the text. */
export interface Unsupported {
  /** Mention texts (and entities without a locatable mention) not found in the chunk. */
  mentions: number;
  /** Relations whose ends were not found, named no listed entity, or broke the type's from/to restriction. */
  relations: number;
}

/** Confidence of a mention found with the model's exact casing, and of one found only ignoring case. */
const exactConfidence = 0.8;
const caselessConfidence = 0.6;
const relationConfidence = 0.7;

/**
 * Grounds an answer in the chunk text. Each mention text is located case-sensitively first, then ignoring case
 * (occurrences on word boundaries preferred); every occurrence becomes a mention. Relations join the nearest pair
 * of their ends' mentions; their span is the located evidence text, else the sentence(s) holding both mentions.
 */
export function groundAnswer(answer: Answer, text: string, schema: LlmExtractionSchema): { extraction: Extraction; unsupported: Unsupported } {
  const unsupported: Unsupported = { mentions: 0, relations: 0 };
  const entityTypes = new Set(schema.entityTypes.map((type) => type.name));
  const mentions: Mention[] = [];
  const byKey = new Map<string, number>();
  /** Mention indexes of each answer entity, by the entity's position in the answer. */
  const entityMentions: number[][] = [];

  for (const entity of answer.entities) {
    const found: number[] = [];
    if (entityTypes.has(entity.type)) {
      const texts = entity.mentions.length > 0 ? entity.mentions.map((mention) => mention.text) : [entity.name];
      for (const mentionText of new Set(texts)) {
        const spans = locateAll(text, mentionText);
        if (spans.length === 0) {
          unsupported.mentions += 1;
          continue;
        }
        for (const span of spans) {
          const key = `${entity.type}\u0000${span.start}\u0000${span.end}`;
          let index = byKey.get(key);
          if (index === undefined) {
            index = mentions.length;
            byKey.set(key, index);
            mentions.push({
              type: entity.type,
              text: text.slice(span.start, span.end),
              start: span.start,
              end: span.end,
              confidence: span.exact ? exactConfidence : caselessConfidence,
              rule: 'llm',
            });
          }
          if (!found.includes(index)) found.push(index);
        }
      }
    } else {
      unsupported.mentions += 1;
    }
    entityMentions.push(found);
  }

  const relations: RelationDraft[] = [];
  const seen = new Set<string>();
  const relationTypes = new Map(statedRelationTypes(schema).map((type) => [type.name, type]));
  for (const relation of answer.relations ?? []) {
    const type = relationTypes.get(relation.type);
    const fromEntity = findEntity(answer, relation.from);
    const toEntity = findEntity(answer, relation.to);
    const fromMentions = fromEntity === undefined ? [] : (entityMentions[fromEntity] ?? []);
    const toMentions = toEntity === undefined ? [] : (entityMentions[toEntity] ?? []);
    const endsAllowed =
      type !== undefined &&
      fromEntity !== undefined &&
      toEntity !== undefined &&
      endAllows(type.from, answer.entities[fromEntity]!.type) &&
      endAllows(type.to, answer.entities[toEntity]!.type);
    if (!endsAllowed || fromMentions.length === 0 || toMentions.length === 0) {
      unsupported.relations += 1;
      continue;
    }
    const evidence = relation.evidence.trim() === '' ? [] : locateAll(text, relation.evidence.trim());
    const pair = nearestPair(fromMentions, toMentions, mentions, evidence[0]);
    if (pair === undefined) {
      unsupported.relations += 1;
      continue;
    }
    const [from, to] = pair;
    const left = Math.min(mentions[from]!.start, mentions[to]!.start);
    const right = Math.max(mentions[from]!.end, mentions[to]!.end);
    const inside = evidence.find((span) => span.start <= left && span.end >= right) ?? evidence[0];
    const span = inside ?? sentenceSpan(text, left, right);
    const key = `${relation.type}\u0000${from}\u0000${to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    relations.push({ type: relation.type, from, to, confidence: relationConfidence, rule: 'llm', start: span.start, end: span.end });
  }
  return { extraction: { mentions, relations }, unsupported };
}

interface Span {
  start: number;
  end: number;
  exact: boolean;
}

/** Every occurrence of `needle` in `text`: exact case first; only when there is none, ignoring case. Word-bounded occurrences win. */
export function locateAll(text: string, needle: string): Span[] {
  if (needle.length === 0) return [];
  for (const exact of [true, false]) {
    const haystack = exact ? text : text.toLowerCase();
    const target = exact ? needle : needle.toLowerCase();
    // toLowerCase can change lengths for a few characters; offsets are only trusted when it does not.
    if (!exact && (haystack.length !== text.length || target.length !== needle.length)) return [];
    const spans: Span[] = [];
    for (let at = haystack.indexOf(target); at !== -1; at = haystack.indexOf(target, at + 1)) {
      spans.push({ start: at, end: at + target.length, exact });
    }
    if (spans.length > 0) {
      const bounded = spans.filter((span) => isWordBoundary(text, span.start - 1, span.start) && isWordBoundary(text, span.end - 1, span.end));
      return bounded.length > 0 ? bounded : spans;
    }
  }
  return [];
}

const wordCharacter = /[\p{L}\p{N}_]/u;

function isWordBoundary(text: string, before: number, after: number): boolean {
  const a = before >= 0 ? text[before] : undefined;
  const b = after < text.length ? text[after] : undefined;
  return a === undefined || b === undefined || !(wordCharacter.test(a) && wordCharacter.test(b));
}

/** The answer entity a relation end names: by exact name, then ignoring case, then as an index. */
function findEntity(answer: Answer, reference: string): number | undefined {
  const exact = answer.entities.findIndex((entity) => entity.name === reference);
  if (exact !== -1) return exact;
  const lower = reference.toLowerCase();
  const caseless = answer.entities.findIndex((entity) => entity.name.toLowerCase() === lower);
  if (caseless !== -1) return caseless;
  if (/^\d+$/.test(reference.trim())) {
    const index = Number(reference.trim());
    if (index < answer.entities.length) return index;
  }
  return undefined;
}

/** The pair of distinct mentions closest together, preferring pairs inside the evidence span. */
function nearestPair(fromMentions: number[], toMentions: number[], mentions: Mention[], evidence: Span | undefined): [number, number] | undefined {
  let best: [number, number] | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const from of fromMentions) {
    for (const to of toMentions) {
      if (from === to) continue;
      const a = mentions[from]!;
      const b = mentions[to]!;
      const outside = evidence !== undefined && !(Math.min(a.start, b.start) >= evidence.start && Math.max(a.end, b.end) <= evidence.end);
      const score = Math.abs(a.start - b.start) + (outside ? 1e9 : 0);
      if (score < bestScore) {
        bestScore = score;
        best = [from, to];
      }
    }
  }
  return best;
}

/** From the start of the sentence holding `left` to the end of the sentence holding `right`. */
export function sentenceSpan(text: string, left: number, right: number): { start: number; end: number } {
  let start = left;
  while (start > 0 && !/[.!?\n]/.test(text[start - 1]!)) start -= 1;
  while (start < left && /\s/.test(text[start]!)) start += 1;
  let end = right;
  while (end < text.length && !/[.!?\n]/.test(text[end]!)) end += 1;
  if (end < text.length && text[end] !== '\n') end += 1;
  return { start, end };
}
