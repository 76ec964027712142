/** @module PDF: text page by page through pdfjs-dist (legacy build for Node), one block per page with its page number. */
import { readFile } from 'node:fs/promises';
import type { ParsedDocument, TextBlock } from '../types.js';
import { messageOf, parseFailed } from './errors.js';

interface TextItemLike {
  str?: string;
  hasEOL?: boolean;
}

/** Joins a page's text items: an item ending a line (hasEOL) is followed by "\n"; blank lines at the ends are dropped. */
export function joinPageText(items: readonly TextItemLike[]): string {
  let text = '';
  for (const item of items) {
    if (typeof item.str !== 'string') continue;
    text += item.str;
    if (item.hasEOL === true) text += '\n';
  }
  return text.replace(/[ \t]+\n/g, '\n').trim();
}

/**
 * A .pdf file as a document: one block per page (`page` 1-based), pages separated by "\n\n". Memory is the file's
 * bytes plus one page: each page's resources are released (page.cleanup()) before the next is read. Encrypted and
 * corrupt PDFs throw `ingest_parse_failed`; a page that fails to render its text throws naming the page.
 */
export async function parsePdf(file: string): Promise<ParsedDocument> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const data = new Uint8Array(await readFile(file));
  const task = pdfjs.getDocument({ data, isEvalSupported: false, useSystemFonts: false, disableFontFace: true, verbosity: 0, stopAtErrors: false });
  let pdf: Awaited<typeof task.promise>;
  try {
    pdf = await task.promise;
  } catch (error) {
    await task.destroy().catch(() => undefined);
    const name = error instanceof Error ? error.name : '';
    const reason = name === 'PasswordException' ? 'the PDF is encrypted (password protected)' : `corrupt PDF: ${messageOf(error)}`;
    throw parseFailed(file, reason, {}, error);
  }
  const pages = pdf.numPages;
  let title: string | undefined;
  const metadata: Record<string, unknown> = { pages };
  try {
    const { info } = (await pdf.getMetadata()) as unknown as { info?: Record<string, unknown> };
    if (typeof info?.Title === 'string' && info.Title.trim() !== '') title = info.Title.trim();
    if (typeof info?.Author === 'string' && info.Author.trim() !== '') metadata.author = info.Author.trim();
  } catch {
    // Metadata is optional; a broken info dictionary must not lose the text.
  }
  async function* produce(): AsyncGenerator<TextBlock> {
    let start = 0;
    try {
      for (let number = 1; number <= pages; number += 1) {
        let text: string;
        try {
          const page = await pdf.getPage(number);
          const content = await page.getTextContent();
          text = joinPageText(content.items as TextItemLike[]);
          page.cleanup();
        } catch (error) {
          throw parseFailed(file, `cannot read the page's text: ${messageOf(error)}`, { page: number }, error);
        }
        if (number < pages) text += '\n\n';
        yield { text, start, page: number };
        start += text.length;
      }
    } finally {
      await pdf.destroy();
    }
  }
  return { info: { kind: 'pdf', ...(title === undefined ? {} : { title }), metadata }, blocks: produce() };
}
