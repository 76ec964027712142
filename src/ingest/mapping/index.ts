/** @module Structured data by explicit mapping: the public door (parse a mapping file, plan and ingest a folder of files, read datasets). */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { TrellisError } from '../../core/errors.js';
import type { SourceKind } from '../types.js';
import type { FileMapping, MappingConfig } from './config.js';
import { type IngestRowsOptions, type MappingServices, type MappingSummary, type RowFile, ingestRows } from './engine.js';
import { planFiles } from './glob.js';

export { parseMapping, type ColumnDefinition, type ColumnType, type FileMapping, type MappingConfig } from './config.js';
export {
  datasetHead,
  deleteDataset,
  replaceDerivedDataset,
  sourcedRow,
  sourcedRows,
  type DatasetHead,
  type DerivedDefinition,
  type SourcedRow,
} from './derived.js';
export { citation, graphInputs, type ValidRow } from './graph-inputs.js';
export { globToRegExp, planFiles, referenceLevels, type PlannedFile } from './glob.js';
export { ingestRows, type IngestRowsOptions, type MappingServices, type MappingSummary, type RowFile, type RowInput, type RowSource } from './engine.js';
export {
  datasetRows,
  datasetRowsIfAny,
  gazetteerEntries,
  getDataset,
  listDatasets,
  quarantineOf,
  type Dataset,
  type GazetteerEntry,
  type QuarantineEntry,
} from './datasets.js';

/** What {@link ingestFiles} did for one file. */
export interface IngestedFile {
  file: string;
  dataset: string;
  sourceId: string;
  summary: MappingSummary;
}

/** Every file below `root`, relative, with `/` separators. */
function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

const rowKinds: readonly SourceKind[] = ['csv', 'xlsx', 'json', 'jsonl'];

/** A file to read through the shared readers, its kind from its extension (the mapped sheet only, for xlsx). */
function rowFile(file: string, mapping: FileMapping): RowFile {
  const kind = path.extname(file).slice(1).toLowerCase() as SourceKind;
  if (!rowKinds.includes(kind)) {
    throw new TrellisError('ingest_unsupported', `${file}: a mapped file must be .csv, .xlsx, .json or .jsonl (dataset ${mapping.dataset})`, { file });
  }
  return { file, kind, options: mapping.sheet === null ? {} : { sheet: mapping.sheet } };
}

/**
 * Ingests a folder through a mapping: every file below `root` (or those listed) must match a pattern, every required
 * pattern must match a file — both checked before anything is written. Each file becomes a source (kind from its
 * extension, title its relative path) and its rows go through {@link ingestRows}; files of datasets others refer
 * to go first.
 * @example
 * const config = parseMapping(readFileSync('mapping.yaml', 'utf8'), 'mapping.yaml');
 * const results = await ingestFiles({ store, graph }, tenantId, { root: 'data', config });
 */
export async function ingestFiles(
  services: MappingServices,
  tenantId: string,
  input: { root: string; config: MappingConfig; files?: readonly string[] },
  options: IngestRowsOptions = {},
): Promise<IngestedFile[]> {
  const plan = planFiles(input.config, input.files ?? listFiles(input.root));
  const results: IngestedFile[] = [];
  const sources = new Map<string, string>();
  for (const { file, mapping } of plan) {
    const absolute = path.resolve(input.root, file);
    let sourceId = sources.get(file);
    if (sourceId === undefined) {
      const source = await services.graph.createSource(tenantId, {
        uri: `file://${absolute}`,
        kind: path.extname(file).slice(1).toLowerCase(),
        title: file,
        metadata: { mapping: input.config.file },
      });
      sourceId = source.id;
      sources.set(file, sourceId);
    }
    const summary = await ingestRows(services, tenantId, { id: sourceId, file }, rowFile(absolute, mapping), mapping, options);
    results.push({ file, dataset: mapping.dataset, sourceId, summary });
  }
  return results;
}
