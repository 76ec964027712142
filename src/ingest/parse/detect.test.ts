import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrellisError } from '../../core/errors.js';
import { detectKind } from './detect.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
const refused = (pattern: RegExp) => (error: unknown) => error instanceof TrellisError && error.code === 'ingest_unsupported' && pattern.test(error.message);

describe('detectKind', () => {
  it('maps extensions to kinds, case-insensitively', () => {
    assert.equal(detectKind('a/B.TXT', bytes('hi')), 'txt');
    assert.equal(detectKind('notes.markdown', bytes('# x')), 'md');
    assert.equal(detectKind('x.htm', bytes('<p>')), 'html');
    assert.equal(detectKind('rows.ndjson', bytes('{}')), 'jsonl');
    assert.equal(detectKind('r.pdf', bytes('%PDF-1.7\n')), 'pdf');
    assert.equal(detectKind('r.xlsx', bytes('PK\x03\x04rest')), 'xlsx');
    assert.equal(detectKind('empty.csv', new Uint8Array()), 'csv');
  });

  it('refuses an unknown or missing extension, naming the file', () => {
    assert.throws(() => detectKind('/data/photo.png', bytes('x')), refused(/^photo\.png: unknown file extension "\.png"/));
    assert.throws(() => detectKind('README', bytes('x')), refused(/no file extension/));
  });

  it('refuses a binary file with a text extension', () => {
    assert.throws(() => detectKind('a.txt', bytes('abc\x00def')), refused(/a\.txt: byte 3: binary file with a text extension/));
  });

  it('refuses invalid UTF-8 naming the byte, but accepts a character cut by the end of the sample', () => {
    assert.throws(() => detectKind('a.md', new Uint8Array([0x61, 0x62, 0xc3, 0x28])), refused(/invalid UTF-8 at byte 2/));
    assert.equal(detectKind('a.md', new Uint8Array([0x61, 0xe2, 0x82])), 'md');
  });

  it('checks the signature of pdf, docx and xlsx', () => {
    assert.throws(() => detectKind('a.pdf', bytes('hello')), refused(/not a PDF file/));
    assert.throws(() => detectKind('a.docx', bytes('hello')), refused(/not a docx file \(not a zip archive\)/));
    assert.throws(() => detectKind('a.xlsx', new Uint8Array()), refused(/empty file/));
  });
});
