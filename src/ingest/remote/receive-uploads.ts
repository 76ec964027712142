/** @module Reads a `multipart/form-data` upload: file parts streamed to a staging folder (hashed and counted on the way), text fields kept. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { TrellisError } from '../../core/errors.js';
import { type StagedUpload, sanitiseFileName } from './upload-store.js';

/** Most file parts in one upload (each becomes an entry of the job's payload). */
export const maxUploadFiles = 500;

/** The text fields an upload may carry besides its files. */
const textFields = ['mapping', 'schema'] as const;
type TextField = (typeof textFields)[number];

/** What one upload request held. */
export interface ReceivedUpload {
  files: StagedUpload[];
  fields: Partial<Record<TextField, unknown>>;
}

/** Limits of {@link receiveUploads}. */
export interface ReceiveLimits {
  /** Most bytes of all files together. */
  maxBytes: number;
  /** Most bytes of one text field. */
  maxFieldBytes: number;
}

function tooLarge(maxBytes: number): TrellisError {
  return new TrellisError('payload_too_large', `The uploaded files are larger than ingestUploadMaxBytes (${maxBytes} bytes) together`, { limit: maxBytes });
}

/** A pass-through that hashes what flows and fails once the request's running total passes the limit. */
function meter(total: { bytes: number }, maxBytes: number): { stream: Transform; digest(): { bytes: number; hash: string } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      total.bytes += chunk.length;
      if (total.bytes > maxBytes) return done(tooLarge(maxBytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return { stream, digest: () => ({ bytes, hash: hash.digest('hex') }) };
}

/**
 * Streams every file part of a multipart request into `folder` under its sanitised name, hashing and counting as it
 * goes, and collects the `mapping` and `schema` text fields. Refuses (and leaves the caller to remove `folder`): no
 * file, two files of one name, an unknown field, a hostile file name (400), files over `maxBytes` together or a text
 * field over `maxFieldBytes` (413). Memory stays bounded: nothing is buffered beyond the streams' chunks.
 */
export async function receiveUploads(request: FastifyRequest, folder: string, limits: ReceiveLimits): Promise<ReceivedUpload> {
  try {
    return await receive(request, folder, limits);
  } catch (error) {
    throw asMalformed(error);
  }
}

/**
 * The multipart parser's own errors (no boundary, a body cut short, a part terminated early) are plain errors: they
 * are the client's, so they become `bad_request`. Trellis errors, the plugin's (with a status) and the file system's
 * (with a code such as ENOSPC) stay as they are.
 */
function asMalformed(error: unknown): unknown {
  const { statusCode, code } = (error ?? {}) as { statusCode?: unknown; code?: unknown };
  if (error instanceof TrellisError || typeof statusCode === 'number' || typeof code === 'string' || !(error instanceof Error)) return error;
  return new TrellisError('bad_request', `The multipart body is malformed: ${error.message}`, undefined, { cause: error });
}

async function receive(request: FastifyRequest, folder: string, limits: ReceiveLimits): Promise<ReceivedUpload> {
  const files: StagedUpload[] = [];
  const fields: ReceivedUpload['fields'] = {};
  const total = { bytes: 0 };
  const parts = request.parts({
    preservePath: true,
    limits: { fileSize: limits.maxBytes, files: maxUploadFiles, fields: textFields.length, fieldSize: limits.maxFieldBytes, parts: maxUploadFiles + 2 },
  });
  for await (const part of parts) {
    if (part.type === 'field') {
      if (!(textFields as readonly string[]).includes(part.fieldname)) {
        throw new TrellisError(
          'validation_failed',
          `Unknown field ${JSON.stringify(part.fieldname)}: an upload takes file parts and the text fields mapping and schema`,
          {
            field: part.fieldname,
          },
        );
      }
      if (part.valueTruncated) throw new TrellisError('payload_too_large', `The ${part.fieldname} field is larger than ${limits.maxFieldBytes} bytes`);
      if (fields[part.fieldname as TextField] !== undefined) throw new TrellisError('validation_failed', `The ${part.fieldname} field is given twice`);
      fields[part.fieldname as TextField] = part.value;
      continue;
    }
    const name = sanitiseFileName(part.filename);
    if (files.some((file) => file.name === name)) {
      part.file.resume();
      throw new TrellisError('validation_failed', `Two files are named ${JSON.stringify(name)}: each uploaded file needs its own name`, { filename: name });
    }
    const staged = path.join(folder, String(files.length));
    const metered = meter(total, limits.maxBytes);
    await pipeline(part.file, metered.stream, createWriteStream(staged, { flags: 'wx' }));
    if (part.file.truncated) throw tooLarge(limits.maxBytes);
    files.push({ name, staged, ...metered.digest() });
  }
  if (files.length === 0) throw new TrellisError('validation_failed', 'An upload needs at least one file part (with a filename)');
  return { files, fields };
}
