/** @module Which parser reads a file: the extension picks the kind, the first bytes must agree with it. */
import path from 'node:path';
import type { SourceKind } from '../types.js';
import { firstInvalidUtf8 } from './utf8.js';
import { unsupported } from './errors.js';

/** The extension → kind table; nothing else about a file name is ever used. */
export const kindByExtension: Readonly<Record<string, SourceKind>> = {
  '.txt': 'txt',
  '.text': 'txt',
  '.md': 'md',
  '.markdown': 'md',
  '.html': 'html',
  '.htm': 'html',
  '.pdf': 'pdf',
  '.docx': 'docx',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.csv': 'csv',
  '.xlsx': 'xlsx',
};

/** Kinds read as UTF-8 text: refused when they hold NUL bytes or invalid UTF-8. */
const textKinds = new Set<SourceKind>(['txt', 'md', 'html', 'json', 'jsonl', 'csv']);

/** How many leading bytes {@link detectKind} wants to see. */
export const DETECT_BYTES = 8192;

/**
 * The kind of a file from its extension, checked against its first bytes (up to {@link DETECT_BYTES}): a text kind
 * must have no NUL byte and valid UTF-8; a pdf must start with "%PDF-"; docx and xlsx must be zip files. Throws
 * `ingest_unsupported` with the reason otherwise. An empty text file is accepted (it parses to an empty document).
 * @example
 * detectKind('notes/a.md', await readFirstBytes('notes/a.md')) // "md"
 */
export function detectKind(file: string, firstBytes: Uint8Array): SourceKind {
  const extension = path.extname(file).toLowerCase();
  const kind = kindByExtension[extension];
  if (kind === undefined) {
    throw unsupported(file, extension === '' ? 'no file extension, so no known kind' : `unknown file extension "${extension}"`);
  }
  if (textKinds.has(kind)) {
    const nul = firstBytes.indexOf(0);
    if (nul >= 0) throw unsupported(file, `binary file with a text extension (NUL byte at byte ${nul})`, { byte: nul });
    // The sample may end inside a character: only a sequence that is wrong before the end counts.
    const bad = firstInvalidUtf8(firstBytes, 0, false);
    if (bad >= 0) throw unsupported(file, `invalid UTF-8 at byte ${bad}`, { byte: bad });
    return kind;
  }
  if (firstBytes.length === 0) throw unsupported(file, `empty file; a ${kind} file cannot be empty`);
  if (kind === 'pdf') {
    // The PDF spec lets the header appear within the first 1024 bytes.
    const head = Buffer.from(firstBytes.subarray(0, 1024)).toString('latin1');
    if (!head.includes('%PDF-')) throw unsupported(file, 'not a PDF file (no "%PDF-" header)');
    return kind;
  }
  const zip = firstBytes.length >= 4 && firstBytes[0] === 0x50 && firstBytes[1] === 0x4b && firstBytes[2] === 0x03 && firstBytes[3] === 0x04;
  if (!zip) throw unsupported(file, `not a ${kind} file (not a zip archive)`);
  return kind;
}
