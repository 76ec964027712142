/** @module Reading relations (writes go through the bulk writers). */
import { isId } from '../core/ids.js';
import { type Tx, parseJson } from '../store/index.js';
import { decodeCursor, toPage } from './pagination.js';
import type { Page, Relation } from './types.js';

interface RelationRow {
  id: string;
  type: string;
  from_id: string;
  to_id: string;
  properties: unknown;
  confidence: number;
  valid_from: string | null;
  valid_to: string | null;
  created_at: string;
  updated_at: string;
}

const columns = 'id, type, from_id, to_id, properties, confidence, valid_from, valid_to, created_at, updated_at';

function toRelation(row: RelationRow): Relation {
  return {
    id: row.id,
    type: row.type,
    from: row.from_id,
    to: row.to_id,
    properties: parseJson(row.properties),
    confidence: Number(row.confidence),
    validFrom: row.valid_from,
    validTo: row.valid_to,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** One relation, or undefined when it does not exist in this tenant. */
export async function findRelation(tx: Tx, tenantId: string, id: string): Promise<Relation | undefined> {
  if (!isId(id)) return undefined;
  const row = await tx.get<RelationRow>(`SELECT ${columns} FROM relations WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
  return row ? toRelation(row) : undefined;
}

/** Filters for listing relations. */
export interface RelationFilter {
  type?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** A page of relations in creation order. */
export async function listRelations(tx: Tx, tenantId: string, filter: RelationFilter): Promise<Page<Relation>> {
  const after = decodeCursor(filter.cursor);
  const where = ['tenant_id = ?'];
  const params: (string | number)[] = [tenantId];
  for (const [column, value] of [['type', filter.type], ['from_id', filter.from], ['to_id', filter.to]] as const) {
    if (value === undefined) continue;
    if (column !== 'type' && !isId(value)) return { items: [], nextCursor: null };
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (after) {
    where.push('id > ?');
    params.push(after);
  }
  params.push(filter.limit + 1);
  const rows = await tx.all<RelationRow>(`SELECT ${columns} FROM relations WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, params);
  const page = toPage(rows, filter.limit);
  return { items: page.items.map(toRelation), nextCursor: page.nextCursor };
}
