/** @module File patterns of mapping files: globs against paths relative to the ingest root, and the plan of which file fills which dataset. */
import { TrellisError } from '../../core/errors.js';
import type { FileMapping, MappingConfig } from './config.js';

/**
 * Compiles a glob: `*` and `?` within one path segment, `**` across segments, `{a,b}` alternatives. Matched against
 * the whole relative path with `/` separators.
 * @example
 * globToRegExp('data/**\/*.csv').test('data/2024/projects.csv') // true
 */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  let braces = 0;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '*') {
      if (pattern[index + 1] === '*') {
        const slash = pattern[index + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        index += slash ? 2 : 1;
      } else out += '[^/]*';
    } else if (char === '?') out += '[^/]';
    else if (char === '{') {
      braces++;
      out += '(?:';
    } else if (char === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (char === ',' && braces > 0) out += '|';
    else out += char.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** One file to ingest and the mapping entry it fills. */
export interface PlannedFile {
  /** The path relative to the ingest root, with `/` separators. */
  file: string;
  mapping: FileMapping;
}

/**
 * Pairs files with mapping entries. Nothing is guessed from names: a file no pattern matches is an error, and so is
 * a required entry no file matches. Files that fill a dataset others refer to come first, so references resolve.
 */
export function planFiles(config: MappingConfig, files: readonly string[]): PlannedFile[] {
  const planned: PlannedFile[] = [];
  const unmapped: string[] = [];
  for (const file of [...files].sort()) {
    const matches = config.files.filter((entry) => entry.matcher.test(file));
    if (matches.length === 0) unmapped.push(file);
    for (const mapping of matches) planned.push({ file, mapping });
  }
  if (unmapped.length > 0) {
    throw new TrellisError(
      'unprocessable',
      `no mapping for ${unmapped.join(', ')} (${config.file} has no pattern matching ${unmapped.length === 1 ? 'it' : 'them'})`,
      {
        files: unmapped,
      },
    );
  }
  const missing = config.files.filter((entry) => entry.required && !planned.some((item) => item.mapping === entry));
  if (missing.length > 0) {
    throw new TrellisError(
      'unprocessable',
      missing.map((entry) => `no file matches required mapping "${entry.pattern}" (dataset ${entry.dataset}, ${entry.location})`).join('; '),
      { patterns: missing.map((entry) => entry.pattern) },
    );
  }
  return orderByReferences(planned);
}

/**
 * How deep each entry sits in the graph of references between datasets: 0 for an entry that refers to no other
 * dataset, else one more than the deepest dataset it refers to (cycles count as 0).
 */
export function referenceLevels(entries: readonly FileMapping[]): Map<FileMapping, number> {
  const depth = new Map<string, number>();
  const visit = (entry: FileMapping, trail: Set<string>): number => {
    const known = depth.get(entry.dataset);
    if (known !== undefined) return known;
    if (trail.has(entry.dataset)) return 0;
    trail.add(entry.dataset);
    let level = 0;
    for (const relation of entry.relations) {
      for (const end of [relation.from, relation.to]) {
        if (end.kind === 'dataset' && end.target && end.dataset !== entry.dataset) level = Math.max(level, visit(end.target.mapping, trail) + 1);
      }
    }
    trail.delete(entry.dataset);
    depth.set(entry.dataset, level);
    return level;
  };
  return new Map(entries.map((entry) => [entry, visit(entry, new Set())]));
}

/** Orders files so that a dataset's files come after those of the datasets it refers to (cycles keep file order). */
function orderByReferences(planned: PlannedFile[]): PlannedFile[] {
  const levels = referenceLevels(planned.map((item) => item.mapping));
  return planned
    .map((item, index) => ({ item, index, level: levels.get(item.mapping) ?? 0 }))
    .sort((a, b) => a.level - b.level || a.index - b.index)
    .map(({ item }) => item);
}
