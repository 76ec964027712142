/** @module A file's identity for re-ingest: the SHA-256 of its bytes, streamed so a large file is never held whole. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/**
 * The hex SHA-256 of a file's bytes and how many bytes it has.
 * @example
 * const { hash, bytes } = await hashFile('/data/report.pdf');
 */
export async function hashFile(file: string): Promise<{ hash: string; bytes: number }> {
  const hasher = createHash('sha256');
  let bytes = 0;
  for await (const piece of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hasher.update(piece as Buffer);
    bytes += (piece as Buffer).length;
  }
  return { hash: `sha256:${hasher.digest('hex')}`, bytes };
}
