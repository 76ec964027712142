/** @module The built-in named-entity recogniser: capitalisation, context cues, hand-written lexicons and document-level propagation. */
import type { NerLabel } from '../schema.js';
import { classify, isKnownName } from './classify.js';
import * as lexicon from './lexicon.js';
import { tokenize, type Token } from './tokens.js';

/** A span the recogniser labelled, with offsets in the text. */
export interface RecognisedSpan {
  label: NerLabel;
  start: number;
  end: number;
  confidence: number;
  /** The cue that decided the label, e.g. "ner:title", "ner:gazetteer-country". */
  rule: string;
}

const monthNames = [...lexicon.months].map((month) => month.replace('.', '\\.')).join('|');
const day = '\\d{1,2}(?:st|nd|rd|th)?';
const year = '\\d{3,4}';
// Dates with a month name; each alternative needs a day or a year so a bare "May" stays a word.
const monthDate = new RegExp(
  `\\b(?:${day}\\s+(?:of\\s+)?(?:${monthNames})(?:\\s*,?\\s*${year})?|(?:${monthNames})\\s+${day}(?:\\s*,\\s*${year})?(?!\\d)|(?:${monthNames})\\s*,?\\s+${year})\\b`,
  'g',
);
const decade = /\b(?:1[0-9]|20)?\d0s\b/g;
const yearPattern = /(?<![\p{N}.,$€£¥-])(?:1[0-9]{3}|20[0-9]{2})(?![\p{N}%]|[.,]\p{N}|\s?(?:km|m|kg|%|percent))/gu;
const money =
  /(?:[$€£¥]\s?\p{N}[\p{N},.]*(?:\s?(?:thousand|million|billion|trillion|bn|m|k)\b)?|\b\p{N}[\p{N},.]*\s?(?:thousand\s|million\s|billion\s)?(?:dollars|euros|pounds|yen|francs|marks|rupees|USD|EUR|GBP)\b)/gu;
const cardinal = new Set(
  'two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion dozen'.split(
    ' ',
  ),
);

/** Recognises entities in one text; `known` carries names already labelled in earlier chunks of the document. */
export function recognise(text: string, known: Map<string, NerLabel> = new Map()): RecognisedSpan[] {
  const tokens = tokenize(text);
  const spans: RecognisedSpan[] = [];
  const taken = new Uint8Array(tokens.length);
  const tokenAt = new Map<number, number>();
  tokens.forEach((token, index) => tokenAt.set(token.start, index));
  const take = (start: number, end: number, label: NerLabel, confidence: number, rule: string): void => {
    let first = tokenAt.get(start);
    if (first === undefined) return;
    for (let i = first; i < tokens.length && tokens[i]!.start < end; i++) if (taken[i]) return;
    for (let i = first; i < tokens.length && tokens[i]!.start < end; i++) taken[i] = 1;
    spans.push({ label, start, end, confidence, rule });
    first = undefined;
  };

  for (const match of text.matchAll(money)) take(match.index, match.index + match[0].length, 'money', 0.9, 'ner:money');
  for (const match of text.matchAll(monthDate)) take(match.index, match.index + match[0].length, 'date', 0.9, 'ner:date');
  for (const match of text.matchAll(decade)) take(match.index, match.index + match[0].length, 'date', 0.85, 'ner:decade');
  numbers(tokens, taken, take);
  for (const match of text.matchAll(yearPattern)) take(match.index, match.index + match[0].length, 'date', 0.8, 'ner:year');
  names(text, tokens, taken, known, take);
  return spans.sort((a, b) => a.start - b.start);
}

type Take = (start: number, end: number, label: NerLabel, confidence: number, rule: string) => void;

/** Quantities ("two", "500,000", "45 %") and durations ("four years", which are dates). */
function numbers(tokens: Token[], taken: Uint8Array, take: Take): void {
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const lower = token.text.toLowerCase();
    const isCardinal = cardinal.has(lower) || /^(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-\w+$/.test(lower);
    const isYearLike = /^(?:1[0-9]{3}|20[0-9]{2})$/.test(token.text);
    if (taken[i] || !(isCardinal || (token.number && !isYearLike))) continue;
    let last = i;
    while (tokens[last + 1] && /^(?:hundred|thousand|million|billion|trillion)$/i.test(tokens[last + 1]!.text)) last++;
    const unit = tokens[last + 1];
    if (unit && lexicon.durationUnits.has(unit.text.toLowerCase())) {
      take(token.start, unit.end, 'date', 0.75, 'ner:duration');
      continue;
    }
    if (unit && (unit.text === '%' || unit.text.toLowerCase() === 'percent')) last++;
    take(token.start, tokens[last]!.end, 'quantity', isCardinal ? 0.7 : 0.75, 'ner:number');
  }
}

const isNameToken = (token: Token | undefined): boolean => token !== undefined && token.word && (token.capitalised || /^\p{Lu}/u.test(token.text));

/** Capitalised spans, classified by lexicons and context, then propagated through the document. */
function names(text: string, tokens: Token[], taken: Uint8Array, known: Map<string, NerLabel>, take: Take): void {
  // Words seen in lower case somewhere in the text are common words when capitalised at a sentence start.
  const lowerVocabulary = new Set<string>();
  for (const token of tokens) if (token.word && !token.capitalised) lowerVocabulary.add(token.text);

  const found: { first: number; last: number; label: NerLabel; confidence: number; rule: string }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (taken[i] || !isNameToken(tokens[i])) continue;
    // Grow the span over capitalised words, connectors between them ("Bank of America") and a short trailing number.
    let last = i;
    for (;;) {
      const next = tokens[last + 1];
      if (next && !taken[last + 1] && isNameToken(next) && next.sentence === tokens[i]!.sentence) last++;
      else if (
        next &&
        lexicon.nameConnectors.has(next.text) &&
        isNameToken(tokens[last + 2]) &&
        !taken[last + 2] &&
        !lexicon.commonCapitalised.has(tokens[last + 2]!.text)
      )
        last += 2;
      else if (next && next.number && next.text.length <= 3 && last > i - 1 && !taken[last + 1] && /\d$/.test(next.text)) last++;
      else break;
    }
    let first = i;
    // Leading function words and titles are not part of the name ("The", "In", "President").
    let title: string | undefined;
    while (first <= last) {
      const token = tokens[first]!;
      const whole = spanText(text, tokens, first, last);
      if (isKnownName(whole)) break;
      if (lexicon.personTitles.has(token.text) && first < last) {
        title = token.text;
        // Short honorifics (Dr., Mrs.) are how the name is written; office titles (President) are not.
        if (/^(?:Mr|Mrs|Ms|Dr|Prof|Sir|Dame)\.?$/.test(token.text)) break;
        first++;
        continue;
      }
      const common =
        lexicon.commonCapitalised.has(token.text) ||
        lexicon.weekdays.has(token.text) ||
        (token.sentenceStart && lowerVocabulary.has(token.text.toLowerCase()) && !lexicon.givenNames.has(token.text));
      if (!common) break;
      first++;
    }
    while (last >= first && lexicon.nameConnectors.has(tokens[last]!.text)) last--;
    if (first > last) {
      i = Math.max(i, last);
      continue;
    }
    const verdict = classify({ text, tokens, first, last, title, known, lowerVocabulary });
    if (verdict) found.push({ first, last, ...verdict });
    i = last;
  }

  // Document-level propagation: a name's parts refer to the person ("Barack Obama … Obama").
  const personParts = new Map<string, NerLabel>();
  for (const span of found)
    if (span.label === 'person' && span.last > span.first)
      for (let t = span.first; t <= span.last; t++)
        if (tokens[t]!.capitalised && !lexicon.personTitles.has(tokens[t]!.text)) personParts.set(tokens[t]!.text, 'person');
  const bySurface = new Map<string, { label: NerLabel; confidence: number }>();
  for (const span of found) {
    const surface = spanText(text, tokens, span.first, span.last);
    const best = bySurface.get(surface);
    if (!best || span.confidence > best.confidence) bySurface.set(surface, span);
  }
  for (const span of found) {
    const surface = spanText(text, tokens, span.first, span.last);
    const strongest = bySurface.get(surface)!;
    let { label, confidence, rule } = span;
    if (span.first === span.last && personParts.has(surface) && span.confidence < 0.8) {
      [label, confidence, rule] = ['person', 0.75, 'ner:partial-name'];
    } else if (strongest.confidence > span.confidence) {
      [label, confidence, rule] = [strongest.label, strongest.confidence * 0.95, 'ner:same-name'];
    }
    if (rule === 'ner:lone-capitalised') continue;
    known.set(surface, label);
    // English writes some countries with the article, and it is part of how they are named ("the United States").
    const article = tokens[span.first - 1];
    const withArticle = article && /^the$/i.test(article.text) && lexicon.countriesWithArticle.has(surface);
    take(withArticle ? article.start : tokens[span.first]!.start, tokens[span.last]!.end, label, confidence, rule);
  }
}

function spanText(text: string, tokens: Token[], first: number, last: number): string {
  return text.slice(tokens[first]!.start, tokens[last]!.end);
}
