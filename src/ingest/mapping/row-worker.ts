/** @module Worker-thread entry of the row reader: reads a structured file, validates its rows and posts them in batches, at most a few ahead of the consumer. */
import { parentPort, workerData } from 'node:worker_threads';
import { TrellisError } from '../../core/errors.js';
import type { RowOptions } from '../parse/index.js';
import type { SourceKind } from '../types.js';
import { fileBlocks } from './row-blocks.js';
import { type BatchLimits, type RowPlan, preparedBatches } from './row-batches.js';

/** What the worker is started with. */
export interface RowWorkerData {
  file: string;
  kind: SourceKind;
  options: RowOptions;
  plan: RowPlan;
  limits: BatchLimits;
  /** Batches posted and not yet taken that the worker may run ahead by. */
  ahead: number;
}

/** A message of the worker: a batch, the end of the file, or the error that ended it. */
export type RowWorkerMessage =
  { batch: import('./row-batches.js').PreparedBatch } | { done: true } | { error: { message: string; code?: string; details?: Record<string, unknown> } };

const data = workerData as RowWorkerData;
const port = parentPort!;
let credits = data.ahead;
let wake: (() => void) | undefined;
// The consumer says "taken" for each batch it takes, giving back one credit.
port.on('message', () => {
  credits++;
  wake?.();
  wake = undefined;
});

async function run(): Promise<void> {
  for await (const batch of preparedBatches(fileBlocks(data.file, data.kind, data.options), data.plan, data.limits)) {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    port.postMessage({ batch } satisfies RowWorkerMessage);
  }
}

run().then(
  () => port.postMessage({ done: true } satisfies RowWorkerMessage),
  (error: unknown) => {
    const trellis = error instanceof TrellisError ? error : null;
    port.postMessage({
      error: { message: error instanceof Error ? error.message : String(error), ...(trellis ? { code: trellis.code, details: trellis.details } : {}) },
    } satisfies RowWorkerMessage);
  },
);
