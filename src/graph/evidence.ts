/** @module Evidence: the provenance of every fact, its citations, and the removal of facts left without any. */
import { TrellisError } from '../core/errors.js';
import type { Tx } from '../store/index.js';
import { inList, matchAny, slices, tenantCheck } from './dialect.js';
import { entitySeqs } from './entities.js';
import type { PreparedEvidence } from './prepare.js';
import type { Evidence } from './types.js';

interface EvidenceRow {
  id: string;
  subject_kind: 'entity' | 'relation';
  subject_id: string;
  source_id: string | null;
  chunk_id: string | null;
  start_offset: number | null;
  end_offset: number | null;
  quote: string | null;
  extractor: string;
  extractor_version: string | null;
  confidence: number;
  created_at: string;
  uri: string | null;
  title: string | null;
  page: number | null;
  chunk_text: string | null;
  chunk_start: number | null;
}

/** The passage a citation points at: the stored quote, else the span cut from its chunk. */
function passage(row: EvidenceRow): string | null {
  if (row.quote !== null) return row.quote;
  if (row.chunk_text === null) return null;
  if (row.start_offset === null || row.end_offset === null || row.chunk_start === null) return row.chunk_text.slice(0, 500);
  return row.chunk_text.slice(row.start_offset - row.chunk_start, row.end_offset - row.chunk_start);
}

const evidenceColumns = `e.id, e.subject_kind, e.subject_id, e.source_id, e.chunk_id, e.start_offset, e.end_offset, e.quote, e.extractor, e.extractor_version, e.confidence, e.created_at,
            s.uri, s.title, c.page, c.text AS chunk_text, c.start_offset AS chunk_start`;
const citationJoins = `LEFT JOIN sources s ON s.tenant_id = e.tenant_id AND s.id = e.source_id
       LEFT JOIN chunks c ON c.tenant_id = e.tenant_id AND c.id = e.chunk_id`;

/** At most `perSubject` evidence rows of each subject (the first in key order): a bounded read for popular facts. */
async function sampledEvidence(tx: Tx, tenantId: string, subjectIds: readonly string[], perSubject: number): Promise<EvidenceRow[]> {
  if (tx.dialect === 'postgres') {
    return tx.all<EvidenceRow>(
      `SELECT ${evidenceColumns}
         FROM unnest(?::uuid[]) AS wanted(id)
         CROSS JOIN LATERAL (SELECT * FROM evidence x WHERE x.tenant_id = ? AND x.subject_id = wanted.id LIMIT ?) e
         ${citationJoins}`,
      [subjectIds as unknown as string, tenantId, perSubject],
    );
  }
  const rows: EvidenceRow[] = [];
  for (const id of subjectIds) {
    rows.push(
      ...(await tx.all<EvidenceRow>(`SELECT ${evidenceColumns} FROM evidence e ${citationJoins} WHERE e.tenant_id = ? AND e.subject_id = ? LIMIT ?`, [
        tenantId,
        id,
        perSubject,
      ])),
    );
  }
  return rows;
}

/**
 * Evidence for the given subjects, with source URI, title, page and passage resolved. Grouped by subject, oldest first.
 * With `perSubject`, at most that many of each subject (which ones is stable but not the oldest): for results that show a
 * few citations of entities that may have thousands.
 */
export async function evidenceFor(tx: Tx, tenantId: string, subjectIds: readonly string[], perSubject?: number): Promise<Map<string, Evidence[]>> {
  const out = new Map<string, Evidence[]>(subjectIds.map((id) => [id, []]));
  if (subjectIds.length === 0) return out;
  let rows: EvidenceRow[];
  if (perSubject !== undefined) rows = await sampledEvidence(tx, tenantId, subjectIds, perSubject);
  else {
    const filter = matchAny(tx.dialect, 'e.subject_id', 'uuid', subjectIds);
    rows = await tx.all<EvidenceRow>(`SELECT ${evidenceColumns} FROM evidence e ${citationJoins} WHERE e.tenant_id = ? AND ${filter.sql}`, [
      tenantId,
      filter.param,
    ]);
  }
  // Oldest first; sorted here because the index order (subject, fingerprint) is not time order.
  rows.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1));
  for (const row of rows) {
    out.get(row.subject_id)?.push({
      id: row.id,
      subjectKind: row.subject_kind,
      subjectId: row.subject_id,
      sourceId: row.source_id,
      chunkId: row.chunk_id,
      start: row.start_offset === null ? null : Number(row.start_offset),
      end: row.end_offset === null ? null : Number(row.end_offset),
      quote: passage(row),
      extractor: row.extractor,
      extractorVersion: row.extractor_version,
      confidence: Number(row.confidence),
      createdAt: row.created_at,
      source: row.source_id === null || row.uri === null ? null : { uri: row.uri, title: row.title, page: row.page === null ? null : Number(row.page) },
    });
  }
  return out;
}

/** Where a fact's evidence points: its source and chunk only (no passage text), for rankers that count citations. */
export interface CitedPlace {
  subjectId: string;
  sourceId: string | null;
  chunkId: string | null;
}

/** At most `perSubject` citation places of each subject (the first in key order), without reading sources or passages. */
export async function citedPlaces(tx: Tx, tenantId: string, subjectIds: readonly string[], perSubject: number): Promise<CitedPlace[]> {
  type Row = { subject_id: string; source_id: string | null; chunk_id: string | null };
  let rows: Row[];
  if (subjectIds.length === 0) return [];
  if (tx.dialect === 'postgres') {
    rows = await tx.all<Row>(
      `SELECT wanted.id AS subject_id, e.source_id, e.chunk_id
         FROM unnest(?::uuid[]) AS wanted(id)
         CROSS JOIN LATERAL (SELECT source_id, chunk_id FROM evidence x WHERE x.tenant_id = ? AND x.subject_id = wanted.id LIMIT ?) e`,
      [subjectIds as unknown as string, tenantId, perSubject],
    );
  } else {
    rows = [];
    for (const id of subjectIds) {
      rows.push(
        ...(await tx.all<Row>('SELECT subject_id, source_id, chunk_id FROM evidence WHERE tenant_id = ? AND subject_id = ? LIMIT ?', [
          tenantId,
          id,
          perSubject,
        ])),
      );
    }
  }
  return rows.map((row) => ({ subjectId: String(row.subject_id), sourceId: row.source_id, chunkId: row.chunk_id }));
}

/** Checks that every cited source and chunk exists in this tenant and that each chunk belongs to its source. */
export async function checkEvidenceTargets(tx: Tx, tenantId: string, lists: readonly PreparedEvidence[][]): Promise<void> {
  const sources = new Set<string>();
  const chunks = new Map<string, string>();
  for (const list of lists) {
    for (const evidence of list) {
      if (evidence.sourceId) sources.add(evidence.sourceId);
      if (evidence.chunkId && evidence.sourceId) chunks.set(evidence.chunkId, evidence.sourceId);
    }
  }
  if (sources.size > 0) {
    const filter = inList(tx.dialect, 'id', 'uuid');
    const found = await tx.all<{ id: string }>(`SELECT id FROM sources WHERE tenant_id = ? AND ${filter.sql}`, [tenantId, filter.param([...sources])]);
    const known = new Set(found.map((row) => row.id));
    const missing = [...sources].find((id) => !known.has(id));
    if (missing) throw new TrellisError('unprocessable', `Evidence cites source ${missing}, which does not exist`, { sourceId: missing });
  }
  if (chunks.size > 0) {
    const filter = inList(tx.dialect, 'id', 'uuid');
    const found = await tx.all<{ id: string; source_id: string }>(`SELECT id, source_id FROM chunks WHERE tenant_id = ? AND ${filter.sql}`, [
      tenantId,
      filter.param([...chunks.keys()]),
    ]);
    const owner = new Map(found.map((row) => [row.id, row.source_id]));
    for (const [chunkId, sourceId] of chunks) {
      if (owner.get(chunkId) !== sourceId)
        throw new TrellisError('unprocessable', `Evidence cites chunk ${chunkId}, which is not a chunk of source ${sourceId}`, { chunkId, sourceId });
    }
  }
}

/** What a removal deleted. */
export interface Removal {
  entities: string[];
  relations: string[];
}

/** Of the given subjects, those with no evidence left. */
async function withoutEvidence(tx: Tx, tenantId: string, ids: readonly string[]): Promise<string[]> {
  const orphaned: string[] = [];
  const filter = inList(tx.dialect, 'subject_id', 'uuid');
  for (const slice of slices(ids, 5000)) {
    const rows = await tx.all<{ subject_id: string }>(`SELECT DISTINCT subject_id FROM evidence WHERE tenant_id = ? AND ${filter.sql}`, [
      tenantId,
      filter.param(slice),
    ]);
    const kept = new Set(rows.map((row) => row.subject_id));
    for (const id of slice) if (!kept.has(id)) orphaned.push(id);
  }
  return orphaned;
}

/**
 * Deletes entities and relations, and with an entity every relation that touches it, together with their evidence and aliases.
 * Returns everything it deleted.
 */
export async function deleteFacts(tx: Tx, tenantId: string, entityIds: readonly string[], relationIds: readonly string[]): Promise<Removal> {
  const relations = new Set(relationIds);
  const byEntity = inList(tx.dialect, 'id', 'uuid');
  const seqs = [...(await entitySeqs(tx, tenantId, entityIds)).values()].map(String);
  const fromFilter = inList(tx.dialect, 'from_seq', 'int8');
  const toFilter = inList(tx.dialect, 'to_seq', 'int8');
  for (const slice of slices(seqs, 5000)) {
    const touching = await tx.all<{ id: string }>(
      `SELECT id FROM relations WHERE ${fromFilter.sql} AND ${tenantCheck(tx.dialect)} UNION SELECT id FROM relations WHERE ${toFilter.sql} AND ${tenantCheck(tx.dialect)}`,
      [fromFilter.param(slice), tenantId, toFilter.param(slice), tenantId],
    );
    for (const row of touching) relations.add(row.id);
  }
  const subjectFilter = inList(tx.dialect, 'subject_id', 'uuid');
  const aliasFilter = inList(tx.dialect, 'entity_id', 'uuid');
  for (const slice of slices([...relations], 5000)) {
    await tx.run(`DELETE FROM evidence WHERE tenant_id = ? AND ${subjectFilter.sql}`, [tenantId, subjectFilter.param(slice)]);
    await tx.run(`DELETE FROM relations WHERE tenant_id = ? AND ${byEntity.sql}`, [tenantId, byEntity.param(slice)]);
  }
  for (const slice of slices(entityIds, 5000)) {
    await tx.run(`DELETE FROM evidence WHERE tenant_id = ? AND ${subjectFilter.sql}`, [tenantId, subjectFilter.param(slice)]);
    await tx.run(`DELETE FROM entity_aliases WHERE tenant_id = ? AND ${aliasFilter.sql}`, [tenantId, aliasFilter.param(slice)]);
    await tx.run(`DELETE FROM entities WHERE tenant_id = ? AND ${byEntity.sql}`, [tenantId, byEntity.param(slice)]);
  }
  return { entities: [...entityIds], relations: [...relations] };
}

/**
 * Retracts all evidence a source gave, then removes the facts left with none.
 * Returns the number of retracted evidence rows and what was removed.
 */
export async function retractSource(tx: Tx, tenantId: string, sourceId: string): Promise<Removal & { retracted: number }> {
  const subjects = await tx.all<{ subject_id: string; subject_kind: 'entity' | 'relation' }>(
    'SELECT DISTINCT subject_id, subject_kind FROM evidence WHERE tenant_id = ? AND source_id = ?',
    [tenantId, sourceId],
  );
  const retracted = await tx.run('DELETE FROM evidence WHERE tenant_id = ? AND source_id = ?', [tenantId, sourceId]);
  const entities = await withoutEvidence(
    tx,
    tenantId,
    subjects.filter((row) => row.subject_kind === 'entity').map((row) => row.subject_id),
  );
  const relations = await withoutEvidence(
    tx,
    tenantId,
    subjects.filter((row) => row.subject_kind === 'relation').map((row) => row.subject_id),
  );
  const removal = await deleteFacts(tx, tenantId, entities, relations);
  return { retracted, ...removal };
}
