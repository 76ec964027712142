/**
 * @module Worker-thread entry of an export: opens a snapshot, runs the writer and hands the output back one piece per
 * `more` message, so the reading side sets the pace (a slow client pauses the worker, it never buffers the export).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TrellisError } from '../core/errors.js';
import { createExportReader } from './export-reader.js';
import { batcher, exportChunks } from './export-run.js';
import type { ExportRequest } from './formats.js';
import { type Snapshot, type SnapshotSource, openSnapshot } from './snapshot.js';
import { postedError } from '../core/workers.js';

/** What the main thread starts an export worker with. */
export interface ExportWorkerData {
  source: SnapshotSource;
  tenantId: string;
  request: ExportRequest;
  /** Bytes per piece handed back. */
  pieceBytes: number;
  /** The export gives up after this long without a `more` (a client that stopped reading), in ms. */
  idleMs: number;
}

const { source, tenantId, request, pieceBytes, idleMs } = workerData as ExportWorkerData;
const port = parentPort;

let snapshot: Snapshot | undefined;
let next: (() => Promise<Uint8Array | null>) | undefined;
let busy = false;
let stopping = false;
let finished = false;
let idle: NodeJS.Timeout | undefined;

async function finish(): Promise<void> {
  if (finished) return;
  finished = true;
  clearTimeout(idle);
  await snapshot?.close().catch(() => undefined);
  port?.close();
}

async function piece(): Promise<void> {
  busy = true;
  clearTimeout(idle);
  try {
    if (!next) {
      snapshot = await openSnapshot(source, tenantId);
      next = batcher(exportChunks(createExportReader(snapshot, tenantId), tenantId, request), pieceBytes);
    }
    const bytes = await next();
    if (bytes === null) {
      port?.postMessage({ type: 'end' });
      await finish();
      return;
    }
    port?.postMessage({ type: 'chunk', bytes }, [bytes.buffer as ArrayBuffer]);
    idle = setTimeout(() => {
      port?.postMessage({ type: 'error', error: { message: `The export was not read for ${idleMs / 1000} s and was stopped` } });
      void finish();
    }, idleMs);
  } catch (error) {
    port?.postMessage({ type: 'error', error: postedError(error) });
    await finish();
  } finally {
    busy = false;
    if (stopping) await finish();
  }
}

port?.on('message', (message: 'more' | 'stop') => {
  if (finished) return;
  if (message === 'stop') {
    stopping = true;
    if (!busy) void finish();
  } else if (!busy) void piece();
});
