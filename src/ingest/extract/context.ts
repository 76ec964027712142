/** @module Reads the words around a capitalised span for what it is: kind nouns, appositives, life dates, telling verbs. */
import type { NerLabel } from '../schema.js';
import {
  kindOf,
  organizationFollowers,
  organizationFrames,
  organizationPossessions,
  organizationVerbs,
  personFollowers,
  personPossessions,
  personVerbs,
  relationNouns,
} from './cue-words.js';
import type { Token } from './tokens.js';

/** A label with the confidence and rule of the cue that gave it. */
export interface Verdict {
  label: NerLabel;
  confidence: number;
  rule: string;
}

const isLowerWord = (token: Token | undefined): token is Token => token !== undefined && token.word && !token.capitalised;
const yearLike = /^(?:1[0-9]{3}|20[0-9]{2}|[1-9][0-9]{1,2})$/;
const copulas = new Set(['is', 'was', 'are', 'were', 'became', 'becomes', 'remains', 'remained']);
const articles = new Set(['a', 'an', 'the']);
// Words that end the noun phrase of an appositive ("a band formed in", "a company that", "a village in").
const phraseEnds = new Set(
  'of in at on by from with for to that which who whose where when and or but as than since during after before between about under into within near based located known born formed founded who'.split(
    ' ',
  ),
);

/** The kind noun right before the span: "the band X", "singer X"; or a list's "bands such as X, Y". */
export function kindBefore(tokens: Token[], first: number): Verdict | undefined {
  const previous = tokens[first - 1];
  if (!isLowerWord(previous)) return undefined;
  const kind = kindOf(previous.text, tokens[first - 2]?.text);
  // Kinds of works and events are more often the end of a phrase before a name ("after the competition Smith …").
  if (kind) return { label: kind, confidence: kind === 'misc' || kind === 'event' ? 0.7 : 0.85, rule: 'ner:kind-before' };
  // "bands such as X", "clubs including X", "films like X".
  let at = -1;
  if (previous.text === 'as' && tokens[first - 2]?.text === 'such') at = first - 3;
  else if (previous.text === 'including' || previous.text === 'like') at = first - 2;
  if (at >= 0 && tokens[at] && tokens[at]!.text === ',') at--;
  const noun = tokens[at];
  if (at >= 0 && isLowerWord(noun) && /s$/.test(noun.text)) {
    const listKind = kindOf(noun.text, tokens[at - 1]?.text);
    if (listKind) return { label: listKind, confidence: 0.8, rule: 'ner:kind-before' };
  }
  return undefined;
}

/**
 * Cues after the span and in its sentence: life dates or a year in brackets, an appositive or copula naming its kind
 * ("X, an American actor", "X is a village"), "noun of X", a telling verb before it, or a verb of persons after it.
 */
export function contextCue(tokens: Token[], first: number, last: number): Verdict | undefined {
  let at = last + 1;
  if (tokens[at]?.text === '(') {
    const brackets = bracketCue(tokens, at);
    if (brackets.verdict) return brackets.verdict;
    at = brackets.after;
  }
  const appositive = appositiveKind(tokens, first, at);
  if (appositive) return appositive;
  // "a member of X's staff": the words before describe what X owns, not X.
  const owner = tokens[last + 1]?.text === "'s" || tokens[last + 1]?.text === '’s';
  return (
    (owner ? undefined : (relationBefore(tokens, first) ?? verbBefore(tokens, first))) ?? followerAfter(tokens, last) ?? organizationNounAfter(tokens, last)
  );
}

// Nouns that, right after a name, say the name is the organisation itself ("the Sonic Images record label").
const organizationHeads = new Set(
  'label labels brand brands website company corporation network channel newspaper magazine party airline franchise movement leader'.split(' '),
);

/** "X record label", "X brands", "X website": the name modifies a noun naming an organisation. */
function organizationNounAfter(tokens: Token[], last: number): Verdict | undefined {
  for (let at = last + 1; at <= last + 2; at++) {
    const token = tokens[at];
    if (!isLowerWord(token)) return undefined;
    if (organizationHeads.has(token.text)) return { label: 'organization', confidence: 0.65, rule: 'ner:kind-after' };
  }
  return undefined;
}

/** "( born …" or "( 1901 – 1975 )" after a name: a person; "( 1999 )": a work of that year. */
function bracketCue(tokens: Token[], open: number): { verdict?: Verdict; after: number } {
  let close = open + 1;
  while (close < tokens.length && close - open < 40 && tokens[close]!.text !== ')' && tokens[close]!.sentence === tokens[open]!.sentence) close++;
  if (tokens[close]?.text !== ')') return { after: open };
  const inside = tokens.slice(open + 1, close);
  const texts = inside.map((token) => token.text.toLowerCase());
  if (texts.includes('born') || texts.includes('née') || texts.includes('nee') || texts.includes('died')) {
    return { verdict: { label: 'person', confidence: 0.9, rule: 'ner:born' }, after: close + 1 };
  }
  const years = inside.filter((token) => /^(?:1[0-9]{3}|20[0-9]{2})$/.test(token.text)).length;
  const dash = texts.some((text) => text === '-' || text === '–' || text === '—');
  if (years >= 2 && dash && inside.length <= 14) return { verdict: { label: 'person', confidence: 0.85, rule: 'ner:life-dates' }, after: close + 1 };
  // "X (a company based in Ohio)": an appositive in brackets.
  if (articles.has(texts[0] ?? '')) {
    const kind = appositiveKind(tokens, open, open);
    if (kind) return { verdict: kind, after: close + 1 };
  }
  if (inside.length === 1 && yearLike.test(inside[0]!.text) && years === 1)
    return { verdict: { label: 'misc', confidence: 0.6, rule: 'ner:work-year' }, after: close + 1 };
  return { after: close + 1 };
}

/** ", a/an/the … noun" or "is a/an/the … noun" at `at`: the last kind noun of the phrase. */
function appositiveKind(tokens: Token[], first: number, at: number): Verdict | undefined {
  const start = tokens[at];
  if (!start) return undefined;
  let i = at;
  // "… directed by X, the episode aired": after "by" the comma closes a clause, it does not describe X.
  if ((start.text === ',' && tokens[first - 1]?.text !== 'by') || start.text === '(') i++;
  else if (copulas.has(start.text) && isSubject(tokens, first)) {
    i++;
    if (/^(?:also|now|currently|still|originally|formerly)$/.test(tokens[i]?.text ?? '')) i++;
  } else return undefined;
  if (tokens[i]?.text === 'one' && tokens[i + 1]?.text === 'of') i += 2;
  if (!articles.has(tokens[i]?.text.toLowerCase() ?? '')) return undefined;
  i++;
  let kind: NerLabel | undefined;
  for (let n = 0; n < 9 && i < tokens.length; n++, i++) {
    const token = tokens[i]!;
    if (token.text === '-' || token.number) continue;
    if (token.text === "'s" || token.text === '’s') {
      kind = undefined;
      continue;
    }
    if (!token.word) break;
    const lower = token.text.toLowerCase();
    if (phraseEnds.has(lower)) break;
    const found = token.capitalised ? undefined : kindOf(lower, tokens[i - 1]?.text);
    if (found) kind = found;
    else if (!token.capitalised && /ed$/.test(lower)) break;
  }
  return kind && { label: kind, confidence: 0.8, rule: 'ner:kind-after' };
}

/** Whether the span opens its sentence (after an article or a quote at most): "X is a …" then describes X. */
function isSubject(tokens: Token[], first: number): boolean {
  let at = first - 1;
  while (at >= 0 && tokens[at]!.sentence === tokens[first]!.sentence && /^(?:the|The|"|“|\(|')$/.test(tokens[at]!.text)) at--;
  return at < 0 || tokens[at]!.sentence !== tokens[first]!.sentence;
}

/** "the wife of X", "a member of X", "the capital of X". */
function relationBefore(tokens: Token[], first: number): Verdict | undefined {
  let at = first - 1;
  if (/^the$/i.test(tokens[at]?.text ?? '')) at--;
  if (tokens[at]?.text !== 'of') return undefined;
  const noun = tokens[at - 1];
  if (!isLowerWord(noun)) return undefined;
  const label = relationNouns.get(noun.text);
  return label && { label, confidence: 0.7, rule: 'ner:relation-of' };
}

/** "played for X", "published by X", "married X". */
function verbBefore(tokens: Token[], first: number): Verdict | undefined {
  let at = first - 1;
  if (/^the$/i.test(tokens[at]?.text ?? '')) at--;
  const one = tokens[at];
  if (!isLowerWord(one)) return undefined;
  const two = isLowerWord(tokens[at - 1]) ? `${tokens[at - 1]!.text} ${one.text}` : '';
  if (organizationVerbs.has(two) || organizationVerbs.has(one.text)) return { label: 'organization', confidence: 0.7, rule: 'ner:verb' };
  if (personVerbs.has(two) || personVerbs.has(one.text)) return { label: 'person', confidence: 0.7, rule: 'ner:verb' };
  const frame = organizationFrames.get(one.text);
  if (frame)
    for (let back = at - 1; back >= Math.max(0, at - 5) && tokens[back]!.sentence === one.sentence; back--)
      if (frame.has(tokens[back]!.text.toLowerCase())) return { label: 'organization', confidence: 0.65, rule: 'ner:verb' };
  return undefined;
}

/** "X said", "X, who", "X was born", "X's wife". */
function followerAfter(tokens: Token[], last: number): Verdict | undefined {
  let at = last + 1;
  if (tokens[at]?.text === ',') at++;
  const next = tokens[at]?.text.toLowerCase();
  if (!next) return undefined;
  if (next === "'s" || next === '’s') {
    const owned = tokens[at + 1]?.text.toLowerCase() ?? '';
    if (personPossessions.has(owned)) return { label: 'person', confidence: 0.75, rule: 'ner:context' };
    if (organizationPossessions.has(owned)) return { label: 'organization', confidence: 0.7, rule: 'ner:context' };
    return undefined;
  }
  const two = `${next} ${tokens[at + 1]?.text.toLowerCase() ?? ''}`;
  if (personFollowers.has(next) || personFollowers.has(two)) return { label: 'person', confidence: 0.75, rule: 'ner:context' };
  if (organizationFollowers.has(next) || organizationFollowers.has(two)) return { label: 'organization', confidence: 0.7, rule: 'ner:context' };
  return undefined;
}
