/**
 * @module Reads a JSON Lines import: one object per line, `kind` `entity` (id, type, name, key, aliases, properties,
 * confidence) or `relation` (type, from, to, properties, confidence, validFrom, validTo) — the shape the JSONL export
 * writes. A line without `kind` is a relation when it has `from` and `to`, else an entity. Other fields are ignored.
 */
import type { EntityInput, RelationInput } from '../graph/index.js';
import { type Digest, type ImportItem, maxItemChars, textOf } from './import-items.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Copies the fields that were given (so a missing one stays absent and the graph's defaults apply). */
function pick<T extends object>(value: Record<string, unknown>, fields: readonly string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const field of fields) if (value[field] !== undefined) out[field] = value[field];
  return out as Partial<T>;
}

/** The item of one parsed line. */
export function itemOfLine(value: unknown, line: number): ImportItem {
  const problem = (message: string): ImportItem => ({ kind: 'problem', line, message });
  if (!isObject(value)) return problem('a line must be a JSON object');
  const kind = value.kind ?? (value.from !== undefined && value.to !== undefined ? 'relation' : 'entity');
  if (kind === 'entity') {
    const id = value.id;
    if (id !== undefined && (typeof id !== 'string' || id === '' || id.length > 200)) return problem('id must be a string of 1 to 200 characters');
    if (value.aliases !== undefined && !Array.isArray(value.aliases)) return problem('aliases must be an array of strings');
    const input = pick<EntityInput>(value, ['type', 'name', 'key', 'aliases', 'properties', 'confidence']) as EntityInput;
    return { kind: 'entity', line, ref: (id as string | undefined) ?? null, input };
  }
  if (kind === 'relation') {
    const { from, to } = value;
    if (typeof from !== 'string' || from === '' || typeof to !== 'string' || to === '') return problem('a relation needs from and to: the IDs of its entities');
    const input = pick<RelationInput>(value, ['type', 'properties', 'confidence', 'validFrom', 'validTo']) as Omit<RelationInput, 'from' | 'to'>;
    return { kind: 'relation', line, from, to, input };
  }
  return problem(`kind must be "entity" or "relation"; got ${JSON.stringify(kind).slice(0, 60)}`);
}

/** The items of a JSONL file, line by line (blank lines skipped); a line that is not JSON is a problem, and reading goes on. */
export async function* readJsonl(file: string, digest: Digest): AsyncGenerator<ImportItem> {
  let rest = '';
  let line = 0;
  const parse = (text: string): ImportItem | null => {
    line++;
    const trimmed = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (trimmed.trim() === '') return null;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      return { kind: 'problem', line, message: `not valid JSON: ${(error as Error).message}` };
    }
    return itemOfLine(value, line);
  };
  for await (const chunk of textOf(file, digest)) {
    let start = 0;
    let text = rest + chunk;
    for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
      const item = parse(text.slice(start, end));
      if (item) yield item;
      start = end + 1;
    }
    text = text.slice(start);
    if (text.length > maxItemChars) {
      yield { kind: 'problem', line: line + 1, message: `the line is longer than ${maxItemChars} characters`, fatal: true };
      return;
    }
    rest = text;
  }
  const item = parse(rest);
  if (item) yield item;
}
