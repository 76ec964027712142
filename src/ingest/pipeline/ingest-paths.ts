/** @module `ingestPaths`: files, folders and globs into the graph — hash, skip the unchanged, prepare, retract the old version, commit — with a summary per file. */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { TrellisError } from '../../core/errors.js';
import type { GraphService } from '../../graph/index.js';
import type { Store } from '../../store/index.js';
import type { ChunkOptions } from '../chunk.js';
import { type ExtractorPool, createExtractorPool } from '../extract/pool.js';
import { type IngestRowsOptions, type MappingConfig, gazetteerEntries } from '../mapping/index.js';
import { detectKind, documentKinds, readFirstBytes } from '../parse/index.js';
import { kindByExtension } from '../parse/detect.js';
import { type ExtractionSchema, defaultSchema } from '../schema.js';
import type { Extractor, SourceKind } from '../types.js';
import { type BatchSizerOptions, createBatchSizer } from './batch-size.js';
import { withDatasetNames } from './gazetteers.js';
import { hashFile } from './content-hash.js';
import type { PreparedDocument } from '../resolve/document.js';
import { commitDocument, prepareDocument } from './document.js';
import { expandPaths } from './expand-paths.js';
import { extractionErrors } from './metrics.js';
import { findSourceByUri, ingestedStatus, type SourceState } from './source-state.js';
import { commitStructured, mappingsFor, orderByReferences } from './structured.js';

/** What the pipeline needs: the store and the graph over it. */
export interface IngestServices {
  store: Store;
  graph: GraphService;
}

/** Progress after each file and each committed batch. */
export interface IngestProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  chunks: number;
  entities: number;
  /** The file being worked on (absolute path). */
  file: string;
}

/** Options of {@link ingestPaths}. */
export interface IngestOptions {
  /** Extraction schema for the built-in extractor. @default defaultSchema() */
  schema?: ExtractionSchema;
  /** Mapping for structured files; without one, a csv/xlsx/json/jsonl file fails with "no mapping for <file>". */
  mapping?: MappingConfig;
  /** How the mapping engine reads and writes structured files (rows per batch, the size from which a worker thread reads them). */
  rows?: IngestRowsOptions;
  /** The extractor to use (the LLM extractor, or one a test supplies); default: the built-in extractor in a worker pool, started on first need. */
  extractor?: Extractor;
  chunk?: ChunkOptions;
  batch?: BatchSizerOptions;
  /** Files prepared (parsed, chunked, extracted) ahead of the one committing. @default available cores − 1, at least 1 */
  lookahead?: number;
  onProgress?: (progress: IngestProgress) => void;
  /** The source URI of a file (its identity: same URI and hash is the no-op). @default `file://` + the absolute path */
  sourceUri?: (file: string) => string;
  /** Stops the run before its next file (the file being committed finishes); the run rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What happened to one file. */
export interface FileOutcome {
  file: string;
  uri: string;
  status: 'ingested' | 'unchanged' | 'failed';
  kind?: SourceKind;
  sourceId?: string;
  bytes: number;
  chunks: number;
  entities: number;
  relations: number;
  quarantined: number;
  /** Whether an earlier version of the source was retracted first. */
  replaced?: boolean;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

/** What an ingest did. */
export interface IngestSummary {
  files: FileOutcome[];
  ingested: number;
  unchanged: number;
  failed: number;
  bytes: number;
  chunks: number;
  entities: number;
  relations: number;
  quarantined: number;
  seconds: number;
  /** Bytes of all files (unchanged ones included) per second of the whole run, in MB (10^6 bytes). */
  megabytesPerSecond: number;
}

/** A file read, hashed and (for documents) prepared: everything before the first write. */
type Planned =
  | { outcome: FileOutcome; done: true }
  | { outcome: FileOutcome; done: false; existing: SourceState | undefined; hash: string; root: string; prepared?: PreparedDocument };

function failure(outcome: FileOutcome, error: unknown, stage: string): FileOutcome {
  extractionErrors.inc({ stage });
  const trellis = error instanceof TrellisError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  return {
    ...outcome,
    status: 'failed',
    error: { code: trellis?.code ?? 'internal', message, ...(trellis?.details ? { details: trellis.details as Record<string, unknown> } : {}) },
  };
}

/**
 * Ingests files, folders and globs into a tenant's graph. Files are taken in sorted order; each one's source identity
 * is (tenant, `file://` + absolute path) and its content hash the SHA-256 of its bytes:
 * - same hash and status 'ingested' → nothing is read beyond the hash, nothing written;
 * - otherwise the document is parsed, chunked, extracted and resolved first (a file that fails here leaves the graph
 *   as it was), then an earlier version or a half-written one is deleted with `deleteSource` (its evidence retracted,
 *   facts left without evidence removed) and the new version committed in batches.
 * One file's failure is recorded in its outcome and the rest go on. The next document is prepared while the current
 * one commits, so extraction (in worker threads) overlaps writing.
 * @example
 * const summary = await ingestPaths({ store, graph }, tenantId, ['docs/'], { mapping });
 */
export async function ingestPaths(services: IngestServices, tenantId: string, paths: readonly string[], options: IngestOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  // Structured files first: their mapped rows are the known entities that documents' names then join (see
  // `joinToGraph`), whatever the file names. Sorted order within each group, except that a structured file comes
  // after the files of the datasets its mapping refers to.
  const expanded = await expandPaths(paths);
  const isStructured = ({ file }: { file: string }) => {
    const kind = kindByExtension[path.extname(file).toLowerCase()];
    return kind !== undefined && !documentKinds.includes(kind);
  };
  const structured = expanded.filter(isStructured);
  const planned = [...orderByReferences(structured, options.mapping), ...expanded.filter((item) => !isStructured(item))];
  const structuredCount = structured.length;
  const sizes = await Promise.all(
    planned.map(({ file }) =>
      stat(file).then(
        (found) => found.size,
        () => 0,
      ),
    ),
  );
  const bytesTotal = sizes.reduce((sum, size) => sum + size, 0);
  const chunkOptions = options.chunk ?? {};
  const sizer = createBatchSizer(options.batch);
  const lookahead = Math.max(1, options.lookahead ?? availableParallelism() - 1);
  // The built-in extractor's pool starts with the first document, after every structured file has committed, so its
  // gazetteers know the names of mapped dataset columns (`gazetteer: { column, type }`), this run's and earlier ones'.
  let starting: Promise<ExtractorPool> | undefined;
  // With another extractor (the LLM one), a one-worker pool still parses and chunks, off the event loop.
  let chunking: ExtractorPool | undefined;
  const chunker = (): ExtractorPool | undefined => (options.extractor ? (chunking ??= createExtractorPool(defaultSchema(), 1)) : undefined);
  const extractor = async (): Promise<Extractor> => {
    if (options.extractor) return options.extractor;
    starting ??= gazetteerEntries(services.store, tenantId).then((names) =>
      createExtractorPool(withDatasetNames(options.schema ?? defaultSchema(), names).schema),
    );
    return starting;
  };
  const progress = { filesDone: 0, filesTotal: planned.length, bytesDone: 0, bytesTotal, chunks: 0, entities: 0, file: '' };
  const report = () => options.onProgress?.({ ...progress });

  const plan = async (index: number): Promise<Planned> => {
    const { file, root } = planned[index]!;
    const outcome: FileOutcome = {
      file,
      uri: options.sourceUri?.(file) ?? `file://${file}`,
      status: 'ingested',
      bytes: sizes[index] ?? 0,
      chunks: 0,
      entities: 0,
      relations: 0,
      quarantined: 0,
    };
    let stage = 'parse';
    try {
      const kind = detectKind(file, await readFirstBytes(file));
      outcome.kind = kind;
      const { hash, bytes } = await hashFile(file);
      outcome.bytes = bytes;
      const existing = await findSourceByUri(services.graph, tenantId, outcome.uri);
      if (existing && existing.contentHash === hash && existing.status === ingestedStatus) {
        return { outcome: { ...outcome, status: 'unchanged', sourceId: existing.id }, done: true };
      }
      if (!documentKinds.includes(kind)) {
        stage = 'mapping';
        mappingsFor(file, root, kind, options.mapping);
        return { outcome, done: false, existing, hash, root };
      }
      stage = 'extract';
      const prepared = await prepareDocument(file, kind, bytes, await extractor(), chunkOptions, chunker());
      return { outcome, done: false, existing, hash, root, prepared };
    } catch (error) {
      return { outcome: failure(outcome, error, stage), done: true };
    }
  };

  const commit = async (item: Exclude<Planned, { done: true }>): Promise<FileOutcome> => {
    const { outcome } = item;
    try {
      if (item.existing) {
        await services.graph.deleteSource(tenantId, item.existing.id);
        outcome.replaced = item.existing.status === ingestedStatus;
      }
      if (item.prepared) {
        const written = await commitDocument(
          {
            ...services,
            tenantId,
            sizer,
            onBatch: (chunks, entities) => {
              progress.chunks += chunks;
              progress.entities += entities;
              report();
            },
          },
          outcome.file,
          outcome.uri,
          item.hash,
          outcome.bytes,
          item.prepared,
        );
        return { ...outcome, sourceId: written.sourceId, chunks: written.chunks, entities: written.entities, relations: written.relations };
      }
      const written = await commitStructured(
        services,
        tenantId,
        {
          file: outcome.file,
          root: item.root,
          kind: outcome.kind as SourceKind,
          uri: outcome.uri,
          contentHash: item.hash,
          bytes: outcome.bytes,
          config: options.mapping,
        },
        options.rows,
      );
      progress.entities += written.entities;
      return { ...outcome, sourceId: written.sourceId, entities: written.entities, relations: written.relations, quarantined: written.quarantined };
    } catch (error) {
      // The half-written source stays 'ingesting' and the next run redoes it; this run says why it stopped.
      return failure(outcome, error, 'commit');
    }
  };

  const files: FileOutcome[] = [];
  try {
    // Files are prepared ahead while earlier ones commit: as many at once as the pool has workers.
    const ahead: Promise<Planned>[] = [];
    let nextPlan = 0;
    // Documents wait for every structured file to commit: their names are the known entities (see above).
    const fill = () => {
      while (nextPlan < planned.length && ahead.length < lookahead && (nextPlan < structuredCount || files.length >= structuredCount))
        ahead.push(plan(nextPlan++));
    };
    for (let index = 0; index < planned.length; index++) {
      options.signal?.throwIfAborted();
      progress.file = planned[index]!.file;
      fill();
      const item: Planned = await ahead.shift()!;
      fill();
      const outcome = item.done ? item.outcome : await commit(item);
      files.push(outcome);
      progress.filesDone++;
      progress.bytesDone += sizes[index] ?? 0;
      report();
    }
  } finally {
    // A pool still starting (a run stopped by its signal) is closed once it has started.
    if (starting) await (await starting.catch(() => undefined))?.close();
    await chunking?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const sum = (field: 'bytes' | 'chunks' | 'entities' | 'relations' | 'quarantined') => files.reduce((total, file) => total + file[field], 0);
  const bytes = sum('bytes');
  return {
    files,
    ingested: files.filter((file) => file.status === 'ingested').length,
    unchanged: files.filter((file) => file.status === 'unchanged').length,
    failed: files.filter((file) => file.status === 'failed').length,
    bytes,
    chunks: sum('chunks'),
    entities: sum('entities'),
    relations: sum('relations'),
    quarantined: sum('quarantined'),
    seconds,
    megabytesPerSecond: seconds > 0 ? bytes / 1e6 / seconds : 0,
  };
}
