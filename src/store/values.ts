/** @module Value conversions shared by both drivers' row mappers. */

/** Parses a JSON column: SQLite returns text, PostgreSQL returns the parsed value. */
export function parseJson<T = Record<string, unknown>>(value: unknown): T {
  if (typeof value === 'string') return JSON.parse(value) as T;
  return value as T;
}

/** The current time as an ISO-8601 string, the timestamp format of every row. */
export function nowIso(): string {
  return new Date().toISOString();
}
