/**
 * @module Neo4j exports: a Cypher script (a uniqueness constraint on `:Entity(id)`, then `UNWIND` batches of literal
 * maps, idempotent through `MERGE` on id) and the CSV files of `neo4j-admin database import` (nodes: `id:ID,:LABEL,…`;
 * relationships: `:START_ID,:END_ID,:TYPE,…`; arrays separated by U+001F).
 */
import { type ColumnType, type PropertyColumn, columnText } from './columns.js';
import { type ExportContext, citationsJson } from './export-context.js';
import type { ExportEntity, ExportRelation } from './export-reader.js';
import { csvCell, cypherKey, cypherName, cypherNumber, cypherString } from './escape.js';

/** The label every exported node carries besides its type, and which the id constraint is on. */
export const entityLabel = 'Entity';
/** The array delimiter of the neo4j-admin files (pass it as `--array-delimiter=U+001F`). */
export const arrayDelimiter = '\u001F';
/** The import command the neo4j-admin files are written for. */
export const neo4jAdminCommand =
  'neo4j-admin database import full --nodes=nodes.csv --relationships=relationships.csv --array-delimiter=U+001F --multiline-fields=true neo4j';

/** Node properties every export sets, besides the entity's own properties. */
export const neo4jNodeFixed = ['id', 'name', 'key', 'aliases', 'confidence', 'citations'];
/** Relationship properties every export sets. */
export const neo4jRelationshipFixed = ['id', 'confidence', 'valid_from', 'valid_to', 'citations'];

/**
 * A property value as a Cypher literal Neo4j can store: text, numbers, booleans and lists of one of them (numbers of
 * mixed kinds as floats); objects and other lists as their JSON text. Undefined for null (the property is left unset).
 */
export function cypherValue(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return cypherString(value);
  if (typeof value === 'number') return cypherNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.every((item) => typeof item === 'string')) return `[${value.map((item) => cypherString(item as string)).join(', ')}]`;
    if (value.every((item) => typeof item === 'boolean')) return `[${value.join(', ')}]`;
    if (value.every((item) => typeof item === 'number')) {
      const float = !value.every((item) => Number.isInteger(item));
      return `[${value.map((item) => cypherNumber(item as number, float)).join(', ')}]`;
    }
  }
  return cypherString(JSON.stringify(value));
}

/** A number Neo4j should store as a float even when it is integral (confidence). */
class Float {
  constructor(readonly value: number) {}
}

function cypherMap(entries: [string, unknown][]): string {
  const parts: string[] = [];
  for (const [key, value] of entries) {
    const literal = value instanceof Float ? cypherNumber(value.value, true) : cypherValue(value);
    if (literal !== undefined) parts.push(`${cypherKey(key)}: ${literal}`);
  }
  return `{${parts.join(', ')}}`;
}

function propertiesOf(columns: PropertyColumn[], properties: Record<string, unknown>): [string, unknown][] {
  return columns.map((column) => [column.name, properties[column.property]]);
}

function groupByType<T extends { type: string }>(items: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    let group = groups.get(item.type);
    if (!group) groups.set(item.type, (group = []));
    group.push(item);
  }
  return groups;
}

/** A Cypher script that recreates the tenant's entities and/or relations in Neo4j (run with `cypher-shell -f`). */
export async function* cypherChunks(context: ExportContext): AsyncGenerator<string> {
  const { what } = context.request;
  const citations = context.request.citations > 0;
  yield (
    `// Trellis export of the ${what.kind} of tenant ${context.tenantId}, ${context.startedAt}. Run: cypher-shell -f <this file>\n` +
    `CREATE CONSTRAINT trellis_entity_id IF NOT EXISTS FOR (n:${entityLabel}) REQUIRE n.id IS UNIQUE;\n`
  );
  if (what.kind !== 'relations') {
    const columns = await context.columns('entities', neo4jNodeFixed);
    for await (const page of context.entities()) {
      const out: string[] = [];
      for (const [type, group] of groupByType(page.items)) {
        const rows = group.map((entity: ExportEntity) => {
          const fixed: [string, unknown][] = [
            ['id', entity.id],
            ['name', entity.name],
            ['key', entity.key],
            ['aliases', entity.aliases],
            ['confidence', new Float(entity.confidence)],
          ];
          if (citations) fixed.push(['citations', citationsJson(page, entity.id)]);
          return `${cypherMap(fixed).slice(0, -1)}, properties: ${cypherMap(propertiesOf(columns, entity.properties))}}`;
        });
        out.push(
          `UNWIND [\n${rows.join(',\n')}\n] AS row\nMERGE (n:${entityLabel} {id: row.id})\n` +
            `SET n:${cypherName(type)}, n.name = row.name, n.key = row.key, n.aliases = row.aliases, n.confidence = row.confidence${citations ? ', n.citations = row.citations' : ''}\nSET n += row.properties;\n`,
        );
      }
      yield out.join('');
    }
  }
  if (what.kind !== 'entities') {
    const columns = await context.columns('relations', neo4jRelationshipFixed);
    for await (const page of context.relations()) {
      const out: string[] = [];
      for (const [type, group] of groupByType(page.items)) {
        const rows = group.map((relation: ExportRelation) => {
          const fixed: [string, unknown][] = [
            ['id', relation.id],
            ['from', relation.from],
            ['to', relation.to],
            ['confidence', new Float(relation.confidence)],
            ['valid_from', relation.validFrom],
            ['valid_to', relation.validTo],
          ];
          if (citations) fixed.push(['citations', citationsJson(page, relation.id)]);
          return `${cypherMap(fixed).slice(0, -1)}, properties: ${cypherMap(propertiesOf(columns, relation.properties))}}`;
        });
        out.push(
          `UNWIND [\n${rows.join(',\n')}\n] AS row\nMATCH (a:${entityLabel} {id: row.from})\nMATCH (b:${entityLabel} {id: row.to})\n` +
            `MERGE (a)-[r:${cypherName(type)} {id: row.id}]->(b)\n` +
            `SET r.confidence = row.confidence, r.valid_from = row.valid_from, r.valid_to = row.valid_to${citations ? ', r.citations = row.citations' : ''}\nSET r += row.properties;\n`,
        );
      }
      yield out.join('');
    }
  }
}

const headerTypes: Record<ColumnType, string> = { long: 'long', double: 'double', boolean: 'boolean', string: 'string' };

/** A neo4j-admin CSV cell: null empty (no property), an empty string `""` (an empty string property). */
function cell(value: string | null): string {
  if (value === null) return '';
  return value === '' ? '""' : csvCell(value);
}

function header(names: string[]): string {
  return `${names.map((name) => csvCell(name)).join(',')}\n`;
}

/** A property column's header cell: its name (a `:` in it becomes `_`, as the header uses `:` for the type) and its type. */
function propertyHeader(column: PropertyColumn): string {
  return `${column.name.replaceAll(':', '_')}:${headerTypes[column.type]}`;
}

function arrayCell(values: string[]): string | null {
  return values.length === 0 ? null : values.map((value) => value.replaceAll(arrayDelimiter, '\uFFFD')).join(arrayDelimiter);
}

/** The nodes file (what=entities) or the relationships file (what=relations) of `neo4j-admin database import`. */
export async function* neo4jCsvChunks(context: ExportContext): AsyncGenerator<string> {
  const citations = context.request.citations > 0;
  if (context.request.what.kind === 'entities') {
    const columns = await context.columns('entities', neo4jNodeFixed);
    yield header([
      'id:ID',
      ':LABEL',
      'name',
      'key',
      'aliases:string[]',
      'confidence:double',
      ...(citations ? ['citations'] : []),
      ...columns.map(propertyHeader),
    ]);
    for await (const page of context.entities()) {
      const out: string[] = [];
      for (const entity of page.items) {
        const cells = [
          entity.id,
          `${entityLabel}${arrayDelimiter}${entity.type}`,
          entity.name,
          entity.key,
          arrayCell(entity.aliases),
          String(entity.confidence),
        ];
        if (citations) cells.push(citationsJson(page, entity.id));
        for (const column of columns) cells.push(columnText(column, entity.properties[column.property]));
        out.push(`${cells.map(cell).join(',')}\n`);
      }
      yield out.join('');
    }
    return;
  }
  const columns = await context.columns('relations', neo4jRelationshipFixed);
  yield header([
    ':START_ID',
    ':END_ID',
    ':TYPE',
    'id',
    'confidence:double',
    'valid_from:datetime',
    'valid_to:datetime',
    ...(citations ? ['citations'] : []),
    ...columns.map(propertyHeader),
  ]);
  for await (const page of context.relations()) {
    const out: string[] = [];
    for (const relation of page.items) {
      const cells = [relation.from, relation.to, relation.type, relation.id, String(relation.confidence), relation.validFrom, relation.validTo];
      if (citations) cells.push(citationsJson(page, relation.id));
      for (const column of columns) cells.push(columnText(column, relation.properties[column.property]));
      out.push(`${cells.map(cell).join(',')}\n`);
    }
    yield out.join('');
  }
}
