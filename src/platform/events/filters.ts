/** @module Event filters: exact types, prefix wildcards (`entity.*`) and a subject, parsed once and matched per event. */
import { TrellisError } from '../../core/errors.js';

/** What a reader of the event log wants to see. */
export interface EventFilter {
  /** Exact types; empty with no prefixes means every type. */
  types: ReadonlySet<string>;
  /** Type prefixes from wildcards: `entity.*` is stored as `entity.`. */
  prefixes: readonly string[];
  subject: string | null;
}

/** A string equal for equal filters (`''` for every event), to share work between streams with the same filter. */
export function filterKey(filter: EventFilter): string {
  let key = filterKeys.get(filter);
  if (key === undefined) {
    const everything = filter.types.size === 0 && filter.prefixes.length === 0 && filter.subject === null;
    key = everything ? '' : JSON.stringify([[...filter.types].sort(), [...filter.prefixes].sort(), filter.subject]);
    filterKeys.set(filter, key);
  }
  return key;
}
const filterKeys = new WeakMap<EventFilter, string>();

/** A filter that lets every event through. */
export const everyEvent: EventFilter = { types: new Set(), prefixes: [], subject: null };

const typePattern = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const wildcardPattern = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*$/;
const maxTypes = 32;
const maxSubjectLength = 200;

function invalid(message: string, details: Record<string, unknown>): TrellisError {
  return new TrellisError('validation_failed', message, details);
}

/**
 * Parses `types` (a comma-separated string or a list) and `subject`. Each type is exact (`entity.created`) or a
 * prefix wildcard (`entity.*`); `*` alone means every type. Anything else is `validation_failed`.
 * @example
 * parseEventFilter('entity.*,relation.created', undefined);
 */
export function parseEventFilter(types: string | readonly string[] | undefined, subject: string | null | undefined): EventFilter {
  const list = types === undefined ? [] : typeof types === 'string' ? (types === '' ? [] : types.split(',')) : [...types];
  if (list.length > maxTypes) throw invalid(`At most ${maxTypes} type filters are allowed, not ${list.length}`, { field: 'types' });
  const exact = new Set<string>();
  const prefixes: string[] = [];
  let everything = false;
  for (const raw of list) {
    const type = typeof raw === 'string' ? raw.trim() : '';
    if (type === '*') everything = true;
    else if (type.length <= 100 && typePattern.test(type)) exact.add(type);
    else if (type.length <= 100 && wildcardPattern.test(type)) prefixes.push(type.slice(0, -1));
    else {
      throw invalid(
        `Type filter ${JSON.stringify(String(raw).slice(0, 100))} is not an event type (like entity.created) or a prefix wildcard (like entity.*)`,
        {
          field: 'types',
        },
      );
    }
  }
  if (subject !== undefined && subject !== null) {
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > maxSubjectLength) {
      throw invalid(`The subject filter must be 1 to ${maxSubjectLength} characters`, { field: 'subject' });
    }
  }
  return { types: everything ? new Set() : exact, prefixes: everything ? [] : prefixes, subject: subject ?? null };
}

/** Whether an event passes the filter. */
export function matchesFilter(filter: EventFilter, type: string, subject: string | null): boolean {
  if (filter.subject !== null && subject !== filter.subject) return false;
  if (filter.types.size === 0 && filter.prefixes.length === 0) return true;
  if (filter.types.has(type)) return true;
  for (const prefix of filter.prefixes) if (type.startsWith(prefix)) return true;
  return false;
}

/** The SQL conditions and parameters of a filter (appended to `tenant_id = ? AND seq > ?`). */
export function filterClause(filter: EventFilter): { sql: string; params: string[] } {
  const params: string[] = [];
  let sql = '';
  if (filter.subject !== null) {
    sql += ' AND subject = ?';
    params.push(filter.subject);
  }
  if (filter.types.size > 0 || filter.prefixes.length > 0) {
    const terms: string[] = [];
    for (const type of filter.types) {
      terms.push('type = ?');
      params.push(type);
    }
    // Prefixes come from the wildcard pattern ([a-z0-9_.] only), so LIKE has no metacharacter but `_`, escaped here.
    for (const prefix of filter.prefixes) {
      terms.push("type LIKE ? ESCAPE '\\'");
      params.push(`${prefix.replace(/_/g, '\\_')}%`);
    }
    sql += ` AND (${terms.join(' OR ')})`;
  }
  return { sql, params };
}
