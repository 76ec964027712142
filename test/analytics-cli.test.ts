/** @module `trellis analytics …` through the CLI's entry point on both drivers: table and --json output, write-back, exit codes for bad input. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../src/cli/main.js';
import { exitCodes } from '../src/cli/output.js';
import { loadConfig } from '../src/core/config.js';
import { type Services, createServices } from '../src/server/services.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/index.js';
import { createTestDatabase, dialects } from './support/stores.js';

/** Runs the CLI in this process and captures what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    typeof chunk === 'string' ? ((out += chunk), true) : (write as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    typeof chunk === 'string' ? ((err += chunk), true) : (writeErr as (...args: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stderr.write;
  try {
    const code = await runCli(args);
    return { code, out, err };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

for (const dialect of dialects) {
  describe(`analytics CLI (${dialect})`, () => {
    let target: string[];
    let store: Store;
    let services: Services;
    let drop: () => Promise<void> = async () => {};
    let ids: string[];

    before(async () => {
      let databaseUrl: string | undefined;
      if (dialect === 'sqlite') {
        const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cli-analytics-'));
        target = ['--data-dir', dir];
        store = openSqliteStore({ file: path.join(dir, 'trellis.db') });
      } else {
        const database = await createTestDatabase();
        drop = database.drop;
        databaseUrl = database.url;
        target = ['--database-url', database.url];
        store = openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 2 });
      }
      await store.migrate();
      services = createServices(loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'silent', databaseUrl } }), store);
      const boot = await services.platform.bootstrap();
      const tenantId = boot.created?.tenantId as string;
      // A star: every leaf links to the hub, which links back to the first leaf.
      ({ ids } = await services.graph.upsertEntities(
        tenantId,
        ['Hub', 'Leaf 1', 'Leaf 2', 'Leaf 3', 'Leaf 4'].map((name) => ({ type: 'Person', name })),
      ));
      await services.graph.upsertRelations(tenantId, [
        ...ids.slice(1).map((leaf) => ({ type: 'links', from: leaf, to: ids[0] as string })),
        { type: 'links', from: ids[0] as string, to: ids[1] as string },
      ]);
    });
    after(async () => {
      await services.analytics.close();
      await store.close();
      await drop();
    });

    it('prints PageRank as a table, best first, with the convergence facts', async () => {
      const result = await cli([...target, 'analytics', 'pagerank', '--top', '3', '--iterations', '300']);
      assert.equal(result.code, 0, `${result.err}${result.out}`);
      const lines = result.out.trim().split('\n');
      assert.match(lines[0] as string, /^RANK\s+ENTITY_ID\s+ENTITY_TYPE\s+NAME\s+PAGERANK$/);
      assert.match(lines[1] as string, new RegExp(`^1\\s+${ids[0]}\\s+Person\\s+Hub\\s+0\\.\\d+$`));
      assert.match(lines[2] as string, /^2\s+\S+\s+Person\s+Leaf 1\s/);
      assert.equal(lines.length, 5);
      assert.match(lines[4] as string, /^5 entities, 5 relations; converged true, iterations \d+, delta .*, threads 1; \d+ ms$/);
    });

    it('prints --json with the columns, rows and parameters, and writes back with --write-back', async () => {
      const result = await cli([...target, '--json', 'analytics', 'degree', '--mode', 'in', '--write-back', '--property', 'in_links']);
      assert.equal(result.code, 0, result.err);
      const page = JSON.parse(result.out) as { rows: Record<string, unknown>[]; params: Record<string, unknown>; writtenBack: { updated: number } };
      assert.deepEqual(
        page.rows.map((row) => [row.name, row.degree]),
        [
          ['Hub', 4],
          ['Leaf 1', 1],
          ['Leaf 2', 0],
          ['Leaf 3', 0],
          ['Leaf 4', 0],
        ],
      );
      assert.equal(page.params.mode, 'in');
      assert.equal(page.writtenBack.updated, 5);
      const shown = await cli([...target, '--json', 'entities', 'get', ids[0] as string]);
      assert.equal(JSON.parse(shown.out).properties.in_links, 4);
    });

    it('runs components, communities and betweenness', async () => {
      const components = await cli([...target, '--json', 'analytics', 'components', '--mode', 'strong']);
      assert.deepEqual(JSON.parse(components.out).summary, { components: 4, largestComponent: 2 });
      const communities = await cli([...target, 'analytics', 'communities', '--seed', '5']);
      assert.equal(communities.code, 0, communities.err);
      assert.match(communities.out, /communities \d+, largestCommunity \d+, modularity/);
      const betweenness = await cli([...target, '--json', 'analytics', 'betweenness', '--no-normalized', '--top', '1']);
      // Every leaf reaches leaf 1 through the hub: the hub is on 3 + 3 leaf pairs (leaves 2–4 to leaf 1 and to …).
      const top = JSON.parse(betweenness.out).rows[0];
      assert.equal(top.name, 'Hub');
      assert.ok(top.betweenness > 0);
    });

    it('exits 2 with the reason for bad flags and unknown types, and 3 for an unknown tenant', async () => {
      const cases: [string[], RegExp][] = [
        [['pagerank', '--damping', '1'], /damping: must be < 1/],
        [['pagerank', '--damping', 'abc'], /--damping must be a number/],
        [['pagerank', '--iterations', '0'], /iterations: must be >= 1/],
        [['pagerank', '--direction', 'up'], /direction/],
        [['pagerank', '--top', '0'], /--top must be an integer from 1 to 10000/],
        [['pagerank', '--relation-types', 'nope'], /Unknown relation type: nope/],
        [['degree', '--entity-types', "x'; DROP TABLE entities; --"], /entityTypes/],
        [['components', '--mode', 'medium'], /mode/],
        [['pagerank', '--write-back', '--property', 'bad name'], /property/],
      ];
      for (const [args, message] of cases) {
        const result = await cli([...target, 'analytics', ...args]);
        assert.equal(result.code, exitCodes.usage, `${args.join(' ')}: ${result.err}`);
        assert.match(result.err, message, args.join(' '));
      }
      const unknown = await cli([...target, 'analytics', 'pagerank', '--tenant', 'nobody']);
      assert.equal(unknown.code, exitCodes.notFound, unknown.err);
      assert.equal((await cli([...target, 'analytics', 'closeness'])).code, exitCodes.usage);
    });
  });
}
