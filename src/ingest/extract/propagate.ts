/** @module Document-level label voting: lists share a label, acronyms take their expansion's, a name keeps its strongest label. */
import type { NerLabel } from '../schema.js';
import * as lexicon from './lexicon.js';
import type { Token } from './tokens.js';

/** A classified capitalised span (token indexes, inclusive). */
export interface FoundSpan {
  first: number;
  last: number;
  label: NerLabel;
  confidence: number;
  rule: string;
}

// Rules too weak to vote in a list, or to resist a list's label.
const weakRules = new Set(['ner:lone-capitalised', 'ner:capitalised', 'ner:name-shape', 'ner:place-preposition', 'ner:work-year']);
const isWeak = (span: FoundSpan): boolean => weakRules.has(span.rule) || span.confidence < 0.6;

/**
 * Settles labels across the text: coordinated names share the label of the list's strong members ("Everton,
 * Chelsea FC and Málaga"); an acronym in brackets after a name takes that name's label ("European Economic Community
 * ( EEC )"); a single word of a person's full name is that person; the same surface keeps its strongest label.
 * Lone capitalised words that no rule claimed are dropped.
 */
export function propagate(text: string, tokens: Token[], found: FoundSpan[]): FoundSpan[] {
  const surfaceOf = (span: FoundSpan): string => text.slice(tokens[span.first]!.start, tokens[span.last]!.end);
  lists(tokens, found);
  acronyms(tokens, found, surfaceOf);

  // A name's parts refer to the person ("Barack Obama … Obama").
  const personParts = new Set<string>();
  for (const span of found)
    if (span.label === 'person' && span.last > span.first)
      for (let t = span.first; t <= span.last; t++) if (tokens[t]!.capitalised && !lexicon.personTitles.has(tokens[t]!.text)) personParts.add(tokens[t]!.text);
  const bySurface = new Map<string, FoundSpan>();
  for (const span of found) {
    const surface = surfaceOf(span);
    const best = bySurface.get(surface);
    if (!best || span.confidence > best.confidence) bySurface.set(surface, span);
  }
  const settled: FoundSpan[] = [];
  for (const span of found) {
    const strongest = bySurface.get(surfaceOf(span))!;
    let { label, confidence, rule } = span;
    if (span.first === span.last && personParts.has(surfaceOf(span)) && span.confidence < 0.8) {
      [label, confidence, rule] = ['person', 0.75, 'ner:partial-name'];
    } else if (strongest.confidence > span.confidence) {
      [label, confidence, rule] = [strongest.label, strongest.confidence * 0.95, 'ner:same-name'];
    }
    if (rule !== 'ner:lone-capitalised') settled.push({ first: span.first, last: span.last, label, confidence, rule });
  }
  return settled;
}

/** Coordinated names ("A, B, C and D" in one sentence) take the label most of their strong members have. */
function lists(tokens: Token[], found: FoundSpan[]): void {
  let start = 0;
  for (let i = 1; i <= found.length; i++) {
    const previous = found[i - 1]!;
    const current = found[i];
    if (current && coordinated(tokens, previous.last, current.first)) continue;
    vote(found.slice(start, i));
    start = i;
  }
}

function coordinated(tokens: Token[], last: number, first: number): boolean {
  if (tokens[last]!.sentence !== tokens[first]!.sentence) return false;
  const between = tokens.slice(last + 1, first).map((token) => token.text.toLowerCase());
  return (
    between.length >= 1 &&
    between.length <= 2 &&
    between.every((word, index) => word === ',' || ((word === 'and' || word === 'or' || word === '&') && index === between.length - 1))
  );
}

function vote(members: FoundSpan[]): void {
  if (members.length < 2) return;
  const votes = new Map<NerLabel, number>();
  for (const member of members) if (!isWeak(member)) votes.set(member.label, (votes.get(member.label) ?? 0) + 1);
  const ranked = [...votes].sort((a, b) => b[1] - a[1]);
  if (ranked.length === 0 || (ranked[1] && ranked[1][1] === ranked[0]![1])) return;
  const [label] = ranked[0]!;
  for (const member of members)
    if (isWeak(member)) {
      member.label = label;
      member.confidence = 0.6;
      member.rule = 'ner:list';
    }
}

/** "Long Name ( LN )": the acronym takes the name's label; after lower-case words ("census place ( CDP )") it is no name. */
function acronyms(tokens: Token[], found: FoundSpan[], surfaceOf: (span: FoundSpan) => string): void {
  for (let i = 0; i < found.length; i++) {
    const span = found[i]!;
    if (span.first !== span.last || tokens[span.first - 1]?.text !== '(' || tokens[span.last + 1]?.text !== ')') continue;
    const letters = surfaceOf(span).replace(/\./g, '');
    if (!/^\p{Lu}{2,8}$/u.test(letters)) continue;
    const expansion = found[i - 1];
    if (expansion && expansion.last === span.first - 2 && initialsOf(tokens, expansion.first, expansion.last).includes(letters)) {
      // A name introduced with its own acronym and no other cue is most often an organisation ("European Economic Community ( EEC )").
      if (isWeak(expansion)) [expansion.label, expansion.confidence, expansion.rule] = ['organization', 0.6, 'ner:acronym-expansion'];
      [span.label, span.confidence, span.rule] = [expansion.label, Math.max(span.confidence, expansion.confidence * 0.95), 'ner:acronym-of'];
      continue;
    }
    // Lower-case words right before the bracket whose initials spell the acronym: an abbreviation of a common noun.
    const words: string[] = [];
    for (let t = span.first - 2; t >= 0 && words.length < letters.length && tokens[t]!.word; t--) words.unshift(tokens[t]!.text);
    if (words.length === letters.length && words.every((word) => !/^\p{Lu}/u.test(word)) && words.map((word) => word[0]!.toUpperCase()).join('') === letters)
      [span.label, span.confidence, span.rule] = ['misc', 0.3, 'ner:lone-capitalised'];
  }
}

/** Initials of a span's words, with and without its connectors ("Bank of America" → "BOA", "BA"). */
function initialsOf(tokens: Token[], first: number, last: number): string[] {
  const words = tokens.slice(first, last + 1).filter((token) => token.word);
  const all = words.map((token) => token.text[0]!.toUpperCase()).join('');
  const capitals = words
    .filter((token) => token.capitalised)
    .map((token) => token.text[0])
    .join('');
  return [all, capitals];
}
