/** @module The one helper the hand-written lexicons share. */

/** Splits a `|`-separated list into a set (lists are written compactly so they stay readable). */
export function words(list: string): Set<string> {
  return new Set(
    list
      .split('|')
      .map((word) => word.trim())
      .filter(Boolean),
  );
}
