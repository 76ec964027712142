/** @module Opaque cursors for keyset pagination over time-sorted IDs. */
import { TrellisError } from '../core/errors.js';
import { isId } from '../core/ids.js';

/** Encodes the last ID of a page as a cursor. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

/** Decodes a cursor; a tampered or foreign cursor is an `invalid_cursor` error. */
export function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string' && isId(parsed.after)) return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw new TrellisError('invalid_cursor', `Cursor ${JSON.stringify(cursor.slice(0, 80))} is not one this server issued`);
}

/** Turns `limit + 1` fetched rows into a page. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor((items[items.length - 1] as T).id) };
}

/**
 * The keyset tail of a list query: adds `<column> > cursor` to the conditions, and the limit (one row more than
 * the page, so {@link toPage} can tell whether another page follows) to the parameters.
 * @example
 * const tail = pageClause(['tenant_id = ?'], params, filter.cursor, filter.limit);
 * tx.all(`SELECT … FROM entities ${tail}`, params);
 */
export function pageClause(where: string[], params: (string | number)[], cursor: string | undefined, limit: number, column = 'id'): string {
  const after = decodeCursor(cursor);
  if (after) {
    where.push(`${column} > ?`);
    params.push(after);
  }
  params.push(limit + 1);
  return `WHERE ${where.join(' AND ')} ORDER BY ${column} LIMIT ?`;
}
