/** @module The backup archive format: a gzip stream of typed, length-prefixed frames, opened by a header and closed by a manifest. */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';
import { TrellisError } from '../core/errors.js';
import type { Dialect } from './types.js';

/** The archive format version this code writes and reads. */
export const backupFormatVersion = 1;

/** The first frame: what the archive holds. */
export interface BackupHeader {
  format: 'trellis-backup';
  version: number;
  dialect: Dialect;
  createdAt: string;
  /** Migration IDs applied to the source; the target must have exactly these. */
  migrations: string[];
}

/** Row count and SHA-256 of one table's contents, in primary-key order. */
export interface TableSummary {
  table: string;
  rows: number;
  sha256: string;
}

/** The last frame: per-table counts and checksums (and, for SQLite, the database file's hash). */
export interface BackupManifest extends BackupHeader {
  tables: TableSummary[];
  /** SQLite: SHA-256 of the database file carried in the data frames. */
  fileSha256?: string;
  bytes?: number;
}

/** Frame kinds: H header, T table start, D data, E table end, M manifest. */
export type FrameKind = 'H' | 'T' | 'D' | 'E' | 'M';

/** One frame as read back. */
export interface Frame {
  kind: FrameKind;
  payload: Buffer;
}

const kinds = new Set<string>(['H', 'T', 'D', 'E', 'M']);
/** A frame larger than this is corruption, not data (writers cut data into 1 MiB frames). */
const maxFrameBytes = 64 * 1024 * 1024;

/** Shorthand for the archive error. */
export function invalidArchive(file: string, reason: string, cause?: unknown): TrellisError {
  return new TrellisError('backup_invalid', `${file} is not a valid Trellis backup: ${reason}`, { file }, { cause });
}

/** Writes frames into a gzip file, honouring back-pressure. */
export interface ArchiveWriter {
  frame(kind: FrameKind, payload: Buffer | string): Promise<void>;
  json(kind: FrameKind, value: unknown): Promise<void>;
  /** Flushes and closes the file; returns its size in bytes. */
  close(): Promise<number>;
}

/** Opens `file` for writing (replacing it). */
export function openArchiveWriter(file: string): ArchiveWriter {
  const gzip: Gzip = createGzip({ level: 6 });
  const out = createWriteStream(file);
  gzip.pipe(out);
  let failure: Error | null = null;
  gzip.on('error', (error) => (failure ??= error));
  out.on('error', (error) => (failure ??= error));
  async function write(buffer: Buffer): Promise<void> {
    if (failure) throw failure;
    if (!gzip.write(buffer)) await once(gzip, 'drain');
  }
  return {
    async frame(kind, payload) {
      const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
      const head = Buffer.alloc(5);
      head.write(kind, 0, 'ascii');
      head.writeUInt32BE(body.length, 1);
      await write(head);
      await write(body);
    },
    json(kind, value) {
      return this.frame(kind, JSON.stringify(value));
    },
    async close() {
      gzip.end();
      await once(out, 'close');
      if (failure) throw failure;
      return out.bytesWritten;
    },
  };
}

/**
 * Reads the frames of an archive in order. A bad gzip stream, an unknown frame kind, an oversized frame or a stream
 * that ends inside a frame is a `backup_invalid` error; so is a stream that ends before its manifest frame.
 */
export async function* readArchive(file: string): AsyncGenerator<Frame> {
  const input = createReadStream(file);
  const gunzip = createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  let buffer: Buffer = Buffer.alloc(0);
  let sawManifest = false;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      while (buffer.length >= 5) {
        const kind = buffer.toString('ascii', 0, 1);
        const length = buffer.readUInt32BE(1);
        if (!kinds.has(kind) || length > maxFrameBytes) throw invalidArchive(file, `unknown frame ${JSON.stringify(kind)} of ${length} bytes`);
        if (sawManifest) throw invalidArchive(file, 'data after the manifest');
        if (buffer.length < 5 + length) break;
        const payload = buffer.subarray(5, 5 + length);
        buffer = buffer.subarray(5 + length);
        if (kind === 'M') sawManifest = true;
        yield { kind: kind as FrameKind, payload };
      }
    }
  } catch (error) {
    if (error instanceof TrellisError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') throw new TrellisError('backup_invalid', `Cannot read ${file}: ${(error as Error).message}`, { file });
    throw invalidArchive(file, `the compressed stream is damaged (${(error as Error).message})`, error);
  } finally {
    input.destroy();
  }
  if (buffer.length > 0 || !sawManifest) throw invalidArchive(file, 'it ends before its manifest (truncated)');
}

/** Parses a JSON frame payload; malformed JSON is a `backup_invalid` error. */
export function frameJson<T>(file: string, frame: Frame): T {
  try {
    return JSON.parse(frame.payload.toString('utf8')) as T;
  } catch (error) {
    throw invalidArchive(file, `frame ${frame.kind} holds malformed JSON`, error);
  }
}

/** Checks the header frame against what this code can restore. */
export function checkHeader(file: string, header: BackupHeader, dialect: Dialect): void {
  if (header.format !== 'trellis-backup') throw invalidArchive(file, 'the header does not name the trellis-backup format');
  if (header.version !== backupFormatVersion) throw invalidArchive(file, `format version ${header.version} is not ${backupFormatVersion}`);
  if (header.dialect !== dialect) {
    throw new TrellisError(
      'backup_invalid',
      `${file} is a ${header.dialect} backup; it restores only into ${header.dialect} (cross-dialect restore is not supported)`,
      { file },
    );
  }
}
