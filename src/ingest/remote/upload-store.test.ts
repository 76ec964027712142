import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TrellisError } from '../../core/errors.js';
import { parseKeptPath, sanitiseFileName, uploadPath, uploadUri } from './upload-store.js';

const refused = (pattern: RegExp) => (error: unknown) => error instanceof TrellisError && error.code === 'validation_failed' && pattern.test(error.message);

describe('uploaded file names', () => {
  it('keeps only the last segment of a name, in NFC', () => {
    assert.equal(sanitiseFileName('report.pdf'), 'report.pdf');
    assert.equal(sanitiseFileName('C:\\Users\\ann\\q3 report.pdf'), 'q3 report.pdf');
    assert.equal(sanitiseFileName('/tmp/x/notes.md'), 'notes.md');
    assert.equal(sanitiseFileName('.hidden.txt'), '.hidden.txt');
    assert.equal(sanitiseFileName('Cafe\u0301.txt'), 'Caf\u00e9.txt');
  });

  it('refuses "..", control characters, empty and over-long names', () => {
    for (const name of ['../../etc/passwd', '..\\..\\boot.ini', 'a/../b.txt', '..']) assert.throws(() => sanitiseFileName(name), refused(/"\.\." segment/));
    for (const name of ['a\u0000.txt', 'a\nb.txt', 'a\u007f.txt']) assert.throws(() => sanitiseFileName(name), refused(/control character/));
    for (const name of [undefined, '', '   ']) assert.throws(() => sanitiseFileName(name), refused(/empty/));
    for (const name of ['folder/', '.', 'a/.']) assert.throws(() => sanitiseFileName(name), refused(/no file name/));
    assert.throws(() => sanitiseFileName(`${'é'.repeat(128)}.txt`), refused(/longer than 255 bytes/));
  });

  it('names a source upload://<name>, URI-encoded', () => {
    assert.equal(uploadUri('q3 report.pdf'), 'upload://q3%20report.pdf');
  });
});

describe('kept upload paths', () => {
  const hash = 'a'.repeat(64);
  it('accepts <sha256>/<name> and the absolute path of the tenant’s own upload only', () => {
    assert.deepEqual(parseKeptPath('/data', 't1', `${hash}/r.txt`), { hash, name: 'r.txt' });
    assert.deepEqual(parseKeptPath('/data', 't1', uploadPath('/data', 't1', hash, 'r.txt')), { hash, name: 'r.txt' });
    for (const file of [
      `../t2/${hash}/r.txt`,
      '/etc/passwd',
      `${hash}/sub/r.txt`,
      'r.txt',
      `${'g'.repeat(64)}/r.txt`,
      path.join('/data/uploads/t2', hash, 'r.txt'),
    ]) {
      assert.throws(
        () => parseKeptPath('/data', 't1', file),
        (error: unknown) => error instanceof TrellisError && /not an upload of this tenant/.test(error.message),
        file,
      );
    }
  });
});
