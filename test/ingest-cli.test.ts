/** @module End-to-end tests of `trellis ingest` and `trellis sources` as real processes, and kill -9 at several points followed by a restart. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../src/core/config.js';
import { openStore } from '../src/store/index.js';
import { generateText, graphFingerprint } from './support/ingest-corpus.js';
import { createTenant, createTestDatabase, dialects } from './support/stores.js';
import { type TranspiledCli, transpileCli } from './support/transpiled-cli.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

// The CLI runs from JavaScript transpiled once: through tsx every process compiles the whole app first.
let transpiled: TranspiledCli;
before(() => {
  transpiled = transpileCli();
});
after(() => transpiled.dispose());

/** A data folder with a migrated store (SQLite in it, or the PostgreSQL database at `databaseUrl`) and the default tenant. */
async function prepareDataDir(dataDir: string, databaseUrl?: string): Promise<{ tenantId: string; file: string }> {
  const store = openStore(loadConfig({ overrides: { dataDir, ...(databaseUrl ? { databaseUrl } : {}) } }));
  try {
    await store.migrate();
    return { tenantId: await createTenant(store, 'default'), file: store.location };
  } finally {
    await store.close();
  }
}

async function fingerprintOf(dataDir: string, tenantId: string, databaseUrl?: string) {
  const store = openStore(loadConfig({ overrides: { dataDir, ...(databaseUrl ? { databaseUrl } : {}) } }));
  try {
    return await graphFingerprint(store, tenantId);
  } finally {
    await store.close();
  }
}

function cli(dataDir: string, args: string[], databaseUrl?: string): ChildProcess {
  return spawn(process.execPath, [transpiled.main, '--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    env: {
      ...process.env,
      TRELLIS_INGEST_CHUNK_SIZE: '300',
      TRELLIS_INGEST_CHUNK_OVERLAP: '40',
      ...(databaseUrl ? { TRELLIS_DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finished(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

async function run(dataDir: string, args: string[], databaseUrl?: string) {
  return finished(cli(dataDir, args, databaseUrl));
}

/** Reads the killed run's progress while it runs: the latest event and the half-written sources. */
interface Watcher {
  latest(): Promise<number>;
  halfWritten(): Promise<number>;
  close(): Promise<void>;
}

function sqliteWatcher(file: string, tenantId: string): Watcher {
  const reader = new Database(file, { readonly: true });
  return {
    latest: async () => Number((reader.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events WHERE tenant_id = ?').get(tenantId) as { seq: number }).seq),
    halfWritten: async () =>
      Number((reader.prepare("SELECT COUNT(*) AS n FROM sources WHERE tenant_id = ? AND status = 'ingesting'").get(tenantId) as { n: number }).n),
    close: async () => {
      reader.close();
    },
  };
}

async function postgresWatcher(url: string, tenantId: string): Promise<Watcher> {
  // The owner connection: row-level security does not apply to it, so no tenant setting is needed to read.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const count = async (sql: string) => Number((await client.query<{ n: string }>(sql, [tenantId])).rows[0]?.n ?? 0);
  return {
    latest: () => count('SELECT COALESCE(MAX(seq), 0) AS n FROM events WHERE tenant_id = $1'),
    halfWritten: () => count("SELECT COUNT(*) AS n FROM sources WHERE tenant_id = $1 AND status = 'ingesting'"),
    close: () => client.end(),
  };
}

describe('trellis ingest (CLI process)', () => {
  let dir: string;
  let corpus: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-ingest-cli-'));
    corpus = path.join(dir, 'corpus');
    mkdirSync(corpus);
    for (let index = 0; index < 8; index++) writeFileSync(path.join(corpus, `doc-${index}.txt`), generateText(index + 10, 6000));
    writeFileSync(path.join(corpus, 'notes.md'), `# Notes\n\n${generateText(40, 3000)}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ingests, reports a bad file with its place and exit code 1, skips the unchanged on a second run, lists and removes sources', async () => {
    const dataDir = path.join(dir, 'data-cli');
    const { tenantId } = await prepareDataDir(dataDir);
    const mixed = path.join(dir, 'mixed');
    mkdirSync(mixed);
    writeFileSync(path.join(mixed, 'good.txt'), generateText(7, 2000));
    writeFileSync(path.join(mixed, 'broken.txt'), Buffer.from([0x41, 0x42, 0xff, 0x43]));
    const first = await run(dataDir, ['--json', 'ingest', mixed]);
    assert.equal(first.code, 1, first.stderr);
    const summary = JSON.parse(first.stdout) as {
      ingested: number;
      failed: number;
      entities: number;
      files: { status: string; error?: { message: string } }[];
    };
    assert.equal(summary.ingested, 1);
    assert.equal(summary.failed, 1);
    assert.match(summary.files[0]?.error?.message ?? '', /^broken\.txt: byte 2: invalid UTF-8/);
    const second = await run(dataDir, ['ingest', path.join(mixed, 'good.txt')]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /0 ingested, 1 unchanged, 0 failed/);
    const listed = await run(dataDir, ['sources', 'list']);
    assert.match(listed.stdout, /txt\s+ingested\s+file:\/\/.*good\.txt/);
    const removed = await run(dataDir, ['--json', 'sources', 'rm', path.join(mixed, 'good.txt')]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.ok((JSON.parse(removed.stdout) as { retractedEvidence: number }).retractedEvidence > 0);
    assert.deepEqual(await fingerprintOf(dataDir, tenantId).then((print) => [print.sources, print.entities, print.evidence]), [0, 0, 0]);
  });

  it('shows datasets, their rows and a source’s quarantine; an unknown dataset is not found (exit 3)', async () => {
    const dataDir = path.join(dir, 'data-datasets');
    await prepareDataDir(dataDir);
    const folder = path.join(dir, 'tables');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'staff.csv'), 'id,name\nE-1,Alice Johnson\nE-2,\nE-3,Peter Pike\n');
    const mappingFile = path.join(dir, 'staff.yaml');
    writeFileSync(
      mappingFile,
      'files:\n  - pattern: staff.csv\n    dataset: staff\n    columns: { id: { type: string, required: true }, name: { type: string, required: true } }\n    key: id\n',
    );
    const ingested = await run(dataDir, ['ingest', folder, '--mapping', mappingFile]);
    assert.equal(ingested.code, 0, ingested.stderr);
    assert.match(ingested.stdout, /1 row\(s\) of .*staff\.csv quarantined: trellis sources quarantine .*staff\.csv/);
    const listed = await run(dataDir, ['datasets', 'list']);
    assert.match(listed.stdout, /staff\s+2\s+id/);
    const rows = await run(dataDir, ['--json', 'datasets', 'rows', 'staff']);
    assert.deepEqual(
      (JSON.parse(rows.stdout) as { items: { key: string; row: number }[] }).items.map((row) => [row.key, row.row]),
      [
        ['E-1', 2],
        ['E-3', 4],
      ],
    );
    const quarantine = await run(dataDir, ['sources', 'quarantine', path.join(folder, 'staff.csv')]);
    assert.match(quarantine.stdout, /staff\.csv\s+3\s+name\s+missing value/);
    const badLimit = await run(dataDir, ['datasets', 'rows', 'staff', '--limit', '0']);
    assert.equal(badLimit.code, 2, badLimit.stderr);
    assert.match(badLimit.stderr, /--limit must be an integer from 1 to 10000; got "0"/);
    const unknown = await run(dataDir, ['datasets', 'rows', 'nope']);
    assert.equal(unknown.code, 3, unknown.stderr);
    assert.match(unknown.stderr, /Dataset "nope" does not exist/);
  });

  it('works on a fresh data folder: the first command creates the default tenant and its admin key, once', async () => {
    const dataDir = path.join(dir, 'data-fresh');
    const first = await run(dataDir, ['ingest', path.join(corpus, 'doc-0.txt')]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /1 ingested, 0 unchanged, 0 failed/);
    assert.match(first.stderr, /First start: created tenant "default"/);
    const key = readFileSync(path.join(dataDir, 'initial-admin-key.txt'), 'utf8').trim();
    assert.match(key, /^trl_/);
    assert.ok(first.stderr.includes(key), 'the key is printed once');
    assert.equal(statSync(path.join(dataDir, 'initial-admin-key.txt')).mode & 0o777, 0o600);
    const second = await run(dataDir, ['sources', 'list']);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /First start/);
    assert.match(second.stdout, /doc-0\.txt/);
  });

  for (const dialect of dialects) {
    it(`kill -9 at several points, then a restart: the same graph as an uninterrupted run (0 lost, 0 duplicated; ${dialect})`, async () => {
      const databases = dialect === 'postgres' ? [await createTestDatabase(), await createTestDatabase()] : [];
      const [cleanUrl, killedUrl] = databases.map((database) => database.url);
      try {
        const clean = path.join(dir, `data-clean-${dialect}`);
        const cleanTenant = (await prepareDataDir(clean, cleanUrl)).tenantId;
        const whole = await run(clean, ['ingest', corpus], cleanUrl);
        assert.equal(whole.code, 0, whole.stderr);
        const expected = await fingerprintOf(clean, cleanTenant, cleanUrl);
        assert.ok(expected.entities > 0 && expected.relations > 0 && expected.evidence > 0);

        const killed = path.join(dir, `data-killed-${dialect}`);
        const { tenantId, file } = await prepareDataDir(killed, killedUrl);
        const watcher = killedUrl ? await postgresWatcher(killedUrl, tenantId) : sqliteWatcher(file, tenantId);
        let kills = 0;
        let halfWritten = 0;
        try {
          // Each run is killed once a few more events have committed than at its start: after a source row, mid-document, between documents.
          for (const step of [2, 5, 9, 14]) {
            const target = (await watcher.latest()) + step;
            const child = cli(killed, ['ingest', corpus], killedUrl);
            const done = finished(child);
            let polling = false;
            const poll = setInterval(() => {
              if (polling) return;
              polling = true;
              watcher
                .latest()
                .then((latest) => {
                  if (latest >= target) child.kill('SIGKILL');
                })
                .finally(() => (polling = false));
            }, 2);
            const result = await done;
            clearInterval(poll);
            if (result.signal === 'SIGKILL') kills++;
            else assert.equal(result.code, 0, result.stderr);
            halfWritten += await watcher.halfWritten();
          }
        } finally {
          await watcher.close();
        }
        assert.ok(kills >= 2, `at least two runs were killed mid-ingest (killed ${kills})`);
        assert.ok(halfWritten >= 1, 'a kill left a half-written source for the restart to redo');
        const resumed = await run(killed, ['ingest', corpus], killedUrl);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.deepEqual(await fingerprintOf(killed, tenantId, killedUrl), expected);
      } finally {
        for (const database of databases) await database.drop();
      }
    });
  }
});
