/** @module Looks up what the index's filters need about owners: a passage's source and its creation time, an entity's type, a memory's kind. */
import type { Dialect } from '../../store/index.js';
import { timeOf } from './reader.js';
import { type Statement, ownerMetadata } from './sql.js';
import type { OwnerKind } from './types.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An owner's metadata: the name its filter number stands for ("" when unknown) and a time (NaN when none). */
export interface OwnerMetadata {
  name: string;
  time: number;
}

const none: OwnerMetadata = { name: '', time: Number.NaN };

/**
 * Metadata of `ownerIds` (any number; looked up 1,000 at a time) through `all`, which runs a statement and answers
 * rows as [owner_id, key, time] arrays. Owners not found (or not UUIDs) get `""`.
 */
export async function lookupMetadata(
  all: (statement: Statement) => Promise<unknown[][]>,
  dialect: Dialect,
  kind: OwnerKind,
  tenantId: string,
  ownerIds: readonly string[],
): Promise<(id: string) => OwnerMetadata> {
  const found = new Map<string, OwnerMetadata>();
  if (kind !== 'row') {
    const candidates = [...new Set(ownerIds.filter((id) => uuid.test(id)))];
    for (let from = 0; from < candidates.length; from += 1000) {
      const statement = ownerMetadata(dialect, kind, tenantId, candidates.slice(from, from + 1000)) as Statement;
      for (const [id, key, time] of await all(statement))
        found.set(String(id).toLowerCase(), { name: key === null || key === undefined ? '' : String(key), time: timeOf(time) });
    }
  }
  return (id) => found.get(id.toLowerCase()) ?? none;
}
