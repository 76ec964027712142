/** @module Reading relations (writes go through the bulk writers); endpoints are stored as entity row numbers and read back as IDs. */
import { isId, normaliseId } from '../core/ids.js';
import { type Tx, parseJson } from '../store/index.js';
import { pageClause, toPage } from './pagination.js';
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

const select = `SELECT r.id, r.type, f.id AS from_id, t.id AS to_id, r.properties, r.confidence, r.valid_from, r.valid_to, r.created_at, r.updated_at
  FROM relations r
  JOIN entities f ON f.seq = r.from_seq AND f.tenant_id = r.tenant_id
  JOIN entities t ON t.seq = r.to_seq AND t.tenant_id = r.tenant_id`;

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
  const row = await tx.get<RelationRow>(`${select} WHERE r.tenant_id = ? AND r.id = ?`, [tenantId, id]);
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
  const where = ['r.tenant_id = ?'];
  const params: (string | number)[] = [tenantId];
  if (filter.type !== undefined) {
    where.push('r.type = ?');
    params.push(filter.type);
  }
  for (const [column, value] of [
    ['from_seq', filter.from],
    ['to_seq', filter.to],
  ] as const) {
    if (value === undefined) continue;
    const id = normaliseId(value);
    if (!isId(id)) return { items: [], nextCursor: null };
    where.push(`r.${column} = (SELECT seq FROM entities WHERE tenant_id = ? AND id = ?)`);
    params.push(tenantId, id);
  }
  const rows = await tx.all<RelationRow>(`${select} ${pageClause(where, params, filter.cursor, filter.limit, 'r.id')}`, params);
  const page = toPage(rows, filter.limit);
  return { items: page.items.map(toRelation), nextCursor: page.nextCursor };
}
