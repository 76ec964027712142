/**
 * @module Merging properties into existing entities by ID (computed values such as analytics scores): a JSON merge
 * patch per entity, without touching identity, aliases or evidence.
 */
import type Database from 'better-sqlite3';
import { isId, normaliseId } from '../core/ids.js';
import type { Tx } from '../store/index.js';

/** Properties to merge into one existing entity. */
export interface EntityPropertiesUpdate {
  id: string;
  /** A JSON merge patch: keys set to null are removed. */
  properties: Record<string, unknown>;
}

const statements = new WeakMap<Database.Database, Database.Statement>();

/**
 * The updates with normalised IDs, one per entity (patches for the same ID merged, later keys winning), and the IDs
 * that cannot be entities (not UUIDs).
 */
function prepare(updates: readonly EntityPropertiesUpdate[]): { byId: Map<string, Record<string, unknown>>; invalid: string[] } {
  const byId = new Map<string, Record<string, unknown>>();
  const invalid: string[] = [];
  for (const update of updates) {
    const id = normaliseId(update.id);
    if (!isId(id)) {
      invalid.push(update.id);
      continue;
    }
    const held = byId.get(id);
    byId.set(id, held ? { ...held, ...update.properties } : update.properties);
  }
  return { byId, invalid };
}

/**
 * Merges each update's properties into the tenant's entity of that ID and sets `updated_at`; answers the IDs updated
 * and those that are not entities of the tenant (skipped).
 */
export async function mergeEntityProperties(
  tx: Tx,
  tenantId: string,
  updates: readonly EntityPropertiesUpdate[],
  now: string,
): Promise<{ updated: string[]; missing: string[] }> {
  const { byId, invalid } = prepare(updates);
  const updated: string[] = [];
  if (tx.dialect === 'sqlite') {
    let statement = statements.get(tx.db);
    if (!statement) {
      statement = tx.db.prepare('UPDATE entities SET properties = json_patch(properties, ?), updated_at = ? WHERE tenant_id = ? AND id = ?');
      statements.set(tx.db, statement);
    }
    for (const [id, properties] of byId) if (statement.run(JSON.stringify(properties), now, tenantId, id).changes > 0) updated.push(id);
  } else if (byId.size > 0) {
    const { rows } = await tx.client.query<{ id: string }>(
      `UPDATE entities e SET properties = trellis_merge_patch(e.properties, u.patch), updated_at = $2::timestamptz
         FROM unnest($3::uuid[], $4::jsonb[]) AS u(id, patch)
        WHERE e.tenant_id = $1 AND e.id = u.id
        RETURNING e.id`,
      [tenantId, now, [...byId.keys()], [...byId.values()].map((properties) => JSON.stringify(properties))],
    );
    for (const row of rows) updated.push(row.id);
  }
  const found = new Set(updated);
  return { updated, missing: [...invalid, ...[...byId.keys()].filter((id) => !found.has(id))] };
}
