import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TrellisError } from '../../core/errors.js';
import { expandPaths } from './expand-paths.js';

describe('expandPaths', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-expand-'));
    mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    for (const file of ['z.txt', 'a/y.md', 'a/b/x.txt', 'a/b/w.csv', '.hidden.txt']) writeFileSync(path.join(dir, file), 'x');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const names = (planned: { file: string }[]) => planned.map((item) => path.relative(dir, item.file));

  it('walks folders (hidden files skipped), keeps files, drops duplicates, sorts', () => {
    assert.deepEqual(names(expandPaths([path.join(dir, 'z.txt'), dir])), ['a/b/w.csv', 'a/b/x.txt', 'a/y.md', 'z.txt']);
  });

  it('expands * within a segment and ** across segments, relative to the glob’s fixed prefix', () => {
    assert.deepEqual(names(expandPaths(['*.txt'], dir)), ['z.txt']);
    assert.deepEqual(names(expandPaths(['**/*.txt'], dir)), ['a/b/x.txt', 'z.txt']);
    const planned = expandPaths([`${dir}/a/**/*.csv`]);
    assert.deepEqual(names(planned), ['a/b/w.csv']);
    assert.equal(planned[0]?.root, path.join(dir, 'a'));
  });

  it('a path or pattern naming nothing is not_found', () => {
    assert.throws(
      () => expandPaths([path.join(dir, 'missing.txt')]),
      (error: unknown) => error instanceof TrellisError && error.code === 'not_found',
    );
    assert.throws(() => expandPaths(['**/*.pdf'], dir), /No file matches/);
  });
});
