/**
 * @module Entity filters of graph queries: entity types and conditions on top-level properties (equality, `in`,
 * numeric ranges), validated from user input and evaluated in JavaScript on properties read with bound parameters —
 * a filter never becomes SQL text.
 */
import { TrellisError } from '../core/errors.js';

/** A scalar a property may be compared with. */
export type FilterScalar = string | number | boolean | null;

/** A condition on one property: a scalar (equality), or an object of `eq`, `in`, or numeric bounds `gt`, `gte`, `lt`, `lte`. */
export type PropertyCondition = FilterScalar | { eq?: FilterScalar; in?: FilterScalar[]; gt?: number; gte?: number; lt?: number; lte?: number };

/** Conditions on top-level properties, all of which must hold. */
export type PropertyFilter = Record<string, PropertyCondition>;

/** Most properties one filter may name. */
export const maxFilterProperties = 20;
/** Most values of one `in` list. */
export const maxInValues = 100;
const maxStringLength = 1000;
/** A property name: letters, digits, `_`, then also space, `.`, `:` and `-`; at most 128 characters. */
const propertyNamePattern = /^[\p{L}\p{N}_][\p{L}\p{N}_ .:-]{0,127}$/u;
const boundKeys = ['gt', 'gte', 'lt', 'lte'] as const;
const conditionKeys = new Set(['eq', 'in', ...boundKeys]);

/** A filter compiled into one test per property. */
export interface CompiledFilter {
  readonly names: readonly string[];
  test(properties: Record<string, unknown>): boolean;
}

function bad(message: string, path: string): TrellisError {
  return new TrellisError('bad_request', `Property filter: ${path}: ${message}`, { path });
}

function checkScalar(value: unknown, path: string): FilterScalar {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw bad('a number must be finite', path);
    return value;
  }
  if (typeof value === 'string') {
    if (value.length > maxStringLength) throw bad(`a string is at most ${maxStringLength} characters`, path);
    return value;
  }
  throw bad('must be a string, a number, true, false or null', path);
}

function checkCondition(value: unknown, path: string): PropertyCondition {
  if (value === null || typeof value !== 'object') return checkScalar(value, path);
  if (Array.isArray(value)) throw bad('use { "in": [ … ] } for a list of values', path);
  const entries = Object.entries(value);
  if (entries.length === 0) throw bad('a condition needs eq, in, gt, gte, lt or lte', path);
  const out: Exclude<PropertyCondition, FilterScalar> = {};
  for (const [key, item] of entries) {
    if (!conditionKeys.has(key)) throw bad(`unknown operator "${key.slice(0, 40)}" (use eq, in, gt, gte, lt, lte)`, path);
    if (key === 'eq') out.eq = checkScalar(item, `${path}.eq`);
    else if (key === 'in') {
      if (!Array.isArray(item) || item.length === 0 || item.length > maxInValues) throw bad(`in takes a list of 1 to ${maxInValues} values`, `${path}.in`);
      out.in = item.map((element, index) => checkScalar(element, `${path}.in[${index}]`));
    } else {
      if (typeof item !== 'number' || !Number.isFinite(item)) throw bad(`${key} takes a finite number`, `${path}.${key}`);
      out[key as (typeof boundKeys)[number]] = item;
    }
  }
  const bounded = boundKeys.some((key) => key in out);
  if ('eq' in out && (out.in || bounded)) throw bad('eq cannot be combined with in or bounds', path);
  if (out.in && bounded) throw bad('in cannot be combined with bounds', path);
  return out;
}

/**
 * Validates a property filter given as a value (a request body's `where`); throws `bad_request` naming the bad part.
 * @example
 * checkPropertyFilter({ country: 'FR', age: { gte: 18, lt: 65 } });
 */
export function checkPropertyFilter(value: unknown): PropertyFilter {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('must be an object of property name → condition', 'where');
  const entries = Object.entries(value);
  if (entries.length === 0) throw bad('names no property', 'where');
  if (entries.length > maxFilterProperties) throw bad(`names ${entries.length} properties; at most ${maxFilterProperties}`, 'where');
  const out: PropertyFilter = {};
  for (const [name, condition] of entries) {
    if (!propertyNamePattern.test(name))
      throw bad(`${JSON.stringify(name.slice(0, 140))} is not a property name (letters, digits, _ . : - and spaces)`, 'where');
    out[name] = checkCondition(condition, `where.${name}`);
  }
  return out;
}

/** Parses a property filter sent as JSON text (a query parameter); malformed JSON is `bad_request`. */
export function parsePropertyFilter(text: string): PropertyFilter {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TrellisError('bad_request', 'Property filter: where must be a JSON object such as {"country":"FR","age":{"gte":18}}', { path: 'where' });
  }
  return checkPropertyFilter(value);
}

const comparison = /^([^<>=!]+?)\s*(>=|<=|!=|=|>|<)\s*(.*)$/s;

/** A CLI value: a number, true, false, null, or text (quotes optional). */
function cliValue(text: string): FilterScalar {
  const trimmed = text.trim();
  if (/^".*"$/s.test(trimmed)) return trimmed.slice(1, -1);
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  if (trimmed === 'null') return null;
  if (trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  return trimmed;
}

/**
 * Builds a property filter from CLI conditions such as `country=FR`, `age>=18`, `age<65` (several on one property
 * combine into one range); `!=` is not supported. Throws `bad_request` for anything else.
 */
export function propertyFilterFromConditions(conditions: readonly string[]): PropertyFilter {
  const out: Record<string, Record<string, unknown>> = {};
  for (const condition of conditions) {
    const match = comparison.exec(condition);
    if (!match || match[2] === '!=')
      throw new TrellisError('bad_request', `--where takes name=value, name>n, name>=n, name<n or name<=n; got ${JSON.stringify(condition)}`);
    const name = (match[1] as string).trim();
    const value = cliValue(match[3] as string);
    const entry = (out[name] ??= {});
    const operator = { '=': 'eq', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' }[match[2] as '=' | '>' | '>=' | '<' | '<='];
    if (operator in entry) throw new TrellisError('bad_request', `--where gives ${name}${match[2]} twice`);
    entry[operator] = value;
  }
  const simplified = Object.fromEntries(
    Object.entries(out).map(([name, entry]) => [name, Object.keys(entry).length === 1 && 'eq' in entry ? entry.eq : entry]),
  );
  return checkPropertyFilter(simplified);
}

function sameScalar(actual: unknown, expected: FilterScalar): boolean {
  if (expected === null) return actual === null || actual === undefined;
  return actual === expected;
}

function compileCondition(condition: PropertyCondition): (value: unknown) => boolean {
  if (condition === null || typeof condition !== 'object') return (value) => sameScalar(value, condition);
  if ('eq' in condition) return (value) => sameScalar(value, condition.eq as FilterScalar);
  if (condition.in) {
    const list = condition.in;
    return (value) => list.some((expected) => sameScalar(value, expected));
  }
  const { gt, gte, lt, lte } = condition;
  return (value) =>
    typeof value === 'number' &&
    (gt === undefined || value > gt) &&
    (gte === undefined || value >= gte) &&
    (lt === undefined || value < lt) &&
    (lte === undefined || value <= lte);
}

/**
 * Compiles a validated filter. A property matches a scalar by strict equality (the number 30 is not the text "30");
 * `null` matches a property that is null or absent; bounds match numbers only.
 */
export function compileFilter(filter: PropertyFilter): CompiledFilter {
  const tests = Object.entries(filter).map(([name, condition]) => [name, compileCondition(condition)] as const);
  return {
    names: tests.map(([name]) => name),
    test: (properties) => tests.every(([name, test]) => test(Object.hasOwn(properties, name) ? properties[name] : undefined)),
  };
}

/** Which entities a traversal may visit: of these types (none: any) and matching these property conditions (none: any). */
export interface EntityFilterOptions {
  entityTypes?: string[];
  where?: PropertyFilter;
}
