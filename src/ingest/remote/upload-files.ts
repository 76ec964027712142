/** @module The lifetime of kept uploads in one process: files an ingest job is using are held, and a kept file goes when no source uses it any more. */
import type { Source } from '../../graph/index.js';
import type { GraphService } from '../../graph/index.js';
import { isKeptFileUsed, parseKeptPath, removeKeptFile, removeUploadOfSource, uploadPath } from './upload-store.js';

/** Kept uploads of this process's jobs. */
export interface UploadFiles {
  /** A source was deleted (graph listener): its kept file goes, unless a running job of this process holds it. */
  sourceDeleted(tenantId: string, source: Source): void;
  /** Marks kept files as in use by a job; deleting the source they replace must not remove them. */
  hold(paths: readonly string[]): void;
  /**
   * Ends a hold. With `removeUnused` (the job will not run again), each file no longer held and used by no source of
   * the tenant is removed; without it (a retry is due) the files stay for the next attempt.
   */
  release(tenantId: string, paths: readonly string[], removeUnused: boolean): Promise<void>;
}

/** Creates the registry of a process's kept uploads under `dataDir`. */
export function createUploadFiles(
  dataDir: string,
  graph: GraphService,
  warn: (message: string) => void = (message) => process.emitWarning(message),
): UploadFiles {
  const held = new Map<string, number>();
  const report = (error: unknown) => warn(`removing an uploaded file failed: ${(error as Error).message}`);
  return {
    sourceDeleted(tenantId, source) {
      const hash = source.contentHash?.replace(/^sha256:/, '') ?? '';
      const name = source.uri.startsWith('upload://') ? safeDecode(source.uri.slice('upload://'.length)) : undefined;
      if (name !== undefined && held.has(uploadPath(dataDir, tenantId, hash, name))) return;
      try {
        removeUploadOfSource(dataDir, tenantId, source);
      } catch (error) {
        report(error);
      }
    },
    hold(paths) {
      for (const file of paths) held.set(file, (held.get(file) ?? 0) + 1);
    },
    async release(tenantId, paths, removeUnused) {
      for (const file of paths) {
        const count = (held.get(file) ?? 1) - 1;
        if (count > 0) {
          held.set(file, count);
          continue;
        }
        held.delete(file);
        if (!removeUnused) continue;
        try {
          const { hash, name } = parseKeptPath(dataDir, tenantId, file);
          if (!(await isKeptFileUsed(graph, tenantId, name, hash))) removeKeptFile(file);
        } catch (error) {
          report(error);
        }
      }
    },
  };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
