/**
 * @module `trellis embed` as a real process: embed now with --wait, --status, queueing a job, and bad flags on SQLite;
 * --wait once on PostgreSQL (the service under it is tested on both drivers in embed.test.ts). Each run starts a process.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/core/config.js';
import { createServices } from '../src/server/services.js';
import { openStore } from '../src/store/index.js';
import { createTestDatabase, dialects } from './support/stores.js';
import { type CliRun, type TranspiledCli, runCli, transpileCli } from './support/transpiled-cli.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

// The CLI runs from JavaScript transpiled once: through tsx every process compiles the whole app first.
let transpiled: TranspiledCli;
before(() => {
  transpiled = transpileCli();
});
after(() => transpiled.dispose());

function run(dataDir: string, args: string[], databaseUrl?: string): Promise<CliRun> {
  return runCli(transpiled.main, ['--data-dir', dataDir, ...args], {
    cwd: repoRoot,
    env: { ...process.env, TRELLIS_EMBED_DIMENSIONS: '96', TRELLIS_EMBED_WORKERS: '1', ...(databaseUrl ? { TRELLIS_DATABASE_URL: databaseUrl } : {}) },
  });
}

for (const dialect of dialects) {
  describe(`trellis embed (${dialect})`, () => {
    let dataDir: string;
    let databaseUrl: string | undefined;
    let drop: (() => Promise<void>) | undefined;

    before(async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-embed-cli-'));
      if (dialect === 'postgres') {
        const database = await createTestDatabase();
        databaseUrl = database.url;
        drop = database.drop;
      }
      const file = path.join(dataDir, 'notes.txt');
      writeFileSync(file, 'Marie Curie worked in Paris with Pierre Curie.\n\nLise Meitner worked in Berlin with Otto Hahn.');
      const ingest = await run(dataDir, ['ingest', file], databaseUrl);
      assert.equal(ingest.code, 0, ingest.stderr);
    });
    after(async () => {
      await drop?.();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('--status shows what is missing; --wait embeds it in this process and prints the summary', async () => {
      const before = await run(dataDir, ['--json', 'embed', '--status'], databaseUrl);
      assert.equal(before.code, 0, before.stderr);
      const status = JSON.parse(before.stdout) as { embedderId: string; missing: number; passages: { total: number } };
      assert.match(status.embedderId, /^builtin-hash\/v1\/d96$/);
      assert.ok(status.missing >= status.passages.total && status.passages.total >= 1);

      const waited = await run(dataDir, ['--json', 'embed', '--wait'], databaseUrl);
      assert.equal(waited.code, 0, waited.stderr);
      const summary = JSON.parse(waited.stdout) as { passages: number; entities: number; status: { missing: number; embedded: number } };
      assert.equal(summary.passages, status.passages.total);
      assert.equal(summary.status.missing, 0);
      assert.equal(summary.status.embedded, status.missing);

      if (dialect === 'postgres') return;
      const human = await run(dataDir, ['embed', '--wait', '--kind', 'entity'], databaseUrl);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /embedded 0 passages and 0 entities \(\d+ entities unchanged\)/);
      assert.match(human.stdout, /passage\s+\d+\s+\d+\s+0/);
    });

    if (dialect === 'postgres') return;

    it('trellis ingest queued a search.embed job for every kind; without --wait embed queues one for the server', async () => {
      const store = openStore(loadConfig({ env: {}, file: undefined, overrides: { dataDir } }));
      try {
        const jobs = await store.read('system', (tx) =>
          tx.all<{ payload: string; status: string }>("SELECT payload, status FROM jobs WHERE type = 'search.embed'"),
        );
        assert.deepEqual(
          jobs.map((job) => [JSON.parse(job.payload), job.status]),
          [[{ kinds: ['entity', 'memory', 'passage'] }, 'queued']],
        );
      } finally {
        await store.close();
      }
      const queued = await run(dataDir, ['--json', 'embed', '--kind', 'passage'], databaseUrl);
      assert.equal(queued.code, 0, queued.stderr);
      const job = JSON.parse(queued.stdout) as { type: string; status: string; payload: unknown };
      assert.deepEqual([job.type, job.status, job.payload], ['search.embed', 'queued', { kinds: ['passage'] }]);
    });

    it('trellis search finds passages by default and memories with --kinds memory; a bad --kinds exits 2', async () => {
      const config = loadConfig({ env: {}, file: undefined, overrides: { dataDir, memoryAutoExtract: 'off', memoryAutoEmbed: 'off', memorySchedules: 'off' } });
      const store = openStore(config);
      const services = createServices(config, store);
      let memoryId: string;
      try {
        const tenantId = (await services.platform.tenants.get('default')).id;
        memoryId = (await services.memory.create(tenantId, { kind: 'note', title: 'Hangar nine', text: 'Quarterly zeppelin inspections in hangar nine' })).id;
      } finally {
        await store.close();
      }
      const passages = await run(dataDir, ['--json', 'search', 'Marie', 'Curie', '--mode', 'text'], databaseUrl);
      assert.equal(passages.code, 0, passages.stderr);
      const kinds = (JSON.parse(passages.stdout) as { results: { kind: string }[] }).results.map((result) => result.kind);
      assert.ok(kinds.length > 0 && !kinds.includes('memory'), kinds.join());
      const human = await run(dataDir, ['search', 'zeppelin', 'hangar', '--kinds', 'passage,memory', '--mode', 'text'], databaseUrl);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, new RegExp(`^1\\. note "Hangar nine"  \\(memory://${memoryId}\\)$`, 'm'));
      assert.match(human.stdout, /"Hangar nine Quarterly zeppelin inspections in hangar nine"|zeppelin/);
      const bad = await run(dataDir, ['search', 'x', '--kinds', 'memory,table'], databaseUrl);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--kinds must list passage, entity or memory/);
    });

    it('refuses a bad --kind and an unknown tenant with the usage and not-found exit codes', async () => {
      const kind = await run(dataDir, ['embed', '--kind', 'row'], databaseUrl);
      assert.equal(kind.code, 2);
      assert.match(kind.stderr, /--kind must be passage, entity or memory/);
      const tenant = await run(dataDir, ['embed', '--tenant', 'nobody', '--wait'], databaseUrl);
      assert.equal(tenant.code, 3, tenant.stderr);
    });
  });
}
