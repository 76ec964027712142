import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ErrorCode } from '../../core/errors.js';
import { TrellisError } from '../../core/errors.js';
import { checkExpandedFiles, isWithin, resolveIngestPaths } from './ingest-root.js';

const code = (expected: ErrorCode) => (error: unknown) => error instanceof TrellisError && error.code === expected;

describe('ingest root', () => {
  let base: string;
  let root: string;
  before(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'trellis-root-test-'));
    root = path.join(base, 'root');
    mkdirSync(path.join(root, 'docs'), { recursive: true });
    writeFileSync(path.join(root, 'docs', 'a.txt'), 'a');
    writeFileSync(path.join(base, 'outside.txt'), 'secret');
    // The root reached through a symlink: paths under either spelling are inside.
    symlinkSync(root, path.join(base, 'root-link'));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('isWithin: the folder itself and what lies below it, nothing beside or above', () => {
    assert.equal(isWithin('/a/b', '/a/b'), true);
    assert.equal(isWithin('/a/b', '/a/b/c/d'), true);
    assert.equal(isWithin('/a/b', '/a/bc'), false);
    assert.equal(isWithin('/a/b', '/a'), false);
    assert.equal(isWithin('/a/b', '/a/b/../c'), false);
    assert.equal(isWithin('/a/b', '/a/b/..hidden'), true);
  });

  it('resolves relative paths against the root and keeps globs as patterns', async () => {
    assert.deepEqual(await resolveIngestPaths(root, ['docs', 'docs/*.txt', path.join(root, 'docs', 'a.txt')]), [
      path.join(root, 'docs'),
      path.join(root, 'docs', '*.txt'),
      path.join(root, 'docs', 'a.txt'),
    ]);
    const viaLink = path.join(base, 'root-link');
    assert.deepEqual(await resolveIngestPaths(viaLink, [path.join(root, 'docs')]), [path.join(root, 'docs')]);
  });

  it('refuses what lies outside before asking the file system, and is disabled without a root', async () => {
    await assert.rejects(resolveIngestPaths(root, ['../outside.txt']), code('ingest_path_outside_root'));
    await assert.rejects(resolveIngestPaths(root, ['/nonexistent/anything']), code('ingest_path_outside_root'));
    await assert.rejects(resolveIngestPaths(root, ['docs/missing.txt']), code('not_found'));
    await assert.rejects(resolveIngestPaths(undefined, ['docs']), code('ingest_disabled'));
    await assert.rejects(resolveIngestPaths(path.join(base, 'no-such-root'), ['docs']), code('config_invalid'));
  });

  it('checks every expanded file again where it is read: a symlink placed after the request is caught', async () => {
    const paths = await resolveIngestPaths(root, ['docs/*.txt']);
    assert.equal(await checkExpandedFiles(root, paths), 1);
    symlinkSync(path.join(base, 'outside.txt'), path.join(root, 'docs', 'late.txt'));
    try {
      // Folder walks skip symlinks; a glob over the folder does too, so only a named file can be one.
      assert.equal(await checkExpandedFiles(root, paths), 1);
      await assert.rejects(checkExpandedFiles(root, [path.join(root, 'docs', 'late.txt')]), code('ingest_path_outside_root'));
    } finally {
      rmSync(path.join(root, 'docs', 'late.txt'));
    }
  });
});
