/**
 * @module Analytics worker thread entry: reads a tenant's graph with the traversal projection's reader (one snapshot,
 * tenant-scoped), runs one algorithm and hands back the ranked rows and the entity labels as transferables. It serves
 * runs one after another for as long as its runner keeps it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TrellisError } from '../../core/errors.js';
import { type ProjectionSource, buildProjection } from '../projection-build.js';
import { compute } from './compute.js';
import type { Algorithm, Params } from './params.js';
import { type KernelThreads, startKernelThreads } from './threads.js';

/** One run asked of the worker. */
export interface WorkerRequest {
  id: number;
  source: ProjectionSource;
  tenantId: string;
  maxRelations: number;
  algorithm: Algorithm;
  params: Params[Algorithm];
}

/** Labels of every entity of the snapshot, by entity number (the projection's layout). */
export interface EntityLabels {
  entityIds: Uint8Array;
  entityTypes: Uint16Array;
  entityTypeNames: string[];
  nameOffsets: Uint32Array;
  nameBytes: Uint8Array;
}

/** A finished run as the worker posts it. */
export interface WorkerAnswer {
  id: number;
  /** The tenant's event sequence the snapshot was read at. */
  version: number;
  labels: EntityLabels;
  order: Uint32Array;
  values: Record<string, Float64Array>;
  summary: Record<string, number | boolean | null>;
  entities: number;
  relations: number;
  readMilliseconds: number;
  computeMilliseconds: number;
}

/** A failed run: a TrellisError's code and details travel, so the caller can rethrow it as such. */
export interface WorkerFailure {
  id: number;
  error: { message: string; code?: string; details?: Record<string, unknown> };
}

const { threads: threadCount } = workerData as { threads: number };
let threads: Promise<KernelThreads> | null = null;

async function run(request: WorkerRequest): Promise<WorkerAnswer> {
  const started = performance.now();
  // Analytics needs neither relation IDs nor the incoming adjacency (it builds the CSR each algorithm needs).
  const built = await buildProjection(request.source, request.tenantId, request.maxRelations, { relationIds: false, incoming: false });
  if ('tooLarge' in built) {
    throw new TrellisError(
      'unprocessable',
      `The graph has ${built.tooLarge.relations} relations; analytics reads at most ${request.maxRelations} (graphProjectionMaxRelations)`,
      { relations: built.tooLarge.relations, limit: request.maxRelations },
    );
  }
  const { arrays } = built;
  const read = performance.now();
  // Helper threads are started on the first run that is large enough to split, and kept for the next ones.
  const large = arrays.relationCount >= 200_000 && threadCount > 1 && (request.algorithm === 'pagerank' || request.algorithm === 'betweenness');
  if (large && !threads) threads = startKernelThreads(threadCount);
  const output = compute(arrays, request.algorithm, request.params, large && threads ? await threads : null);
  const labels: EntityLabels = {
    entityIds: arrays.entityIds,
    entityTypes: arrays.entityTypes,
    entityTypeNames: arrays.entityTypeNames,
    nameOffsets: arrays.nameOffsets,
    nameBytes: arrays.nameBytes,
  };
  return { id: request.id, version: arrays.version, labels, ...output, readMilliseconds: read - started, computeMilliseconds: performance.now() - read };
}

parentPort?.on('message', (request: WorkerRequest) => {
  run(request).then(
    (answer) => {
      const buffers = new Set<ArrayBuffer>();
      for (const array of [answer.order, ...Object.values(answer.values), ...Object.values(answer.labels)]) {
        if (ArrayBuffer.isView(array) && array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
      }
      parentPort?.postMessage(answer, [...buffers]);
    },
    (error: unknown) => {
      const failure: WorkerFailure = {
        id: request.id,
        error:
          error instanceof TrellisError
            ? { message: error.message, code: error.code, ...(error.details ? { details: error.details } : {}) }
            : { message: error instanceof Error ? error.message : String(error) },
      };
      parentPort?.postMessage(failure);
    },
  );
});
