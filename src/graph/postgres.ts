/** @module PostgreSQL bulk writes for the graph: one statement per table per batch, rows passed as arrays through unnest. */
import type { PostgresTx } from '../store/index.js';
import type { PreparedEntity, PreparedEvidence, PreparedRelation } from './prepare.js';

async function insertEvidence(
  tx: PostgresTx,
  tenantId: string,
  kind: 'entity' | 'relation',
  subjects: string[],
  lists: PreparedEvidence[][],
  now: string,
): Promise<void> {
  const columns: unknown[][] = [[], [], [], [], [], [], [], [], [], [], []];
  lists.forEach((list, position) => {
    for (const evidence of list) {
      const values = [
        subjects[position],
        evidence.fingerprint,
        evidence.id,
        evidence.sourceId,
        evidence.chunkId,
        evidence.start,
        evidence.end,
        evidence.quote,
        evidence.extractor,
        evidence.extractorVersion,
        evidence.confidence,
      ];
      values.forEach((value, column) => (columns[column] as unknown[]).push(value));
    }
  });
  if ((columns[0] as unknown[]).length === 0) return;
  await tx.client.query(
    `INSERT INTO evidence (tenant_id, subject_id, fingerprint, id, subject_kind, source_id, chunk_id, start_offset, end_offset, quote, extractor, extractor_version, confidence, created_at)
     SELECT $1::uuid, t.subject_id, t.fingerprint, t.id, $2::text, t.source_id, t.chunk_id, t.start_offset, t.end_offset, t.quote, t.extractor, t.extractor_version, t.confidence, $3::timestamptz
     FROM unnest($4::uuid[], $5::text[], $6::uuid[], $7::uuid[], $8::uuid[], $9::int[], $10::int[], $11::text[], $12::text[], $13::text[], $14::float8[])
       AS t(subject_id, fingerprint, id, source_id, chunk_id, start_offset, end_offset, quote, extractor, extractor_version, confidence)
     ON CONFLICT DO NOTHING`,
    [tenantId, kind, now, ...columns],
  );
}

/** Upserts entities with their aliases and evidence; returns the stored IDs and which were new. */
export async function upsertEntitiesPostgres(
  tx: PostgresTx,
  tenantId: string,
  items: PreparedEntity[],
  now: string,
): Promise<{ ids: string[]; created: boolean[] }> {
  const { rows } = await tx.client.query<{ id: string; type: string; canonical_key: string }>(
    `INSERT INTO entities (tenant_id, id, type, name, canonical_key, properties, confidence, created_at, updated_at)
     SELECT $1::uuid, t.id, t.type, t.name, t.canonical_key, t.properties, t.confidence, $2::timestamptz, $2::timestamptz
     FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::float8[]) AS t(id, type, name, canonical_key, properties, confidence)
     ON CONFLICT (tenant_id, type, canonical_key) DO UPDATE SET
       properties = CASE WHEN excluded.properties = '{}'::jsonb THEN entities.properties ELSE trellis_merge_patch(entities.properties, excluded.properties) END,
       confidence = greatest(entities.confidence, excluded.confidence),
       updated_at = excluded.updated_at
     RETURNING id, type, canonical_key`,
    [
      tenantId,
      now,
      items.map((item) => item.id),
      items.map((item) => item.type),
      items.map((item) => item.name),
      items.map((item) => item.key),
      items.map((item) => JSON.stringify(item.properties)),
      items.map((item) => item.confidence),
    ],
  );
  const stored = new Map(rows.map((row) => [`${row.type}\u0000${row.canonical_key}`, row.id]));
  const ids = items.map((item) => stored.get(`${item.type}\u0000${item.key}`) as string);
  const aliasEntity: string[] = [];
  const aliasKeys: string[] = [];
  const aliasNames: string[] = [];
  items.forEach((item, position) => {
    for (const [aliasKey, alias] of item.aliases) {
      aliasEntity.push(ids[position] as string);
      aliasKeys.push(aliasKey);
      aliasNames.push(alias);
    }
  });
  await tx.client.query(
    `INSERT INTO entity_aliases (tenant_id, entity_id, alias_key, alias)
     SELECT $1::uuid, t.entity_id, t.alias_key, t.alias FROM unnest($2::uuid[], $3::text[], $4::text[]) AS t(entity_id, alias_key, alias)
     ON CONFLICT DO NOTHING`,
    [tenantId, aliasEntity, aliasKeys, aliasNames],
  );
  await insertEvidence(
    tx,
    tenantId,
    'entity',
    ids,
    items.map((item) => item.evidence),
    now,
  );
  return { ids, created: items.map((item, position) => ids[position] === item.id) };
}

/** Upserts relations with their evidence; endpoints must have been checked by the caller. */
export async function upsertRelationsPostgres(
  tx: PostgresTx,
  tenantId: string,
  items: PreparedRelation[],
  now: string,
): Promise<{ ids: string[]; created: boolean[] }> {
  const { rows } = await tx.client.query<{ id: string; from_seq: number; type: string; to_seq: number }>(
    `INSERT INTO relations (tenant_id, id, from_seq, type, to_seq, properties, confidence, valid_from, valid_to, created_at, updated_at)
     SELECT $1::uuid, t.id, t.from_seq, t.type, t.to_seq, t.properties, t.confidence, t.valid_from, t.valid_to, $2::timestamptz, $2::timestamptz
     FROM unnest($3::uuid[], $4::int8[], $5::text[], $6::int8[], $7::jsonb[], $8::float8[], $9::timestamptz[], $10::timestamptz[])
       AS t(id, from_seq, type, to_seq, properties, confidence, valid_from, valid_to)
     ON CONFLICT (tenant_id, from_seq, type, to_seq) DO UPDATE SET
       properties = CASE WHEN excluded.properties = '{}'::jsonb THEN relations.properties ELSE trellis_merge_patch(relations.properties, excluded.properties) END,
       confidence = greatest(relations.confidence, excluded.confidence),
       valid_from = coalesce(excluded.valid_from, relations.valid_from),
       valid_to = coalesce(excluded.valid_to, relations.valid_to),
       updated_at = excluded.updated_at
     RETURNING id, from_seq, type, to_seq`,
    [
      tenantId,
      now,
      items.map((item) => item.id),
      items.map((item) => item.fromSeq),
      items.map((item) => item.type),
      items.map((item) => item.toSeq),
      items.map((item) => JSON.stringify(item.properties)),
      items.map((item) => item.confidence),
      items.map((item) => item.validFrom),
      items.map((item) => item.validTo),
    ],
  );
  const stored = new Map(rows.map((row) => [`${row.from_seq}|${row.type}|${row.to_seq}`, row.id]));
  const ids = items.map((item) => stored.get(`${item.fromSeq}|${item.type}|${item.toSeq}`) as string);
  await insertEvidence(
    tx,
    tenantId,
    'relation',
    ids,
    items.map((item) => item.evidence),
    now,
  );
  return { ids, created: items.map((item, position) => ids[position] === item.id) };
}
