/** @module What every export writer works from: the request, the reader, and pages of facts with their citations. */
import { type PropertyColumn, propertyColumns } from './columns.js';
import type { Citation, ExportEntity, ExportReader, ExportRelation } from './export-reader.js';
import type { ExportRequest } from './formats.js';

/** A page of facts and, when the request asks for citations, each fact's citations. */
export interface FactPage<T> {
  items: T[];
  citations: Map<string, Citation[]> | null;
}

/** The request, the reader, and the pages a writer iterates. */
export interface ExportContext {
  request: ExportRequest;
  reader: ExportReader;
  tenantId: string;
  /** When the export started (ISO-8601), for headers and metadata. */
  startedAt: string;
  entities(): AsyncGenerator<FactPage<ExportEntity>>;
  /** Relations; with `names`, with their endpoints' names too (a join per relation). */
  relations(names?: boolean): AsyncGenerator<FactPage<ExportRelation>>;
  /** The property columns of entities or relations, property names clashing with `reserved` prefixed. */
  columns(table: 'entities' | 'relations', reserved: readonly string[]): Promise<PropertyColumn[]>;
}

/** Builds the context of one export. */
export function createExportContext(reader: ExportReader, tenantId: string, request: ExportRequest): ExportContext {
  async function* withCitations<T extends { id: string }>(kind: 'entity' | 'relation', pages: AsyncGenerator<T[]>): AsyncGenerator<FactPage<T>> {
    for await (const items of pages) {
      const citations =
        request.citations > 0
          ? await reader.citations(
              kind,
              items.map((item) => item.id),
              request.citations,
            )
          : null;
      yield { items, citations };
    }
  }
  return {
    request,
    reader,
    tenantId,
    startedAt: new Date().toISOString(),
    entities: () => withCitations('entity', reader.entityPages()),
    relations: (names = false) => withCitations('relation', reader.relationPages(names)),
    columns: async (table, reserved) => propertyColumns(await reader.propertyKinds(table), new Set(reserved)),
  };
}

/** The citations of one fact as JSON (an array; empty when there are none or none were asked for). */
export function citationsJson(page: FactPage<{ id: string }>, id: string): string {
  return JSON.stringify(page.citations?.get(id) ?? []);
}
