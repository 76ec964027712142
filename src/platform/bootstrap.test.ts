import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type PlatformFixture, countRows, createPlatformFixture, eventsOf } from '../../test/platform-support.js';
import type { Dialect } from '../store/index.js';
import { dialects } from '../../test/support/stores.js';

/** Runs bootstrap in a separate Node process over the same database; resolves to whether it created the tenant. */
function bootstrapInChildProcess(dialect: Dialect, location: string): Promise<boolean> {
  const module = (name: string) => JSON.stringify(new URL(name, import.meta.url).href);
  const code = `
    const { loadConfig } = await import(${module('../core/config.ts')});
    const { createPlatformService } = await import(${module('./index.ts')});
    const store = ${
      dialect === 'sqlite'
        ? `(await import(${module('../store/sqlite.ts')})).openSqliteStore({ file: process.env.LOCATION })`
        : `(await import(${module('../store/postgres.ts')})).openPostgresStore({ url: process.env.LOCATION, role: 'trellis_app', poolSize: 2 })`
    };
    const platform = createPlatformService(store, loadConfig({ env: {}, file: undefined }));
    const result = await platform.bootstrap();
    await store.close();
    process.stdout.write(JSON.stringify(result.created !== null));
  `;
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      { cwd, env: { ...process.env, LOCATION: location } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`bootstrap child failed: ${stderr}`));
        else resolve(JSON.parse(stdout) as boolean);
      },
    );
  });
}

for (const dialect of dialects) {
  describe(`platform bootstrap (${dialect})`, () => {
    let fixture: PlatformFixture;
    before(async () => {
      fixture = await createPlatformFixture(dialect);
    });
    after(() => fixture.dispose());

    it('creates the default tenant and an every-scope admin key on an empty store, then never again', async () => {
      const first = await fixture.platform.bootstrap();
      assert.ok(first.created);
      assert.equal(first.created.tenantSlug, 'default');
      assert.match(first.created.apiKey, /^trl_[a-z2-7]{8}_[a-z2-7]{32}$/);
      const auth = await fixture.platform.authenticateApiKey(first.created.apiKey);
      assert.equal(auth.tenantId, first.created.tenantId);
      assert.deepEqual([...auth.scopes].sort(), ['admin', 'read', 'system', 'write']);
      const [key] = await fixture.platform.apiKeys.list(first.created.tenantId);
      assert.equal(key?.name, 'bootstrap admin');
      assert.equal(key?.id, first.created.keyId);

      const second = await fixture.platform.bootstrap();
      assert.equal(second.created, null);
      assert.equal(await countRows(fixture.store, 'tenants'), 1);
      assert.equal(await countRows(fixture.store, 'api_keys'), 1);
      const events = await eventsOf(fixture.store, first.created.tenantId);
      assert.deepEqual(
        events.map((event) => event.type),
        ['tenant.created', 'api_key.created'],
      );
    });

    it('lets exactly one of several processes racing on an empty store create the tenant', async () => {
      const race = await createPlatformFixture(dialect);
      try {
        const results = await Promise.all([0, 1, 2].map(() => bootstrapInChildProcess(dialect, race.location)));
        assert.equal(results.filter((created) => created).length, 1, JSON.stringify(results));
        assert.equal(await countRows(race.store, 'tenants'), 1);
        assert.equal(await countRows(race.store, 'api_keys'), 1);
      } finally {
        await race.dispose();
      }
    });
  });
}
