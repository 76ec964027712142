#!/usr/bin/env node
// `npm start`: compile when dist/ is missing or older than src/, then serve.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function newest(dir) {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const stats = statSync(full);
    latest = Math.max(latest, stats.isDirectory() ? newest(full) : stats.mtimeMs);
  }
  return latest;
}

const entry = 'dist/cli/main.js';
if (!existsSync(entry) || newest('src') > statSync(entry).mtimeMs) {
  console.log('building…');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
const child = spawn(process.execPath, ['bin/trellis.js', 'serve', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
