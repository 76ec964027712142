/** @module Rows → graph inputs: the entities and relations a batch of stored rows gives through its mapping, each citing its row, with references to other rows resolved. */
import type { EntityInput, EvidenceInput, RelationInput } from '../../graph/index.js';
import type { Tx } from '../../store/index.js';
import type { EndpointMapping, EntityMapping, FileMapping, ValueTemplate } from './config.js';
import { type QuarantineDraft, type StoredRow, rowsByKey } from './datasets.js';
import { rowKey } from './row-batches.js';

/** A stored row with its citation. */
export interface ValidRow {
  key: string;
  row: number;
  values: Record<string, unknown>;
  evidence: EvidenceInput;
}

/** The source a file was registered as, and the file's path relative to the ingest root (named in quarantine entries and citations). */
export interface RowSource {
  id: string;
  file: string;
}

/** A relation endpoint: an index into the batch's entity inputs, or the ID of an entity written by an earlier batch. */
export type Endpoint = number | string;

/** What a batch gives the graph. */
export interface GraphInputs {
  entities: EntityInput[];
  /** How many of `entities` are the rows' own (the rest are rows they refer to). */
  fromRows: number;
  relations: { from: Endpoint; to: Endpoint; input: Omit<RelationInput, 'from' | 'to'> }[];
  /** Quarantine entries for parts of rows: an empty name, an unresolved reference. */
  notes: QuarantineDraft[];
  /** Entity inputs of referenced rows by index, with their identity, so that later batches reuse the IDs written. */
  referenced: Map<number, string>;
  /** Relations left for later: their end is a key of this dataset not stored yet (a later row of the same file). */
  deferred: { position: number; relation: number }[];
}

/** What {@link graphInputs} knows beyond the rows. */
export interface GraphContext {
  /** IDs of referenced entities written by earlier batches, by identity (dataset, entity mapping, key). */
  known: ReadonlyMap<string, string>;
  /** Whether a reference to a key of this dataset that is not stored yet is deferred instead of quarantined. */
  defer: boolean;
  /** The relation mappings to build for the row at a position (all when absent). */
  relationsOf?: (position: number) => readonly number[];
  /** Rows seen before (held-back relations): their empty names were quarantined the first time. @default false */
  revisit?: boolean;
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

/** How a row is cited: its source, its row number as a span [row, row + 1) and a quote naming file, row, dataset and key. */
export function citation(sourceId: string, file: string, row: number, dataset: string, key: string): EvidenceInput {
  return { sourceId, start: row, end: row + 1, quote: `${file} row ${row} (${dataset} ${key})`, extractor: `mapping:${dataset}` };
}

/** The entity a row gives through an entity mapping, or the column its empty name comes from. */
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

type DatasetEnd = Extract<EndpointMapping, { kind: 'dataset' }>;

/** The key a row refers to through an endpoint; null when a key column is empty (no reference). */
function referenceKey(end: DatasetEnd, values: Record<string, unknown>): string | null {
  for (const column of end.columns) if (values[column] === null || values[column] === undefined) return null;
  return rowKey(end.columns, values);
}

const allRelations = (mapping: FileMapping) => mapping.relations.map((_, index) => index);

/** What resolving an endpoint gave: an entity, no entity (nothing to relate, not an error), a missing key, or "later". */
type Resolved = Endpoint | null | { missing: string; column: string } | 'deferred';

/**
 * The entity and relation inputs of a batch of stored rows. References to rows of other datasets (or of this one,
 * outside this batch) are looked up in the store once per dataset; a referenced entity is upserted again with its
 * own row's citation (an idempotent write that yields its ID without reading graph tables) unless an earlier batch
 * already did (`context.known`).
 */
export async function graphInputs(
  tx: Tx,
  tenantId: string,
  source: RowSource,
  mapping: FileMapping,
  rows: readonly ValidRow[],
  context: GraphContext,
): Promise<GraphInputs> {
  const out: GraphInputs = { entities: [], fromRows: 0, relations: [], notes: [], referenced: new Map(), deferred: [] };
  if (mapping.entities.length === 0) return out;
  const note = (row: ValidRow, column: string | null, reason: string) =>
    out.notes.push({ file: source.file, row: row.row, column, reason, values: row.values });
  // Per row, the index of each entity mapping's input (-1 when the row gave none).
  const own = new Int32Array(rows.length * mapping.entities.length).fill(-1);
  const byKey = new Map<string, number>();
  rows.forEach((row, position) => {
    byKey.set(row.key, position);
    mapping.entities.forEach((entity, index) => {
      const input = entityInput(entity, row, row.evidence);
      if (typeof input === 'string') {
        if (!context.revisit) note(row, input || null, `empty name: the row gives no name for its ${entity.type} (${entity.as})`);
      } else own[position * mapping.entities.length + index] = out.entities.push(input) - 1;
    });
  });
  out.fromRows = out.entities.length;
  if (mapping.relations.length === 0) return out;
  const every = allRelations(mapping);
  const relationsOf = context.relationsOf ?? (() => every);
  const entityIndex = new Map(mapping.entities.map((entity, index) => [entity.as, index]));

  const wanted = new Map<string, Set<string>>();
  rows.forEach((row, position) => {
    for (const relationIndex of relationsOf(position)) {
      const relation = mapping.relations[relationIndex]!;
      for (const end of [relation.from, relation.to]) {
        if (end.kind !== 'dataset') continue;
        const key = referenceKey(end, row.values);
        if (key === null || (end.dataset === mapping.dataset && byKey.has(key))) continue;
        if (context.known.has(`${end.dataset}\u0000${end.target!.entity.as}\u0000${key}`)) continue;
        let keys = wanted.get(end.dataset);
        if (!keys) wanted.set(end.dataset, (keys = new Set()));
        keys.add(key);
      }
    }
  });
  const found = new Map<string, Map<string, StoredRow>>();
  for (const [dataset, keys] of wanted) found.set(dataset, await rowsByKey(tx, tenantId, dataset, [...keys]));

  const referenced = new Map<string, number>();
  const resolve = (end: EndpointMapping, row: ValidRow, position: number): Resolved => {
    if (end.kind === 'row') {
      const index = own[position * mapping.entities.length + (entityIndex.get(end.as) as number)] as number;
      return index < 0 ? null : index;
    }
    const key = referenceKey(end, row.values);
    if (key === null) return null;
    const target = end.target!;
    if (end.dataset === mapping.dataset && byKey.has(key)) {
      const index = own[(byKey.get(key) as number) * mapping.entities.length + mapping.entities.indexOf(target.entity)] as number;
      return index < 0 ? null : index;
    }
    const identity = `${end.dataset}\u0000${target.entity.as}\u0000${key}`;
    const known = context.known.get(identity) ?? referenced.get(identity);
    if (known !== undefined) return known;
    const stored = found.get(end.dataset)?.get(key);
    if (!stored) {
      if (context.defer && end.dataset === mapping.dataset) return 'deferred';
      return { missing: `unresolved reference: dataset ${end.dataset} has no row with key ${key}`, column: end.columns.join(',') };
    }
    const input = entityInput(target.entity, { key, values: stored.values }, citation(stored.sourceId, stored.file, stored.row, end.dataset, key));
    if (typeof input === 'string') return null;
    const index = out.entities.push(input) - 1;
    referenced.set(identity, index);
    out.referenced.set(index, identity);
    return index;
  };
  rows.forEach((row, position) => {
    for (const relationIndex of relationsOf(position)) {
      const relation = mapping.relations[relationIndex]!;
      const from = resolve(relation.from, row, position);
      const to = resolve(relation.to, row, position);
      if (from === 'deferred' || to === 'deferred') {
        out.deferred.push({ position, relation: relationIndex });
        continue;
      }
      for (const end of [from, to]) if (end !== null && typeof end === 'object') note(row, end.column, end.missing);
      if (from === null || to === null || typeof from === 'object' || typeof to === 'object') continue;
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
