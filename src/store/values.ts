/** @module Value conversions shared by both drivers' row mappers, and SQL fragments that differ between them. */
import type { Dialect, SqlValue } from './types.js';

/** Parses a JSON column: SQLite returns text, PostgreSQL returns the parsed value. */
export function parseJson<T = Record<string, unknown>>(value: unknown): T {
  if (typeof value === 'string') return JSON.parse(value) as T;
  return value as T;
}

/** The current time as an ISO-8601 string, the timestamp format of every row. */
export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * A membership test against a list passed as one parameter: `json_each` on SQLite, `= ANY(array)` on PostgreSQL.
 * One statement text serves every list length, so prepared statements stay cached.
 * @example
 * const filter = inList(tx.dialect, 'id', 'uuid');
 * tx.all(`SELECT … WHERE ${filter.sql}`, [filter.param(ids)]);
 */
export function inList(dialect: Dialect, column: string, pgType: 'uuid' | 'text' | 'int8'): { sql: string; param: (values: readonly string[]) => SqlValue } {
  if (dialect === 'sqlite') {
    const json = pgType === 'int8' ? (values: readonly string[]) => `[${values.join(',')}]` : (values: readonly string[]) => JSON.stringify(values);
    return { sql: `${column} IN (SELECT value FROM json_each(?))`, param: json };
  }
  return { sql: `${column} = ANY(?::${pgType}[])`, param: (values) => values as unknown as SqlValue };
}
