/** @module SQL fragments that differ between SQLite and PostgreSQL, so the graph's queries are written once. */
import type { Dialect, SqlValue } from '../store/index.js';
import { inList } from '../store/values.js';

export { inList };

/**
 * A membership test for known values: a plain equality for one value (the common single-item read, which plans
 * better than a one-element list), else {@link inList}. Returns the SQL and its one parameter.
 */
export function matchAny(dialect: Dialect, column: string, pgType: 'uuid' | 'text' | 'int8', values: readonly string[]): { sql: string; param: SqlValue } {
  if (values.length === 1) return { sql: `${column} = ?`, param: values[0] as string };
  const list = inList(dialect, column, pgType);
  return { sql: list.sql, param: list.param(values) };
}

/** A JSON parameter: SQLite binds text, PostgreSQL casts text to jsonb. */
export function jsonParam(dialect: Dialect): string {
  return dialect === 'sqlite' ? '?' : '?::jsonb';
}

/** Case-insensitive substring match with LIKE, escaping the pattern's wildcards. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Splits a list into slices of at most `size`, for statements with a bound on parameters. */
export function slices<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += size) out.push(items.slice(index, index + size));
  return out;
}

/**
 * The tenant condition for queries driven by row numbers (`seq IN …`, `from_seq IN …`). On SQLite the unary `+`
 * keeps the planner from walking the tenant's whole index instead of the row-number index; the check still applies.
 */
export function tenantCheck(dialect: Dialect, column = 'tenant_id'): string {
  return dialect === 'sqlite' ? `+${column} = ?` : `${column} = ?`;
}
