/** @module The exchange module's public door: streaming exports in seven formats, all-or-nothing imports of JSONL and GraphML, and the import job. */
export { openExport, runningExportWorkers, exportedBytes, snapshotSourceOf, type ExportServices } from './export-stream.js';
export {
  contentDisposition,
  contentTypeOf,
  defaultBase,
  exportFormats,
  fileNameOf,
  importFormats,
  maxCitations,
  parseExportFormat,
  parseImportFormat,
  parseSubject,
  checkExportRequest,
  type ExportFormat,
  type ExportRequest,
  type ExportSubject,
  type ImportFormat,
} from './formats.js';
export { checkImport, importFile, importUri, writeImport, type ImportInput, type ImportServices, type ImportSummary } from './import-run.js';
export type { ImportProblem, ReadOptions } from './import-items.js';
export { importJobType, registerImportJobType } from './import-job.js';
export { neo4jAdminCommand } from './write-neo4j.js';
