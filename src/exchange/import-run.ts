/**
 * @module Imports a JSONL or GraphML file into a tenant, all or nothing: the whole file is checked first (in a worker)
 * and nothing is written when any line has a problem; then a source of kind `import` is registered for the file and
 * its entities and relations are written in batches through the graph service's bulk upserts, each citing the file
 * and its line. Should a write fail midway, the source is deleted again, which retracts everything the import cited.
 */
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { TrellisError } from '../core/errors.js';
import { normaliseId } from '../core/ids.js';
import type { EntityInput, EvidenceInput, GraphService, RelationInput } from '../graph/index.js';
import type { Store } from '../store/index.js';
import type { ImportFormat } from './formats.js';
import type { ImportProblem, ReadOptions, RelationItem } from './import-items.js';
import { type Validation, readItems, validateImport } from './import-validate.js';
import type { ImportBatch, ImportWorkerData } from './import-worker.js';
import { type PostedError, startWorker, toTrellisError } from '../core/workers.js';

/** What an import needs. */
export interface ImportServices {
  store: Store;
  graph: GraphService;
}

/** A file to import. */
export interface ImportInput {
  /** Where the file is. */
  file: string;
  /** What the file is called (the source's title, named in citations and errors). */
  name: string;
  format: ImportFormat;
  options?: ReadOptions;
}

/** Counts of one kind of fact. */
export interface ImportCounts {
  read: number;
  created: number;
  updated: number;
}

/** What an import did. */
export interface ImportSummary {
  /** `unchanged`: this content was imported under this name before; nothing was written. */
  status: 'imported' | 'unchanged';
  sourceId: string;
  uri: string;
  bytes: number;
  entities: ImportCounts;
  relations: ImportCounts;
  seconds: number;
}

/** Options of {@link writeImport}. */
export interface WriteOptions {
  onProgress?: (progress: { entities: number; relations: number }) => void;
  signal?: AbortSignal;
}

/** Items per batch: one bulk write (entities, then the relations whose ends are known) each. */
const batchItems = 5000;

/** The source URI of an import: the content's hash and the file's name, so the same content under the same name is imported once. */
export function importUri(name: string, sha256: string): string {
  return `import://${sha256.slice(0, 16)}/${encodeURIComponent(name)}`;
}

/** Files up to this size are read on this thread (a worker's start would cost more than the parsing); larger ones in a worker. */
export const inlineReadMaxBytes = 256 * 1024;

async function isSmall(file: string): Promise<boolean> {
  return (await stat(file)).size <= inlineReadMaxBytes;
}

/** Runs the validating worker over a file. */
function validateInWorker(input: ImportInput): Promise<Validation> {
  const data: ImportWorkerData = { mode: 'validate', file: input.file, format: input.format, options: input.options ?? {}, batchItems };
  const worker = startWorker(import.meta.url, 'import-worker', data);
  return new Promise((resolve, reject) => {
    worker.once('message', (message: { type: 'validated'; validation: Validation } | { type: 'error'; error: PostedError }) => {
      if (message.type === 'validated') resolve(message.validation);
      else reject(toTrellisError(message.error));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The import worker ended (code ${code}) before it answered`)));
  });
}

/** Of the given entity IDs, those that are not entities of the tenant (read-only, a thousand at a time). */
async function missingEntities(store: Store, tenantId: string, ids: readonly string[]): Promise<Set<string>> {
  const missing = new Set(ids);
  for (let start = 0; start < ids.length; start += 1000) {
    const slice = ids.slice(start, start + 1000);
    const found = await store.read({ tenantId }, (tx) =>
      tx.dialect === 'sqlite'
        ? tx.all<{ id: string }>('SELECT id FROM entities WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))', [tenantId, JSON.stringify(slice)])
        : tx.all<{ id: string }>('SELECT id::text AS id FROM entities WHERE tenant_id = ? AND id = ANY(?::uuid[])', [tenantId, slice as unknown as string]),
    );
    for (const row of found) missing.delete(row.id);
  }
  return missing;
}

function refuse(name: string, problems: ImportProblem[], truncated: boolean): TrellisError {
  const first = problems[0] as ImportProblem;
  const where = first.line > 0 ? `line ${first.line}: ` : '';
  const more = problems.length > 1 ? ` (and ${truncated ? `more than ${problems.length - 1}` : problems.length - 1} more problems)` : '';
  return new TrellisError('unprocessable', `${name}: ${where}${first.message}${more}; nothing was imported`, { file: name, problems, truncated });
}

/**
 * Checks a whole import file (in a worker) and that every entity ID its relations name outside the file is the
 * tenant's; throws `unprocessable` listing the problems (line and message, at most 100) when there is any.
 */
export async function checkImport(services: ImportServices, tenantId: string, input: ImportInput): Promise<Validation> {
  const validation = (await isSmall(input.file)) ? await validateImport(input.file, input.format, input.options ?? {}) : await validateInWorker(input);
  if (validation.problems.length === 0 && validation.external.length > 0) {
    const ids = validation.external.map(([id]) => normaliseId(id));
    const missing = await missingEntities(services.store, tenantId, ids);
    for (const [id, line] of validation.external) {
      if (missing.has(normaliseId(id)))
        validation.problems.push({ line, message: `the relation's end ${JSON.stringify(id)} is no entity of the file or of this tenant` });
    }
    validation.problems.sort((a, b) => a.line - b.line);
  }
  if (validation.problems.length > 0) throw refuse(input.name, validation.problems, validation.truncated);
  return validation;
}

type BatchReader = { next(): Promise<ImportBatch | { sha256: string }>; stop(): Promise<void> };

/** Reads a small checked file again on this thread, one batch per call. */
function inlineBatches(input: ImportInput): BatchReader {
  const digest = { bytes: 0, sha256: '' };
  const items = readItems(input.file, input.format, digest, input.options ?? {});
  return {
    async next() {
      const batch: ImportBatch = { entities: [], relations: [] };
      while (batch.entities.length + batch.relations.length < batchItems) {
        const step = await items.next();
        if (step.done) break;
        const item = step.value;
        if (item.kind === 'entity') batch.entities.push(item);
        else if (item.kind === 'relation') batch.relations.push(item);
        else throw new TrellisError('unprocessable', `line ${item.line}: ${item.message} (the file changed after it was checked)`);
      }
      return batch.entities.length + batch.relations.length === 0 ? { sha256: digest.sha256 } : batch;
    },
    async stop() {
      await items.return(undefined);
    },
  };
}

/** Reads a checked file again in a worker, one batch per call. */
function batchesOf(input: ImportInput): BatchReader {
  const data: ImportWorkerData = { mode: 'read', file: input.file, format: input.format, options: input.options ?? {}, batchItems };
  const worker = startWorker(import.meta.url, 'import-worker', data);
  let ended = false;
  worker.once('exit', () => (ended = true));
  return {
    next: () =>
      new Promise((resolve, reject) => {
        const onExit = (code: number) => reject(new Error(`The import worker ended (code ${code}) before the file did`));
        worker.once('exit', onExit);
        worker.once(
          'message',
          (message: { type: 'batch'; batch: ImportBatch } | { type: 'end'; digest: { sha256: string } } | { type: 'error'; error: PostedError }) => {
            worker.off('exit', onExit);
            if (message.type === 'batch') resolve(message.batch);
            else if (message.type === 'end') resolve({ sha256: message.digest.sha256 });
            else reject(toTrellisError(message.error));
          },
        );
        worker.postMessage('more');
      }),
    async stop() {
      if (ended) return;
      const exited = once(worker, 'exit');
      await worker.terminate();
      await exited.catch(() => undefined);
    },
  };
}

function add(counts: ImportCounts, result: { ids: string[]; created: number; updated: number }, read: number): void {
  counts.read += read;
  counts.created += result.created;
  counts.updated += result.updated;
}

/**
 * Writes a checked file (the second pass). An import of the same content under the same name that finished before is
 * not repeated (`unchanged`); one that was interrupted is removed first.
 */
export async function writeImport(
  services: ImportServices,
  tenantId: string,
  input: ImportInput,
  validation: Validation,
  options: WriteOptions = {},
): Promise<ImportSummary> {
  const { graph } = services;
  const started = performance.now();
  const uri = importUri(input.name, validation.sha256);
  const summary: ImportSummary = {
    status: 'imported',
    sourceId: '',
    uri,
    bytes: validation.bytes,
    entities: { read: 0, created: 0, updated: 0 },
    relations: { read: 0, created: 0, updated: 0 },
    seconds: 0,
  };
  const existing = await graph.findSourceByUri(tenantId, uri);
  if (existing?.status === 'imported') return { ...summary, status: 'unchanged', sourceId: existing.id, seconds: (performance.now() - started) / 1000 };
  if (existing) await graph.deleteSource(tenantId, existing.id);
  const source = await graph.createSource(tenantId, {
    uri,
    kind: 'import',
    title: input.name,
    contentHash: `sha256:${validation.sha256}`,
    metadata: { format: input.format, bytes: validation.bytes, entities: validation.entities, relations: validation.relations },
    status: 'importing',
  });
  summary.sourceId = source.id;
  const cite = (line: number): EvidenceInput[] => [
    { sourceId: source.id, start: line, end: line + 1, quote: `${input.name} line ${line}`, extractor: `import:${input.format}` },
  ];
  const external = new Set(validation.external.map(([id]) => id));
  const stored = new Map<string, string>();
  const endOf = (ref: string) => stored.get(ref) ?? (external.has(ref) ? normaliseId(ref) : undefined);
  const relationInput = (item: RelationItem, from: string, to: string): RelationInput => ({ ...item.input, from, to, evidence: cite(item.line) });
  const deferred: RelationItem[] = [];
  const reader = (await isSmall(input.file)) ? inlineBatches(input) : batchesOf(input);
  try {
    for (;;) {
      if (options.signal?.aborted) throw new TrellisError('unprocessable', 'The import was cancelled');
      const batch = await reader.next();
      if ('sha256' in batch) {
        if (batch.sha256 !== validation.sha256) throw new TrellisError('unprocessable', `${input.name} changed while it was imported`);
        break;
      }
      const entities: EntityInput[] = batch.entities.map((item) => ({ ...item.input, evidence: cite(item.line) }));
      const refs = new Set(batch.entities.flatMap((item) => (item.ref === null ? [] : [item.ref])));
      const known = (ref: string) => endOf(ref) !== undefined || refs.has(ref);
      const ready: RelationItem[] = [];
      // A relation to an entity of a later batch waits until the end of the file.
      for (const item of batch.relations) (known(item.from) && known(item.to) ? ready : deferred).push(item);
      const remember = (ids: readonly string[]) => batch.entities.forEach((item, index) => item.ref !== null && stored.set(item.ref, ids[index] as string));
      if (ready.length === 0) {
        if (entities.length > 0) {
          const result = await graph.upsertEntities(tenantId, entities);
          remember(result.ids);
          add(summary.entities, result, entities.length);
        }
      } else if (entities.length === 0) {
        add(
          summary.relations,
          await graph.upsertRelations(
            tenantId,
            ready.map((item) => relationInput(item, endOf(item.from) as string, endOf(item.to) as string)),
          ),
          ready.length,
        );
      } else {
        const result = await graph.upsertEntitiesAndRelations(tenantId, entities, (ids) => {
          remember(ids);
          return ready.map((item) => relationInput(item, endOf(item.from) as string, endOf(item.to) as string));
        });
        add(summary.entities, result.entities, entities.length);
        add(summary.relations, result.relations, ready.length);
      }
      options.onProgress?.({ entities: summary.entities.read, relations: summary.relations.read });
    }
    for (let start = 0; start < deferred.length; start += batchItems) {
      const slice = deferred.slice(start, start + batchItems);
      add(
        summary.relations,
        await graph.upsertRelations(
          tenantId,
          slice.map((item) => relationInput(item, endOf(item.from) as string, endOf(item.to) as string)),
        ),
        slice.length,
      );
    }
    await graph.setSourceStatus(tenantId, source.id, 'imported', { entities: summary.entities, relations: summary.relations });
  } catch (error) {
    await reader.stop();
    // Everything this import wrote cites its source: deleting the source retracts it all.
    await graph.deleteSource(tenantId, source.id).catch(() => undefined);
    throw error;
  }
  await reader.stop();
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** Checks and writes a file: {@link checkImport}, then {@link writeImport}. */
export async function importFile(services: ImportServices, tenantId: string, input: ImportInput, options: WriteOptions = {}): Promise<ImportSummary> {
  return writeImport(services, tenantId, input, await checkImport(services, tenantId, input), options);
}
