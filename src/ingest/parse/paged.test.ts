import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrellisError } from '../../core/errors.js';
import { checkChunkOffsets, collect, fullText, minimalDocx, minimalPdf, tempFile } from '../../../test/support/ingest-fixtures.js';
import { parseDocument } from './index.js';

const failed = (pattern: RegExp) => (error: unknown) => error instanceof TrellisError && error.code === 'ingest_parse_failed' && pattern.test(error.message);

describe('pdf', () => {
  it('yields one block per page with its page number, lines joined by newlines, and chunks that stay on their page', async () => {
    const pdf = minimalPdf(
      [
        ['Ada Lovelace wrote the first program.', 'She worked with Babbage (in London).'],
        ['Page two starts here.', 'It has a second sentence.'],
        ['Third page.'],
      ],
      { title: 'Notes' },
    );
    const doc = await parseDocument(tempFile('a.pdf', pdf), 'pdf');
    assert.equal(doc.info.title, 'Notes');
    assert.equal(doc.info.metadata.pages, 3);
    const blocks = await collect(doc.blocks);
    assert.deepEqual(
      blocks.map((block) => block.page),
      [1, 2, 3],
    );
    assert.equal(blocks[0]!.text, 'Ada Lovelace wrote the first program.\nShe worked with Babbage (in London).\n\n');
    assert.ok(fullText(blocks).endsWith('Third page.'));
    const chunks = await checkChunkOffsets(blocks, { size: 1200, overlap: 150 });
    assert.deepEqual(
      chunks.map((chunk) => chunk.page),
      [1, 2, 3],
    );
  });

  it('refuses a corrupt PDF and a truncated one with a clear error', async () => {
    await assert.rejects(parseDocument(tempFile('bad.pdf', '%PDF-1.4\ngarbage that is not a pdf at all'), 'pdf'), failed(/^bad\.pdf: corrupt PDF/));
    const whole = minimalPdf([['Some text.']]);
    const cut = whole.subarray(0, Math.floor(whole.length / 3));
    await assert.rejects(
      async () => collect((await parseDocument(tempFile('cut.pdf', cut), 'pdf')).blocks),
      failed(/^cut\.pdf: (page 1: )?(corrupt PDF|cannot read)/),
    );
  });
});

describe('docx', () => {
  it('reads paragraphs separated by a blank line', async () => {
    const doc = await parseDocument(tempFile('a.docx', minimalDocx(['First paragraph.', '', 'Second & last — ü.'])), 'docx');
    const blocks = await collect(doc.blocks);
    assert.equal(fullText(blocks), 'First paragraph.\n\nSecond & last — ü.');
    await checkChunkOffsets(blocks, { size: 20, overlap: 0 });
  });

  it('refuses a truncated zip', async () => {
    const whole = minimalDocx(['Text.']);
    await assert.rejects(parseDocument(tempFile('cut.docx', whole.subarray(0, whole.length - 30)), 'docx'), failed(/^cut\.docx: corrupt or truncated docx/));
  });

  it('refuses structured kinds as documents', async () => {
    await assert.rejects(
      parseDocument(tempFile('a.csv', 'a,b\n1,2\n'), 'csv'),
      (error: unknown) => error instanceof TrellisError && error.code === 'ingest_unsupported',
    );
  });
});
