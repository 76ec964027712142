/** @module Entity resolution: groups mentions into entities within a type, each merge explained by its rule and score. */
import { acronymsOf, comparable, isAcronym, isOrganizationWord, isPlaceName, normaliseName, similarity } from './normalise.js';

/** A mention to resolve: its type and surface text (document order matters for partial names). */
export interface ResolvableMention {
  type: string;
  text: string;
}

/** Why a mention joined its entity. */
export interface MergeExplanation {
  /** "first" (it founded the entity), "normalised", "partial-name", "acronym", "fuzzy". */
  rule: 'first' | 'normalised' | 'partial-name' | 'acronym' | 'fuzzy';
  /** 0–1: how sure the rule is. */
  score: number;
  /** The name of the entity it was matched against. */
  matched: string;
}

/** A resolved entity: a type, a display name, its aliases and the mentions that make it up. */
export interface ResolvedEntity {
  type: string;
  /** The longest surface form (usually the full name). */
  name: string;
  /** Normalised key of `name`. */
  key: string;
  aliases: string[];
  /** Indexes into the input mentions, with why each joined. */
  members: { mention: number; explanation: MergeExplanation }[];
}

/** Options of {@link resolveMentions}. */
export interface ResolveOptions {
  /** Lowest Jaro–Winkler similarity for a fuzzy merge. @default 0.93 */
  fuzzyThreshold?: number;
  /** Types whose single-word mentions may join a longer name ending or starting with that word. @default ["Person"] */
  partialNameTypes?: string[];
  /**
   * Types whose short names may join a longer name that only adds an organisation word or a place ("Taito" →
   * "Taito Corporation", "Spurs" → "San Antonio Spurs"). @default ["Organization"]
   */
  organizationTypes?: string[];
}

/**
 * Groups mentions into entities. Never merges across types. Rules, in order: same normalised name (NFKC, case,
 * punctuation, honorifics); a single word that is the last (or first) word of exactly one longer name of the type
 * ("Obama" → "Barack Obama"); an acronym of a longer name ("IBM" ↔ "International Business Machines"); a fuzzy
 * match of normalised names above the threshold.
 * @example
 * resolveMentions([{ type: 'Person', text: 'Barack Obama' }, { type: 'Person', text: 'Mr. Obama' }])
 */
export function resolveMentions(mentions: readonly ResolvableMention[], options: ResolveOptions = {}): ResolvedEntity[] {
  const threshold = options.fuzzyThreshold ?? 0.93;
  const partialTypes = new Set(options.partialNameTypes ?? ['Person']);
  const organizationTypes = new Set(options.organizationTypes ?? ['Organization']);
  const entities: ResolvedEntity[] = [];
  const byTypeKey = new Map<string, ResolvedEntity>();
  // The entities of each type, with their key's words: the candidates a new mention is compared with.
  const byType = new Map<string, Candidate[]>();
  // Longest names first, so that partial names and acronyms find the full name whatever the mention order.
  const order = mentions
    .map((mention, index) => {
      const key = normaliseName(mention.text);
      return { mention, index, key, words: key.split(' ').length };
    })
    .filter((item) => item.key.length > 0)
    .sort((a, b) => b.words - a.words || a.index - b.index);
  for (const { mention, index, key } of order) {
    const typeKey = `${mention.type}\u0000${key}`;
    const same = byTypeKey.get(typeKey);
    if (same) {
      join(same, index, mention.text, { rule: 'normalised', score: 1, matched: same.name });
      continue;
    }
    const ofType = byType.get(mention.type) ?? [];
    byType.set(mention.type, ofType);
    const match =
      partialName(ofType, key, partialTypes.has(mention.type)) ??
      shortOrganizationName(ofType, key, organizationTypes.has(mention.type)) ??
      acronym(ofType, mention.text, key) ??
      fuzzy(ofType, key, threshold);
    if (match) {
      join(match.entity, index, mention.text, match.explanation);
      byTypeKey.set(typeKey, match.entity);
      continue;
    }
    const entity: ResolvedEntity = { type: mention.type, name: mention.text, key, aliases: [], members: [] };
    join(entity, index, mention.text, { rule: 'first', score: 1, matched: mention.text });
    entities.push(entity);
    ofType.push({ entity, words: key.split(' ') });
    byTypeKey.set(typeKey, entity);
  }
  for (const entity of entities) entity.members.sort((a, b) => a.mention - b.mention);
  return entities;
}

/** An entity as a candidate for merges: its key's words, and its acronyms once asked for. */
interface Candidate {
  entity: ResolvedEntity;
  words: string[];
  acronyms?: string[];
}

function join(entity: ResolvedEntity, mention: number, text: string, explanation: MergeExplanation): void {
  entity.members.push({ mention, explanation });
  if (text !== entity.name && !entity.aliases.includes(text)) entity.aliases.push(text);
}

type Match = { entity: ResolvedEntity; explanation: MergeExplanation } | undefined;

/** The one candidate that passes `test`, as a match with `rule` and `score`; none when zero or several pass. */
function only(candidates: Candidate[], test: (candidate: Candidate) => boolean, rule: MergeExplanation['rule'], score: number): Match {
  let found: Candidate | undefined;
  for (const candidate of candidates) {
    if (!test(candidate)) continue;
    if (found) return undefined;
    found = candidate;
  }
  return found && { entity: found.entity, explanation: { rule, score, matched: found.entity.name } };
}

function partialName(candidates: Candidate[], key: string, allowed: boolean): Match {
  if (!allowed) return undefined;
  if (key.includes(' ')) return partialFullName(candidates, key);
  // Two people share the surname: ambiguous, so no merge (a wrong merge is worse than a missed one).
  const lastWord = candidates.filter(({ words }) => words.length > 1 && words[words.length - 1] === key);
  if (lastWord.length > 0) return lastWord.length === 1 ? only(lastWord, () => true, 'partial-name', 0.9) : undefined;
  return only(candidates, ({ words }) => words.length > 1 && words[0] === key, 'partial-name', 0.75);
}

/** "Jane Smith" → the one longer name that starts with those words or has them as first and last ("Jane Ann Smith"). */
function partialFullName(candidates: Candidate[], key: string): Match {
  const words = key.split(' ');
  return only(
    candidates,
    ({ words: longer }) =>
      longer.length > words.length &&
      (words.every((word, index) => longer[index] === word) || (words.length === 2 && longer[0] === words[0] && longer[longer.length - 1] === words[1])),
    'partial-name',
    0.85,
  );
}

/** "Taito" → "Taito Corporation" (the rest is organisation words); "Spurs" → "San Antonio Spurs" (the rest is a place). */
function shortOrganizationName(candidates: Candidate[], key: string, allowed: boolean): Match {
  if (!allowed || key.includes(' ')) return undefined;
  return only(
    candidates,
    ({ entity, words }) =>
      words.length > 1 &&
      ((words[0] === key && words.slice(1).every((word) => isOrganizationWord(word))) ||
        (words[words.length - 1] === key && isPlaceName(entity.name.slice(0, entity.name.length - key.length).trim()))),
    'partial-name',
    0.8,
  );
}

function acronym(candidates: Candidate[], text: string, key: string): Match {
  if (!isAcronym(text)) return undefined;
  const letters = key.replace(/ /g, '');
  return only(candidates, (candidate) => (candidate.acronyms ??= acronymsOf(candidate.entity.name)).includes(letters), 'acronym', 0.9);
}

function fuzzy(candidates: Candidate[], key: string, threshold: number): Match {
  let best: Match;
  let bestScore = threshold;
  // Very short keys are too easy to confuse ("Ann"/"Anna"): fuzzy only from six characters.
  if (key.length < 6) return undefined;
  // Jaro–Winkler is at most 0.6·jaro + 0.4, and jaro at most (2 + shorter/longer) / 3: keys whose lengths differ more
  // than that allows cannot reach the threshold (at 0.93, one under 0.65 of the other's length).
  const lengthRatio = Math.max(0, (3 * (threshold - 0.4)) / 0.6 - 2);
  for (const { entity } of candidates) {
    if (entity.key.length < 6 || Math.min(key.length, entity.key.length) < lengthRatio * Math.max(key.length, entity.key.length)) continue;
    const score = similarity(key, entity.key);
    if (score >= bestScore && comparable(key, entity.key)) {
      bestScore = score;
      best = { entity, explanation: { rule: 'fuzzy', score: Math.round(score * 1000) / 1000, matched: entity.name } };
    }
  }
  return best;
}
