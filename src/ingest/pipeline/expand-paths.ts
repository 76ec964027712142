/** @module Which files an ingest reads: folders walked, simple globs (`*`, `**`, `?`) expanded, the result sorted so every run sees the same order. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { TrellisError } from '../../core/errors.js';
import { globToRegExp } from '../mapping/index.js';

/** A file to ingest and the folder its path is relative to (for mapping patterns). */
export interface PlannedPath {
  /** Absolute path. */
  file: string;
  /** The folder the argument named (or the glob's fixed prefix, or the file's own folder). */
  root: string;
}

/** Every file below `dir` (in the thread pool, so a large tree never blocks the event loop); hidden files and everything in hidden folders (`.git`) are left out. Symlinks are not followed. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter(
      (file) =>
        !path
          .relative(dir, file)
          .split(path.sep)
          .some((segment) => segment.startsWith('.')),
    );
}

/** The leading path segments of a pattern that hold no wildcard: the folder a glob is matched below. */
export function fixedPrefix(pattern: string): string {
  const segments = pattern.split('/');
  const fixed: string[] = [];
  for (const segment of segments) {
    if (/[*?{]/.test(segment)) break;
    fixed.push(segment);
  }
  return fixed.join('/') || '.';
}

/**
 * Expands paths into files: a file stays, a folder gives every file below it (hidden files skipped), a pattern with
 * `*`, `**` or `?` gives the files below its fixed prefix that it matches. Duplicates are dropped; the result is
 * sorted by absolute path. A path that names nothing is an error (`not_found`), before anything is read.
 * @example
 * await expandPaths(['docs', 'data/**\/*.csv'])
 */
export async function expandPaths(paths: readonly string[], cwd = process.cwd()): Promise<PlannedPath[]> {
  const found = new Map<string, PlannedPath>();
  const add = (file: string, root: string) => {
    if (!found.has(file)) found.set(file, { file, root });
  };
  for (const argument of paths) {
    const absolute = path.resolve(cwd, argument);
    if (/[*?{]/.test(argument)) {
      const base = path.resolve(cwd, fixedPrefix(argument.split(path.sep).join('/')));
      const matcher = globToRegExp(path.relative(base, absolute).split(path.sep).join('/'));
      let matched = 0;
      if (await isDirectory(base)) {
        for (const file of await walk(base)) {
          if (matcher.test(path.relative(base, file).split(path.sep).join('/'))) {
            add(file, base);
            matched++;
          }
        }
      }
      if (matched === 0) throw new TrellisError('not_found', `No file matches ${JSON.stringify(argument)}`, { path: argument });
      continue;
    }
    let found;
    try {
      found = await stat(absolute);
    } catch {
      throw new TrellisError('not_found', `No such file or folder: ${argument}`, { path: argument });
    }
    if (found.isDirectory()) for (const file of await walk(absolute)) add(file, absolute);
    else add(absolute, path.dirname(absolute));
  }
  return [...found.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
