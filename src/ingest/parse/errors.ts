/** @module Ingestion errors: TrellisErrors that name the file and the place (line, page, row, byte) in their message and details. */
import path from 'node:path';
import { TrellisError } from '../../core/errors.js';

/** Where in a file something went wrong; every field optional, the message shows those set. */
export interface FilePlace {
  line?: number;
  column?: number;
  page?: number;
  row?: number;
  sheet?: string;
  /** Byte offset in the file, 0-based. */
  byte?: number;
}

function describe(place: FilePlace): string {
  const parts: string[] = [];
  if (place.sheet !== undefined) parts.push(`sheet ${JSON.stringify(place.sheet)}`);
  if (place.page !== undefined) parts.push(`page ${place.page}`);
  if (place.row !== undefined) parts.push(`row ${place.row}`);
  if (place.line !== undefined) parts.push(`line ${place.line}`);
  if (place.column !== undefined) parts.push(`column ${place.column}`);
  if (place.byte !== undefined) parts.push(`byte ${place.byte}`);
  return parts.join(', ');
}

/**
 * The message prefix "file.txt: line 3: " (the file's base name; the full path is in details.file).
 * @example
 * where('/data/a.csv', { row: 7 }) // "a.csv: row 7: "
 */
export function where(file: string, place: FilePlace = {}): string {
  const at = describe(place);
  return `${path.basename(file)}: ${at === '' ? '' : `${at}: `}`;
}

/**
 * A file that could not be parsed (corrupt, truncated, encrypted, invalid UTF-8 …).
 * @example
 * throw parseFailed('/data/a.txt', 'invalid UTF-8', { byte: 1031 });
 */
export function parseFailed(file: string, reason: string, place: FilePlace = {}, cause?: unknown): TrellisError {
  return new TrellisError('ingest_parse_failed', `${where(file, place)}${reason}`, { file, reason, ...place }, { cause });
}

/** A file of a kind Trellis does not ingest, or whose content contradicts its extension. */
export function unsupported(file: string, reason: string, place: FilePlace = {}): TrellisError {
  return new TrellisError('ingest_unsupported', `${where(file, place)}${reason}`, { file, reason, ...place });
}

/** The message of an unknown thrown value, for wrapping third-party errors. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
