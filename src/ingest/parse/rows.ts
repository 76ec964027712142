/** @module Shared helpers of the row readers: header names made unique and non-empty. */

/**
 * Column names from a header row: blank names become "column_N" (1-based position), repeats get "_2", "_3" …,
 * so no value is silently overwritten.
 * @example
 * headerNames(['id', '', 'id']) // ['id', 'column_2', 'id_2']
 */
export function headerNames(raw: readonly unknown[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((value, index) => {
    const base = value === null || value === undefined || String(value).trim() === '' ? `column_${index + 1}` : String(value).trim();
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}_${count}`;
  });
}
