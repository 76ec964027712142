/** @module Structured files (csv, xlsx, json, jsonl) in an ingest: only through a mapping, one source per file, rows by the mapping engine. */
import path from 'node:path';
import { TrellisError } from '../../core/errors.js';
import type { GraphService } from '../../graph/index.js';
import type { Store } from '../../store/index.js';
import { type IngestRowsOptions, type MappingConfig, ingestRows, referenceLevels } from '../mapping/index.js';
import type { SourceKind } from '../types.js';
import { ingestingStatus, markIngested } from './source-state.js';

/** What ingesting one structured file wrote. */
export interface CommittedRows {
  sourceId: string;
  rows: number;
  entities: number;
  relations: number;
  quarantined: number;
}

/** The mapping entries a file (relative to its ingest root) fills; a clear error when there is no mapping or none matches. */
export function mappingsFor(file: string, root: string, kind: SourceKind, config: MappingConfig | undefined) {
  const relative = path.relative(root, file).split(path.sep).join('/');
  if (!config) {
    throw new TrellisError('unprocessable', `no mapping for ${relative}: ${kind} files are ingested only through a mapping (--mapping FILE)`, { file });
  }
  const entries = config.files.filter((entry) => entry.matcher.test(relative));
  if (entries.length === 0) throw new TrellisError('unprocessable', `no mapping for ${relative} (${config.file} has no pattern matching it)`, { file });
  return { relative, entries };
}

/**
 * Structured files in the given order, except that a file comes after the files of the datasets its mapping refers
 * to, so that its references resolve (e.g. people.csv → teams.csv). Files no entry matches keep their place.
 */
export function orderByReferences<T extends { file: string; root: string }>(files: readonly T[], config: MappingConfig | undefined): T[] {
  if (!config) return [...files];
  const levels = referenceLevels(config.files);
  const levelOf = ({ file, root }: T) => {
    const relative = path.relative(root, file).split(path.sep).join('/');
    return Math.max(0, ...config.files.filter((entry) => entry.matcher.test(relative)).map((entry) => levels.get(entry) ?? 0));
  };
  return files
    .map((item, index) => ({ item, index, level: levelOf(item) }))
    .sort((a, b) => a.level - b.level || a.index - b.index)
    .map(({ item }) => item);
}

/**
 * Registers the file as a source ('ingesting'), runs its rows through every matching mapping entry, then marks it
 * 'ingested'. Rows that fail validation are quarantined by the engine, not errors of the file.
 */
export async function commitStructured(
  services: { store: Store; graph: GraphService },
  tenantId: string,
  input: { file: string; root: string; kind: SourceKind; uri: string; contentHash: string; bytes: number; config: MappingConfig | undefined },
  options: IngestRowsOptions = {},
): Promise<CommittedRows> {
  const { relative, entries } = mappingsFor(input.file, input.root, input.kind, input.config);
  const source = await services.graph.createSource(tenantId, {
    uri: input.uri,
    kind: input.kind,
    title: relative,
    contentHash: input.contentHash,
    status: ingestingStatus,
    metadata: { mapping: input.config?.file, bytes: input.bytes },
  });
  const total: CommittedRows = { sourceId: source.id, rows: 0, entities: 0, relations: 0, quarantined: 0 };
  for (const mapping of entries) {
    const rows = { file: input.file, kind: input.kind, options: mapping.sheet === null ? {} : { sheet: mapping.sheet } };
    const summary = await ingestRows(services, tenantId, { id: source.id, file: relative }, rows, mapping, options);
    total.rows += summary.rows;
    total.entities += summary.entities;
    total.relations += summary.relations;
    total.quarantined += summary.quarantined;
  }
  await markIngested(services.graph, tenantId, source.id, {
    rows: total.rows,
    entities: total.entities,
    relations: total.relations,
    quarantined: total.quarantined,
  });
  return total;
}
