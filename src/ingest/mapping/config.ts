/** @module Mapping files: the YAML that maps structured files to datasets, entities and relations, validated with line numbers. */
import { LineCounter, isMap, isSeq, parseDocument, type Document } from 'yaml';
import { TrellisError } from '../../core/errors.js';
import { globToRegExp } from './glob.js';

/** Column types a mapping may declare. */
export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime';

const columnTypes: readonly ColumnType[] = ['string', 'integer', 'number', 'boolean', 'date', 'datetime'];

/** One declared column. */
export interface ColumnDefinition {
  type: ColumnType;
  /** A row without a value here is quarantined. @default false */
  required: boolean;
}

/**
 * A text produced from a row: a column name, or a template with `{column}` placeholders (e.g. `"{first} {last}"`).
 * Parsed once into literal parts and column names.
 */
export interface ValueTemplate {
  parts: readonly (string | { column: string })[];
}

/** A row → entity mapping. */
export interface EntityMapping {
  /** How relations of the same row refer to this entity; defaults to the type. */
  as: string;
  type: string;
  name: ValueTemplate;
  /** The entity's key; defaults to the row's dataset key, so two rows with the same name stay two entities. */
  key: ValueTemplate | null;
  /** Property name → column. */
  properties: Readonly<Record<string, string>>;
  aliases: readonly ValueTemplate[];
}

/** A relation endpoint: an entity mapping of the same row, or the entity of a row of another dataset, by key. */
export type EndpointMapping =
  | { kind: 'row'; as: string }
  | { kind: 'dataset'; dataset: string; columns: readonly string[]; entity: string | null; target: { mapping: FileMapping; entity: EntityMapping } | null };

/** A row → relation mapping. */
export interface RelationMapping {
  type: string;
  from: EndpointMapping;
  to: EndpointMapping;
  properties: Readonly<Record<string, string>>;
}

/** Values of a column that feed the extractor's gazetteers as names of an entity type. */
export interface GazetteerMapping {
  column: string;
  type: string;
}

/** One `files:` entry: a pattern and the dataset its files fill. */
export interface FileMapping {
  pattern: string;
  /** The pattern compiled (matched against the path relative to the ingest root, with `/` separators). */
  matcher: RegExp;
  dataset: string;
  /** A required mapping that matches no file is an error. @default true */
  required: boolean;
  sheet: string | null;
  columns: Readonly<Record<string, ColumnDefinition>>;
  key: readonly string[];
  entities: readonly EntityMapping[];
  relations: readonly RelationMapping[];
  gazetteer: GazetteerMapping | null;
  /** Where the entry is written, for error messages: `<file>:<line>`. */
  location: string;
}

/** A parsed mapping file. */
export interface MappingConfig {
  file: string;
  files: readonly FileMapping[];
}

const typePattern = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const namePattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

type Path = readonly (string | number)[];

/** Reads the YAML document with positions, and builds errors naming the file and line of a path. */
class Reader {
  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lines: LineCounter,
  ) {}

  /** The line of the node at `path`, or of its nearest ancestor that exists. */
  line(path: Path): number {
    for (let length = path.length; length >= 0; length--) {
      const node = length === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, length), true);
      const range = (node as { range?: [number, number, number] } | null)?.range;
      if (range) return this.lines.linePos(range[0]).line;
    }
    return 1;
  }

  fail(path: Path, message: string): never {
    const line = this.line(path);
    const where = path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`)).join('');
    throw new TrellisError('unprocessable', `${this.file}:${line}: ${where.replace(/^\./, '')}: ${message}`, { file: this.file, line, path: where });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function parseTemplate(reader: Reader, path: Path, value: unknown, columns: Record<string, ColumnDefinition>): ValueTemplate {
  if (typeof value !== 'string' || value === '') reader.fail(path, 'must be a column name or a template such as "{first} {last}"');
  const parts: (string | { column: string })[] = [];
  if (!value.includes('{')) parts.push({ column: value });
  else {
    const pattern = /\{([^{}]+)\}/g;
    let last = 0;
    for (let match = pattern.exec(value); match; match = pattern.exec(value)) {
      if (match.index > last) parts.push(value.slice(last, match.index));
      parts.push({ column: (match[1] as string).trim() });
      last = match.index + match[0].length;
    }
    if (last < value.length) parts.push(value.slice(last));
  }
  for (const part of parts) {
    if (typeof part !== 'string' && !(part.column in columns)) reader.fail(path, `refers to column "${part.column}", which is not declared in columns`);
  }
  return { parts };
}

function parseColumnMap(reader: Reader, path: Path, value: unknown, columns: Record<string, ColumnDefinition>): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) reader.fail(path, 'must be a map of property name → column');
  const out: Record<string, string> = {};
  for (const [name, column] of Object.entries(value)) {
    if (typeof column !== 'string' || !(column in columns)) reader.fail([...path, name], `must name a declared column, not ${JSON.stringify(column)}`);
    out[name] = column;
  }
  return out;
}

function parseColumns(reader: Reader, path: Path, value: unknown): Record<string, ColumnDefinition> {
  if (!isRecord(value) || Object.keys(value).length === 0) reader.fail(path, 'must map each column name to { type, required }');
  const out: Record<string, ColumnDefinition> = {};
  for (const [name, definition] of Object.entries(value)) {
    const at = [...path, name];
    const spec = typeof definition === 'string' ? { type: definition } : definition;
    if (!isRecord(spec)) reader.fail(at, 'must be { type, required } or a type name');
    for (const field of Object.keys(spec)) if (field !== 'type' && field !== 'required') reader.fail([...at, field], `unknown field "${field}"`);
    if (!columnTypes.includes(spec.type as ColumnType)) reader.fail([...at, 'type'], `type must be one of ${columnTypes.join(', ')}`);
    if (spec.required !== undefined && typeof spec.required !== 'boolean') reader.fail([...at, 'required'], 'required must be true or false');
    out[name] = { type: spec.type as ColumnType, required: spec.required === true };
  }
  return out;
}

function parseEndpoint(reader: Reader, path: Path, value: unknown, columns: Record<string, ColumnDefinition>): EndpointMapping {
  if (typeof value === 'string') return { kind: 'row', as: value };
  if (!isRecord(value) || typeof value.dataset !== 'string')
    reader.fail(path, 'must name an entity mapping of this row (its "as") or be { dataset, key, entity? }');
  const keyColumns = typeof value.key === 'string' ? [value.key] : value.key;
  if (!Array.isArray(keyColumns) || keyColumns.length === 0 || keyColumns.some((column) => typeof column !== 'string' || !(column in columns)))
    reader.fail([...path, 'key'], "must name the declared column(s) holding the other dataset's key");
  if (value.entity !== undefined && typeof value.entity !== 'string') reader.fail([...path, 'entity'], 'must name an entity mapping of that dataset');
  return { kind: 'dataset', dataset: value.dataset, columns: keyColumns as string[], entity: (value.entity as string | undefined) ?? null, target: null };
}

const entryFields = new Set(['pattern', 'dataset', 'required', 'sheet', 'columns', 'key', 'entities', 'relations', 'gazetteer']);

function parseEntry(reader: Reader, path: Path, value: unknown): FileMapping {
  if (!isRecord(value)) reader.fail(path, 'must be a map with pattern, dataset, columns and key');
  for (const field of Object.keys(value)) if (!entryFields.has(field)) reader.fail([...path, field], `unknown field "${field}"`);
  if (typeof value.pattern !== 'string' || value.pattern === '') reader.fail([...path, 'pattern'], 'pattern is required (a glob such as "projects/*.csv")');
  if (typeof value.dataset !== 'string' || !namePattern.test(value.dataset))
    reader.fail([...path, 'dataset'], `dataset must be a name matching ${namePattern.source}`);
  if (value.required !== undefined && typeof value.required !== 'boolean') reader.fail([...path, 'required'], 'required must be true or false');
  if (value.sheet !== undefined && typeof value.sheet !== 'string') reader.fail([...path, 'sheet'], 'sheet must be a sheet name');
  const columns = parseColumns(reader, [...path, 'columns'], value.columns);
  const key = typeof value.key === 'string' ? [value.key] : value.key;
  if (!Array.isArray(key) || key.length === 0) reader.fail([...path, 'key'], 'key must list the column(s) that identify a row');
  for (const column of key) {
    if (typeof column !== 'string' || !(column in columns)) reader.fail([...path, 'key'], `key column ${JSON.stringify(column)} is not declared in columns`);
  }
  const entities: EntityMapping[] = [];
  if (value.entities !== undefined && !Array.isArray(value.entities)) reader.fail([...path, 'entities'], 'entities must be a list');
  ((value.entities as unknown[] | undefined) ?? []).forEach((entity, index) => {
    const at = [...path, 'entities', index];
    if (!isRecord(entity)) reader.fail(at, 'must be { type, name, key?, properties?, aliases? }');
    if (typeof entity.type !== 'string' || !typePattern.test(entity.type)) reader.fail([...at, 'type'], `type must match ${typePattern.source}`);
    const as = entity.as === undefined ? entity.type : entity.as;
    if (typeof as !== 'string' || as === '') reader.fail([...at, 'as'], 'as must be a name');
    if (entities.some((other) => other.as === as)) reader.fail(at, `two entity mappings are called "${as}"; give one an "as"`);
    if (entity.aliases !== undefined && !Array.isArray(entity.aliases)) reader.fail([...at, 'aliases'], 'aliases must be a list of columns or templates');
    entities.push({
      as,
      type: entity.type,
      name: parseTemplate(reader, [...at, 'name'], entity.name, columns),
      key: entity.key === undefined ? null : parseTemplate(reader, [...at, 'key'], entity.key, columns),
      properties: parseColumnMap(reader, [...at, 'properties'], entity.properties, columns),
      aliases: ((entity.aliases as unknown[] | undefined) ?? []).map((alias, aliasIndex) =>
        parseTemplate(reader, [...at, 'aliases', aliasIndex], alias, columns),
      ),
    });
  });
  const relations: RelationMapping[] = [];
  if (value.relations !== undefined && !Array.isArray(value.relations)) reader.fail([...path, 'relations'], 'relations must be a list');
  ((value.relations as unknown[] | undefined) ?? []).forEach((relation, index) => {
    const at = [...path, 'relations', index];
    if (!isRecord(relation)) reader.fail(at, 'must be { type, from, to, properties? }');
    if (typeof relation.type !== 'string' || !typePattern.test(relation.type)) reader.fail([...at, 'type'], `type must match ${typePattern.source}`);
    const ends = { from: parseEndpoint(reader, [...at, 'from'], relation.from, columns), to: parseEndpoint(reader, [...at, 'to'], relation.to, columns) };
    for (const end of ['from', 'to'] as const) {
      const endpoint = ends[end];
      if (endpoint.kind === 'row' && !entities.some((entity) => entity.as === endpoint.as))
        reader.fail(
          [...at, end],
          `"${endpoint.as}" is not an entity mapping of this entry (entities: ${entities.map((entity) => entity.as).join(', ') || 'none'})`,
        );
    }
    relations.push({ type: relation.type, ...ends, properties: parseColumnMap(reader, [...at, 'properties'], relation.properties, columns) });
  });
  let gazetteer: GazetteerMapping | null = null;
  if (value.gazetteer !== undefined) {
    const at = [...path, 'gazetteer'];
    const spec = value.gazetteer;
    if (!isRecord(spec) || typeof spec.column !== 'string' || !(spec.column in columns)) reader.fail(at, 'must be { column, type } naming a declared column');
    if (typeof spec.type !== 'string' || !typePattern.test(spec.type)) reader.fail([...at, 'type'], `type must match ${typePattern.source}`);
    gazetteer = { column: spec.column, type: spec.type };
  }
  return {
    pattern: value.pattern,
    matcher: globToRegExp(value.pattern),
    dataset: value.dataset,
    required: value.required !== false,
    sheet: (value.sheet as string | undefined) ?? null,
    columns,
    key: key as string[],
    entities,
    relations,
    gazetteer,
    location: `${reader.file}:${reader.line(path)}`,
  };
}

/** Points each cross-dataset endpoint at the entity mapping it names, or fails at its line. */
function linkEndpoints(reader: Reader, files: FileMapping[]): void {
  files.forEach((entry, entryIndex) => {
    entry.relations.forEach((relation, relationIndex) => {
      for (const end of ['from', 'to'] as const) {
        const endpoint = relation[end];
        if (endpoint.kind !== 'dataset') continue;
        const at = ['files', entryIndex, 'relations', relationIndex, end];
        const mapping = files.find((other) => other.dataset === endpoint.dataset);
        if (!mapping) reader.fail(at, `dataset "${endpoint.dataset}" is not mapped in this file`);
        const entity = endpoint.entity === null ? mapping.entities[0] : mapping.entities.find((candidate) => candidate.as === endpoint.entity);
        if (!entity) reader.fail(at, `dataset "${endpoint.dataset}" has no entity mapping${endpoint.entity === null ? '' : ` called "${endpoint.entity}"`}`);
        if (endpoint.columns.length !== mapping.key.length)
          reader.fail([...at, 'key'], `dataset "${endpoint.dataset}" has a key of ${mapping.key.length} column(s)`);
        endpoint.target = { mapping, entity };
      }
    });
  });
}

/**
 * Parses and validates a mapping file. Every error names the file and the YAML line.
 * @example
 * const config = parseMapping(readFileSync('mapping.yaml', 'utf8'), 'mapping.yaml');
 */
export function parseMapping(text: string, file: string): MappingConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const reader = new Reader(file, doc, lines);
  const syntax = doc.errors[0];
  if (syntax) {
    const line = lines.linePos(syntax.pos[0]).line;
    throw new TrellisError('unprocessable', `${file}:${line}: ${syntax.message.split('\n')[0]}`, { file, line });
  }
  if (!isMap(doc.contents)) reader.fail([], 'a mapping file is a map with a "files" list');
  const root = doc.toJS() as Record<string, unknown>;
  for (const field of Object.keys(root)) if (field !== 'files') reader.fail([field], `unknown field "${field}"`);
  if (!isSeq(doc.get('files', true)) || !Array.isArray(root.files) || root.files.length === 0) reader.fail(['files'], '"files" must be a non-empty list');
  const files = (root.files as unknown[]).map((entry, index) => parseEntry(reader, ['files', index], entry));
  const seen = new Map<string, number>();
  files.forEach((entry, index) => {
    const first = seen.get(entry.dataset);
    // Two entries may fill one dataset (e.g. two sheets) only when they declare the same shape.
    if (first !== undefined && JSON.stringify(datasetDefinition(files[first] as FileMapping)) !== JSON.stringify(datasetDefinition(entry)))
      reader.fail(['files', index, 'dataset'], `dataset "${entry.dataset}" is declared again with other columns or key (first at ${files[first]?.location})`);
    if (first === undefined) seen.set(entry.dataset, index);
  });
  linkEndpoints(reader, files);
  return { file, files };
}

/** What a dataset row stores as its definition: the declared columns, key and gazetteer. */
export function datasetDefinition(entry: FileMapping): { columns: Record<string, ColumnDefinition>; key: string[]; gazetteer: GazetteerMapping | null } {
  return { columns: { ...entry.columns }, key: [...entry.key], gazetteer: entry.gazetteer };
}
