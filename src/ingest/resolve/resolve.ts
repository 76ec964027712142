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
  // Longest names first, so that partial names and acronyms find the full name whatever the mention order.
  const order = mentions
    .map((mention, index) => ({ mention, index, key: normaliseName(mention.text) }))
    .filter((item) => item.key.length > 0)
    .sort((a, b) => b.key.split(' ').length - a.key.split(' ').length || a.index - b.index);
  for (const { mention, index, key } of order) {
    const typeKey = `${mention.type}\u0000${key}`;
    const same = byTypeKey.get(typeKey);
    if (same) {
      join(same, index, mention.text, { rule: 'normalised', score: 1, matched: same.name });
      continue;
    }
    const ofType = entities.filter((entity) => entity.type === mention.type);
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
    byTypeKey.set(typeKey, entity);
  }
  for (const entity of entities) entity.members.sort((a, b) => a.mention - b.mention);
  return entities;
}

function join(entity: ResolvedEntity, mention: number, text: string, explanation: MergeExplanation): void {
  entity.members.push({ mention, explanation });
  if (text !== entity.name && !entity.aliases.includes(text)) entity.aliases.push(text);
}

type Match = { entity: ResolvedEntity; explanation: MergeExplanation } | undefined;

function partialName(entities: ResolvedEntity[], key: string, allowed: boolean): Match {
  if (!allowed) return undefined;
  if (key.includes(' ')) return partialFullName(entities, key);
  const lastWord = entities.filter((entity) => entity.key.endsWith(` ${key}`));
  if (lastWord.length === 1) return { entity: lastWord[0]!, explanation: { rule: 'partial-name', score: 0.9, matched: lastWord[0]!.name } };
  // Two people share the surname: ambiguous, so no merge (a wrong merge is worse than a missed one).
  if (lastWord.length > 1) return undefined;
  const firstWord = entities.filter((entity) => entity.key.startsWith(`${key} `));
  if (firstWord.length === 1) return { entity: firstWord[0]!, explanation: { rule: 'partial-name', score: 0.75, matched: firstWord[0]!.name } };
  return undefined;
}

/** "Jane Smith" → the one longer name that starts with those words or has them as first and last ("Jane Ann Smith"). */
function partialFullName(entities: ResolvedEntity[], key: string): Match {
  const words = key.split(' ');
  const found = entities.filter((entity) => {
    const longer = entity.key.split(' ');
    if (longer.length <= words.length) return false;
    const prefix = words.every((word, index) => longer[index] === word);
    const firstAndLast = words.length === 2 && longer[0] === words[0] && longer[longer.length - 1] === words[1];
    return prefix || firstAndLast;
  });
  return found.length === 1 ? { entity: found[0]!, explanation: { rule: 'partial-name', score: 0.85, matched: found[0]!.name } } : undefined;
}

/** "Taito" → "Taito Corporation" (the rest is organisation words); "Spurs" → "San Antonio Spurs" (the rest is a place). */
function shortOrganizationName(entities: ResolvedEntity[], key: string, allowed: boolean): Match {
  if (!allowed || key.includes(' ')) return undefined;
  const found = entities.filter((entity) => {
    const words = entity.key.split(' ');
    if (words.length < 2) return false;
    if (words[0] === key) return words.slice(1).every((word) => isOrganizationWord(word));
    if (words[words.length - 1] === key) return isPlaceName(entity.name.slice(0, entity.name.length - key.length).trim());
    return false;
  });
  return found.length === 1 ? { entity: found[0]!, explanation: { rule: 'partial-name', score: 0.8, matched: found[0]!.name } } : undefined;
}

function acronym(entities: ResolvedEntity[], text: string, key: string): Match {
  if (!isAcronym(text)) return undefined;
  const letters = key.replace(/ /g, '');
  const found = entities.filter((entity) => acronymsOf(entity.name).includes(letters));
  if (found.length !== 1) return undefined;
  return { entity: found[0]!, explanation: { rule: 'acronym', score: 0.9, matched: found[0]!.name } };
}

function fuzzy(entities: ResolvedEntity[], key: string, threshold: number): Match {
  let best: Match;
  let bestScore = threshold;
  for (const entity of entities) {
    // Very short keys are too easy to confuse ("Ann"/"Anna"): fuzzy only from six characters.
    if (key.length < 6 || entity.key.length < 6 || !comparable(key, entity.key)) continue;
    const score = similarity(key, entity.key);
    if (score >= bestScore) {
      bestScore = score;
      best = { entity, explanation: { rule: 'fuzzy', score: Math.round(score * 1000) / 1000, matched: entity.name } };
    }
  }
  return best;
}
