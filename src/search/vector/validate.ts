/** @module Checks a vector search's input: every mistake is a 400 `bad_request` naming what is wrong, before anything runs. */
import { TrellisError } from '../../core/errors.js';
import type { SearchFilter } from '../types.js';
import type { SqlFilter } from './sql.js';
import { type OwnerKind, ownerKinds } from './types.js';

/** Bounds of a search's input. */
export const vectorLimits = { maxLimit: 10_000, maxDimensions: 8192, maxEmbedderIdLength: 200, maxFilterItems: 1000, maxTypeLength: 200 } as const;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isoDateTime = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

function bad(message: string, details?: Record<string, unknown>): TrellisError {
  return new TrellisError('bad_request', message, details);
}

/** A checked query: a unit-length copy of the caller's vector. */
export function checkQuery(query: unknown): Float32Array {
  if (!(query instanceof Float32Array)) throw bad('The query vector must be a Float32Array');
  if (query.length === 0 || query.length > vectorLimits.maxDimensions)
    throw bad(`The query vector has ${query.length} dimensions; it must have 1 to ${vectorLimits.maxDimensions}`);
  let norm = 0;
  for (let d = 0; d < query.length; d++) {
    const value = query[d] as number;
    if (!Number.isFinite(value)) throw bad(`The query vector holds a value that is not a finite number (${value}) at position ${d}`);
    norm += value * value;
  }
  if (norm === 0) throw bad('The query vector is all zeros: it has no direction to compare');
  const unit = new Float32Array(query.length);
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < query.length; d++) unit[d] = (query[d] as number) * scale;
  return unit;
}

export function checkEmbedderId(embedderId: unknown): string {
  if (typeof embedderId !== 'string' || embedderId.length === 0 || embedderId.length > vectorLimits.maxEmbedderIdLength)
    throw bad(`The embedder ID must be a string of 1 to ${vectorLimits.maxEmbedderIdLength} characters`);
  return embedderId;
}

export function checkKind(kind: unknown): OwnerKind {
  if (typeof kind !== 'string' || !ownerKinds.includes(kind as OwnerKind)) throw bad(`kind must be one of ${ownerKinds.join(', ')}`, { kind });
  return kind as OwnerKind;
}

export function checkLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > vectorLimits.maxLimit)
    throw bad(`limit must be an integer from 1 to ${vectorLimits.maxLimit}`, { limit });
  return limit;
}

export function checkProbes(probes: unknown): number {
  if (typeof probes !== 'number' || !Number.isInteger(probes) || probes < 1 || probes > 65_535)
    throw bad('probes must be an integer from 1 to 65535', { probes });
  return probes;
}

function checkList(name: string, value: unknown, item: (entry: unknown) => boolean, what: string): string[] {
  if (!Array.isArray(value)) throw bad(`filter.${name} must be an array`);
  if (value.length > vectorLimits.maxFilterItems) throw bad(`filter.${name} has ${value.length} items; the limit is ${vectorLimits.maxFilterItems}`);
  for (const entry of value) if (!item(entry)) throw bad(`filter.${name} holds ${JSON.stringify(entry)}, which is not ${what}`);
  return [...new Set(value as string[])];
}

function checkTime(name: string, value: unknown): string {
  if (typeof value !== 'string' || !isoDateTime.test(value) || Number.isNaN(Date.parse(value)))
    throw bad(`filter.${name} must be an ISO-8601 date or date-time`, { [name]: value });
  return new Date(Date.parse(value)).toISOString();
}

/** A checked filter with times normalised to ISO-8601 UTC (how SQLite stores them), and the same bounds in epoch ms. */
export interface CheckedFilter extends SqlFilter {
  sinceMs?: number;
  untilMs?: number;
}

export function checkFilter(filter: unknown): CheckedFilter {
  if (filter === undefined || filter === null) return {};
  if (typeof filter !== 'object' || Array.isArray(filter)) throw bad('filter must be an object');
  const input = filter as SearchFilter & Record<string, unknown>;
  const unknown = Object.keys(input).filter((key) => !['types', 'sourceIds', 'since', 'until'].includes(key));
  if (unknown.length > 0) throw bad(`filter has unknown fields: ${unknown.join(', ')}`);
  const checked: CheckedFilter = {};
  if (input.types !== undefined)
    checked.types = checkList(
      'types',
      input.types,
      (entry) => typeof entry === 'string' && entry.length > 0 && entry.length <= vectorLimits.maxTypeLength,
      'a type name',
    );
  if (input.sourceIds !== undefined)
    checked.sourceIds = checkList('sourceIds', input.sourceIds, (entry) => typeof entry === 'string' && uuid.test(entry), 'a source ID (a UUID)').map((id) =>
      id.toLowerCase(),
    );
  if (input.since !== undefined) {
    checked.since = checkTime('since', input.since);
    checked.sinceMs = Date.parse(checked.since);
  }
  if (input.until !== undefined) {
    checked.until = checkTime('until', input.until);
    checked.untilMs = Date.parse(checked.until);
  }
  return checked;
}

/** The filter without what does not apply to the kind (`types` applies to entities, and to memories as kinds of memory). */
export function filterFor(kind: OwnerKind, filter: CheckedFilter): CheckedFilter {
  if (kind === 'entity' || kind === 'memory' || filter.types === undefined) return filter;
  const { types: _ignored, ...rest } = filter;
  return rest;
}

/** True when no condition is left. */
export function isEmptyFilter(filter: CheckedFilter): boolean {
  return filter.types === undefined && filter.sourceIds === undefined && filter.since === undefined && filter.until === undefined;
}
