/** @module The mapping engine: validates rows of one file against its mapping, stores them as a dataset and writes the entities and relations they give, citing each row. */
import type { GraphService, RelationInput } from '../../graph/index.js';
import { maxBulkItems } from '../../graph/index.js';
import type { Store } from '../../store/index.js';
import type { FileMapping } from './config.js';
import { type QuarantineDraft, ensureDataset, releaseCache, rowsByNumber, storeQuarantine, storeRows, touchDataset } from './datasets.js';
import { type GraphInputs, type RowSource, type ValidRow, citation, graphInputs } from './graph-inputs.js';
import { duplicateReason, rowPlan } from './row-batches.js';
import { type RowInput, type RowReadOptions, readBatches } from './row-reader.js';

export { rowKey } from './row-batches.js';
export type { RowSource } from './graph-inputs.js';
export type { RowFile, RowInput } from './row-reader.js';

/** What the engine needs. */
export interface MappingServices {
  store: Store;
  graph: GraphService;
}

/** What one file's ingest did. */
export interface MappingSummary {
  /** Rows read from the file (for xlsx, from the mapped sheet). */
  rows: number;
  /** Rows stored in the dataset. */
  stored: number;
  /** Rows not stored, each with a quarantine entry. */
  quarantined: number;
  /** Entity citations written from rows (one per row and entity mapping). */
  entities: number;
  /** Relation citations written from rows. */
  relations: number;
  /** Quarantine entries by reason: rows (ragged row, missing column, missing value, invalid value, duplicate key) and parts of stored rows (unresolved reference, empty name). */
  byReason: Record<string, number>;
}

/** Options of {@link ingestRows}. */
export interface IngestRowsOptions extends RowReadOptions {
  /** Rows per batch: one dataset write and one bulk upsert each of entities and relations. @default 5000 */
  batchSize?: number;
  /**
   * Relations to a later row of the same file held back until the file's end (then resolved or quarantined), at
   * most this many per file; beyond it they are quarantined as unresolved at once. @default 1000000
   */
  maxDeferred?: number;
}

/** Referenced entities whose IDs are kept between batches, at most (then the memory starts afresh). */
const maxKnown = 100_000;

function bump(byReason: Record<string, number>, reason: string): void {
  const colon = reason.indexOf(':');
  const code = colon < 0 ? reason : reason.slice(0, colon);
  byReason[code] = (byReason[code] ?? 0) + 1;
}

/** A 32-bit FNV-1a hash of a row key: tells apart rows with the same number (two sheets into one dataset) in the deferred list. */
function keyHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  return hash | 0;
}

/**
 * Ingests the rows of one file through its mapping: each row is validated and coerced (a bad cell quarantines the
 * row with file, row, column and reason, and the rest go on), stored as a dataset row with its source and row
 * number (a key the file already gave is quarantined as a duplicate: the first row wins), and turned into the
 * entities and relations the mapping declares, each citing the row. Writes go in batches; a file given as
 * `{ file, kind }` of at least `workerMinBytes` is read and validated in a worker thread while batches are stored.
 * A relation to a key of the same dataset that a later row of the file gives is resolved at the end of the file.
 * @example
 * const summary = await ingestRows({ store, graph }, tenantId, { id: source.id, file: 'projects.csv' }, { file: path, kind: 'csv' }, config.files[0]);
 */
export async function ingestRows(
  services: MappingServices,
  tenantId: string,
  source: RowSource,
  rows: RowInput,
  mapping: FileMapping,
  options: IngestRowsOptions = {},
): Promise<MappingSummary> {
  const { store } = services;
  const batchSize = Math.max(
    1,
    Math.min(options.batchSize ?? 5000, Math.floor(maxBulkItems / Math.max(1, mapping.entities.length * 2, mapping.relations.length))),
  );
  const summary: MappingSummary = { rows: 0, stored: 0, quarantined: 0, entities: 0, relations: 0, byReason: {} };
  const datasetId = await store.transaction({ tenantId }, (tx) => ensureDataset(tx, tenantId, mapping, source.id));
  const graph = mapping.entities.length > 0 ? graphWriter(services, tenantId, source, mapping, datasetId, summary, options.maxDeferred ?? 1_000_000) : null;
  const keyColumn = mapping.key.join(',');

  for await (const batch of readBatches(rows, rowPlan(mapping, source.file), { rows: batchSize }, options)) {
    summary.rows += batch.read;
    const duplicates = await store.transaction({ tenantId }, async (tx) => {
      releaseCache(tx);
      const found = await storeRows(tx, tenantId, datasetId, source.id, batch);
      const entries: QuarantineDraft[] = batch.quarantine.concat(
        found.map(({ index, firstRow }) => ({
          file: source.file,
          row: batch.rows[index] as number,
          column: keyColumn,
          reason: duplicateReason(batch.keys[index] as string, firstRow),
          values: JSON.parse(batch.values[index] as string) as Record<string, unknown>,
        })),
      );
      await storeQuarantine(tx, tenantId, source.id, datasetId, entries);
      for (const entry of entries) bump(summary.byReason, entry.reason);
      return found;
    });
    summary.quarantined += batch.quarantine.length + duplicates.length;
    summary.stored += batch.keys.length - duplicates.length;
    if (!graph) continue;
    const skip = new Set(duplicates.map((duplicate) => duplicate.index));
    const valid: ValidRow[] = [];
    for (let index = 0; index < batch.keys.length; index++) {
      if (skip.has(index)) continue;
      const key = batch.keys[index] as string;
      const row = batch.rows[index] as number;
      valid.push({ key, row, values: JSON.parse(batch.values[index] as string), evidence: citation(source.id, source.file, row, mapping.dataset, key) });
    }
    await graph.write(valid);
  }
  await graph?.finish(batchSize);
  await store.transaction({ tenantId }, (tx) => touchDataset(tx, tenantId, datasetId));
  return summary;
}

async function upsertInSlices<T>(inputs: readonly T[], write: (slice: T[]) => Promise<{ ids: string[] }>): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < inputs.length; start += maxBulkItems) ids.push(...(await write(inputs.slice(start, start + maxBulkItems))).ids);
  return ids;
}

/** Writes the graph side of stored rows, batch by batch, and at the end the relations held back for later rows. */
function graphWriter(
  services: MappingServices,
  tenantId: string,
  source: RowSource,
  mapping: FileMapping,
  datasetId: string,
  summary: MappingSummary,
  maxDeferred: number,
) {
  const known = new Map<string, string>();
  // Relations held back: the row number, the relation mapping and the row key's hash, in file order.
  const deferred = { rows: [] as number[], relations: [] as number[], hashes: [] as number[] };

  const commit = async (inputs: GraphInputs, countEntities: boolean) => {
    if (inputs.notes.length > 0) {
      await services.store.transaction({ tenantId }, (tx) => storeQuarantine(tx, tenantId, source.id, datasetId, inputs.notes));
      for (const note of inputs.notes) bump(summary.byReason, note.reason);
    }
    let ids: readonly string[] = [];
    const relationsFor = (entityIds: readonly string[]): RelationInput[] => {
      ids = entityIds;
      const id = (end: number | string) => (typeof end === 'number' ? (entityIds[end] as string) : end);
      return inputs.relations.map(({ from, to, input }) => ({ ...input, from: id(from), to: id(to) }));
    };
    if (inputs.relations.length > 0 && inputs.entities.length <= maxBulkItems && inputs.relations.length <= maxBulkItems) {
      // One transaction for the batch's entities and relations.
      await services.graph.upsertEntitiesAndRelations(tenantId, inputs.entities, relationsFor);
    } else {
      const relations = relationsFor(await upsertInSlices(inputs.entities, (slice) => services.graph.upsertEntities(tenantId, slice)));
      await upsertInSlices(relations, (slice) => services.graph.upsertRelations(tenantId, slice));
    }
    if (known.size + inputs.referenced.size > maxKnown) known.clear();
    for (const [index, identity] of inputs.referenced) known.set(identity, ids[index] as string);
    if (countEntities) summary.entities += inputs.fromRows;
    summary.relations += inputs.relations.length;
  };

  return {
    async write(rows: ValidRow[]): Promise<void> {
      const defer = deferred.rows.length < maxDeferred;
      const inputs = await services.store.read({ tenantId }, (tx) => graphInputs(tx, tenantId, source, mapping, rows, { known, defer }));
      for (const { position, relation } of inputs.deferred) {
        const row = rows[position] as ValidRow;
        deferred.rows.push(row.row);
        deferred.relations.push(relation);
        deferred.hashes.push(keyHash(row.key));
      }
      await commit(inputs, true);
    },

    /** Resolves the held-back relations now that the whole file is stored; a key still missing is quarantined. */
    async finish(batchSize: number): Promise<void> {
      for (let start = 0; start < deferred.rows.length;) {
        // A slice of whole rows: a row's held-back relations stay together.
        let end = Math.min(deferred.rows.length, start + batchSize);
        while (end < deferred.rows.length && deferred.rows[end] === deferred.rows[end - 1]) end++;
        const wanted = new Map<number, { hash: number; relations: number[] }[]>();
        for (let index = start; index < end; index++) {
          const row = deferred.rows[index] as number;
          const hash = deferred.hashes[index] as number;
          const forRow = wanted.get(row) ?? [];
          const entry = forRow.find((item) => item.hash === hash) ?? (forRow.push({ hash, relations: [] }), forRow[forRow.length - 1]!);
          entry.relations.push(deferred.relations[index] as number);
          wanted.set(row, forRow);
        }
        const rows: ValidRow[] = [];
        const relations: number[][] = [];
        const inputs = await services.store.read({ tenantId }, async (tx) => {
          for (const stored of await rowsByNumber(tx, tenantId, datasetId, source.id, [...wanted.keys()])) {
            const entry = wanted.get(stored.row)?.find((item) => item.hash === keyHash(stored.key));
            if (!entry) continue;
            rows.push({ ...stored, evidence: citation(source.id, source.file, stored.row, mapping.dataset, stored.key) });
            relations.push(entry.relations);
          }
          return graphInputs(tx, tenantId, source, mapping, rows, {
            known,
            defer: false,
            revisit: true,
            relationsOf: (position) => relations[position] as number[],
          });
        });
        // The rows' own entities are written again (idempotent: same citation) for their IDs; they were counted the first time.
        await commit(inputs, false);
        start = end;
      }
    },
  };
}
