/** @module Server-side paths of `POST /ingest`: each must lie under `ingestRoot` once `..` and symlinks are resolved, and is checked before a byte is read. */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { TrellisError } from '../../core/errors.js';
import { expandPaths, fixedPrefix } from '../pipeline/index.js';

const globCharacters = /[*?{]/;

/** Whether `child` is `parent` or lies below it (both absolute and normalised). */
export function isWithin(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** The configured root and its real path; `ingest_disabled` when unset, `config_invalid` when it is not a folder. */
export async function ingestRootOf(configured: string | undefined): Promise<{ root: string; real: string }> {
  if (!configured) throw new TrellisError('ingest_disabled', 'Server-side ingest is disabled: set ingestRoot (TRELLIS_INGEST_ROOT) to allow POST /ingest');
  try {
    return { root: configured, real: await realpath(configured) };
  } catch (error) {
    throw new TrellisError('config_invalid', `ingestRoot ${configured} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      key: 'ingestRoot',
    });
  }
}

function outside(argument: string): TrellisError {
  return new TrellisError('ingest_path_outside_root', `${JSON.stringify(argument)} is outside the ingest root`, { path: argument });
}

/** The real path of an existing file or folder; `not_found` when there is none. */
async function realOf(target: string, argument: string): Promise<string> {
  try {
    return await realpath(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new TrellisError('not_found', `No such file or folder: ${argument}`, { path: argument });
    throw new TrellisError('unprocessable', `${argument} cannot be read (${code ?? (error as Error).message})`, { path: argument });
  }
}

/**
 * Resolves the paths of an ingest request against the root (relative paths are relative to it) and checks each one
 * without reading any file: the path (for a glob, the folder it is matched below) must lie under the root as written,
 * before the file system is asked anything, so that nothing outside can be probed; then it must exist and its real
 * path (symlinks resolved) must lie under the root's real path. Answers the absolute paths, globs kept as patterns.
 * Folders are walked without following symlinks (`expandPaths`), so what they hold stays under the root too;
 * {@link checkExpandedFiles} checks every file again where it is read.
 * @example
 * const paths = await resolveIngestPaths(config.ingestRoot, ['reports', 'notes/**\/*.md']);
 */
export async function resolveIngestPaths(configured: string | undefined, paths: readonly string[]): Promise<string[]> {
  const { root, real } = await ingestRootOf(configured);
  const resolved: string[] = [];
  for (const argument of paths) {
    if (argument.includes('\u0000')) throw new TrellisError('validation_failed', 'A path must not contain a NUL character', { path: argument });
    const absolute = path.resolve(root, argument);
    const target = globCharacters.test(argument) ? path.resolve(root, fixedPrefix(absolute.split(path.sep).join('/'))) : absolute;
    const lexicallyInside = (candidate: string) => isWithin(root, candidate) || isWithin(real, candidate);
    if (!lexicallyInside(absolute) || !lexicallyInside(target)) throw outside(argument);
    if (!isWithin(real, await realOf(target, argument))) throw outside(argument);
    resolved.push(absolute);
  }
  return resolved;
}

/**
 * Expands resolved paths as the pipeline will (`expandPaths`) and checks that every file's real path lies under the
 * root's real path; answers the number of files. Run by the job just before it ingests, so a symlink changed since
 * the request was accepted is caught too.
 */
export async function checkExpandedFiles(configured: string | undefined, paths: readonly string[]): Promise<number> {
  const { real } = await ingestRootOf(configured);
  const files = await expandPaths(paths);
  for (const { file } of files) {
    if (!isWithin(real, await realOf(file, file))) throw outside(file);
  }
  return files.length;
}
