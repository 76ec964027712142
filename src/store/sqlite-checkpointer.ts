/** @module WAL checkpoints of a SQLite store in a worker thread, so the writer (and the event loop) never copies WAL pages back into the database. */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A running checkpointer; `stop()` ends it (the last connection's close checkpoints what is left). */
export interface Checkpointer {
  stop(): Promise<void>;
}

/** Options of {@link startCheckpointer}. */
export interface CheckpointerOptions {
  /** Pause between looks at the WAL's size. @default 250 */
  intervalMs?: number;
  /** WAL size from which a checkpoint runs: bulk writes touch many pages, and each checkpoint rewrites them. @default 64 MiB */
  walBytes?: number;
}

// Plain JavaScript, evaluated in the worker: no loader needed under tsx or from dist/. A PASSIVE checkpoint never waits
// for the writer or readers; it copies what it can, and the writer starts the WAL over once all of it is copied.
const source = `
const { workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.module);
const walSize = () => { try { return statSync(workerData.file + '-wal').size; } catch { return 0; } };
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const wake = new Int32Array(workerData.signal);
while (Atomics.load(wake, 0) === 0) {
  try {
    if (walSize() >= workerData.walBytes) {
      db.pragma('wal_checkpoint(PASSIVE)');
    }
  } catch (error) {
    // SQLITE_BUSY and the like: the next round tries again.
  }
  Atomics.wait(wake, 0, 0, workerData.intervalMs);
}
db.close();
`;

/**
 * Starts a thread with its own connection to `file` that looks at the WAL's size every `intervalMs` and, past
 * `walBytes`, runs `PRAGMA wal_checkpoint(PASSIVE)`.
 * The store's writer keeps a far higher `wal_autocheckpoint` as a safety valve for a WAL this thread cannot keep
 * down (long readers), so the WAL stays bounded either way.
 * @example
 * const checkpointer = startCheckpointer('/data/trellis.db');
 * await checkpointer.stop();
 */
export function startCheckpointer(file: string, options: CheckpointerOptions = {}): Checkpointer {
  const signal = new SharedArrayBuffer(4);
  const worker = new Worker(source, {
    eval: true,
    workerData: {
      file,
      module: createRequire(import.meta.url).resolve('better-sqlite3'),
      signal,
      intervalMs: options.intervalMs ?? 250,
      walBytes: options.walBytes ?? 64 * 1024 * 1024,
    },
  });
  worker.unref();
  // A thread that cannot checkpoint (its connection failed) must not take the process down: the writer's own
  // checkpoint past 1 GiB of WAL still bounds the WAL.
  worker.on('error', (error) => process.emitWarning(`SQLite checkpoint thread stopped: ${error.message}`));
  let exited = false;
  worker.once('exit', () => (exited = true));
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (exited) return resolve(); // it stopped on its own (an error)
        worker.ref(); // unreferenced while it runs, so it never keeps a process alive; referenced while it ends
        worker.once('exit', () => resolve());
        Atomics.store(new Int32Array(signal), 0, 1);
        Atomics.notify(new Int32Array(signal), 0);
      });
      return stopped;
    },
  };
}
