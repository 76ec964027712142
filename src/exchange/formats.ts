/** @module The export and import formats: names, what each can export, content types, file names, and checking a request. */
import { TrellisError } from '../core/errors.js';
import { isIri } from './escape.js';

/** Every export format. */
export const exportFormats = ['csv', 'jsonl', 'graphml', 'gexf', 'cypher', 'neo4j-csv', 'ntriples'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** Every import format. */
export const importFormats = ['jsonl', 'graphml'] as const;
export type ImportFormat = (typeof importFormats)[number];

/** What an export covers: entities, relations, both (the graph), or the rows of one dataset. */
export type ExportSubject = { kind: 'entities' } | { kind: 'relations' } | { kind: 'graph' } | { kind: 'dataset'; name: string };

/** An export: its format, what it covers and its options. */
export interface ExportRequest {
  format: ExportFormat;
  what: ExportSubject;
  /** Citations (evidence) per fact to include, at most; 0 leaves them out. @default 0 */
  citations: number;
  /** CSV for spreadsheets: formula-like text cells prefixed with `'`, and a UTF-8 byte order mark. @default false */
  safeCsv: boolean;
  /** The IRI N-Triples mints its IRIs under. @default "urn:trellis:" */
  base: string;
}

/** Most citations per fact an export may ask for. */
export const maxCitations = 1000;

/** The default base of minted IRIs. */
export const defaultBase = 'urn:trellis:';

/** Which subjects each format can export. */
const subjectsOf: Record<ExportFormat, readonly ExportSubject['kind'][]> = {
  csv: ['entities', 'relations', 'dataset'],
  jsonl: ['entities', 'relations', 'graph', 'dataset'],
  graphml: ['graph', 'entities'],
  gexf: ['graph', 'entities'],
  cypher: ['graph', 'entities', 'relations'],
  'neo4j-csv': ['entities', 'relations'],
  ntriples: ['graph', 'entities', 'relations'],
};

/** Why a format refuses a subject, said so the user knows what to ask instead. */
const refusals: Partial<Record<ExportFormat, string>> = {
  csv: 'CSV is one table: export what=entities and what=relations separately, or use jsonl for the whole graph',
  graphml: 'GraphML edges need their nodes in the same file: export what=graph (or what=entities for the nodes alone)',
  gexf: 'GEXF edges need their nodes in the same file: export what=graph (or what=entities for the nodes alone)',
  'neo4j-csv':
    'neo4j-admin import reads nodes and relationships from separate files: export what=entities (nodes) and what=relations (relationships), or use `trellis export --format neo4j-csv --out <dir>`, which writes both',
};

/**
 * Parses `what`: `entities`, `relations`, `graph` or `dataset:<name>`.
 * @example
 * parseSubject('dataset:projects') // { kind: 'dataset', name: 'projects' }
 */
export function parseSubject(value: string): ExportSubject {
  if (value === 'entities' || value === 'relations' || value === 'graph') return { kind: value };
  if (value.startsWith('dataset:') && value.length > 'dataset:'.length && value.length <= 'dataset:'.length + 200) {
    return { kind: 'dataset', name: value.slice('dataset:'.length) };
  }
  throw new TrellisError('bad_request', `what must be entities, relations, graph or dataset:<name>; got ${JSON.stringify(value.slice(0, 100))}`);
}

/** Parses a format name, or a bad_request listing the formats. */
export function parseExportFormat(value: string): ExportFormat {
  if ((exportFormats as readonly string[]).includes(value)) return value as ExportFormat;
  throw new TrellisError('bad_request', `Unknown export format ${JSON.stringify(value.slice(0, 100))}; use one of ${exportFormats.join(', ')}`);
}

/** Parses an import format name, or a bad_request listing the formats. */
export function parseImportFormat(value: string): ImportFormat {
  if ((importFormats as readonly string[]).includes(value)) return value as ImportFormat;
  throw new TrellisError('bad_request', `Unknown import format ${JSON.stringify(value.slice(0, 100))}; use one of ${importFormats.join(', ')}`);
}

/** Checks an export request as a whole: the format can export the subject, the options are in range. */
export function checkExportRequest(request: ExportRequest): ExportRequest {
  const { format, what } = request;
  if (!subjectsOf[format].includes(what.kind)) {
    const reason = what.kind === 'dataset' ? `${format} exports the graph; a dataset's rows export as csv or jsonl` : refusals[format];
    throw new TrellisError('bad_request', `format ${format} cannot export what=${what.kind}: ${reason}`, { format, what: what.kind });
  }
  if (!Number.isInteger(request.citations) || request.citations < 0 || request.citations > maxCitations) {
    throw new TrellisError('bad_request', `citations must be an integer from 0 to ${maxCitations}; got ${JSON.stringify(request.citations)}`);
  }
  if (!isIri(request.base) || !/[/#:]$/.test(request.base) || request.base.length > 500) {
    throw new TrellisError(
      'bad_request',
      `base must be an absolute IRI of at most 500 characters ending in "/", "#" or ":", without spaces or <>"{}|^\`\\; got ${JSON.stringify(request.base.slice(0, 100))}`,
    );
  }
  return request;
}

const contentTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  jsonl: 'application/x-ndjson; charset=utf-8',
  graphml: 'application/graphml+xml; charset=utf-8',
  gexf: 'application/gexf+xml; charset=utf-8',
  cypher: 'application/x-cypher-query; charset=utf-8',
  'neo4j-csv': 'text/csv; charset=utf-8; header=present',
  ntriples: 'application/n-triples; charset=utf-8',
};

const extensions: Record<ExportFormat, string> = {
  csv: 'csv',
  jsonl: 'jsonl',
  graphml: 'graphml',
  gexf: 'gexf',
  cypher: 'cypher',
  'neo4j-csv': 'csv',
  ntriples: 'nt',
};

/** The media type an export is sent as. */
export function contentTypeOf(format: ExportFormat): string {
  return contentTypes[format];
}

/** The file name an export is offered as, e.g. `trellis-graph.graphml`, `trellis-nodes.csv` (neo4j-csv), `trellis-dataset-projects.csv`. */
export function fileNameOf(request: Pick<ExportRequest, 'format' | 'what'>): string {
  const { format, what } = request;
  let stem: string = what.kind;
  if (what.kind === 'dataset') stem = `dataset-${what.name}`;
  else if (format === 'neo4j-csv') stem = what.kind === 'entities' ? 'nodes' : 'relationships';
  return `trellis-${stem}.${extensions[format]}`;
}

/**
 * A `Content-Disposition: attachment` header for a file name (RFC 6266): an ASCII `filename` with anything else
 * replaced by `_`, and the exact name as `filename*` in UTF-8.
 */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
