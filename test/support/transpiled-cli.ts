/**
 * @module Test helper: the CLI transpiled once to JavaScript in a temporary folder (TypeScript's own emit, no type
 * check), as `npm run build` would: through tsx each CLI process compiles the whole app again, which on a loaded
 * two-core machine took over ten seconds per command.
 */
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
