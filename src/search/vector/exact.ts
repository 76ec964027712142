/**
 * @module Exact nearest neighbours in the store: the reference every index answer is measured against, and the
 * answer while an index builds or when a filter is very selective. SQLite computes cosine distances with sqlite-vec;
 * PostgreSQL (the embedded server and most installs have no pgvector) streams the vectors and scores them in the
 * worker. Both order by score, then owner ID, so they return the same hits.
 */
import type { Worker } from 'node:worker_threads';
import * as sqliteVec from 'sqlite-vec';
import type { Queryable, SqliteTx } from '../../store/index.js';
import { type SnapshotReader, type VectorSource, openPostgresReader, openSqliteReader, readVector } from './reader.js';
import { type SqlFilter, type Statement, type VectorScope, filteredVectors, sqliteExact } from './sql.js';
import { startWorker } from '../../core/workers.js';

/** An exact hit: the vector's seq, its owner and cosine similarity. */
export interface ExactHit {
  seq: number;
  id: string;
  score: number;
}

/** One exact search. */
export interface ExactRequest {
  scope: VectorScope;
  filter: SqlFilter;
  /** Unit length. */
  query: Float32Array;
  limit: number;
}

/** Best first; ties by owner ID (the order SQLite's ORDER BY distance, owner_id gives). */
export function compareHits(a: { id: string; score: number }, b: { id: string; score: number }): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Cosine similarity of a unit query with a stored vector; 0 for a zero vector. */
export function cosine(query: Float32Array, vector: Float32Array, dimensions: number): number {
  let dot = 0;
  let norm = 0;
  for (let d = 0; d < dimensions; d++) {
    const value = vector[d] as number;
    dot += (query[d] as number) * value;
    norm += value * value;
  }
  return norm === 0 ? 0 : dot / Math.sqrt(norm);
}

function sqliteHits(rows: unknown[][]): ExactHit[] {
  return rows.map(([seq, id, distance]) => ({ seq: Number(seq), id: String(id), score: 1 - Number(distance) }));
}

/** Scores streamed rows [seq, owner_id, vector] and keeps the best `limit` (ties by owner ID, exactly). */
export async function scoreRows(
  batches: AsyncIterable<unknown[][]> | Iterable<unknown[][]>,
  query: Float32Array,
  dimensions: number,
  limit: number,
): Promise<ExactHit[]> {
  const vector = new Float32Array(dimensions);
  let kept: ExactHit[] = [];
  // Scores below the limit-th best so far can never enter; equal ones are kept so ties are ordered by owner ID.
  let cut = -Infinity;
  for await (const batch of batches) {
    for (const [seq, id, bytes] of batch) {
      readVector(bytes, vector);
      const score = cosine(query, vector, dimensions);
      if (score < cut) continue;
      kept.push({ seq: Number(seq), id: String(id), score });
      if (kept.length >= 4 * limit + 256) {
        kept = kept.sort(compareHits).slice(0, limit);
        cut = (kept[limit - 1] as ExactHit).score;
      }
    }
  }
  return kept.sort(compareHits).slice(0, limit);
}

/** Runs an exact search on a reader (inside the exact worker). */
export async function exactOnReader(reader: SnapshotReader, request: ExactRequest): Promise<ExactHit[]> {
  const { scope, filter, query, limit } = request;
  if (reader.dialect === 'sqlite')
    return sqliteHits(await reader.all(sqliteExact(scope, filter, Buffer.from(query.buffer, query.byteOffset, query.byteLength), limit)));
  return scoreRows(reader.batches(filteredVectors('postgres', scope, filter)), query, scope.dimensions, limit);
}

const loaded = new WeakSet<object>();

/** Runs an exact search inline in a store transaction: for stores a worker cannot open (an in-memory SQLite database). */
export async function exactInline(tx: Queryable, request: ExactRequest): Promise<ExactHit[]> {
  const { scope, filter, query, limit } = request;
  if (tx.dialect === 'sqlite') {
    const db = (tx as SqliteTx).db;
    if (!loaded.has(db)) {
      sqliteVec.load(db);
      loaded.add(db);
    }
    const statement: Statement = sqliteExact(scope, filter, Buffer.from(query.buffer, query.byteOffset, query.byteLength), limit);
    return sqliteHits(
      db
        .prepare(statement.sql)
        .raw()
        .all(...(statement.params as unknown[])) as unknown[][],
    );
  }
  const statement = filteredVectors('postgres', scope, filter);
  const rows = await tx.all<{ seq: unknown; owner_id: unknown; vector: unknown }>(statement.sql, statement.params);
  return scoreRows([rows.map((row) => [row.seq, row.owner_id, row.vector])], query, scope.dimensions, limit);
}

/** The exact-search worker: one thread with its own store connection, started on first use. */
export interface ExactWorker {
  search(request: ExactRequest): Promise<ExactHit[]>;
  close(): Promise<void>;
}

export function createExactWorker(source: VectorSource): ExactWorker {
  let worker: Worker | null = null;
  let next = 0;
  const pending = new Map<number, { resolve(hits: ExactHit[]): void; reject(error: Error): void }>();
  function failAll(error: Error) {
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  }
  function started(): Worker {
    if (worker) return worker;
    const created = startWorker(import.meta.url, 'exact-worker', { source });
    created.unref();
    created.on('message', (reply: { request: number; hits?: ExactHit[]; error?: string }) => {
      const waiting = pending.get(reply.request);
      if (!waiting) return;
      pending.delete(reply.request);
      if (reply.error !== undefined) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.hits ?? []);
    });
    created.on('error', (error) => failAll(error));
    created.on('exit', () => {
      if (worker === created) worker = null;
      failAll(new Error('The exact vector search worker stopped'));
    });
    worker = created;
    return created;
  }
  return {
    search(request) {
      return new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        started().postMessage({ request: id, ...request });
      });
    },
    async close() {
      const running = worker;
      worker = null;
      if (running) await running.terminate();
      failAll(new Error('The exact vector search worker stopped'));
    },
  };
}

/**
 * The exact worker's readers: SQLite's one connection serves every tenant; PostgreSQL's are per tenant (the tenant
 * is bound for row-level security), the few most recently used kept open.
 */
export function readerFor(source: VectorSource) {
  let sqlite: SnapshotReader | null = null;
  const postgres = new Map<string, Promise<SnapshotReader>>();
  return {
    async run<T>(tenantId: string, work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
      if (source.dialect === 'sqlite') {
        sqlite ??= openSqliteReader(source.file);
        return work(sqlite);
      }
      let reader = postgres.get(tenantId);
      if (reader) postgres.delete(tenantId);
      else reader = openPostgresReader(source.url, source.role, tenantId);
      // Most recently used last; beyond four, the oldest is closed.
      postgres.set(tenantId, reader);
      for (const [oldest, stale] of postgres) {
        if (postgres.size <= 4) break;
        postgres.delete(oldest);
        void stale.then((opened) => opened.close()).catch(() => undefined);
      }
      try {
        return await work(await reader);
      } catch (error) {
        // A broken connection is not kept.
        postgres.delete(tenantId);
        void reader.then((opened) => opened.close()).catch(() => undefined);
        throw error;
      }
    },
  };
}
