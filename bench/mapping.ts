/**
 * Structured rows through a mapping: a generated csv of N people (id, name, age, joined, team) into the `people`
 * dataset, one Person entity and one BELONGS_TO relation (to a Team of a 100-row `teams` dataset) per row, each
 * citing its row. Prints rows/s for the whole path and, to show where the time goes, for the same file through a
 * mapping with no entities (read + validate + dataset rows only; in the row worker, and inline on the event loop)
 * and for the csv reader alone. With --big-csv-mb M it also generates an M MB csv in the temporary folder and runs
 * `ingestPaths` over it in a child process per case (dataset only; dataset + graph), printing the child's peak RSS
 * (VmHWM of /proc/self/status) and rows/s; the file is deleted afterwards.
 *   node --import tsx bench/mapping.ts [--rows 500000] [--batch 5000] [--driver sqlite|postgres|both] [--big-csv-mb 1024] [--big-only] [--built]
 * With --built the big-file cases run the built CLI (`trellis ingest`) under GNU time, as users run it.
 */
import { spawnSync } from 'node:child_process';
import { runBuiltCli } from './built-cli.js';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statfsSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { newId } from '../src/core/ids.js';
import { createGraphService } from '../src/graph/index.js';
import { ingestRows, parseMapping } from '../src/ingest/mapping/index.js';
import { openRows } from '../src/ingest/parse/index.js';
import { ingestPaths } from '../src/ingest/pipeline/index.js';
import type { Store } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { createBenchDatabase, random } from './corpus.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '500000' },
    batch: { type: 'string', default: '5000' },
    driver: { type: 'string', default: 'both' },
    'big-csv-mb': { type: 'string', default: '0' },
    'big-only': { type: 'boolean', default: false },
    // The big-file cases through the built CLI (dist/, as users run it) under GNU time instead of a tsx child.
    built: { type: 'boolean', default: false },
    // Internal: run one big-file case in this (child) process and print its figures as JSON.
    child: { type: 'string' },
    dir: { type: 'string' },
  },
});
const rowCount = Number(values.rows);
const batchSize = Number(values.batch);

const peopleColumns = `
    columns:
      id: { type: integer, required: true }
      name: { type: string, required: true }
      age: integer
      joined: date
      team: string
      note: string
    key: id`;
const teamsEntry = `
  - pattern: teams.csv
    dataset: teams
    columns: { id: { type: string, required: true }, name: { type: string, required: true } }
    key: id
    entities: [{ type: Team, name: name }]`;
const graphEntry = (pattern: string) => `
  - pattern: ${pattern}
    dataset: people${peopleColumns}
    entities: [{ type: Person, name: name, properties: { age: age, joined: joined } }]
    relations: [{ type: BELONGS_TO, from: Person, to: { dataset: teams, key: team } }]`;
const rowsOnlyEntry = (pattern: string, dataset: string) => `
  - pattern: ${pattern}
    dataset: ${dataset}${peopleColumns}`;

/** Appends `count` generated people rows (from id `first`) to an open file, in blocks; `noteChars` pads each row with a text column. */
function writePeople(fd: number, first: number, count: number, noteChars: number): number {
  let bytes = 0;
  const filler = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ';
  for (let start = first; start < first + count; start += 10_000) {
    const lines: string[] = [];
    for (let index = start; index < Math.min(first + count, start + 10_000); index++) {
      const day = String(1 + Math.floor(random() * 28)).padStart(2, '0');
      const note = noteChars > 0 ? filler.repeat(Math.ceil(noteChars / filler.length)).slice(0, Math.floor(noteChars * (0.5 + random()))) : '';
      lines.push(`${index},Person ${index},${20 + Math.floor(random() * 50)},2020-01-${day},T${Math.floor(random() * 100)},${note}`);
    }
    const text = `${lines.join('\n')}\n`;
    bytes += writeSync(fd, text);
  }
  return bytes;
}

function writeTeams(file: string): void {
  writeFileSync(file, `id,name\n${Array.from({ length: 100 }, (_, index) => `T${index},Team ${index}`).join('\n')}\n`);
}

const rate = (rows: number, ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s (${(ms / 1000).toFixed(1)} s)`;

/** Peak resident set of this process in MB (VmHWM). */
function peakRssMb(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function openStore(driver: string, dir?: string): Promise<{ store: Store; close(): Promise<void> }> {
  if (driver === 'postgres') {
    const database = await createBenchDatabase('trellis_bench');
    const store = openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 4 });
    await store.migrate();
    return { store, close: async () => (await store.close(), await database.stop()) };
  }
  const sqliteDir = dir ?? mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-mapping-db-'));
  const store = openSqliteStore({ file: path.join(sqliteDir, 'trellis.db') });
  await store.migrate();
  return {
    store,
    close: async () => {
      await store.close();
      if (dir === undefined) rmSync(sqliteDir, { recursive: true, force: true });
    },
  };
}

async function createTenant(store: Store): Promise<string> {
  const tenantId = newId();
  await store.transaction('system', (tx) =>
    tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'bench', 'bench', new Date().toISOString()]),
  );
  return tenantId;
}

/** Child: one big-file case through the whole pipeline into a fresh SQLite store; prints { rows, seconds, peakRssMb }. */
async function runChild(mode: string, dir: string): Promise<void> {
  const { store, close } = await openStore('sqlite', dir);
  const graph = createGraphService(store);
  const tenantId = await createTenant(store);
  const mapping = parseMapping(`files:${teamsEntry}${mode === 'graph' ? graphEntry('people.csv') : rowsOnlyEntry('people.csv', 'people')}\n`, 'bench.yaml');
  const services = { store, graph };
  // Teams first: the people rows refer to them.
  if (mode === 'graph') await ingestPaths(services, tenantId, [path.join(dir, 'teams.csv')], { mapping });
  const started = performance.now();
  const summary = await ingestPaths(services, tenantId, [path.join(dir, 'people.csv')], { mapping, rows: { batchSize } });
  const seconds = (performance.now() - started) / 1000;
  // Before the count below, which reads every row (through SQLite's memory map, which counts as resident).
  const peak = peakRssMb();
  const file = summary.files[0];
  if (file?.status !== 'ingested') throw new Error(`the big file was not ingested: ${JSON.stringify(file)}`);
  const rows = await store.read({ tenantId }, (tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM dataset_rows WHERE tenant_id = ?', [tenantId]));
  await graph.close();
  await close();
  console.log(
    JSON.stringify({
      rows: Number(rows?.n) - (mode === 'graph' ? 100 : 0),
      entities: summary.entities,
      relations: summary.relations,
      seconds,
      peakRssMb: peak,
    }),
  );
}

async function bigCsv(megabytes: number): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-big-'));
  try {
    const free = statfsSync(dir).bavail * statfsSync(dir).bsize;
    if (free < megabytes * 1024 * 1024 * 6) throw new Error(`${dir}: ${(free / 2 ** 30).toFixed(1)} GiB free; the big-file cases need about 6× the file`);
    const file = path.join(dir, 'people.csv');
    const fd = openSync(file, 'w');
    let bytes = writeSync(fd, 'id,name,age,joined,team,note\n');
    let rows = 0;
    while (bytes < megabytes * 1024 * 1024) {
      bytes += writePeople(fd, rows, 100_000, 200);
      rows += 100_000;
    }
    closeSync(fd);
    writeTeams(path.join(dir, 'teams.csv'));
    console.log(
      `big csv: ${(bytes / 2 ** 20).toFixed(0)} MiB, ${rows.toLocaleString('en')} rows (~${Math.round(bytes / rows)} bytes each), SQLite, whole pipeline (ingestPaths), own child process each`,
    );
    for (const mode of ['dataset', 'graph']) {
      if (values.built) {
        const mappingFile = path.join(dir, `mapping-${mode}.yaml`);
        writeFileSync(mappingFile, `files:${teamsEntry}${mode === 'graph' ? graphEntry('people.csv') : rowsOnlyEntry('people.csv', 'people')}\n`);
        const run = runBuiltCli([
          '--data-dir',
          path.join(dir, `data-${mode}`),
          '--json',
          'ingest',
          path.join(dir, 'teams.csv'),
          file,
          '--mapping',
          mappingFile,
        ]);
        if (run.code !== 0) throw new Error(`the built CLI failed (${run.code}): ${run.stderr}`);
        console.log(
          `${mode === 'dataset' ? 'rows → dataset only   ' : 'rows → dataset + graph'}  built CLI: peak RSS ${(run.peakRss / 1e6).toFixed(0)} MB; ${rate(rows, run.seconds * 1000)} (whole command, start to exit)`,
        );
        rmSync(path.join(dir, `data-${mode}`), { recursive: true, force: true });
        continue;
      }
      const child = spawnSync(process.execPath, ['--import', 'tsx', ...process.argv.slice(1, 2), '--child', mode, '--dir', dir, '--batch', String(batchSize)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (child.status !== 0) throw new Error(`the ${mode} child failed (${child.status}): ${child.stdout}`);
      const result = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as { rows: number; seconds: number; peakRssMb: number };
      console.log(
        `${mode === 'dataset' ? 'rows → dataset only   ' : 'rows → dataset + graph'}  peak RSS ${result.peakRssMb.toFixed(0)} MB; ${rate(result.rows, result.seconds * 1000)}`,
      );
      rmSync(path.join(dir, 'trellis.db'), { force: true });
      rmSync(path.join(dir, 'trellis.db-wal'), { force: true });
      rmSync(path.join(dir, 'trellis.db-shm'), { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function throughput(): Promise<void> {
  const config = parseMapping(
    `files:${teamsEntry}${graphEntry('people.csv')}${rowsOnlyEntry('people-rows-only.csv', 'people_rows')}${rowsOnlyEntry('people-inline.csv', 'people_inline')}\n`,
    'bench-mapping.yaml',
  );
  const [teams, people, rowsOnly, inline] = config.files as [
    (typeof config.files)[0],
    (typeof config.files)[0],
    (typeof config.files)[0],
    (typeof config.files)[0],
  ];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-mapping-'));
  const teamsFile = path.join(dir, 'teams.csv');
  const peopleFile = path.join(dir, 'people.csv');
  writeTeams(teamsFile);
  const fd = openSync(peopleFile, 'w');
  writeSync(fd, 'id,name,age,joined,team,note\n');
  writePeople(fd, 0, rowCount, 0);
  closeSync(fd);
  {
    const started = performance.now();
    let count = 0;
    for await (const row of openRows(peopleFile, 'csv')) if (row.values.id !== undefined) count++;
    console.log(`csv read only                 ${rate(count, performance.now() - started)}`);
  }
  for (const driver of values.driver === 'both' ? ['sqlite', 'postgres'] : [values.driver as string]) {
    const { store, close } = await openStore(driver);
    const graph = createGraphService(store);
    const tenantId = await createTenant(store);
    const services = { store, graph };
    const sourceOf = async (file: string) => ({
      id: (await graph.createSource(tenantId, { uri: `file://${file}#${newId()}`, kind: 'csv', title: path.basename(file) })).id,
      file: path.basename(file),
    });
    const csv = (file: string) => ({ file, kind: 'csv' as const });
    await ingestRows(services, tenantId, await sourceOf(teamsFile), csv(teamsFile), teams, { batchSize });

    let started = performance.now();
    const plain = await ingestRows(services, tenantId, await sourceOf(peopleFile), csv(peopleFile), rowsOnly, { batchSize });
    const plainMs = performance.now() - started;

    started = performance.now();
    const onLoop = await ingestRows(services, tenantId, await sourceOf(peopleFile), csv(peopleFile), inline, { batchSize, workerMinBytes: Infinity });
    const onLoopMs = performance.now() - started;

    started = performance.now();
    const cpu = process.cpuUsage();
    const full = await ingestRows(services, tenantId, await sourceOf(peopleFile), csv(peopleFile), people, { batchSize });
    const fullMs = performance.now() - started;
    const cpuUsed = process.cpuUsage(cpu);

    console.log(
      `driver ${driver}, ${rowCount.toLocaleString('en')} rows, batches of ${batchSize}, node ${process.version}, load average ${os.loadavg()[0]?.toFixed(1)}`,
    );
    console.log(`rows → dataset only           ${rate(plain.stored, plainMs)} (csv read and validated in the row worker)`);
    console.log(`rows → dataset only, inline   ${rate(onLoop.stored, onLoopMs)} (everything on the event loop)`);
    console.log(
      `rows → dataset + graph        ${rate(full.stored, fullMs)}: ${full.entities.toLocaleString('en')} entities, ${full.relations.toLocaleString('en')} relations, ${full.quarantined} quarantined; this process's CPU ${((cpuUsed.user + cpuUsed.system) / 1000 / (fullMs / 1000) / 10).toFixed(0)} %`,
    );
    await graph.close();
    await close();
  }
  rmSync(dir, { recursive: true, force: true });
}

if (values.child !== undefined) await runChild(values.child, values.dir as string);
else {
  if (!values['big-only']) await throughput();
  if (Number(values['big-csv-mb']) > 0) await bigCsv(Number(values['big-csv-mb']));
}
