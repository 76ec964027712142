/** @module The mapping engine: validates rows of one file against its mapping, stores them as a dataset and writes the entities and relations they give, citing each row. */
import type { EntityInput, EvidenceInput, GraphService, RelationInput } from '../../graph/index.js';
import { maxBulkItems } from '../../graph/index.js';
import type { Store } from '../../store/index.js';
import type { SourceRow } from '../types.js';
import { coerce, isEmpty } from './coerce.js';
import type { ColumnDefinition, EndpointMapping, EntityMapping, FileMapping, ValueTemplate } from './config.js';
import { type QuarantineDraft, type RowDraft, type StoredRow, ensureDataset, recountRows, rowsByKey, storeQuarantine, storeRows } from './datasets.js';

/** What the engine needs. */
export interface MappingServices {
  store: Store;
  graph: GraphService;
}

/** The source a file was registered as, and the file's path relative to the ingest root (named in quarantine entries and citations). */
export interface RowSource {
  id: string;
  file: string;
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
export interface IngestRowsOptions {
  /** Rows per batch: one dataset write and one bulk upsert each of entities and relations. @default 5000 */
  batchSize?: number;
}

interface ValidRow extends RowDraft {
  evidence: EvidenceInput;
}

/** The text a template gives for a row; null when a column it uses is empty. */
function render(template: ValueTemplate, values: Record<string, unknown>): string | null {
  const parts = template.parts;
  if (parts.length === 1 && typeof parts[0] !== 'string') {
    const value = values[(parts[0] as { column: string }).column];
    return value === null || value === undefined || value === '' ? null : String(value);
  }
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') out += part;
    else {
      const value = values[part.column];
      if (value === null || value === undefined || value === '') return null;
      out += String(value);
    }
  }
  return out.trim() === '' ? null : out;
}

function firstColumn(template: ValueTemplate): string | null {
  for (const part of template.parts) if (typeof part !== 'string') return part.column;
  return null;
}

/** A row's key as stored: the value of a one-column key, or the JSON array of a composite key's values. */
export function rowKey(columns: readonly string[], values: Record<string, unknown>): string {
  if (columns.length === 1) return String(values[columns[0] as string]);
  return JSON.stringify(columns.map((column) => values[column]));
}

/** How a row is cited: its source, its row number as a span [row, row + 1) and a quote naming file, row, dataset and key. */
function citation(sourceId: string, file: string, row: number, dataset: string, key: string): EvidenceInput {
  return { sourceId, start: row, end: row + 1, quote: `${file} row ${row} (${dataset} ${key})`, extractor: `mapping:${dataset}` };
}

function entityInput(mapping: EntityMapping, row: { key: string; values: Record<string, unknown> }, evidence: EvidenceInput): EntityInput | string {
  const name = render(mapping.name, row.values);
  if (name === null) return firstColumn(mapping.name) ?? '';
  const properties: Record<string, unknown> = {};
  for (const property in mapping.properties) {
    const value = row.values[mapping.properties[property] as string];
    if (value !== null && value !== undefined) properties[property] = value;
  }
  const aliases: string[] = [];
  for (const alias of mapping.aliases) {
    const text = render(alias, row.values);
    if (text !== null) aliases.push(text);
  }
  const key = mapping.key === null ? row.key : render(mapping.key, row.values);
  return { type: mapping.type, name, key: key ?? row.key, properties, aliases, evidence: [evidence] };
}

function bump(byReason: Record<string, number>, reason: string): void {
  const code = reason.slice(0, reason.indexOf(':') < 0 ? reason.length : reason.indexOf(':'));
  byReason[code] = (byReason[code] ?? 0) + 1;
}

/** Validates and coerces one row: the stored values, or the quarantine entry. */
function validate(
  source: RowSource,
  row: SourceRow,
  columns: readonly [string, ColumnDefinition][],
  keyColumns: ReadonlySet<string>,
): { values: Record<string, unknown> } | { quarantine: QuarantineDraft } {
  const quarantine = (column: string | null, reason: string) => ({ quarantine: { file: source.file, row: row.row, column, reason, values: row.values } });
  if (row.error !== undefined) return quarantine(null, `ragged row: ${row.error}`);
  const values: Record<string, unknown> = {};
  for (const [name, column] of columns) {
    const raw = row.values[name];
    if (raw === undefined && !(name in row.values)) {
      if (column.required || keyColumns.has(name)) return quarantine(name, `missing column: the file has no column "${name}"`);
      values[name] = null;
    } else if (isEmpty(raw)) {
      if (column.required || keyColumns.has(name)) return quarantine(name, `missing value: "${name}" is required`);
      values[name] = null;
    } else {
      const coerced = coerce(raw, column.type);
      if (!coerced.ok) return quarantine(name, `invalid value: ${coerced.reason} (column "${name}" is ${column.type})`);
      values[name] = coerced.value;
    }
  }
  return { values };
}

/**
 * Ingests the rows of one file through its mapping: each row is validated and coerced (a bad cell quarantines the
 * row with file, row, column and reason, and the rest go on), deduplicated by key within the file (a later duplicate
 * is quarantined), stored as a dataset row with its source and row number, and turned into the entities and
 * relations the mapping declares, each citing the row. Writes go in batches.
 * @example
 * const summary = await ingestRows({ store, graph }, tenantId, { id: source.id, file: 'projects.csv' }, openRows(path, 'csv'), config.files[0]);
 */
export async function ingestRows(
  services: MappingServices,
  tenantId: string,
  source: RowSource,
  rows: AsyncIterable<SourceRow>,
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
  const columns = Object.entries(mapping.columns);
  const keyColumns = new Set(mapping.key);
  const seen = new Map<string, number>();
  let batch: ValidRow[] = [];
  let quarantine: QuarantineDraft[] = [];

  const flush = async () => {
    const rowsOfBatch = batch;
    const held = quarantine;
    batch = [];
    quarantine = [];
    const { entities, relations, notes } = await graphInputs(services, tenantId, source, mapping, rowsOfBatch);
    held.push(...notes);
    await store.transaction({ tenantId }, async (tx) => {
      await storeRows(tx, tenantId, datasetId, source.id, rowsOfBatch);
      await storeQuarantine(tx, tenantId, source.id, datasetId, held);
    });
    for (const note of held) bump(summary.byReason, note.reason);
    const ids = await upsertInSlices(entities.inputs, (slice) => services.graph.upsertEntities(tenantId, slice));
    const relationInputs: RelationInput[] = relations.map(({ from, to, input }) => ({ ...input, from: ids[from] as string, to: ids[to] as string }));
    await upsertInSlices(relationInputs, (slice) => services.graph.upsertRelations(tenantId, slice));
    summary.stored += rowsOfBatch.length;
    summary.entities += entities.fromRows;
    summary.relations += relationInputs.length;
  };

  for await (const row of rows) {
    if (mapping.sheet !== null && row.sheet !== undefined && row.sheet !== mapping.sheet) continue;
    summary.rows++;
    const result = validate(source, row, columns, keyColumns);
    if ('quarantine' in result) {
      quarantine.push(result.quarantine);
      summary.quarantined++;
    } else {
      const values = result.values;
      const key = rowKey(mapping.key, values);
      const first = seen.get(key);
      if (first !== undefined) {
        quarantine.push({
          file: source.file,
          row: row.row,
          column: mapping.key.join(','),
          reason: `duplicate key: ${key} was first seen in row ${first}`,
          values: row.values,
        });
        summary.quarantined++;
      } else {
        seen.set(key, row.row);
        batch.push({ key, row: row.row, values, evidence: citation(source.id, source.file, row.row, mapping.dataset, key) });
      }
    }
    if (batch.length >= batchSize || quarantine.length >= batchSize) await flush();
  }
  if (batch.length > 0 || quarantine.length > 0) await flush();
  await store.transaction({ tenantId }, (tx) => recountRows(tx, tenantId, datasetId));
  return summary;
}

async function upsertInSlices<T>(inputs: readonly T[], write: (slice: T[]) => Promise<{ ids: string[] }>): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < inputs.length; start += maxBulkItems) ids.push(...(await write(inputs.slice(start, start + maxBulkItems))).ids);
  return ids;
}

interface GraphInputs {
  entities: { inputs: EntityInput[]; fromRows: number };
  /** Relations with endpoints as indexes into the entity inputs. */
  relations: { from: number; to: number; input: Omit<RelationInput, 'from' | 'to'> }[];
  notes: QuarantineDraft[];
}

/** The entity and relation inputs of a batch of valid rows, resolving references to other datasets' rows. */
async function graphInputs(
  services: MappingServices,
  tenantId: string,
  source: RowSource,
  mapping: FileMapping,
  rows: readonly ValidRow[],
): Promise<GraphInputs> {
  const out: GraphInputs = { entities: { inputs: [], fromRows: 0 }, relations: [], notes: [] };
  if (mapping.entities.length === 0) return out;
  const note = (row: ValidRow, column: string | null, reason: string) =>
    out.notes.push({ file: source.file, row: row.row, column, reason, values: row.values });
  // Per row, the index of each entity mapping's input (-1 when the row gave none).
  const own: Int32Array[] = [];
  const byKey = new Map<string, number>();
  rows.forEach((row, position) => {
    byKey.set(row.key, position);
    const indexes = new Int32Array(mapping.entities.length).fill(-1);
    mapping.entities.forEach((entity, index) => {
      const input = entityInput(entity, row, row.evidence);
      if (typeof input === 'string') note(row, input || null, `empty name: the row gives no name for its ${entity.type} (${entity.as})`);
      else indexes[index] = out.entities.inputs.push(input) - 1;
    });
    own.push(indexes);
  });
  out.entities.fromRows = out.entities.inputs.length;
  if (mapping.relations.length === 0) return out;

  // References to rows of other datasets (or of this one, outside this batch): looked up once per dataset.
  const wanted = new Map<string, Set<string>>();
  const referenceKey = (end: Extract<EndpointMapping, { kind: 'dataset' }>, row: ValidRow): string | null => {
    for (const column of end.columns) if (row.values[column] === null || row.values[column] === undefined) return null;
    return rowKey(end.columns, row.values);
  };
  for (const row of rows) {
    for (const relation of mapping.relations) {
      for (const end of [relation.from, relation.to]) {
        if (end.kind !== 'dataset') continue;
        const key = referenceKey(end, row);
        if (key === null || (end.dataset === mapping.dataset && byKey.has(key))) continue;
        let keys = wanted.get(end.dataset);
        if (!keys) wanted.set(end.dataset, (keys = new Set()));
        keys.add(key);
      }
    }
  }
  const found = new Map<string, Map<string, StoredRow>>();
  if (wanted.size > 0) {
    await services.store.read({ tenantId }, async (tx) => {
      for (const [dataset, keys] of wanted) found.set(dataset, await rowsByKey(tx, tenantId, dataset, [...keys]));
    });
  }
  // A referenced entity is upserted again with its own row's citation: an idempotent write (same evidence
  // fingerprint, same properties) that yields its ID through the graph service without reading graph tables.
  const referenced = new Map<string, number>();
  const resolve = (end: EndpointMapping, row: ValidRow, position: number): number | null | undefined => {
    if (end.kind === 'row') {
      const index = (own[position] as Int32Array)[mapping.entities.findIndex((entity) => entity.as === end.as)] as number;
      return index < 0 ? null : index;
    }
    const key = referenceKey(end, row);
    if (key === null) return null;
    const target = end.target as NonNullable<typeof end.target>;
    const entityIndex = target.mapping.entities.indexOf(target.entity);
    if (end.dataset === mapping.dataset && byKey.has(key)) {
      const index = (own[byKey.get(key) as number] as Int32Array)[entityIndex] as number;
      return index < 0 ? null : index;
    }
    const identity = `${end.dataset}\u0000${target.entity.as}\u0000${key}`;
    const known = referenced.get(identity);
    if (known !== undefined) return known;
    const stored = found.get(end.dataset)?.get(key);
    if (!stored) {
      note(row, end.columns.join(','), `unresolved reference: dataset ${end.dataset} has no row with key ${key}`);
      return undefined;
    }
    const input = entityInput(target.entity, { key, values: stored.values }, citation(stored.sourceId, stored.file, stored.row, end.dataset, key));
    if (typeof input === 'string') return null;
    const index = out.entities.inputs.push(input) - 1;
    referenced.set(identity, index);
    return index;
  };
  rows.forEach((row, position) => {
    for (const relation of mapping.relations) {
      const from = resolve(relation.from, row, position);
      const to = resolve(relation.to, row, position);
      if (from === null || from === undefined || to === null || to === undefined) continue;
      const properties: Record<string, unknown> = {};
      for (const property in relation.properties) {
        const value = row.values[relation.properties[property] as string];
        if (value !== null && value !== undefined) properties[property] = value;
      }
      out.relations.push({ from, to, input: { type: relation.type, properties, evidence: [row.evidence] } });
    }
  });
  return out;
}
