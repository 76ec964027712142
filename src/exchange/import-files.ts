/**
 * @module Where an uploaded import waits for its job: `<dataDir>/imports/<tenant>/<random id>/upload.<format>`. The
 * client's file name is never part of a path; it travels in the job payload and becomes the source's title.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TrellisError } from '../core/errors.js';
import type { ImportFormat } from './formats.js';

/** The folder of a tenant's waiting imports. */
export function importsFolder(dataDir: string, tenantId: string): string {
  return path.resolve(dataDir, 'imports', tenantId);
}

/** A received upload: where it is, relative to the tenant's imports folder (as a job payload names it), and its size. */
export interface ReceivedImport {
  file: string;
  relative: string;
  bytes: number;
}

function tooLarge(maxBytes: number): TrellisError {
  return new TrellisError('payload_too_large', `The import is larger than ingestUploadMaxBytes (${maxBytes} bytes)`, { limit: maxBytes });
}

/** Streams a request body into a new file of the tenant's imports; refuses (and removes it) past `maxBytes`. */
export async function receiveImport(
  body: NodeJS.ReadableStream,
  dataDir: string,
  tenantId: string,
  format: ImportFormat,
  maxBytes: number,
): Promise<ReceivedImport> {
  const relative = path.join(randomUUID(), `upload.${format}`);
  const file = path.join(importsFolder(dataDir, tenantId), relative);
  await mkdir(path.dirname(file), { recursive: true });
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(tooLarge(maxBytes));
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(file));
  } catch (error) {
    await removeImport(file);
    throw error instanceof TrellisError ? error : new TrellisError('bad_request', `The upload was cut off: ${(error as Error).message}`);
  }
  return { file, relative, bytes };
}

/**
 * The absolute path of a waiting import named as a job payload names it (`<id>/upload.<format>`), checking that it
 * lies in this tenant's imports folder; `unprocessable` for any other path.
 */
export function keptImport(dataDir: string, tenantId: string, relative: string): string {
  const folder = importsFolder(dataDir, tenantId);
  const file = path.resolve(folder, relative);
  const parts = path.relative(folder, file).split(path.sep);
  if (parts.length !== 2 || !/^[0-9a-f-]{36}$/.test(parts[0] ?? '') || !/^upload\.(jsonl|graphml)$/.test(parts[1] ?? '')) {
    throw new TrellisError('unprocessable', `${relative} is not an import of this tenant`);
  }
  return file;
}

/** Removes a waiting import and its folder. */
export async function removeImport(file: string): Promise<void> {
  await rm(path.dirname(file), { recursive: true, force: true });
}
