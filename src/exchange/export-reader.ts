/**
 * @module What an export reads: entities, relations and dataset rows in keyset pages (by ID or row key), their
 * citations page by page, and the property names and value kinds of a tenant's facts. Read-only SQL for both dialects.
 */
import type { Dialect, SqlValue } from '../store/index.js';
import { parseJson } from '../store/index.js';
import { type SeqIndex, seqIndexBuilder } from './seq-index.js';

/** The query methods the reader needs: a store read, a worker's snapshot connection. Placeholders are `?`. */
export interface SqlSource {
  readonly dialect: Dialect;
  all<Row>(sql: string, params: readonly SqlValue[]): Promise<Row[]>;
  /** Rows as arrays of column values in select order: no object per row, for the long scans. */
  raw(sql: string, params: readonly SqlValue[]): Promise<unknown[][]>;
}

/** An entity as exported. */
export interface ExportEntity {
  id: string;
  type: string;
  name: string;
  key: string;
  aliases: string[];
  properties: Record<string, unknown>;
  confidence: number;
  createdAt: string;
  updatedAt: string;
}

/** A relation as exported, with its endpoints' names (for tables). */
export interface ExportRelation {
  id: string;
  type: string;
  from: string;
  to: string;
  fromName: string;
  toName: string;
  properties: Record<string, unknown>;
  confidence: number;
  validFrom: string | null;
  validTo: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One citation of a fact: where it came from (source URI, chunk, span, passage) and who asserted it. */
export interface Citation {
  evidenceId: string;
  sourceId: string | null;
  uri: string | null;
  title: string | null;
  page: number | null;
  chunkId: string | null;
  start: number | null;
  end: number | null;
  quote: string | null;
  extractor: string;
  confidence: number;
}

/** A dataset row as exported. */
export interface ExportRow {
  key: string;
  row: number;
  sourceId: string;
  uri: string | null;
  values: Record<string, unknown>;
}

/** The kinds of value a property holds across all facts: SQLite's json_each types, PostgreSQL's mapped to the same words. */
export type ValueKind = 'integer' | 'real' | 'text' | 'boolean' | 'array' | 'object' | 'null';

/** Options of {@link createExportReader}. */
export interface ExportReaderOptions {
  /** Most rows per page. @default 2000 */
  pageSize?: number;
  /**
   * Rows per page adapt to their size: each page asks for about this many characters of names, properties and
   * values, judged by the page before (the first page is small), so memory stays bounded for large rows too.
   * @default 1048576
   */
  pageChars?: number;
  /**
   * Only facts created at or before this time (ISO-8601). Set when the reads do not share one snapshot, so a fact
   * written during the export (a relation to an entity the node pass has passed) is left out rather than dangling.
   */
  createdBefore?: string;
}

/** Reads one tenant's facts for an export. */
export function createExportReader(sql: SqlSource, tenantId: string, options: ExportReaderOptions = {}) {
  const maxPage = options.pageSize ?? 2000;
  const pageChars = options.pageChars ?? 1024 * 1024;
  /** The size of the next page from the one just read: as many rows as fit in `pageChars` at that page's mean row size. */
  const nextSize = (rows: number, chars: number) => Math.max(10, Math.min(maxPage, Math.floor((pageChars * rows) / Math.max(chars, 1))));
  /** JSON columns as text on both drivers, so their size is known before they are parsed. */
  const asText = (column: string) => (sql.dialect === 'postgres' ? `${column}::text` : column);
  const textLength = (value: unknown) => (typeof value === 'string' ? value.length : 0);
  const before = options.createdBefore;
  const timeFilter = (alias: string) => (before === undefined ? '' : ` AND ${alias}created_at <= ?`);
  const timeParams: SqlValue[] = before === undefined ? [] : [before];

  /** Aliases of a page of entities (other than each one's name): one range read on the alias table's primary key. */
  async function aliasesOf(rows: [string, string, string, ...unknown[]][]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (rows.length === 0) return out;
    const first = (rows[0] as unknown[])[0] as string;
    const last = (rows[rows.length - 1] as unknown[])[0] as string;
    const found = await sql.all<{ entity_id: string; alias: string }>(
      'SELECT entity_id, alias FROM entity_aliases WHERE tenant_id = ? AND entity_id >= ? AND entity_id <= ? ORDER BY entity_id, alias_key',
      [tenantId, first, last],
    );
    const names = new Map(rows.map((row) => [row[0], row[2]]));
    for (const row of found) {
      const name = names.get(row.entity_id);
      if (name === undefined || name === row.alias) continue;
      let list = out.get(row.entity_id);
      if (!list) out.set(row.entity_id, (list = []));
      list.push(row.alias);
    }
    return out;
  }

  let index: Promise<SeqIndex> | undefined;
  /** Row number → ID of every entity of the tenant (read once, in pages of 20,000). */
  function entityIndex(): Promise<SeqIndex> {
    index ??= (async () => {
      const builder = seqIndexBuilder();
      let after = '';
      for (;;) {
        const rows = await sql.raw(
          `SELECT id, seq FROM entities WHERE tenant_id = ?${after === '' ? '' : ' AND id > ?'}${timeFilter('')} ORDER BY id LIMIT ?`,
          [tenantId, ...(after === '' ? [] : [after]), ...timeParams, 20_000],
        );
        for (const [id, seq] of rows) builder.add(Number(seq), id as string);
        if (rows.length < 20_000) return builder.build();
        after = (rows[rows.length - 1] as unknown[])[0] as string;
      }
    })();
    return index;
  }

  return {
    dialect: sql.dialect,

    /** Entities in ID order, a page at a time. */
    async *entityPages(): AsyncGenerator<ExportEntity[]> {
      let after = '';
      let pageSize = Math.min(maxPage, 250);
      for (;;) {
        const rows = (await sql.raw(
          `SELECT id, type, name, canonical_key, ${asText('properties')} AS properties, confidence, created_at, updated_at FROM entities
            WHERE tenant_id = ?${after === '' ? '' : ' AND id > ?'}${timeFilter('')} ORDER BY id LIMIT ?`,
          [tenantId, ...(after === '' ? [] : [after]), ...timeParams, pageSize],
        )) as [string, string, string, string, unknown, number, string, string][];
        if (rows.length === 0) return;
        const aliases = await aliasesOf(rows);
        let chars = 0;
        yield rows.map(([id, type, name, key, properties, confidence, createdAt, updatedAt]) => {
          chars += 150 + name.length * 2 + textLength(properties);
          return {
            id,
            type,
            name,
            key,
            aliases: aliases.get(id) ?? [],
            properties: parseJson(properties),
            confidence: Number(confidence),
            createdAt,
            updatedAt,
          };
        });
        if (rows.length < pageSize) return;
        after = (rows[rows.length - 1] as unknown[])[0] as string;
        pageSize = nextSize(rows.length, chars);
      }
    },

    /**
     * Relations in ID order, a page at a time. With `names` each row joins its endpoints for their IDs and names (what
     * tables show); without, endpoints are named from an index of the tenant's entities built once (no join per row).
     */
    async *relationPages(names = false): AsyncGenerator<ExportRelation[]> {
      let after = '';
      let pageSize = Math.min(maxPage, 250);
      const index = names ? null : await entityIndex();
      const ends = names ? 'f.id AS from_id, t.id AS to_id, f.name AS from_name, t.name AS to_name' : "r.from_seq, r.to_seq, '' AS from_name, '' AS to_name";
      const joins = names
        ? `JOIN entities f ON f.seq = r.from_seq AND f.tenant_id = r.tenant_id
           JOIN entities t ON t.seq = r.to_seq AND t.tenant_id = r.tenant_id`
        : '';
      for (;;) {
        const rows = await sql.raw(
          `SELECT r.id, r.type, ${ends}, ${asText('r.properties')} AS properties, r.confidence, r.valid_from, r.valid_to, r.created_at, r.updated_at
             FROM relations r ${joins}
            WHERE r.tenant_id = ?${after === '' ? '' : ' AND r.id > ?'}${timeFilter('r.')} ORDER BY r.id LIMIT ?`,
          [tenantId, ...(after === '' ? [] : [after]), ...timeParams, pageSize],
        );
        if (rows.length === 0) return;
        const page: ExportRelation[] = [];
        let chars = 0;
        for (const row of rows) {
          const [id, type, from, to, fromName, toName, properties, confidence, validFrom, validTo, createdAt, updatedAt] = row as [
            string,
            string,
            string | number,
            string | number,
            string,
            string,
            unknown,
            number,
            string | null,
            string | null,
            string,
            string,
          ];
          const fromId = index ? index.idOf(Number(from)) : (from as string);
          const toId = index ? index.idOf(Number(to)) : (to as string);
          chars += 250 + fromName.length + toName.length + textLength(properties);
          // Without a shared snapshot an endpoint may be newer than the index; such a relation is newer than the export too.
          if (fromId === undefined || toId === undefined) continue;
          page.push({
            id,
            type,
            from: fromId,
            to: toId,
            fromName,
            toName,
            properties: parseJson(properties),
            confidence: Number(confidence),
            validFrom,
            validTo,
            createdAt,
            updatedAt,
          });
        }
        yield page;
        if (rows.length < pageSize) return;
        after = (rows[rows.length - 1] as unknown[])[0] as string;
        pageSize = nextSize(rows.length, chars);
      }
    },

    /**
     * Citations of a page of facts (IDs in ascending order), oldest first, at most `limit` per fact: one range read
     * on the evidence table's primary key, the passage cut from the chunk when no quote was stored.
     */
    async citations(kind: 'entity' | 'relation', ids: readonly string[], limit: number): Promise<Map<string, Citation[]>> {
      const out = new Map<string, Citation[]>();
      if (ids.length === 0 || limit === 0) return out;
      const rows = await sql.all<{
        id: string;
        subject_id: string;
        source_id: string | null;
        chunk_id: string | null;
        start_offset: number | null;
        end_offset: number | null;
        quote: string | null;
        extractor: string;
        confidence: number;
        uri: string | null;
        title: string | null;
        page: number | null;
        chunk_text: string | null;
        chunk_start: number | null;
      }>(
        `SELECT x.id, x.subject_id, x.source_id, x.chunk_id, x.start_offset, x.end_offset, x.quote, x.extractor, x.confidence,
                s.uri, s.title, c.page, c.text AS chunk_text, c.start_offset AS chunk_start
           FROM (SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.subject_id ORDER BY e.created_at, e.id) AS n
                   FROM evidence e
                  WHERE e.tenant_id = ? AND e.subject_kind = ? AND e.subject_id >= ? AND e.subject_id <= ?) x
           LEFT JOIN sources s ON s.tenant_id = x.tenant_id AND s.id = x.source_id
           LEFT JOIN chunks c ON c.tenant_id = x.tenant_id AND c.id = x.chunk_id
          WHERE x.n <= ?
          ORDER BY x.subject_id, x.n`,
        [tenantId, kind, ids[0] as string, ids[ids.length - 1] as string, limit],
      );
      for (const row of rows) {
        let list = out.get(row.subject_id);
        if (!list) out.set(row.subject_id, (list = []));
        const start = row.start_offset === null ? null : Number(row.start_offset);
        const end = row.end_offset === null ? null : Number(row.end_offset);
        let quote = row.quote;
        if (quote === null && row.chunk_text !== null) {
          const chunkStart = row.chunk_start === null ? null : Number(row.chunk_start);
          quote =
            start === null || end === null || chunkStart === null ? row.chunk_text.slice(0, 500) : row.chunk_text.slice(start - chunkStart, end - chunkStart);
        }
        list.push({
          evidenceId: row.id,
          sourceId: row.source_id,
          uri: row.uri,
          title: row.title,
          page: row.page === null ? null : Number(row.page),
          chunkId: row.chunk_id,
          start,
          end,
          quote,
          extractor: row.extractor,
          confidence: Number(row.confidence),
        });
      }
      return out;
    },

    /** Every property name of the tenant's entities or relations, with the kinds of value it holds (one pass over the table). */
    async propertyKinds(table: 'entities' | 'relations'): Promise<Map<string, Set<ValueKind>>> {
      const query =
        sql.dialect === 'sqlite'
          ? `SELECT j.key AS name, j.type AS kind FROM ${table} x, json_each(x.properties) j WHERE x.tenant_id = ?${timeFilter('x.')} GROUP BY j.key, j.type`
          : `SELECT p.key AS name,
                    CASE jsonb_typeof(p.value) WHEN 'number' THEN CASE WHEN p.value::text ~ '^-{0,1}[0-9]+$' THEN 'integer' ELSE 'real' END
                         WHEN 'string' THEN 'text' ELSE jsonb_typeof(p.value) END AS kind
               FROM ${table} x, jsonb_each(x.properties) p WHERE x.tenant_id = ?${timeFilter('x.')} GROUP BY 1, 2`;
      const rows = await sql.all<{ name: string; kind: string }>(query, [tenantId, ...timeParams]);
      const out = new Map<string, Set<ValueKind>>();
      for (const row of rows) {
        const kind = (row.kind === 'true' || row.kind === 'false' ? 'boolean' : row.kind) as ValueKind;
        let kinds = out.get(row.name);
        if (!kinds) out.set(row.name, (kinds = new Set()));
        kinds.add(kind);
      }
      return out;
    },

    /** A dataset's ID and declared columns (key columns first, then the others by name), or undefined when the tenant has none of that name. */
    async dataset(name: string): Promise<{ id: string; columns: string[] } | undefined> {
      const rows = await sql.all<{ id: string; definition: unknown }>('SELECT id, definition FROM datasets WHERE tenant_id = ? AND name = ?', [tenantId, name]);
      const row = rows[0];
      if (!row) return undefined;
      const definition = parseJson<{ columns?: Record<string, unknown>; key?: string[] }>(row.definition);
      // PostgreSQL's jsonb does not keep the declaration order, so both drivers use one order: the key columns, then the rest by name.
      const key = (definition.key ?? []).filter((column) => column in (definition.columns ?? {}));
      const rest = Object.keys(definition.columns ?? {})
        .filter((column) => !key.includes(column))
        .sort();
      return { id: row.id, columns: [...key, ...rest] };
    },

    /** A dataset's rows in key order, a page at a time, each with the source it came from. */
    async *datasetPages(datasetId: string): AsyncGenerator<ExportRow[]> {
      let after: string | null = null;
      let pageSize = Math.min(maxPage, 250);
      for (;;) {
        const rows: { row_key: string; row_number: number; source_id: string; values_json: unknown; uri: string | null }[] = await sql.all(
          `SELECT r.row_key, r.row_number, r.source_id, ${asText('r.values_json')} AS values_json, s.uri FROM dataset_rows r
             LEFT JOIN sources s ON s.tenant_id = r.tenant_id AND s.id = r.source_id
            WHERE r.tenant_id = ? AND r.dataset_id = ?${after === null ? '' : ' AND r.row_key > ?'} ORDER BY r.row_key LIMIT ?`,
          [tenantId, datasetId, ...(after === null ? [] : [after]), pageSize],
        );
        if (rows.length === 0) return;
        yield rows.map((row) => ({ key: row.row_key, row: Number(row.row_number), sourceId: row.source_id, uri: row.uri, values: parseJson(row.values_json) }));
        if (rows.length < pageSize) return;
        after = (rows[rows.length - 1] as { row_key: string }).row_key;
        pageSize = nextSize(
          rows.length,
          rows.reduce((sum, row) => sum + 100 + row.row_key.length + textLength(row.values_json), 0),
        );
      }
    },
  };
}

/** The reader {@link createExportReader} returns. */
export type ExportReader = ReturnType<typeof createExportReader>;
