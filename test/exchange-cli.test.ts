/**
 * @module `trellis import` and `trellis export` as real processes on both drivers: a file imported and exported back,
 * GraphML written whole to a file, neo4j-csv as a folder, every problem of a bad file printed with its line and exit
 * code 2, and bad usage refused with exit code 2.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exitCodes } from '../src/cli/output.js';
import { hostileNames } from './support/exchange-fixture.js';
import { readCsv, readGraphml } from './support/exchange-parsers.js';
import { createTestDatabase, dialects } from './support/stores.js';
import { type CliRun, type TranspiledCli, runCli, transpileCli } from './support/transpiled-cli.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

let transpiled: TranspiledCli;
before(() => {
  transpiled = transpileCli();
});
after(() => transpiled.dispose());

function run(dataDir: string, args: string[], databaseUrl?: string): Promise<CliRun> {
  return runCli(transpiled.main, ['--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...(databaseUrl ? { TRELLIS_DATABASE_URL: databaseUrl } : {}) },
  });
}

const people = [
  { kind: 'entity', id: 'ada', type: 'Person', name: 'Ada Lovelace', aliases: ['Ada'], properties: { born: 1815 } },
  { kind: 'entity', id: 'x', type: 'Person', name: hostileNames.xml },
  { kind: 'entity', id: 'engine', type: 'Machine', name: 'Analytical Engine' },
  { kind: 'relation', from: 'ada', to: 'engine', type: 'PROGRAMMED', properties: { year: 1843 } },
  { kind: 'relation', from: 'x', to: 'ada', type: 'KNOWS' },
]
  .map((line) => JSON.stringify(line))
  .join('\n');

for (const dialect of dialects) {
  describe(`trellis import and export (${dialect})`, () => {
    let dataDir: string;
    let database: { url: string; drop(): Promise<void> } | undefined;
    const cli = (...args: string[]) => run(dataDir, args, database?.url);

    before(async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-exchange-cli-'));
      if (dialect === 'postgres') database = await createTestDatabase();
      writeFileSync(path.join(dataDir, 'people.jsonl'), people);
    });
    after(async () => {
      rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    });

    it('imports a JSONL file and exports the graph back: GraphML to a file, JSONL to stdout, neo4j-csv to a folder', async () => {
      const imported = await cli('--json', 'import', path.join(dataDir, 'people.jsonl'), '--format', 'jsonl');
      assert.equal(imported.code, exitCodes.ok, imported.stderr);
      const summary = JSON.parse(imported.stdout) as { status: string; entities: { created: number }; relations: { created: number } };
      assert.equal(summary.status, 'imported');
      assert.equal(summary.entities.created, 3);
      assert.equal(summary.relations.created, 2);

      const file = path.join(dataDir, 'out', 'graph.graphml');
      const exported = await cli('export', '--format', 'graphml', '--out', file);
      assert.equal(exported.code, exitCodes.ok, exported.stderr);
      assert.match(exported.stdout, /wrote .*graph\.graphml/);
      assert.ok(!existsSync(`${file}.partial`));
      const parsed = readGraphml(readFileSync(file, 'utf8'));
      assert.deepEqual([...parsed.nodes.values()].map((node) => node.label).sort(), [hostileNames.xml, 'Ada Lovelace', 'Analytical Engine']);
      assert.equal(parsed.edges.length, 2);

      const stdout = await cli('export', '--format', 'jsonl', '--what', 'entities');
      assert.equal(stdout.code, exitCodes.ok, stdout.stderr);
      assert.deepEqual(
        stdout.stdout
          .trimEnd()
          .split('\n')
          .map((line) => (JSON.parse(line) as { name: string }).name)
          .sort(),
        [hostileNames.xml, 'Ada Lovelace', 'Analytical Engine'],
      );

      const folder = path.join(dataDir, 'neo4j');
      const neo4j = await cli('export', '--format', 'neo4j-csv', '--out', folder);
      assert.equal(neo4j.code, exitCodes.ok, neo4j.stderr);
      assert.deepEqual(readdirSync(folder).sort(), ['import.sh', 'nodes.csv', 'relationships.csv']);
      assert.match(
        readFileSync(path.join(folder, 'import.sh'), 'utf8'),
        /neo4j-admin database import full --nodes=nodes\.csv --relationships=relationships\.csv --array-delimiter=U\+001F/,
      );
      assert.equal(readCsv(readFileSync(path.join(folder, 'relationships.csv'), 'utf8')).records.length, 2);
    });

    it('a bad file: every problem with its line, exit code 2, nothing imported; bad usage: exit code 2', async () => {
      writeFileSync(
        path.join(dataDir, 'bad.jsonl'),
        '{"kind":"entity","id":"a","type":"Person","name":"Ann"}\n{oops\n{"kind":"relation","from":"a","to":"ghost","type":"KNOWS"}\n',
      );
      const bad = await cli('import', path.join(dataDir, 'bad.jsonl'), '--format', 'jsonl');
      assert.equal(bad.code, exitCodes.usage);
      assert.match(bad.stderr, /bad\.jsonl:2: not valid JSON/);
      assert.match(bad.stderr, /bad\.jsonl:3: the relation's end "ghost"/);
      assert.match(bad.stderr, /2 problem\(s\); nothing was imported/);
      const entities = await cli('--json', 'entities', 'list', '--q', 'Ann');
      assert.deepEqual((JSON.parse(entities.stdout) as { items: unknown[] }).items, []);

      const format = await cli('export', '--format', 'xlsx');
      assert.equal(format.code, exitCodes.usage);
      assert.match(format.stderr, /Unknown export format "xlsx"; use one of csv, jsonl, graphml/);
      const table = await cli('export', '--format', 'csv');
      assert.equal(table.code, exitCodes.usage);
      assert.match(table.stderr, /CSV is one table/);
    });
  });
}
