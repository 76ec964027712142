/** @module The built-in extraction as a pure function: chunk texts + a compiled schema in, mentions and relations out. */
import type { Extraction, Mention, RelationDraft } from '../types.js';
import type { ExtractionSchema, NerLabel, RelationTypeDef } from '../schema.js';
import { buildAutomaton, findAll, type Automaton } from './aho-corasick.js';
import { recognise } from './recognise.js';
import { sentenceSpans, tokenize, type Token } from './tokens.js';

/** A schema made ready for matching: regexes built, gazetteers in automata. Build once per worker. */
export interface CompiledSchema {
  schema: ExtractionSchema;
  patterns: { type: string; name: string; regex: RegExp; group: number; confidence: number }[];
  gazetteers: { automaton: Automaton; entries: { type: string; name: string }[] }[];
  nerTypes: Map<NerLabel, string>;
  relations: { def: RelationTypeDef; patterns: { name: string; regex: RegExp; reverse: boolean; confidence: number }[] }[];
  cooccurrence: RelationTypeDef | undefined;
}

/** Compiles a validated schema (see `parseSchema`). */
export function compileSchema(schema: ExtractionSchema): CompiledSchema {
  const patterns: CompiledSchema['patterns'] = [];
  const nerTypes = new Map<NerLabel, string>();
  const exact: { type: string; name: string; surface: string }[] = [];
  const folded: { type: string; name: string; surface: string }[] = [];
  for (const type of schema.entityTypes) {
    for (const label of type.ner) nerTypes.set(label, type.name);
    for (const pattern of type.patterns)
      patterns.push({
        type: type.name,
        name: pattern.name,
        regex: new RegExp(pattern.regex, `${pattern.flags.replace(/[gy]/g, '')}g`),
        group: pattern.group,
        confidence: pattern.confidence,
      });
    for (const entry of type.gazetteer)
      for (const surface of [entry.name, ...entry.aliases]) (type.gazetteerIgnoreCase ? folded : exact).push({ type: type.name, name: entry.name, surface });
  }
  const gazetteers = [
    { list: exact, ignoreCase: false },
    { list: folded, ignoreCase: true },
  ]
    .filter(({ list }) => list.length > 0)
    .map(({ list, ignoreCase }) => ({
      automaton: buildAutomaton(
        list.map((entry) => entry.surface),
        ignoreCase,
      ),
      entries: list.map(({ type, name }) => ({ type, name })),
    }));
  const relations = schema.relationTypes
    .filter((def) => def.patterns.length > 0)
    .map((def) => ({
      def,
      patterns: def.patterns.map((pattern) => ({
        name: pattern.name,
        regex: new RegExp(`^(?:${pattern.between})$`, pattern.flags.replace(/[gy]/g, '')),
        reverse: pattern.reverse,
        confidence: pattern.confidence,
      })),
    }));
  const cooccurrence = schema.relationTypes.find((def) => def.cooccurrence);
  return { schema, patterns, gazetteers, nerTypes, relations, cooccurrence };
}

const wordCharacter = /[\p{L}\p{N}]/u;

/** Candidates in priority order: gazetteer (2) over pattern (1) over recogniser (0); longer wins within a rank. */
interface Candidate extends Mention {
  rank: number;
}

/**
 * Extracts mentions and relations from the chunks of one document, in order. Pure and deterministic: the same texts
 * and schema always give the same result, so it runs the same inline and in a worker.
 */
export function extractTexts(texts: readonly string[], compiled: CompiledSchema): Extraction[] {
  const known = new Map<string, NerLabel>();
  return texts.map((text) => extractText(text, compiled, known));
}

function extractText(text: string, compiled: CompiledSchema, known: Map<string, NerLabel>): Extraction {
  const candidates: Candidate[] = [];
  for (const { automaton, entries } of compiled.gazetteers) {
    for (const match of findAll(automaton, text)) {
      // Whole words only: "Acme" must not match inside "Acmeville".
      if (wordCharacter.test(text[match.start - 1] ?? '') || wordCharacter.test(text[match.end] ?? '')) continue;
      const entry = entries[match.pattern]!;
      candidates.push({
        type: entry.type,
        text: text.slice(match.start, match.end),
        start: match.start,
        end: match.end,
        confidence: 0.95,
        rule: `gazetteer:${entry.name}`,
        rank: 2,
      });
    }
  }
  for (const pattern of compiled.patterns) {
    pattern.regex.lastIndex = 0;
    for (const match of text.matchAll(pattern.regex)) {
      const value = match[pattern.group];
      if (!value) continue;
      const start = match.index + (pattern.group === 0 ? 0 : match[0].indexOf(value));
      const end = start + value.length;
      candidates.push({ type: pattern.type, text: value, start, end, confidence: pattern.confidence, rule: `pattern:${pattern.name}`, rank: 1 });
    }
  }
  const tokens = tokenize(text);
  for (const span of recognise(text, known, tokens)) {
    const type = compiled.nerTypes.get(span.label);
    if (!type) continue;
    candidates.push({ type, text: text.slice(span.start, span.end), start: span.start, end: span.end, confidence: span.confidence, rule: span.rule, rank: 0 });
  }
  candidates.sort((a, b) => b.rank - a.rank || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const occupied: [number, number][] = [];
  const mentions: Mention[] = [];
  for (const candidate of candidates) {
    if (occupied.some(([start, end]) => candidate.start < end && start < candidate.end)) continue;
    occupied.push([candidate.start, candidate.end]);
    const { rank: _rank, ...mention } = candidate;
    mentions.push(mention);
  }
  mentions.sort((a, b) => a.start - b.start);
  return { mentions, relations: relate(text, tokens, mentions, compiled) };
}

/** Pattern relations between neighbouring mentions of a sentence, then weighted co-occurrence between entities. */
function relate(text: string, tokens: Token[], mentions: Mention[], compiled: CompiledSchema): RelationDraft[] {
  const sentences = sentenceSpans(tokens);
  const sentenceOf = (offset: number): number => {
    let low = 0;
    let high = sentences.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((sentences[middle]?.start ?? Infinity) <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  };
  const sentenceIndex = mentions.map((mention) => sentenceOf(mention.start));
  const relations: RelationDraft[] = [];
  for (let i = 0; i + 1 < mentions.length; i++) {
    // Only a few following mentions of the same sentence: stated relations sit close together.
    for (let j = i + 1; j < mentions.length && j <= i + 3 && sentenceIndex[j] === sentenceIndex[i]; j++) {
      const between = text.slice(mentions[i]!.end, mentions[j]!.start);
      if (between.length > 80) break;
      for (const { def, patterns } of compiled.relations) {
        for (const pattern of patterns) {
          const [from, to] = pattern.reverse ? [j, i] : [i, j];
          if (def.from.length > 0 && !def.from.includes(mentions[from]!.type)) continue;
          if (def.to.length > 0 && !def.to.includes(mentions[to]!.type)) continue;
          if (!pattern.regex.test(between)) continue;
          const sentence = sentences[sentenceIndex[i]!]!;
          relations.push({
            type: def.name,
            from,
            to,
            confidence: pattern.confidence,
            rule: `pattern:${pattern.name}`,
            start: sentence.start,
            end: sentence.end,
          });
        }
      }
    }
  }
  const cooccurrence = compiled.cooccurrence;
  if (!cooccurrence?.cooccurrence) return relations;
  const { sentences: window, confidence } = cooccurrence.cooccurrence;
  // One relation per pair of distinct names, at their closest pair of mentions. The cap: only names whose closest
  // mentions are fewer than `window` sentences apart (0 = anywhere in the chunk), so a chunk naming 30 things does not
  // give 435 pairs. The weight counts the pairs of their mentions within that window.
  const firstByKey = new Map<string, number[]>();
  mentions.forEach((mention, index) => {
    const key = `${mention.type}\u0000${mention.text.toLowerCase()}`;
    const list = firstByKey.get(key);
    if (list) list.push(index);
    else firstByKey.set(key, [index]);
  });
  const groups = [...firstByKey.values()];
  for (let a = 0; a < groups.length; a++) {
    for (let b = a + 1; b < groups.length; b++) {
      let best: [number, number, number] | undefined;
      let weight = 0;
      for (const i of groups[a]!)
        for (const j of groups[b]!) {
          const distance = Math.abs(sentenceIndex[i]! - sentenceIndex[j]!);
          if (window === 0 || distance < window) weight++;
          if (!best || distance < best[2]) best = [i, j, distance];
        }
      if (!best || weight === 0) continue;
      const [i, j, distance] = best;
      const [from, to] = i < j ? [i, j] : [j, i];
      const span = { start: sentences[sentenceIndex[from]!]!.start, end: sentences[sentenceIndex[to]!]!.end };
      relations.push({
        type: cooccurrence.name,
        from,
        to,
        confidence: Math.round((confidence / (1 + distance)) * 1000) / 1000,
        rule: distance === 0 ? 'cooccurrence:sentence' : 'cooccurrence:passage',
        ...span,
        properties: { weight, sentenceDistance: distance },
      });
    }
  }
  return relations;
}
