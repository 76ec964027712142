/**
 * @module Worker-thread entry of an import: `validate` runs the first pass and posts what it found; `read` reads the
 * file again and posts it in batches, one per `more` message, so parsing stays off the event loop and the writer sets
 * the pace.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TrellisError } from '../core/errors.js';
import type { ImportFormat } from './formats.js';
import type { Digest, EntityItem, ReadOptions, RelationItem } from './import-items.js';
import { readItems, validateImport } from './import-validate.js';
import { postedError } from '../core/workers.js';

/** What the main thread starts an import worker with. */
export interface ImportWorkerData {
  mode: 'validate' | 'read';
  file: string;
  format: ImportFormat;
  options: ReadOptions;
  /** Items per batch in `read` mode: entities and relations together. */
  batchItems: number;
}

/** One batch of `read` mode. */
export interface ImportBatch {
  entities: EntityItem[];
  relations: RelationItem[];
}

const data = workerData as ImportWorkerData;
const port = parentPort;

if (data.mode === 'validate') {
  validateImport(data.file, data.format, data.options).then(
    (validation) => port?.postMessage({ type: 'validated', validation }),
    (error: unknown) => port?.postMessage({ type: 'error', error: postedError(error) }),
  );
} else {
  const digest: Digest = { bytes: 0, sha256: '' };
  const items = readItems(data.file, data.format, digest, data.options);
  let busy = false;
  const next = async () => {
    busy = true;
    try {
      const batch: ImportBatch = { entities: [], relations: [] };
      while (batch.entities.length + batch.relations.length < data.batchItems) {
        const step = await items.next();
        if (step.done) break;
        const item = step.value;
        if (item.kind === 'entity') batch.entities.push(item);
        else if (item.kind === 'relation') batch.relations.push(item);
        else throw new TrellisError('unprocessable', `line ${item.line}: ${item.message} (the file changed after it was checked)`);
      }
      if (batch.entities.length + batch.relations.length === 0) {
        port?.postMessage({ type: 'end', digest });
        port?.close();
      } else port?.postMessage({ type: 'batch', batch });
    } catch (error) {
      port?.postMessage({ type: 'error', error: postedError(error) });
      port?.close();
    } finally {
      busy = false;
    }
  };
  port?.on('message', (message: 'more' | 'stop') => {
    if (message === 'stop') port?.close();
    else if (!busy) void next();
  });
}
