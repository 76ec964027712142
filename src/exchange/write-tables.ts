/**
 * @module Table exports: CSV (RFC 4180, CRLF, a header row) and JSON Lines, of entities, relations or a dataset's rows.
 * A JSONL line of the graph carries `kind` (`entity` or `relation`), the shape `trellis import` reads back.
 */
import { TrellisError, notFound } from '../core/errors.js';
import { type PropertyColumn, columnText } from './columns.js';
import { type ExportContext, type FactPage, citationsJson } from './export-context.js';
import type { Citation, ExportEntity, ExportRelation } from './export-reader.js';
import { csvCell } from './escape.js';

/** Fixed columns of an entity table. */
export const entityColumns = ['id', 'type', 'name', 'key', 'aliases', 'confidence', 'created_at', 'updated_at', 'citations'];
/** Fixed columns of a relation table. */
export const relationColumns = [
  'id',
  'type',
  'from',
  'to',
  'from_name',
  'to_name',
  'confidence',
  'valid_from',
  'valid_to',
  'created_at',
  'updated_at',
  'citations',
];

/** The byte order mark that makes spreadsheet programs read a CSV as UTF-8 (written with `safeCsv`). */
const bom = '\uFEFF';

function row(cells: (string | null)[], safe: boolean): string {
  return `${cells.map((cell) => (cell === null ? '' : csvCell(cell, safe))).join(',')}\r\n`;
}

/** The cell of a dataset value: text as it is, numbers and booleans as JSON writes them, objects and arrays as JSON. */
function cellOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function entityCells(entity: ExportEntity, page: FactPage<ExportEntity>, citations: boolean): (string | null)[] {
  const cells = [
    entity.id,
    entity.type,
    entity.name,
    entity.key,
    JSON.stringify(entity.aliases),
    String(entity.confidence),
    entity.createdAt,
    entity.updatedAt,
  ];
  if (citations) cells.push(citationsJson(page, entity.id));
  return cells;
}

function relationCells(relation: ExportRelation, page: FactPage<ExportRelation>, citations: boolean): (string | null)[] {
  const cells: (string | null)[] = [relation.id, relation.type, relation.from, relation.to, relation.fromName, relation.toName, String(relation.confidence)];
  cells.push(relation.validFrom, relation.validTo, relation.createdAt, relation.updatedAt);
  if (citations) cells.push(citationsJson(page, relation.id));
  return cells;
}

/** A CSV table of the tenant's entities, relations or a dataset's rows. */
export async function* csvChunks(context: ExportContext): AsyncGenerator<string> {
  const { what, safeCsv: safe } = context.request;
  const citations = context.request.citations > 0;
  if (what.kind === 'dataset') {
    const dataset = await context.reader.dataset(what.name);
    if (!dataset) throw notFound('Dataset', what.name);
    const header = [...dataset.columns, ...(citations ? ['_source', '_row'] : [])];
    yield (safe ? bom : '') + row(header, safe);
    for await (const rows of context.reader.datasetPages(dataset.id)) {
      yield rows
        .map((item) => row([...dataset.columns.map((column) => cellOf(item.values[column])), ...(citations ? [item.uri, String(item.row)] : [])], safe))
        .join('');
    }
    return;
  }
  const entities = what.kind === 'entities';
  if (!entities && what.kind !== 'relations') throw new TrellisError('bad_request', 'CSV exports entities, relations or a dataset');
  const fixed = (entities ? entityColumns : relationColumns).filter((name) => citations || name !== 'citations');
  const columns = await context.columns(entities ? 'entities' : 'relations', entities ? entityColumns : relationColumns);
  yield (safe ? bom : '') + row([...fixed, ...columns.map((column) => column.name)], safe);
  const propertyCells = (properties: Record<string, unknown>) => columns.map((column: PropertyColumn) => columnText(column, properties[column.property]));
  if (entities) {
    for await (const page of context.entities()) {
      yield page.items.map((entity) => row([...entityCells(entity, page, citations), ...propertyCells(entity.properties)], safe)).join('');
    }
  } else {
    for await (const page of context.relations(true)) {
      yield page.items.map((relation) => row([...relationCells(relation, page, citations), ...propertyCells(relation.properties)], safe)).join('');
    }
  }
}

function withCitations<T extends object>(line: T, citations: Citation[] | undefined, asked: boolean): T & { citations?: Citation[] } {
  return asked ? { ...line, citations: citations ?? [] } : line;
}

/** JSON Lines of the tenant's entities, relations, both (entities first), or a dataset's rows. */
export async function* jsonlChunks(context: ExportContext): AsyncGenerator<string> {
  const { what } = context.request;
  const asked = context.request.citations > 0;
  if (what.kind === 'dataset') {
    const dataset = await context.reader.dataset(what.name);
    if (!dataset) throw notFound('Dataset', what.name);
    for await (const rows of context.reader.datasetPages(dataset.id)) {
      yield rows.map((item) => `${JSON.stringify(asked ? { ...item.values, _source: item.uri, _row: item.row, _key: item.key } : item.values)}\n`).join('');
    }
    return;
  }
  if (what.kind === 'entities' || what.kind === 'graph') {
    for await (const page of context.entities()) {
      yield page.items.map((entity) => `${JSON.stringify(withCitations({ kind: 'entity', ...entity }, page.citations?.get(entity.id), asked))}\n`).join('');
    }
  }
  if (what.kind === 'relations' || what.kind === 'graph') {
    for await (const page of context.relations()) {
      yield page.items
        .map((relation) => {
          const { fromName: _fromName, toName: _toName, ...rest } = relation;
          return `${JSON.stringify(withCitations({ kind: 'relation', ...rest }, page.citations?.get(relation.id), asked))}\n`;
        })
        .join('');
    }
  }
}
