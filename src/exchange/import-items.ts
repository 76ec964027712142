/** @module What the import readers give: entities and relations read from a file, each with its line, or the problems found. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { TrellisError } from '../core/errors.js';
import type { EntityInput, RelationInput } from '../graph/index.js';

/** An entity read from a file; `ref` is the file's own ID for it (what relations of the file point at), if it has one. */
export interface EntityItem {
  kind: 'entity';
  line: number;
  ref: string | null;
  input: EntityInput;
}

/** A relation read from a file, its endpoints as the file names them. */
export interface RelationItem {
  kind: 'relation';
  line: number;
  from: string;
  to: string;
  input: Omit<RelationInput, 'from' | 'to'>;
}

/** A problem with the file at a line; `fatal` when reading cannot go on (malformed XML). */
export interface ProblemItem {
  kind: 'problem';
  line: number;
  message: string;
  fatal?: boolean;
}

export type ImportItem = EntityItem | RelationItem | ProblemItem;

/** A problem as reported to the user. */
export interface ImportProblem {
  line: number;
  message: string;
}

/** Options of the readers. */
export interface ReadOptions {
  /** GraphML: the type of a node without a `type` attribute. @default "Node" */
  defaultEntityType?: string;
  /** GraphML: the type of an edge without a `type` or `label` attribute. @default "RELATED_TO" */
  defaultRelationType?: string;
}

/** Longest line of a JSONL file, and longest text of one GraphML element, in characters. */
export const maxItemChars = 16 * 1024 * 1024;

/** The hash and size of what a text reader read. */
export interface Digest {
  bytes: number;
  sha256: string;
}

/**
 * A file's text as decoded chunks: UTF-8 only (a byte order mark is dropped; bytes that are not UTF-8 stop the read
 * with a problem), hashed and counted as it is read.
 */
export async function* textOf(file: string, digest: Digest): AsyncGenerator<string> {
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new TrellisError('unprocessable', `The file is not valid UTF-8 (near byte ${digest.bytes + chunk.length})`);
    }
    digest.bytes += chunk.length;
    if (text !== '') yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest !== '') yield rest;
  } catch {
    throw new TrellisError('unprocessable', 'The file is not valid UTF-8 (it ends inside a character)');
  }
  digest.sha256 = hash.digest('hex');
}
