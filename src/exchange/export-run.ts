/** @module Runs one export: the writer of its format over a reader, as a sequence of text chunks. */
import { createExportContext } from './export-context.js';
import type { ExportReader } from './export-reader.js';
import type { ExportFormat, ExportRequest } from './formats.js';
import { gexfChunks } from './write-gexf.js';
import { graphmlChunks } from './write-graphml.js';
import { cypherChunks, neo4jCsvChunks } from './write-neo4j.js';
import { ntriplesChunks } from './write-ntriples.js';
import { csvChunks, jsonlChunks } from './write-tables.js';

const writers: Record<ExportFormat, typeof csvChunks> = {
  csv: csvChunks,
  jsonl: jsonlChunks,
  graphml: graphmlChunks,
  gexf: gexfChunks,
  cypher: cypherChunks,
  'neo4j-csv': neo4jCsvChunks,
  ntriples: ntriplesChunks,
};

/**
 * The export as text chunks (about a page of facts each); memory stays bounded by the page size. The request must
 * have passed `checkExportRequest`.
 */
export function exportChunks(reader: ExportReader, tenantId: string, request: ExportRequest): AsyncGenerator<string> {
  return writers[request.format](createExportContext(reader, tenantId, request));
}

/**
 * Gathers chunks into pieces of about `bytes` UTF-8 bytes (counted as UTF-16 units, exact for ASCII): one message or
 * one write per piece instead of one per page. Answers null once the export is done.
 */
export function batcher(chunks: AsyncGenerator<string>, bytes: number): () => Promise<Uint8Array | null> {
  const encoder = new TextEncoder();
  let done = false;
  return async () => {
    if (done) return null;
    const parts: string[] = [];
    let size = 0;
    while (size < bytes) {
      const next = await chunks.next();
      if (next.done) {
        done = true;
        break;
      }
      parts.push(next.value);
      size += next.value.length;
    }
    return parts.length === 0 ? null : encoder.encode(parts.join(''));
  };
}
