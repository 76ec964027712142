/** @module Decides the label of one capitalised span from the strongest cue: lexicons, the words of the name, then its context. */
import type { NerLabel } from '../schema.js';
import { contextCue, kindBefore, type Verdict } from './context.js';
import * as lexicon from './lexicon.js';
import { knownOrganizations } from './organizations.js';
import type { Token } from './tokens.js';

/** A capitalised span to classify, with what the recogniser knows about its text. */
export interface Span {
  text: string;
  tokens: Token[];
  first: number;
  last: number;
  /** The title that preceded it ("President"), if any. */
  title: string | undefined;
  /** Names labelled earlier in the document. */
  known: Map<string, NerLabel>;
  /** Words seen in lower case in the text. */
  lowerVocabulary: Set<string>;
}

const numeral = /^(?:[IVX]+|\p{N}+)$/u;

/** Whether a whole name is in a place or group lexicon. */
export function isKnownName(name: string): boolean {
  return (
    lexicon.countries.has(name) ||
    lexicon.cities.has(name) ||
    lexicon.divisions.has(name) ||
    lexicon.regions.has(name) ||
    lexicon.groups.has(name) ||
    knownOrganizations.has(name) ||
    lexicon.demonyms.has(name)
  );
}

const isPlace = (name: string): boolean => lexicon.countries.has(name) || lexicon.regions.has(name) || lexicon.divisions.has(name) || lexicon.cities.has(name);

/** The label of a span from the strongest cue available, or none (a calendar word). */
export function classify(span: Span): Verdict | undefined {
  const { text, tokens, first, last, title } = span;
  const name = text.slice(tokens[first]!.start, tokens[last]!.end);
  const words = tokens.slice(first, last + 1).map((token) => token.text);
  // The head is the last real word: "World War II" and "Apollo 11" end in numerals.
  const head = ([...words].reverse().find((word) => !numeral.test(word)) ?? words[0]!).replace(/\.$/, '');
  const lead = words[0]!;
  const count = words.length;

  if (lexicon.countries.has(name) || lexicon.regions.has(name)) return { label: 'place', confidence: 0.92, rule: 'ner:gazetteer-country' };
  if (lexicon.divisions.has(name) || lexicon.cities.has(name)) return { label: 'place', confidence: 0.9, rule: 'ner:gazetteer-place' };
  if (lexicon.demonyms.has(name)) return { label: 'place', confidence: 0.85, rule: 'ner:demonym' };
  if (lexicon.groups.has(name) || knownOrganizations.has(name)) return { label: 'organization', confidence: 0.85, rule: 'ner:gazetteer-organization' };
  const previous = span.known.get(name);
  if (previous) return { label: previous, confidence: 0.8, rule: 'ner:same-name' };
  if (lexicon.months.has(name) || lexicon.weekdays.has(name)) return undefined;

  const before = kindBefore(tokens, first);
  if (before) return before;
  const structure = fromWords(words, head, lead);
  if (structure) return structure;

  const nameLike = words.every((word) => /^\p{Lu}[\p{L}\p{M}'’.-]*$/u.test(word) || lexicon.nameConnectors.has(word) || word === '-');
  if (title && nameLike) return { label: 'person', confidence: 0.9, rule: 'ner:title' };
  // Initials before a name ("N. C. Wyeth", "A. S. Byatt") are a person's.
  if (count > 1 && nameLike && /^\p{Lu}\.$/u.test(lead) && !/^\p{Lu}\.$/u.test(words[count - 1]!))
    return { label: 'person', confidence: 0.8, rule: 'ner:initials' };
  const context = contextCue(tokens, first, last);
  if (context) return context;
  if (nameLike && count <= 4 && count > 1 && lexicon.givenNames.has(lead)) return { label: 'person', confidence: 0.85, rule: 'ner:given-name' };
  if (nameLike && count <= 4 && count > 1 && lexicon.surnames.has(head)) return { label: 'person', confidence: 0.75, rule: 'ner:surname' };
  if (/^\p{Lu}{2,6}$/u.test(name) || /^(?:\p{Lu}\.){2,}$/u.test(name)) {
    if (lexicon.commonAcronyms.has(name) || /^[IVXLC]+$/.test(name)) return undefined;
    return { label: 'organization', confidence: 0.6, rule: 'ner:acronym' };
  }
  const beforeWord = tokens[first - 1]?.text.toLowerCase();
  // "the Bee Gees", "the Teutonic Knights": with the article, a plural name is a group.
  if (beforeWord === 'the' && nameLike && count > 1 && /[a-z]s$/.test(head) && !/(?:ss|us|is)$/.test(head))
    return { label: 'organization', confidence: 0.6, rule: 'ner:the-group' };
  if (beforeWord && lexicon.placePrepositions.has(beforeWord) && count <= 3 && !lexicon.givenNames.has(lead))
    return { label: 'place', confidence: 0.55, rule: 'ner:place-preposition' };
  if (beforeWord === 'by' && nameLike && count >= 2 && count <= 3) return { label: 'person', confidence: 0.6, rule: 'ner:context' };
  // Words of personal names rarely occur in lower case in the same text, nor are they places or nationalities.
  const commonWord = words.some(
    (word) => span.lowerVocabulary.has(word.toLowerCase()) || lexicon.demonyms.has(word) || isKnownName(word) || lexicon.organizationWords.has(word),
  );
  if (nameLike && count >= 2 && count <= 3 && !commonWord) return { label: 'misc', confidence: 0.4, rule: 'ner:name-shape' };
  if (count === 1 && lexicon.givenNames.has(lead)) return { label: 'person', confidence: 0.55, rule: 'ner:given-name' };
  // A lone capitalised word with no cue is right less than one time in six (measured): it is kept only when
  // propagation finds it is part of a person's name (see `names`).
  if (count === 1) return { label: 'misc', confidence: 0.3, rule: 'ner:lone-capitalised' };
  return { label: 'misc', confidence: 0.4, rule: 'ner:capitalised' };
}

/** Cues in the words of the name itself: head words of events, clubs, organisations and places. */
function fromWords(words: string[], head: string, lead: string): Verdict | undefined {
  const count = words.length;
  if (count === 1) return undefined;
  if (lexicon.eventWords.has(head)) return { label: 'event', confidence: 0.8, rule: 'ner:event-word' };
  if (/^(?:Battle|Siege|War|Treaty|Invasion)$/.test(lead) && words.includes('of')) return { label: 'event', confidence: 0.8, rule: 'ner:event-word' };
  const rest = words.slice(1).join(' ');
  const allButHead = words.slice(0, -1).join(' ');
  if (head === 'City' && (lexicon.cities.has(allButHead) || lexicon.divisions.has(allButHead)))
    return { label: 'place', confidence: 0.85, rule: 'ner:place-word' };
  if ((lexicon.clubPrefixes.has(lead) && !lexicon.commonAcronyms.has(lead) && !lexicon.demonyms.has(rest)) || lexicon.clubSuffixes.has(head))
    return { label: 'organization', confidence: 0.85, rule: 'ner:club' };
  // "Department of Defense" is a ministry; "Department of Loreto" names a territory by its place.
  if (lead === 'Department' && words[1] === 'of' && !isPlace(words.slice(2).join(' ')) && !isPlace(words[2]!))
    return { label: 'organization', confidence: 0.8, rule: 'ner:organization-word' };
  if (lexicon.polityWords.has(lead) && words[1] === 'of') return { label: 'place', confidence: 0.85, rule: 'ner:polity' };
  // "Order of Lenin", "Order of the Bath": in biographies, decorations; "Miss Brazil": a pageant.
  if (lead === 'Order' && words[1] === 'of') return { label: 'misc', confidence: 0.75, rule: 'ner:award' };
  if (lead === 'Miss') return { label: 'event', confidence: 0.75, rule: 'ner:pageant' };
  if (lexicon.organizationWords.has(head) && head !== 'City') return { label: 'organization', confidence: 0.85, rule: 'ner:organization-word' };
  if (count > 2 && (lexicon.organizationWords.has(lead) || lead === 'House') && words[1] === 'of')
    return { label: 'organization', confidence: 0.85, rule: 'ner:organization-word' };
  if (lexicon.placeModifiers.has(lead) && isPlace(rest)) return { label: 'place', confidence: 0.85, rule: 'ner:place-modifier' };
  if (lexicon.placeWords.has(head) || lexicon.pluralPlaceHeads.has(head) || (lexicon.placeWords.has(lead) && !lexicon.personTitles.has(lead)))
    return { label: 'place', confidence: 0.8, rule: 'ner:place-word' };
  // A place and a plural is a team ("Chicago Bears", "Los Angeles Lakers").
  if (/\p{Ll}s$/u.test(head) && isPlace(allButHead)) return { label: 'organization', confidence: 0.75, rule: 'ner:team' };
  if (words.includes('&')) return { label: 'organization', confidence: 0.7, rule: 'ner:ampersand' };
  if (count > 2 && words.some((word) => lexicon.organizationWords.has(word) && word.length > 3 && !['United', 'City', 'Order', 'Games'].includes(word)))
    return { label: 'organization', confidence: 0.7, rule: 'ner:organization-word' };
  return undefined;
}
