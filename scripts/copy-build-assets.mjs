#!/usr/bin/env node
// Copies the files that src/ reads at run time and tsc does not emit (the default extraction schema, *.yaml) into
// dist/ beside the compiled modules, so that the built `trellis` finds them where the sources do.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const assets = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));

for (const file of assets('src')) {
  mkdirSync(path.dirname(path.join('dist', file)), { recursive: true });
  copyFileSync(path.join('src', file), path.join('dist', file));
}
