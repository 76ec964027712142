/**
 * @module Opens an export as a Node Readable: in a worker thread over its own snapshot of the store when the store can
 * be opened from another thread, else on this thread over store reads (keyset pages, yielding between pages). Either
 * way the consumer pulls: nothing is produced faster than it is read.
 */
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import type { TrellisConfig } from '../core/config.js';
import type { Store } from '../store/index.js';
import { type SqlSource, createExportReader } from './export-reader.js';
import { batcher, exportChunks } from './export-run.js';
import type { ExportWorkerData } from './export-worker.js';
import { type ExportRequest, checkExportRequest } from './formats.js';
import type { SnapshotSource } from './snapshot.js';
import { type PostedError, startWorker, toTrellisError } from '../core/workers.js';

/** Bytes per piece an export hands over (one worker message, one socket write). */
const pieceBytes = 256 * 1024;
/** An export nobody reads for this long is stopped (its snapshot would hold back the WAL or vacuum). */
const idleMs = 10 * 60_000;

/** What opening an export needs. */
export interface ExportServices {
  store: Store;
  config: Pick<TrellisConfig, 'databaseUrl' | 'databaseRole'>;
}

/** Where an export worker can open the store, or null when only this thread can read it (an in-memory SQLite store; PostgreSQL without a URL). */
export function snapshotSourceOf({ store, config }: ExportServices): SnapshotSource | null {
  if (store.dialect === 'postgres') return config.databaseUrl ? { dialect: 'postgres', url: config.databaseUrl, role: config.databaseRole } : null;
  return store.location === ':memory:' ? null : { dialect: 'sqlite', file: store.location };
}

/** Export workers running now (for tests and metrics). */
const running = new Set<Worker>();

/** How many export workers are running. */
export function runningExportWorkers(): number {
  return running.size;
}

let produced = 0;

/** Bytes every export of this process has produced so far (handed to its stream): for tests and metrics. */
export function exportedBytes(): number {
  return produced;
}

type Pull = () => Promise<Uint8Array | null>;

/** A Readable fed by `pull` whenever it wants more, that calls `release` once it ends or is destroyed. */
class PullStream extends Readable {
  private pulling = false;

  constructor(
    private readonly pull: Pull,
    private readonly release: () => Promise<void>,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _read(): void {
    if (this.pulling) return;
    this.pulling = true;
    this.pull().then(
      (bytes) => {
        this.pulling = false;
        if (bytes !== null) produced += bytes.byteLength;
        if (!this.destroyed) this.push(bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      },
      (error: unknown) => {
        this.pulling = false;
        this.destroy(error as Error);
      },
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.release().then(
      () => callback(error),
      () => callback(error),
    );
  }
}

function workerPull(source: SnapshotSource, tenantId: string, request: ExportRequest): { pull: Pull; release(): Promise<void> } {
  const data: ExportWorkerData = { source, tenantId, request, pieceBytes, idleMs };
  const worker = startWorker(import.meta.url, 'export-worker', data);
  running.add(worker);
  let waiting: { resolve(bytes: Uint8Array | null): void; reject(error: Error): void } | null = null;
  let failure: Error | null = null;
  const settle = (how: (w: NonNullable<typeof waiting>) => void) => {
    const current = waiting;
    waiting = null;
    if (current) how(current);
  };
  worker.on('message', (message: { type: 'chunk'; bytes: Uint8Array } | { type: 'end' } | { type: 'error'; error: PostedError }) => {
    if (message.type === 'chunk') settle((w) => w.resolve(message.bytes));
    else if (message.type === 'end') settle((w) => w.resolve(null));
    else {
      failure = toTrellisError(message.error);
      settle((w) => w.reject(failure as Error));
    }
  });
  worker.on('error', (error) => {
    failure = error;
    settle((w) => w.reject(error));
  });
  worker.on('exit', (code) => {
    running.delete(worker);
    failure ??= new Error(`The export worker ended (code ${code}) before the export did`);
    settle((w) => w.reject(failure as Error));
  });
  return {
    pull: () =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        waiting = { resolve, reject };
        worker.postMessage('more');
      }),
    async release() {
      if (!running.has(worker)) return;
      worker.postMessage('stop');
      const stopped = once(worker, 'exit').catch(() => undefined);
      const timer = new Promise((resolve) => setTimeout(resolve, 5000).unref());
      await Promise.race([stopped, timer]);
      if (running.has(worker)) await worker.terminate();
    },
  };
}

function inlinePull(store: Store, tenantId: string, request: ExportRequest): { pull: Pull; release(): Promise<void> } {
  // Reads do not share a snapshot here: facts created after the export started are left out, so no edge can point at
  // a node the export did not write.
  const source: SqlSource = {
    dialect: store.dialect,
    all: (sql, params) => store.read({ tenantId }, (tx) => tx.all(sql, params)),
    // Both drivers give a row's columns in select order.
    raw: async (sql, params) => (await store.read({ tenantId }, (tx) => tx.all<Record<string, unknown>>(sql, params))).map((row) => Object.values(row)),
  };
  const reader = createExportReader(source, tenantId, { createdBefore: new Date().toISOString() });
  const chunks = exportChunks(reader, tenantId, request);
  const next = batcher(chunks, pieceBytes);
  return {
    pull: async () => {
      // SQLite reads are synchronous: give the event loop a turn between pieces.
      await new Promise((resolve) => setImmediate(resolve));
      return next();
    },
    async release() {
      await chunks.return(undefined);
    },
  };
}

/**
 * Opens an export and waits for its first piece, so that a request the store refuses (an unknown dataset) fails here
 * with its error rather than after a response has begun.
 * @example
 * const stream = await openExport(services, tenantId, { format: 'graphml', what: { kind: 'graph' }, citations: 0, safeCsv: false, base: defaultBase });
 * stream.pipe(createWriteStream('graph.graphml'));
 */
export async function openExport(services: ExportServices, tenantId: string, request: ExportRequest): Promise<Readable> {
  checkExportRequest(request);
  const source = snapshotSourceOf(services);
  const { pull, release } = source ? workerPull(source, tenantId, request) : inlinePull(services.store, tenantId, request);
  let first: Uint8Array | null;
  try {
    first = await pull();
  } catch (error) {
    await release();
    throw error;
  }
  let handedFirst = false;
  return new PullStream(async () => {
    if (handedFirst) return pull();
    handedFirst = true;
    return first;
  }, release);
}
