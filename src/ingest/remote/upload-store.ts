/**
 * @module Where uploaded files live: `<dataDir>/uploads/<tenant>/<sha256>/<name>`, one copy per content and name, kept
 * while a source of URI `upload://<name>` with that content hash exists and removed with it.
 */
import { randomUUID } from 'node:crypto';
import { rmSync, rmdirSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { TrellisError } from '../../core/errors.js';
import type { GraphService, Source } from '../../graph/index.js';
import { findSourceByUri } from '../pipeline/index.js';

/** The URI scheme of uploaded sources. */
export const uploadScheme = 'upload://';

/** Longest accepted file name, in UTF-8 bytes (what most file systems allow). */
const maxNameBytes = 255;

const hashPattern = /^[0-9a-f]{64}$/;

/** The folder of a tenant's uploads. */
export function uploadsFolder(dataDir: string, tenantId: string): string {
  return path.resolve(dataDir, 'uploads', tenantId);
}

/** Where an upload of this content and name is kept. */
export function uploadPath(dataDir: string, tenantId: string, hash: string, name: string): string {
  return path.join(uploadsFolder(dataDir, tenantId), hash, name);
}

/** The source URI of an upload: stable for a name, so uploading the same content again is a no-op. */
export function uploadUri(name: string): string {
  return `${uploadScheme}${encodeURIComponent(name)}`;
}

/**
 * The name an uploaded file is stored and known under, from what the client sent. The client's name is never used as
 * a path: a name with a NUL or other control character, or with a `..` segment, is refused; of anything else only
 * the last segment (after `/` or `\`) is kept, in Unicode NFC.
 * @example
 * sanitiseFileName('C:\\reports\\q3.pdf') // 'q3.pdf'
 * sanitiseFileName('../../etc/passwd') // throws validation_failed
 */
export function sanitiseFileName(raw: string | undefined): string {
  const refuse = (why: string) => new TrellisError('validation_failed', `Upload file name ${JSON.stringify(raw ?? '')} ${why}`, { filename: raw ?? '' });
  if (raw === undefined || raw.trim() === '') throw refuse('is empty: every file part needs a filename');
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw refuse('contains a control character');
  const segments = raw.split(/[\\/]/);
  if (segments.includes('..')) throw refuse('contains a ".." segment');
  const name = (segments.at(-1) ?? '').normalize('NFC').trim();
  if (name === '' || name === '.') throw refuse('has no file name after its last "/"');
  if (Buffer.byteLength(name) > maxNameBytes) throw refuse(`is longer than ${maxNameBytes} bytes`);
  return name;
}

/** A file received into the staging folder, not yet kept. */
export interface StagedUpload {
  name: string;
  /** Where it was written while receiving. */
  staged: string;
  bytes: number;
  /** Hex SHA-256 of the bytes. */
  hash: string;
}

/** A staging folder of its own for one request, under the tenant's uploads (same file system, so keeping is a rename). */
export async function createStaging(dataDir: string, tenantId: string): Promise<string> {
  const folder = path.join(uploadsFolder(dataDir, tenantId), '.staging', randomUUID());
  await mkdir(folder, { recursive: true });
  return folder;
}

/** Removes a staging folder and what is in it. */
export async function removeStaging(folder: string): Promise<void> {
  await rm(folder, { recursive: true, force: true });
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/**
 * Moves staged files to where they are kept. A file whose content and name are kept already is not moved (it is the
 * same bytes). Answers the kept files in order as `<sha256>/<name>` (relative to the tenant's uploads folder, as a job
 * payload names them) and the absolute paths this call created, so a caller that fails next can undo them.
 */
export async function keepUploads(dataDir: string, tenantId: string, files: readonly StagedUpload[]): Promise<{ kept: string[]; created: string[] }> {
  const kept: string[] = [];
  const created: string[] = [];
  for (const file of files) {
    const target = uploadPath(dataDir, tenantId, file.hash, file.name);
    if (!(await exists(target))) {
      await mkdir(path.dirname(target), { recursive: true });
      await rename(file.staged, target);
      created.push(target);
    }
    kept.push(`${file.hash}/${file.name}`);
  }
  return { kept, created };
}

/**
 * Removes a kept file and its content folder when that is left empty. Synchronous on purpose: two system calls, and a
 * deletion's caller (the DELETE route, `trellis sources rm` just before the process exits) finds the file gone when
 * the deletion returns.
 */
export function removeKeptFile(file: string): void {
  rmSync(file, { force: true });
  try {
    rmdirSync(path.dirname(file));
  } catch {
    // Not empty (the same content under another name), or gone already.
  }
}

/**
 * The name and hash of a kept upload (`<sha256>/<name>`, or the absolute path), checking that it lies exactly where
 * this tenant's uploads are kept; `unprocessable` otherwise (a job payload naming any other file is refused).
 */
export function parseKeptPath(dataDir: string, tenantId: string, file: string): { hash: string; name: string } {
  const folder = uploadsFolder(dataDir, tenantId);
  const relative = path.relative(folder, path.resolve(folder, file)).split(path.sep);
  const [hash, name] = relative;
  if (relative.length !== 2 || !hash || !hashPattern.test(hash) || !name || sanitiseFileName(name) !== name) {
    throw new TrellisError('unprocessable', `${file} is not an upload of this tenant`, { path: file });
  }
  return { hash, name };
}

/** Whether a tenant's source still uses the kept file (a source of its URI with its content hash). */
export async function isKeptFileUsed(graph: GraphService, tenantId: string, name: string, hash: string): Promise<boolean> {
  const source = await findSourceByUri(graph, tenantId, uploadUri(name));
  return source?.contentHash === `sha256:${hash}`;
}

/**
 * Removes the kept file of a deleted upload source (a source deletion listener): by its URI and content hash. Files
 * of other sources are not touched.
 */
export function removeUploadOfSource(dataDir: string, tenantId: string, source: Source): void {
  if (!source.uri.startsWith(uploadScheme) || !source.contentHash?.startsWith('sha256:')) return;
  const hash = source.contentHash.slice('sha256:'.length);
  let name: string;
  try {
    name = sanitiseFileName(decodeURIComponent(source.uri.slice(uploadScheme.length)));
  } catch {
    return;
  }
  if (!hashPattern.test(hash)) return;
  removeKeptFile(uploadPath(dataDir, tenantId, hash, name));
}
