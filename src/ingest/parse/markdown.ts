/** @module Markdown: the text as the author wrote it (citations quote the source), front matter split off into metadata. */
import { parse as parseYaml } from 'yaml';
import type { ParsedDocument } from '../types.js';
import { parseFailed, messageOf } from './errors.js';
import { textBlocks } from './txt.js';
import { readUtf8 } from './utf8.js';

/** How much of the file's start is read before the document is returned, to find front matter and the title. */
const HEAD_CHARS = 64 * 1024;

const frontMatter = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/**
 * A .md file as a document. Front matter (`---` yaml `---` at the very start) goes to `info.metadata` (its `title`
 * to `info.title`) and is not part of the text, so offsets count from the first character after it. Otherwise the
 * title is the first `# heading` within the first 64 KiB. Markdown syntax stays in the text.
 */
export async function parseMarkdown(file: string): Promise<ParsedDocument> {
  const reader = readUtf8(file);
  let head = '';
  let done = false;
  while (head.length < HEAD_CHARS) {
    const next = await reader.next();
    if (next.done === true) {
      done = true;
      break;
    }
    head += next.value;
  }
  let metadata: Record<string, unknown> = {};
  let title: string | undefined;
  const match = frontMatter.exec(head);
  if (match !== null) {
    let parsed: unknown;
    try {
      parsed = parseYaml(match[1]!);
    } catch (error) {
      throw parseFailed(file, `front matter is not valid YAML: ${messageOf(error)}`, { line: 2 }, error);
    }
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      // JSON round trip: metadata must be JSON-safe (YAML dates become ISO strings).
      metadata = JSON.parse(JSON.stringify(parsed)) as Record<string, unknown>;
      if (typeof metadata.title === 'string') title = metadata.title;
    }
    head = head.slice(match[0].length);
  }
  title ??= /^#[ \t]+(.+?)[ \t#]*$/m.exec(head)?.[1];
  async function* rest(): AsyncGenerator<string> {
    if (head !== '') yield head;
    if (!done) yield* reader;
  }
  return { info: { kind: 'md', ...(title === undefined ? {} : { title }), metadata }, blocks: textBlocks(file, rest()) };
}
