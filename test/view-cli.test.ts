/**
 * @module `trellis view …`, `trellis graph paths` and `trellis graph subgraph` as real processes on SQLite: create, show,
 * evidence, refresh and delete a view, k paths and subgraphs with filters, and bad input with its exit codes. (The
 * services under them are tested on both drivers in views.test.ts and graph-queries.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exitCodes } from '../src/cli/output.js';
import { type CliRun, type TranspiledCli, cleanEnv, runCli, transpileCli } from './support/transpiled-cli.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
let transpiled: TranspiledCli;
let main: string;
before(() => {
  transpiled = transpileCli();
  main = transpiled.main;
});
after(() => transpiled.dispose());

function trellis(dataDir: string, args: string[]): Promise<CliRun> {
  return runCli(main, ['--data-dir', dataDir, ...args], { cwd: repoRoot, env: cleanEnv() });
}

const mapping = `files:
  - pattern: staff.csv
    dataset: staff
    columns:
      id: { type: string, required: true }
      name: { type: string, required: true }
      team: string
      age: integer
      manager: string
    key: id
    entities:
      - { type: Person, name: name, properties: { team: team, age: age } }
    relations:
      - { type: reports_to, from: Person, to: { dataset: staff, key: manager } }
`;
const staff = ['id,name,team,age,manager', 'E1,Alice Johnson,core,51,', 'E2,Peter Pike,core,38,E1', 'E3,Nora Quill,web,45,E1', 'E4,Omar Haddad,web,29,E3'].join(
  '\n',
);

describe('trellis view and graph queries (sqlite)', () => {
  let dataDir: string;
  const ids = new Map<string, string>();

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-view-cli-'));
    writeFileSync(path.join(dataDir, 'staff.csv'), `${staff}\n`);
    writeFileSync(path.join(dataDir, 'mapping.yaml'), mapping);
    const ingest = await trellis(dataDir, ['ingest', '--mapping', path.join(dataDir, 'mapping.yaml'), path.join(dataDir, 'staff.csv')]);
    assert.equal(ingest.code, 0, ingest.stderr);
    const listed = await trellis(dataDir, ['--json', 'entities', 'list', '--type', 'Person']);
    assert.equal(listed.code, 0, listed.stderr);
    for (const entity of (JSON.parse(listed.stdout) as { items: { id: string; name: string }[] }).items) ids.set(entity.name, entity.id);
    assert.equal(ids.size, 4);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('view create prints the rows written; show --json has the lineage; evidence cites the file and row; refresh reports unchanged inputs; delete removes it', async () => {
    const created = await trellis(dataDir, [
      'view',
      'create',
      'people',
      '--definition',
      '{"kind":"nodes","entityTypes":["Person"],"properties":["team","age"],"metrics":["degree"]}',
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created view people: 4 rows in dataset people/);
    const shown = await trellis(dataDir, ['--json', 'view', 'show', 'people']);
    const view = JSON.parse(shown.stdout) as { status: string; lineage: { graphVersion: number; inputs: { entityTypes: Record<string, number> } } };
    assert.equal(view.status, 'ready');
    assert.deepEqual(view.lineage.inputs.entityTypes, { Person: 4 });
    assert.ok(view.lineage.graphVersion > 0);
    const evidence = await trellis(dataDir, ['view', 'evidence', 'people', ids.get('Nora Quill') as string]);
    assert.equal(evidence.code, 0, evidence.stderr);
    assert.match(evidence.stdout, /view people, nodes/);
    assert.match(evidence.stdout, /mapping:staff from file:\/\/.*staff\.csv \[4, 5\): "staff\.csv row 4 \(staff E3\)"/);
    const refreshed = await trellis(dataDir, ['view', 'refresh', 'people']);
    assert.equal(refreshed.code, 0, refreshed.stderr);
    assert.match(refreshed.stdout, /inputs unchanged/);
    assert.match(refreshed.stdout, /rows: 0 added, 0 removed, 0 changed, 4 unchanged/);
    const listed = await trellis(dataDir, ['view', 'list']);
    assert.match(listed.stdout, /people\s+nodes\s+ready/);
    const deleted = await trellis(dataDir, ['view', 'delete', 'people']);
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await trellis(dataDir, ['view', 'show', 'people']);
    assert.equal(gone.code, exitCodes.notFound);
    assert.match(gone.stderr, /View "people" does not exist/);
  });

  it('graph paths lists k paths shortest first; graph subgraph with --where keeps only matching entities', async () => {
    const paths = await trellis(dataDir, ['--json', 'graph', 'paths', ids.get('Omar Haddad') as string, ids.get('Peter Pike') as string, '--k', '3']);
    assert.equal(paths.code, 0, paths.stderr);
    const found = JSON.parse(paths.stdout) as { found: boolean; paths: { length: number; nodes: { name: string }[] }[] };
    assert.equal(found.found, true);
    assert.deepEqual(
      found.paths.map((path) => path.nodes.map((node) => node.name).join(' > ')),
      ['Omar Haddad > Nora Quill > Alice Johnson > Peter Pike'],
    );
    const subgraph = await trellis(dataDir, [
      'graph',
      'subgraph',
      ids.get('Alice Johnson') as string,
      '--depth',
      '2',
      '--where',
      'team=web',
      '--where',
      'age>=40',
    ]);
    assert.equal(subgraph.code, 0, subgraph.stderr);
    assert.match(subgraph.stdout, /Nora Quill/);
    assert.doesNotMatch(subgraph.stdout, /Omar Haddad|Peter Pike/);
    assert.match(subgraph.stdout, /2 nodes, 1 relations/);
  });

  it('bad input exits 2 (usage) or 3 (not found) with the reason on stderr, and changes nothing', async () => {
    const cases: [string[], number, RegExp][] = [
      [['view', 'create', "x'; DROP TABLE views;--", '--definition', '{"kind":"nodes","entityTypes":["Person"]}'], exitCodes.usage, /view name/],
      [['view', 'create', 'nope', '--definition', '{"kind":"nodes","entityTypes":["Robot"]}'], exitCodes.usage, /Unknown entity types: Robot/],
      [['view', 'create', 'nope', '--definition', '{"kind":"nodes"'], exitCodes.usage, /not JSON or YAML|entityTypes/],
      [['view', 'create', 'nope'], exitCodes.usage, /exactly one of --definition or --file/],
      [
        ['view', 'create', 'nope', '--definition', '{"kind":"graph","datasets":[{"dataset":"missing","entities":[]}]}'],
        exitCodes.notFound,
        /Dataset "missing"/,
      ],
      [
        ['graph', 'paths', ids.get('Omar Haddad') as string, ids.get('Peter Pike') as string, '--k', '21'],
        exitCodes.usage,
        /--k must be an integer from 1 to 20/,
      ],
      [['graph', 'subgraph', ids.get('Omar Haddad') as string, '--where', 'age!=3'], exitCodes.usage, /--where takes/],
      [['graph', 'subgraph', ids.get('Omar Haddad') as string, '--depth', '4'], exitCodes.usage, /--depth must be an integer from 0 to 3/],
      [['graph', 'paths', ids.get('Omar Haddad') as string, '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee'], exitCodes.notFound, /does not exist/],
    ];
    for (const [args, code, message] of cases) {
      const result = await trellis(dataDir, args);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    const listed = await trellis(dataDir, ['--json', 'view', 'list']);
    assert.deepEqual(JSON.parse(listed.stdout), { items: [] });
  });
});
