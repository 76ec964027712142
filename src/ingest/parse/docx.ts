/** @module Word documents (.docx): the raw text through mammoth, paragraphs separated by "\n\n". */
import mammoth from 'mammoth';
import type { ParsedDocument, TextBlock } from '../types.js';
import { messageOf, parseFailed } from './errors.js';

/**
 * A .docx file as a document: non-empty paragraphs in order, separated by a blank line, one block per paragraph.
 * A corrupt or truncated zip, or one without word/document.xml, throws `ingest_parse_failed`.
 * mammoth reads the whole archive, so memory is about the file's size (Word documents are small next to their text's limits).
 */
export async function parseDocx(file: string): Promise<ParsedDocument> {
  let raw: string;
  try {
    raw = (await mammoth.extractRawText({ path: file })).value;
  } catch (error) {
    throw parseFailed(file, `corrupt or truncated docx: ${messageOf(error)}`, {}, error);
  }
  const paragraphs = raw
    .split(/\n{2,}/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '');
  async function* produce(): AsyncGenerator<TextBlock> {
    let start = 0;
    for (const [index, paragraph] of paragraphs.entries()) {
      const text = index === 0 ? paragraph : `\n\n${paragraph}`;
      yield { text, start };
      start += text.length;
    }
  }
  return { info: { kind: 'docx', metadata: { paragraphs: paragraphs.length } }, blocks: produce() };
}
