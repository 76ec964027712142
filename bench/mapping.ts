/**
 * Structured rows through a mapping: a generated csv of N people (id, name, age, joined, team) into the `people`
 * dataset, one Person entity and one BELONGS_TO relation (to a Team of a 100-row `teams` dataset) per row, each
 * citing its row. Prints rows/s for the whole path and, to show where the time goes, for the same file through a
 * mapping with no entities (read + validate + dataset rows only) and through validation alone (no store).
 *   node --import tsx bench/mapping.ts [--rows 500000] [--batch 5000] [--driver sqlite|postgres|both]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { newId } from '../src/core/ids.js';
import { createGraphService } from '../src/graph/index.js';
import { ingestRows, parseMapping } from '../src/ingest/mapping/index.js';
import { openRows } from '../src/ingest/parse/index.js';
import type { Store } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { createBenchDatabase, random } from './corpus.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '500000' },
    batch: { type: 'string', default: '5000' },
    driver: { type: 'string', default: 'both' },
  },
});
const rowCount = Number(values.rows);
const batchSize = Number(values.batch);

const mappingYaml = `files:
  - pattern: teams.csv
    dataset: teams
    columns: { id: { type: string, required: true }, name: { type: string, required: true } }
    key: id
    entities: [{ type: Team, name: name }]
  - pattern: people.csv
    dataset: people
    columns:
      id: { type: integer, required: true }
      name: { type: string, required: true }
      age: integer
      joined: date
      team: string
    key: id
    entities: [{ type: Person, name: name, properties: { age: age, joined: joined } }]
    relations: [{ type: BELONGS_TO, from: Person, to: { dataset: teams, key: team } }]
  - pattern: people-rows-only.csv
    dataset: people_rows
    columns:
      id: { type: integer, required: true }
      name: { type: string, required: true }
      age: integer
      joined: date
      team: string
    key: id
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-mapping-'));
const teamsFile = path.join(dir, 'teams.csv');
const peopleFile = path.join(dir, 'people.csv');
writeFileSync(teamsFile, `id,name\n${Array.from({ length: 100 }, (_, index) => `T${index},Team ${index}`).join('\n')}\n`);
const lines = ['id,name,age,joined,team'];
for (let index = 0; index < rowCount; index++) {
  const day = String(1 + Math.floor(random() * 28)).padStart(2, '0');
  lines.push(`${index},Person ${index},${20 + Math.floor(random() * 50)},2020-01-${day},T${Math.floor(random() * 100)}`);
}
writeFileSync(peopleFile, `${lines.join('\n')}\n`);
const config = parseMapping(mappingYaml, 'bench-mapping.yaml');
const [teams, people, rowsOnly] = config.files as [(typeof config.files)[0], (typeof config.files)[0], (typeof config.files)[0]];

async function openStore(driver: string): Promise<{ store: Store; close(): Promise<void> }> {
  if (driver === 'postgres') {
    const database = await createBenchDatabase('trellis_bench');
    const store = openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 4 });
    await store.migrate();
    return { store, close: async () => (await store.close(), await database.stop()) };
  }
  const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-mapping-db-'));
  const store = openSqliteStore({ file: path.join(sqliteDir, 'trellis.db') });
  await store.migrate();
  return { store, close: async () => (await store.close(), rmSync(sqliteDir, { recursive: true, force: true })) };
}

const rate = (rows: number, ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s (${(ms / 1000).toFixed(1)} s)`;

// Validation alone: the csv reader and the row checks, with no store (a mapping run into a no-op sink).
{
  const started = performance.now();
  let count = 0;
  for await (const row of openRows(peopleFile, 'csv')) if (row.values.id !== undefined) count++;
  console.log(`csv read only                 ${rate(count, performance.now() - started)}`);
}

for (const driver of values.driver === 'both' ? ['sqlite', 'postgres'] : [values.driver as string]) {
  const { store, close } = await openStore(driver);
  const graph = createGraphService(store);
  const tenantId = newId();
  await store.transaction('system', (tx) =>
    tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenantId, 'bench', 'bench', new Date().toISOString()]),
  );
  const services = { store, graph };
  const sourceOf = async (file: string) => ({
    id: (await graph.createSource(tenantId, { uri: `file://${file}#${newId()}`, kind: 'csv', title: path.basename(file) })).id,
    file: path.basename(file),
  });
  await ingestRows(services, tenantId, await sourceOf(teamsFile), openRows(teamsFile, 'csv'), teams, { batchSize });

  let started = performance.now();
  const plain = await ingestRows(services, tenantId, await sourceOf(peopleFile), openRows(peopleFile, 'csv'), rowsOnly, { batchSize });
  const plainMs = performance.now() - started;

  started = performance.now();
  const cpu = process.cpuUsage();
  const full = await ingestRows(services, tenantId, await sourceOf(peopleFile), openRows(peopleFile, 'csv'), people, { batchSize });
  const fullMs = performance.now() - started;
  const cpuUsed = process.cpuUsage(cpu);

  console.log(`driver ${driver}, ${rowCount.toLocaleString('en')} rows, batches of ${batchSize}, node ${process.version}`);
  console.log(`rows → dataset only           ${rate(plain.stored, plainMs)}`);
  console.log(
    `rows → dataset + graph        ${rate(full.stored, fullMs)}: ${full.entities.toLocaleString('en')} entities, ${full.relations.toLocaleString('en')} relations, ${full.quarantined} quarantined; this process's CPU ${((cpuUsed.user + cpuUsed.system) / 1000 / (fullMs / 1000) / 10).toFixed(0)} %`,
  );
  await graph.close();
  await close();
}
rmSync(dir, { recursive: true, force: true });
