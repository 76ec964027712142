/**
 * @module Property columns: the typed columns (GraphML keys, GEXF attributes, CSV and neo4j-admin headers) an export
 * declares for the properties of a tenant's entities or relations, and how a value is written into one.
 */
import type { ValueKind } from './export-reader.js';

/** The type of a property column: every value an integer (long), a number (double), a boolean, or anything else as text. */
export type ColumnType = 'long' | 'double' | 'boolean' | 'string';

/** A property column. */
export interface PropertyColumn {
  /** The property's name in the graph. */
  property: string;
  /** The column's name in the export: the property name, or `property.<name>` when that is one of the format's fixed columns. */
  name: string;
  type: ColumnType;
  /** A `string` column whose values are not all text (objects, arrays, or a mix of kinds). */
  json: boolean;
}

/** Prefix of a property whose name is one of the fixed columns (`type`, `name`, …). */
export const propertyPrefix = 'property.';

/**
 * The columns for the properties seen, in name order. A property holding only integers is `long`; integers and other
 * numbers `double`; only booleans `boolean`; anything else (text, objects, arrays, a mix) `string`, objects and
 * arrays written as JSON. Nulls do not count.
 */
export function propertyColumns(kinds: ReadonlyMap<string, ReadonlySet<ValueKind>>, reserved: ReadonlySet<string>): PropertyColumn[] {
  const columns: PropertyColumn[] = [];
  for (const property of [...kinds.keys()].sort()) {
    const seen = new Set(kinds.get(property));
    seen.delete('null');
    let type: ColumnType = 'string';
    if (seen.size > 0 && [...seen].every((kind) => kind === 'integer')) type = 'long';
    else if (seen.size > 0 && [...seen].every((kind) => kind === 'integer' || kind === 'real')) type = 'double';
    else if (seen.size === 1 && seen.has('boolean')) type = 'boolean';
    // A text column whose values are not all text (objects, arrays, or a mix of kinds) is marked: formats that can
    // say so write its values as JSON, so they read back as they were.
    const json = type === 'string' && [...seen].some((kind) => kind !== 'text');
    columns.push({ property, name: reserved.has(property) ? `${propertyPrefix}${property}` : property, type, json });
  }
  return columns;
}

/**
 * A property value as the text of a column of its type; null when absent or when it does not fit the type (only
 * possible when the export does not read one snapshot and the value changed meanwhile).
 */
export function columnText(column: PropertyColumn, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'long':
      return typeof value === 'number' && Number.isInteger(value) ? String(value) : null;
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : null;
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : null;
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}
