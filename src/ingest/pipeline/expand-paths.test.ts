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
    mkdirSync(path.join(dir, '.git', 'objects'), { recursive: true });
    for (const file of ['z.txt', 'a/y.md', 'a/b/x.txt', 'a/b/w.csv', '.hidden.txt', '.git/config', '.git/objects/ab.txt'])
      writeFileSync(path.join(dir, file), 'x');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const names = (planned: { file: string }[]) => planned.map((item) => path.relative(dir, item.file));

  it('walks folders (hidden files and hidden folders such as .git skipped), keeps files, drops duplicates, sorts', async () => {
    assert.deepEqual(names(await expandPaths([path.join(dir, 'z.txt'), dir])), ['a/b/w.csv', 'a/b/x.txt', 'a/y.md', 'z.txt']);
    assert.deepEqual(names(await expandPaths(['**/*.txt'], dir)), ['a/b/x.txt', 'z.txt']);
  });

  it('expands * within a segment and ** across segments, relative to the glob’s fixed prefix', async () => {
    assert.deepEqual(names(await expandPaths(['*.txt'], dir)), ['z.txt']);
    assert.deepEqual(names(await expandPaths(['**/*.txt'], dir)), ['a/b/x.txt', 'z.txt']);
    const planned = await expandPaths([`${dir}/a/**/*.csv`]);
    assert.deepEqual(names(planned), ['a/b/w.csv']);
    assert.equal(planned[0]?.root, path.join(dir, 'a'));
  });

  it('a path or pattern naming nothing is not_found', async () => {
    await assert.rejects(expandPaths([path.join(dir, 'missing.txt')]), (error: unknown) => error instanceof TrellisError && error.code === 'not_found');
    await assert.rejects(expandPaths(['**/*.pdf'], dir), /No file matches/);
  });
});
