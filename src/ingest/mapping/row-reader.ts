/** @module A file's rows as validated batches: read, parsed and validated in a worker thread for big files (the event loop only stores them), inline for small ones. */
import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/workers.js';
import { TrellisError, type ErrorCode } from '../../core/errors.js';
import type { RowOptions } from '../parse/index.js';
import type { SourceKind, SourceRow } from '../types.js';
import { type BatchLimits, type PreparedBatch, type RowPlan, preparedBatches } from './row-batches.js';
import { fileBlocks, inBlocks } from './row-blocks.js';
import type { RowWorkerData, RowWorkerMessage } from './row-worker.js';

/** A structured file to read: the engine chooses where (see {@link RowReadOptions.workerMinBytes}). */
export interface RowFile {
  file: string;
  kind: SourceKind;
  options?: RowOptions;
}

/** Rows to ingest: a file, or rows already being read (always validated inline). */
export type RowInput = RowFile | AsyncIterable<SourceRow>;

/** Where rows are read. */
export interface RowReadOptions {
  /** Files at least this big are read and validated in a worker thread; 0 = always, Infinity = never. @default 1048576 */
  workerMinBytes?: number;
}

/** Batches a worker may prepare before the engine has taken them: enough to overlap parsing with storing, few enough to bound memory. */
const workerAhead = 2;

function isRowFile(input: RowInput): input is RowFile {
  return typeof (input as RowFile).file === 'string' && typeof (input as RowFile).kind === 'string';
}

/** The validated batches of the rows, read in a worker when the input is a file of at least `workerMinBytes`. */
export function readBatches(input: RowInput, plan: RowPlan, limits: BatchLimits, options: RowReadOptions = {}): AsyncIterable<PreparedBatch> {
  if (!isRowFile(input)) return preparedBatches(inBlocks(input), plan, limits);
  const options_ = input.options ?? {};
  const minBytes = options.workerMinBytes ?? 1024 * 1024;
  let size = 0;
  try {
    size = statSync(input.file).size;
  } catch {
    // A missing file fails in the reader, with the reader's message.
  }
  if (size < minBytes) return preparedBatches(fileBlocks(input.file, input.kind, options_), plan, limits);
  return workerBatches({ file: input.file, kind: input.kind, options: options_, plan, limits, ahead: workerAhead });
}

type Received = RowWorkerMessage | { crashed: Error };

async function* workerBatches(data: RowWorkerData): AsyncGenerator<PreparedBatch> {
  const worker = startWorker(import.meta.url, 'row-worker', data);
  const queue: Received[] = [];
  let wake: (() => void) | undefined;
  const receive = (message: Received) => {
    queue.push(message);
    wake?.();
    wake = undefined;
  };
  worker.on('message', receive);
  worker.on('error', (error) => receive({ crashed: error }));
  worker.on('exit', (code) => receive({ crashed: new Error(`the row reader's worker exited with code ${code}`) }));
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const message = queue.shift() as Received;
      if ('batch' in message) {
        worker.postMessage('taken');
        yield message.batch;
      } else if ('done' in message) return;
      else if ('error' in message) {
        const { code, message: text, details } = message.error;
        throw code === undefined ? new Error(text) : new TrellisError(code as ErrorCode, text, details);
      } else throw message.crashed;
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}
