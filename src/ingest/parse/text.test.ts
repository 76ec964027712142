import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrellisError } from '../../core/errors.js';
import { checkChunkOffsets, collect, fullText, tempFile } from '../../../test/support/ingest-fixtures.js';
import { parseDocument } from './index.js';
import { readUtf8 } from './utf8.js';

const failed = (pattern: RegExp) => (error: unknown) => error instanceof TrellisError && error.code === 'ingest_parse_failed' && pattern.test(error.message);

describe('txt', () => {
  it('drops the BOM, keeps CRLF, and yields contiguous blocks whose chunks cite exact text', async () => {
    const body = 'First sentence here.\r\nSecond one — with ü and 😀 emoji. Third!\r\n';
    const doc = await parseDocument(tempFile('a.txt', `\uFEFF${body}`), 'txt');
    const blocks = await collect(doc.blocks);
    assert.equal(fullText(blocks), body);
    const chunks = await checkChunkOffsets(blocks, { size: 40, overlap: 0 });
    assert.ok(chunks.length >= 2);
  });

  it('splits a huge single line into bounded blocks', async () => {
    const line = 'word '.repeat(60_000); // 300 KB, no newline, no sentence end
    const blocks = await collect((await parseDocument(tempFile('huge.txt', line), 'txt')).blocks);
    assert.ok(blocks.length >= 4);
    assert.ok(blocks.every((block) => block.text.length <= 64 * 1024));
    assert.equal(fullText(blocks), line);
    const chunks = await checkChunkOffsets(blocks, { size: 1000, overlap: 0 });
    assert.ok(chunks.every((chunk) => chunk.text.length <= 1000));
  });

  it('names the byte offset of invalid UTF-8, also across a read-block boundary and at the end', async () => {
    const bad = Buffer.concat([Buffer.from('a'.repeat(100)), Buffer.from([0xff]), Buffer.from('tail')]);
    await assert.rejects(collect((await parseDocument(tempFile('bad.txt', bad), 'txt')).blocks), failed(/^bad\.txt: byte 100: invalid UTF-8 at byte 100$/));
    // "é" is c3 a9: cut it across two 8-byte reads, then break its continuation.
    const split = Buffer.concat([Buffer.from('abcdefg'), Buffer.from([0xc3, 0x41]), Buffer.from('zz')]);
    await assert.rejects(collect(readUtf8(tempFile('split.txt', split), 8)), failed(/invalid UTF-8 at byte 7/));
    const truncated = Buffer.concat([Buffer.from('abc'), Buffer.from([0xe2, 0x82])]);
    await assert.rejects(collect(readUtf8(tempFile('cut.txt', truncated), 4)), failed(/invalid UTF-8 at byte 3/));
  });

  it('refuses NUL characters as a binary file', async () => {
    const doc = await parseDocument(tempFile('bin.txt', 'ab\u0000cd'), 'txt');
    await assert.rejects(
      collect(doc.blocks),
      (error: unknown) => error instanceof TrellisError && error.code === 'ingest_unsupported' && /bin\.txt: binary file/.test(error.message),
    );
  });

  it('reads an empty file as an empty document with no chunks', async () => {
    const blocks = await collect((await parseDocument(tempFile('empty.txt', ''), 'txt')).blocks);
    assert.deepEqual(blocks, []);
    assert.deepEqual(await checkChunkOffsets(blocks), []);
  });
});

describe('markdown', () => {
  it('splits front matter into metadata, keeps the text as written and takes the title from front matter', async () => {
    const doc = await parseDocument(tempFile('a.md', '---\ntitle: Plan\ntags: [a, b]\n---\n# Heading\n\nSome **bold** text.\n'), 'md');
    assert.equal(doc.info.title, 'Plan');
    assert.deepEqual(doc.info.metadata, { title: 'Plan', tags: ['a', 'b'] });
    assert.equal(fullText(await collect(doc.blocks)), '# Heading\n\nSome **bold** text.\n');
  });

  it('takes the title from the first # heading when there is no front matter', async () => {
    const doc = await parseDocument(tempFile('b.md', 'intro\n\n## not this\n# The Title\ntext'), 'md');
    assert.equal(doc.info.title, 'The Title');
    const blocks = await collect(doc.blocks);
    await checkChunkOffsets(blocks, { size: 10, overlap: 3 });
  });

  it('reports invalid front matter with the file name', async () => {
    await assert.rejects(parseDocument(tempFile('c.md', '---\na: [unclosed\n---\nbody'), 'md'), failed(/^c\.md: line 2: front matter is not valid YAML/));
  });
});

describe('html', () => {
  it('keeps visible text only, decodes entities, separates blocks and reads the title', async () => {
    const html = `<!doctype html><html><head><title> The  Page </title><style>p{color:red}</style><script>var x = "<p>no</p>";</script></head>
      <body><h1>Header &amp; more</h1><p>One   paragraph
      here.</p><div>Line<br>break &eacute;</div><ul><li>item</li></ul><pre>  keep
  spaces</pre></body></html>`;
    const doc = await parseDocument(tempFile('a.html', html), 'html');
    assert.equal(doc.info.title, 'The Page');
    const blocks = await collect(doc.blocks);
    assert.equal(fullText(blocks), 'Header & more\n\nOne paragraph here.\n\nLine\nbreak é\n\nitem\n\n  keep\n  spaces');
    await checkChunkOffsets(blocks, { size: 15, overlap: 5 });
  });
});
