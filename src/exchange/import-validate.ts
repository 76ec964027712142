/**
 * @module The first pass of an import (in the import worker): reads the whole file and checks every item by the graph's
 * own input rules, file IDs unique, every relation endpoint an entity of the file (or, for JSONL, an entity ID the
 * tenant must hold, checked by the caller) — so an import with any problem writes nothing.
 */
import { TrellisError } from '../core/errors.js';
import { isId, normaliseId } from '../core/ids.js';
import { prepareEntities, prepareRelations } from '../graph/prepare.js';
import type { Digest, ImportItem, ImportProblem, ReadOptions } from './import-items.js';
import type { ImportFormat } from './formats.js';
import { readGraphml } from './read-graphml.js';
import { readJsonl } from './read-jsonl.js';

/** Problems reported at most; the first pass stops at this many. */
export const maxProblems = 100;

/** What the first pass found. */
export interface Validation {
  entities: number;
  relations: number;
  problems: ImportProblem[];
  /** More problems than {@link maxProblems}: the list was cut. */
  truncated: boolean;
  /** JSONL relation endpoints that are no entity of the file: entity IDs the tenant must hold, with the first line naming each. */
  external: [string, number][];
  bytes: number;
  sha256: string;
}

/** The items of a file in the given format. */
export function readItems(file: string, format: ImportFormat, digest: Digest, options: ReadOptions): AsyncGenerator<ImportItem> {
  return format === 'jsonl' ? readJsonl(file, digest) : readGraphml(file, digest, options);
}

/** A validation message of the graph's own rules, without the position it gives in a bulk list (`entities[0]: …`). */
function messageOf(error: unknown): string {
  if (error instanceof TrellisError) return error.message.replace(/^(entities|relations)\[0\]\.?/, '').replace(/^: /, '');
  throw error;
}

/** A stand-in entity ID for checking a relation's fields before its endpoints are known. */
const placeholder = '00000000-0000-7000-8000-000000000000';

/** Reads and checks a whole import file. */
export async function validateImport(file: string, format: ImportFormat, options: ReadOptions): Promise<Validation> {
  const digest: Digest = { bytes: 0, sha256: '' };
  const result: Validation = { entities: 0, relations: 0, problems: [], truncated: false, external: [], bytes: 0, sha256: '' };
  const declared = new Map<string, number>();
  const pending = new Map<string, number>();
  const problem = (line: number, message: string) => {
    if (result.problems.length >= maxProblems) result.truncated = true;
    else result.problems.push({ line, message });
  };
  try {
    for await (const item of readItems(file, format, digest, options)) {
      if (item.kind === 'problem') {
        problem(item.line, item.message);
        if (item.fatal) break;
      } else if (item.kind === 'entity') {
        result.entities++;
        try {
          prepareEntities([item.input]);
        } catch (error) {
          problem(item.line, messageOf(error));
        }
        if (item.ref !== null) {
          const first = declared.get(item.ref);
          if (first !== undefined) problem(item.line, `id ${JSON.stringify(item.ref)} was already given to the entity on line ${first}`);
          else declared.set(item.ref, item.line);
          pending.delete(item.ref);
        }
      } else {
        result.relations++;
        try {
          prepareRelations([{ ...item.input, from: placeholder, to: placeholder }]);
        } catch (error) {
          problem(item.line, messageOf(error));
        }
        for (const end of [item.from, item.to]) if (!declared.has(end) && !pending.has(end)) pending.set(end, item.line);
      }
      if (result.truncated) break;
    }
  } catch (error) {
    if (!(error instanceof TrellisError)) throw error;
    problem(0, error.message);
  }
  if (!result.truncated) {
    for (const [ref, line] of pending) {
      if (format === 'graphml') problem(line, `the edge's source or target ${JSON.stringify(ref)} is no <node> of the file`);
      else if (!isId(normaliseId(ref))) problem(line, `the relation's end ${JSON.stringify(ref)} is neither the id of an entity of the file nor an entity ID`);
      else result.external.push([ref, line]);
    }
  }
  result.problems.sort((a, b) => a.line - b.line);
  result.bytes = digest.bytes;
  result.sha256 = digest.sha256;
  if (result.entities + result.relations === 0 && result.problems.length === 0) problem(0, 'the file holds no entity and no relation');
  return result;
}
