/** @module HTML: visible text only, streamed through htmlparser2; block elements become paragraphs separated by "\n\n". */
import { Parser } from 'htmlparser2';
import type { ParsedDocument, TextBlock } from '../types.js';
import { readUtf8 } from './utf8.js';

/** Elements whose content is never visible text. */
const hidden = new Set(['script', 'style', 'head', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'canvas']);

/** Elements that end a paragraph. */
const blocks = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'html',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);

/**
 * Visible text of an HTML file: entities decoded, whitespace collapsed (kept in <pre>), <br> a line break, block
 * elements separated by a blank line. `info.title` is the <title>. Memory: one read block plus the paragraphs it produced.
 */
export async function parseHtml(file: string): Promise<ParsedDocument> {
  const paragraphs: string[] = [];
  let current = '';
  let hiddenDepth = 0;
  let preDepth = 0;
  let inTitle = false;
  let title = '';
  const endParagraph = (): void => {
    const text = preDepth > 0 ? current.replace(/^\n+|\s+$/g, '') : current.trim();
    if (text !== '') paragraphs.push(text);
    current = '';
  };
  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'title') inTitle = true;
        if (hidden.has(name)) hiddenDepth += 1;
        else if (hiddenDepth === 0 && blocks.has(name)) endParagraph();
        if (name === 'pre') preDepth += 1;
        if (name === 'br' && hiddenDepth === 0) current += '\n';
      },
      ontext(data) {
        if (inTitle) title += data;
        if (hiddenDepth > 0) return;
        if (preDepth > 0) current += data;
        else {
          const collapsed = data.replace(/\s+/g, ' ');
          current += current === '' || current.endsWith('\n') || current.endsWith(' ') ? collapsed.trimStart() : collapsed;
        }
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (hidden.has(name)) hiddenDepth = Math.max(0, hiddenDepth - 1);
        else if (hiddenDepth === 0 && blocks.has(name)) endParagraph();
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  );
  const reader = readUtf8(file);
  // The title is in <head>: feed the first block now so info.title is known before the blocks are read.
  const first = await reader.next();
  if (first.done !== true) parser.write(first.value);
  else parser.end();
  async function* produce(): AsyncGenerator<TextBlock> {
    let start = 0;
    const drain = function* (): Generator<TextBlock> {
      for (const paragraph of paragraphs.splice(0)) {
        const text = start === 0 ? paragraph : `\n\n${paragraph}`;
        yield { text, start };
        start += text.length;
      }
    };
    yield* drain();
    if (first.done !== true) {
      for await (const text of reader) {
        parser.write(text);
        yield* drain();
      }
      parser.end();
      endParagraph();
      yield* drain();
    }
  }
  const cleanTitle = title.replace(/\s+/g, ' ').trim();
  return { info: { kind: 'html', ...(cleanTitle === '' ? {} : { title: cleanTitle }), metadata: {} }, blocks: produce() };
}
