import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkChunkOffsets, collect } from '../../test/support/ingest-fixtures.js';
import { seededRandom as random } from '../core/random.js';
import { chunkBlocks, splitLong } from './chunk.js';
import type { TextBlock } from './types.js';

const words = ['alpha', 'Ünïcödé', '数据', 'graph', '😀', '👩‍💻', 'Zoë', 'naïve', 'ok', 'δοκιμή', 'x'];

function randomText(next: () => number, sentences: number): string {
  let text = '';
  for (let index = 0; index < sentences; index += 1) {
    const length = 1 + Math.floor(next() * 30);
    const sentence = Array.from({ length }, () => words[Math.floor(next() * words.length)]).join(' ');
    text += `${sentence[0]!.toUpperCase()}${sentence.slice(1)}${['. ', '! ', '? ', '.\n\n', '. '][Math.floor(next() * 5)]}`;
  }
  return text;
}

/** Cuts text into contiguous blocks at random places, never inside a surrogate pair (as a decoder never does). */
function randomBlocks(next: () => number, text: string, page?: number, base = 0): TextBlock[] {
  const blocks: TextBlock[] = [];
  let from = 0;
  while (from < text.length) {
    let to = Math.min(text.length, from + 1 + Math.floor(next() * 400));
    const code = text.charCodeAt(to - 1);
    if (code >= 0xd800 && code <= 0xdbff && to < text.length) to += 1;
    blocks.push({ text: text.slice(from, to), start: base + from, ...(page === undefined ? {} : { page }) });
    from = to;
  }
  return blocks;
}

describe('chunkBlocks', () => {
  it('keeps exact offsets on random text with multi-byte characters and emoji, for many sizes and block cuts', async () => {
    const next = random(42);
    for (let round = 0; round < 30; round += 1) {
      const text = randomText(next, 5 + Math.floor(next() * 120));
      const size = 20 + Math.floor(next() * 600);
      const overlap = Math.floor(next() * size * 0.5);
      const chunks = await checkChunkOffsets(randomBlocks(next, text), { size, overlap });
      assert.ok(chunks.length > 0);
      for (const chunk of chunks) {
        assert.ok(chunk.text.length <= size, `chunk of ${chunk.text.length} > ${size}`);
        const first = chunk.text.charCodeAt(0);
        assert.ok(!(first >= 0xdc00 && first <= 0xdfff), 'a chunk never starts inside a surrogate pair');
      }
      assert.deepEqual(
        chunks.map((chunk) => chunk.ordinal),
        chunks.map((_, index) => index),
      );
      // Together the chunks cover every non-space character.
      const covered = new Uint8Array(text.length);
      for (const chunk of chunks) covered.fill(1, chunk.start, chunk.end);
      for (let index = 0; index < text.length; index += 1) if (!/\s/.test(text[index]!)) assert.equal(covered[index], 1, `offset ${index} not covered`);
    }
  });

  it('packs whole sentences up to the size and repeats whole trailing sentences as overlap', async () => {
    const text = 'One is here. Two is here. Three is here. Four is here. Five is here.';
    const chunks = await collect(chunkBlocks([{ text, start: 0 }], { size: 30, overlap: 15 }));
    assert.deepEqual(
      chunks.map((chunk) => chunk.text),
      ['One is here. Two is here.', 'Two is here. Three is here.', 'Three is here. Four is here.', 'Four is here. Five is here.'],
    );
    const none = await collect(chunkBlocks([{ text, start: 0 }], { size: 30, overlap: 0 }));
    assert.deepEqual(
      none.map((chunk) => chunk.text),
      ['One is here. Two is here.', 'Three is here. Four is here.', 'Five is here.'],
    );
  });

  it('splits a sentence longer than the size at word boundaries', async () => {
    const text = `${'lorem ipsum '.repeat(20).trim()}.`;
    const chunks = await checkChunkOffsets([{ text, start: 0 }], { size: 50, overlap: 0 });
    assert.ok(chunks.length >= 5);
    for (const chunk of chunks.slice(0, -1)) assert.match(chunk.text, /(lorem|ipsum)$/);
  });

  it('never crosses a page and restarts overlap on each page', async () => {
    const next = random(7);
    const one = randomText(next, 20);
    const two = randomText(next, 20);
    const blocks = [...randomBlocks(next, `${one}\n\n`, 1), ...randomBlocks(next, two, 2, one.length + 2)];
    const chunks = await checkChunkOffsets(blocks, { size: 200, overlap: 60 });
    const firstOfTwo = chunks.findIndex((chunk) => chunk.page === 2);
    assert.ok(firstOfTwo > 0);
    assert.ok(chunks.slice(0, firstOfTwo).every((chunk) => chunk.page === 1 && chunk.end <= one.length + 2));
    assert.ok(chunks[firstOfTwo]!.start >= one.length + 2);
  });

  it('bounds memory on a huge run with no sentence end and no blocks boundary help', async () => {
    const text = 'a'.repeat(100_000);
    const chunks = await checkChunkOffsets([{ text, start: 0 }], { size: 1000, overlap: 100 });
    assert.equal(chunks.length, 100);
  });

  it('makes no chunk from whitespace only', async () => {
    assert.deepEqual(await collect(chunkBlocks([{ text: ' \n\n \t', start: 0 }])), []);
  });

  it('splitLong never cuts a surrogate pair', () => {
    const text = '😀'.repeat(10);
    for (const piece of splitLong(text, 0, text.length, 3)) assert.equal(piece.end % 2, 0);
  });
});
