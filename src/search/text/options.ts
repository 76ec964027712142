/** @module The options of a text search, checked before anything runs: kinds, limit and filter. */
import { TrellisError } from '../../core/errors.js';
import { isId, normaliseId } from '../../core/ids.js';
import type { HitKind, SearchFilter } from '../types.js';

/** Most hits of each kind one search returns. */
export const maxLimit = 1000;
/** Most entity types or source IDs a filter may list. */
export const maxFilterValues = 1000;

/** What a text search is asked for. */
export interface TextSearchOptions {
  /** Which kinds of hit (passage, entity, memory); each is ranked on its own. @default ['passage', 'entity'] */
  kinds?: readonly HitKind[];
  /** Most hits of each kind, 1 to {@link maxLimit}. @default 10 */
  limit?: number;
  filter?: SearchFilter;
}

/** A filter as the drivers use it: IDs lower case, times as stored (ISO-8601 UTC). */
export interface CheckedFilter {
  types?: string[];
  sourceIds?: string[];
  since?: string;
  until?: string;
}

/** Checked options. */
export interface CheckedOptions {
  kinds: HitKind[];
  limit: number;
  filter: CheckedFilter;
}

const hitKinds: readonly HitKind[] = ['passage', 'entity', 'memory'];
/** The kinds searched when none are named (memories only when asked for). */
const defaultKinds: readonly HitKind[] = ['passage', 'entity'];
const earliestTime = Date.parse('0001-01-01T00:00:00Z');
const latestTime = Date.parse('9999-12-31T23:59:59.999Z');

/** A 400 naming the parameter at fault. */
export function bad(message: string, parameter: string): TrellisError {
  return new TrellisError('bad_request', message, { parameter });
}

/** An ISO-8601 time between the years 1 and 9999, normalised to UTC with milliseconds (undefined stays undefined). */
export function timeOf(value: unknown, parameter: string): string | undefined {
  if (value === undefined) return undefined;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time) || time < earliestTime || time > latestTime)
    throw bad(`${parameter} must be an ISO-8601 date-time between the years 1 and 9999`, parameter);
  return new Date(time).toISOString();
}

/** A list of at most {@link maxFilterValues} strings, duplicates dropped (undefined stays undefined). */
export function listOf(value: unknown, parameter: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw bad(`${parameter} must be a list of strings`, parameter);
  if (value.length > maxFilterValues) throw bad(`${parameter} lists ${value.length} values; at most ${maxFilterValues} are allowed`, parameter);
  return [...new Set(value as string[])];
}

/**
 * Checks and completes search options; throws `bad_request` naming the parameter for an unknown kind, a limit out of
 * range, a malformed source ID or time, or `since` after `until`. Unknown types and sources are not errors: they
 * match nothing.
 */
export function checkTextSearchOptions(options: TextSearchOptions = {}): CheckedOptions {
  const kinds = options.kinds ?? defaultKinds;
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((kind) => !hitKinds.includes(kind)))
    throw bad(`kinds must list one or more of ${hitKinds.join(', ')}`, 'kinds');
  const limit = options.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) throw bad(`limit must be an integer from 1 to ${maxLimit}`, 'limit');
  const filter = options.filter ?? {};
  if (filter === null || typeof filter !== 'object') throw bad('filter must be an object', 'filter');
  const types = listOf(filter.types, 'types');
  const sourceIds = listOf(filter.sourceIds, 'sourceIds')?.map(normaliseId);
  const badSource = sourceIds?.find((id) => !isId(id));
  if (badSource !== undefined) throw bad(`sourceIds: ${JSON.stringify(badSource.slice(0, 100))} is not a valid ID`, 'sourceIds');
  const since = timeOf(filter.since, 'since');
  const until = timeOf(filter.until, 'until');
  if (since !== undefined && until !== undefined && since > until) throw bad('since must not be after until', 'since');
  const checked: CheckedFilter = {};
  if (types) checked.types = types;
  if (sourceIds) checked.sourceIds = sourceIds;
  if (since) checked.since = since;
  if (until) checked.until = until;
  return { kinds: [...new Set(kinds)], limit, filter: checked };
}

/** One ranked row of a driver: the chunk or entity ID, the score (higher is better) and, for entities, the alias that matched (its text, or its key). */
export interface RankedRow {
  id: string;
  score: number;
  alias?: string;
  aliasKey?: string;
}
