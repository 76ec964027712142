/** @module The built-in named-entity recogniser: capitalisation, context cues, hand-written lexicons and document-level propagation. */
import type { NerLabel } from '../schema.js';
import { classify, isKnownName } from './classify.js';
import * as lexicon from './lexicon.js';
import { propagate, type FoundSpan } from './propagate.js';
import { quotedTitles } from './quoted.js';
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

/**
 * Recognises entities in one text; `known` carries names already labelled in earlier chunks of the document, and
 * `tokens` may be given when the caller has tokenised the text already.
 */
export function recognise(text: string, known: Map<string, NerLabel> = new Map(), tokens: Token[] = tokenize(text)): RecognisedSpan[] {
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

  for (const [first, last] of quotedTitles(tokens)) {
    known.set(text.slice(tokens[first]!.start, tokens[last]!.end), 'misc');
    take(tokens[first]!.start, tokens[last]!.end, 'misc', 0.7, 'ner:quoted-title');
  }
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

  const found: FoundSpan[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (taken[i] || !isNameToken(tokens[i])) continue;
    let last = grow(text, tokens, taken, i);
    let first = i;
    // Leading function words and titles are not part of the name ("The", "In", "President").
    let title: string | undefined;
    while (first <= last) {
      const token = tokens[first]!;
      const whole = spanText(text, tokens, first, last);
      if (isKnownName(whole)) break;
      // "Miss" before a place or "World" names a beauty pageant, not a woman ("Miss Universe", "Miss Brazil").
      if (token.text === 'Miss' && first < last && (isKnownName(spanText(text, tokens, first + 1, last)) || pageants.has(tokens[last]!.text))) break;
      // A title opening an institution's name is part of it ("Premier League", "Queen Elizabeth Hospital").
      if (lexicon.personTitles.has(token.text) && first < last && !isHeadWord(tokens[last]!.text)) {
        title = token.text;
        // Titles and honorifics (President, Dr., Sir) are cues, not part of the name: the usual NER convention.
        first++;
        continue;
      }
      // Offices before "of" or another office word are not names: "Chief Executive Officer of Acme", "Member of Parliament".
      const following = tokens[first + 1]?.text ?? '';
      if (
        first < last &&
        lexicon.officeWords.has(token.text) &&
        (lexicon.officeWords.has(following) || lexicon.personTitles.has(following) || /^(?:of|for|to)$/.test(following))
      ) {
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
    // A known name followed by offices is the name ("CIA Acting Deputy Director"); the offices are no name.
    const grown = last;
    for (let cut = last; cut > first && (lexicon.officeWords.has(tokens[cut]!.text) || lexicon.personTitles.has(tokens[cut]!.text)); cut--)
      if (isKnownName(spanText(text, tokens, first, cut - 1))) {
        last = cut - 1;
        break;
      }
    while (first <= last && !isNameToken(tokens[first])) first++;
    while (last >= first && lexicon.nameConnectors.has(tokens[last]!.text)) last--;
    if (first > last) {
      i = Math.max(i, last);
      continue;
    }
    const verdict = classify({ text, tokens, first, last, title, known, lowerVocabulary });
    // A capital "The" inside a sentence belongs to the title of a work or a group ("with The Agitation").
    const article = tokens[first - 1];
    const titled = article?.text === 'The' && !article.sentenceStart && first - 1 >= i && verdict && (verdict.label === 'misc' || verdict.label === 'event');
    if (verdict) found.push({ first: titled ? first - 1 : first, last, ...verdict });
    i = Math.max(i, last, grown);
  }

  for (const { first, last, label, confidence, rule } of propagate(text, tokens, found)) {
    const surface = spanText(text, tokens, first, last);
    known.set(surface, label);
    // English writes some countries with the article, and it is part of how they are named ("the United States").
    const article = tokens[first - 1];
    const withArticle = article && /^the$/i.test(article.text) && lexicon.countriesWithArticle.has(surface);
    take(withArticle ? article.start : tokens[first]!.start, tokens[last]!.end, label, confidence, rule);
  }
}

const quotes = new Set(['"', '“', '”']);
const corporateSuffixes = new Set(['Inc.', 'Inc', 'Ltd.', 'Ltd', 'LLC', 'Corp.', 'Co.', 'plc', 'PLC', 'S.A.', 'GmbH', 'AG', 'N.V.', 'B.V.', 'LLP', 'Limited']);
// Words that take "of the" inside a name: "Church of the East", "Battle of the Bulge", "Order of the Red Star".
const isHeadWord = (word: string): boolean =>
  lexicon.organizationWords.has(word) || lexicon.placeWords.has(word) || lexicon.polityWords.has(word) || lexicon.eventWords.has(word);
const pageants = new Set(['World', 'Universe', 'Earth', 'International', 'Supranational', 'Grand', 'America', 'USA']);
const isCalendarOrCommon = (word: string): boolean => lexicon.commonCapitalised.has(word) || lexicon.weekdays.has(word) || lexicon.months.has(word);
const isKnownWord = (word: string): boolean => isKnownName(word) || lexicon.demonyms.has(word);

/**
 * The last token of the name starting at `first`: capitalised words, connectors between them ("Bank of America"), a
 * short trailing number ("Apollo 11"), a hyphen between names ("Burne - Jones", but not "German - Jewish"), a
 * nickname in quotes ("Wilfried " Willi " Schneider"), ", Inc." and the like, and "and" inside an organisation's
 * name ("Fish and Wildlife Service").
 */
function grow(text: string, tokens: Token[], taken: Uint8Array, first: number): number {
  const sentence = tokens[first]!.sentence;
  const free = (index: number): boolean => index < tokens.length && !taken[index] && tokens[index]!.sentence === sentence;
  let last = first;
  for (;;) {
    const next = tokens[last + 1];
    if (!next || !free(last + 1)) break;
    // A company's suffix with its full stop ends the name: "… formalised by Acme Inc. Widgets are …".
    if (last > first && tokens[last]!.text.endsWith('.') && corporateSuffixes.has(tokens[last]!.text) && isNameToken(next) && !corporateSuffixes.has(next.text))
      break;
    if (isNameToken(next)) last++;
    else if (lexicon.nameConnectors.has(next.text) && free(last + 2) && isNameToken(tokens[last + 2]) && !isCalendarOrCommon(tokens[last + 2]!.text)) last += 2;
    else if (next.text === 'of' && tokens[last + 2]?.text === 'the' && free(last + 3) && isNameToken(tokens[last + 3]) && isHeadWord(tokens[last]!.text))
      last += 3;
    else if (next.number && next.text.length <= 3 && /\d$/.test(next.text)) last++;
    else if ((next.text === '-' || next.text === '–') && next.start === tokens[last]!.end + 1 && free(last + 2) && isNameToken(tokens[last + 2])) {
      if (isKnownWord(tokens[last]!.text) || isKnownWord(tokens[last + 2]!.text)) break;
      last += 2;
    } else if (
      quotes.has(next.text) &&
      isNameToken(tokens[last + 2]) &&
      quotes.has(tokens[last + 3]?.text ?? '') &&
      isNameToken(tokens[last + 4]) &&
      free(last + 4)
    )
      last += 4;
    else if (next.text === ',' && corporateSuffixes.has(tokens[last + 2]?.text ?? '') && free(last + 2)) last += 2;
    else if (next.text === 'and' && free(last + 2) && isNameToken(tokens[last + 2])) {
      let end = last + 2;
      while (free(end + 1) && isNameToken(tokens[end + 1])) end++;
      // Only a short tail that completes an organisation's name ("Fish and Wildlife Service"), not a second one.
      const words = tokens.slice(first, last + 1).map((token) => token.text);
      const completes =
        end === last + 3 &&
        tokens[first - 1]?.text !== ',' &&
        lexicon.organizationWords.has(tokens[end]!.text) &&
        !lexicon.clubSuffixes.has(tokens[end]!.text) &&
        !isKnownWord(tokens[last + 2]!.text) &&
        !words.some((word) => lexicon.organizationWords.has(word)) &&
        !isKnownName(words.join(' '));
      // Or a second complement of an institution's "of" ("Academy of Sciences and Humanities", "Ministry of Trade and
      // Industry"): one or two words that are neither a known name nor an organisation of their own.
      const of = words.findIndex((word) => word === 'of' || word === 'on' || word === 'for');
      const tail = tokens.slice(last + 2, end + 1).map((token) => token.text);
      const continues =
        of > 0 &&
        lexicon.organizationWords.has(words[of - 1]!) &&
        tail.length <= 2 &&
        !tail.some((word) => lexicon.organizationWords.has(word) || isKnownWord(word)) &&
        !isKnownName(tail.join(' ')) &&
        tokens[end + 1]?.text !== 'of';
      if (!completes && !continues) break;
      last = end;
    } else break;
  }
  return last;
}

function spanText(text: string, tokens: Token[], first: number, last: number): string {
  return text.slice(tokens[first]!.start, tokens[last]!.end);
}
