/**
 * @module Runs the built `trellis` CLI (dist/, as users run it) under GNU time and reports its peak RSS: what memory
 * figures are measured with. A process started through tsx carries the loader's own thread and its compiled copies of
 * large modules (pdfjs alone adds ~300 MB of RSS under tsx), which no user runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
let built = false;

/** Builds dist/ once per bench run (`npm run build`). */
export function buildOnce(): void {
  if (built) return;
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  built = true;
}

/** What one CLI run took: its exit code, peak RSS (bytes, from GNU time's %M), wall seconds and output. */
export interface CliRun {
  code: number | null;
  peakRss: number;
  seconds: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `trellis ARGS…` from dist/ under `/usr/bin/time` (Debian package `time`).
 * @example
 * const run = runBuiltCli(['--data-dir', dir, 'ingest', file]);
 */
export function runBuiltCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
  if (!existsSync('/usr/bin/time')) throw new Error('peak RSS needs GNU time: apt-get install time');
  buildOnce();
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', 'peak-rss-kb %M', process.execPath, path.join(repoRoot, 'bin/trellis.js'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  const peak = /peak-rss-kb (\d+)/.exec(result.stderr)?.[1];
  if (peak === undefined) throw new Error(`no peak RSS from time: ${result.stderr}`);
  return { code: result.status, peakRss: Number(peak) * 1024, seconds, stdout: result.stdout, stderr: result.stderr };
}
