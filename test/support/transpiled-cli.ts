/**
 * @module Test helper: the CLI transpiled once to JavaScript in a temporary folder (TypeScript's own emit, no type
 * check), as `npm run build` would: through tsx each CLI process compiles the whole app again, which on a loaded
 * two-core machine took over ten seconds per command.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** A transpiled copy of src/ and how to remove it. */
export interface TranspiledCli {
  /** The CLI's entry (`src/cli/main.js`) in the copy. */
  main: string;
  /** The copy's folder (the repository's layout: `src/…`, and the extra files where they were). */
  root: string;
  dispose(): void;
}

/** Transpiles src/ (without tests), and `extra` files (paths relative to the repository), into a new temporary folder. */
export function transpileCli(extra: readonly string[] = []): TranspiledCli {
  const outDir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'trellis-cli-js-')));
  writeFileSync(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return walk(full);
      return entry.name.endsWith('.test.ts') ? [] : [full];
    });
  for (const file of [...walk(path.join(repoRoot, 'src')), ...extra.map((name) => path.join(repoRoot, name))]) {
    if (!file.endsWith('.ts')) {
      // Files read at run time (the default extraction schema).
      const target = path.join(outDir, path.relative(repoRoot, file));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, readFileSync(file));
      continue;
    }
    const output = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    });
    const target = path.join(outDir, path.relative(repoRoot, file)).replace(/\.ts$/, '.js');
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  return { main: path.join(outDir, 'src', 'cli', 'main.js'), root: outDir, dispose: () => rmSync(outDir, { recursive: true, force: true }) };
}

/** How a CLI process ended and what it printed. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** This process's environment without TRELLIS_* and node:test's variables, plus `extra`: a CLI that sees only what a test gives it. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('TRELLIS_') && !name.startsWith('NODE_TEST')) env[name] = value;
  return { ...env, ...extra };
}

/** Runs `node main …args` to its end; `input`, when given, is written to its stdin, which is then closed. */
export function runCli(main: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [main, ...args], {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: options.env ?? process.env,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  if (options.input !== undefined) child.stdin?.end(options.input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
