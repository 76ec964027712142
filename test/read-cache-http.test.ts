/** @module The read cache behind GET /entities/{id} and GET /relations/{id} never answers stale data, on both drivers. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createGraphService } from '../src/graph/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/index.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

interface Answer {
  id: string;
  properties: Record<string, unknown>;
  evidence: unknown[];
}

for (const dialect of dialects) {
  describe(`read cache over HTTP (${dialect})`, () => {
    let test: TestApp;
    let other: Store;
    const get = async (url: string) => test.app.inject({ url, headers: bearer(test.adminKey) });
    const post = async (url: string, payload: unknown) =>
      test.app.inject({ method: 'POST', url, payload: payload as object, headers: { ...bearer(test.adminKey), 'content-type': 'application/json' } });

    before(async () => {
      test = await createTestApp(dialect);
      // A second connection to the same database: another process or replica writing.
      other = dialect === 'sqlite' ? openSqliteStore({ file: test.location }) : openPostgresStore({ url: test.location, role: 'trellis_app', poolSize: 2 });
    });
    after(async () => {
      await other.close();
      await test.dispose();
    });

    it('answers a repeat read with the same body, and a write of the tenant refreshes it', async () => {
      const created = await post('/entities', { type: 'Person', name: 'Ada Lovelace', properties: { born: 1815 } });
      assert.equal(created.statusCode, 201, created.body);
      const { id } = created.json<Answer>();
      const first = await get(`/entities/${id}`);
      const second = await get(`/entities/${id}`);
      assert.equal(first.statusCode, 200);
      assert.equal(second.body, first.body);
      assert.match(String(second.headers['content-type']), /^application\/json/);

      const merged = await post('/entities', { type: 'Person', name: 'Ada Lovelace', properties: { died: 1852 } });
      assert.equal(merged.statusCode, 200, merged.body);
      const third = (await get(`/entities/${id}`)).json<Answer>();
      assert.deepEqual(third.properties, { born: 1815, died: 1852 });
    });

    it('sees a deletion at once: a cached relation answers 404 after it is deleted', async () => {
      const a = (await post('/entities', { type: 'City', name: 'Paris' })).json<Answer>();
      const b = (await post('/entities', { type: 'Country', name: 'France' })).json<Answer>();
      const relation = (await post('/relations', { type: 'LOCATED_IN', from: a.id, to: b.id })).json<Answer>();
      assert.equal((await get(`/relations/${relation.id}`)).statusCode, 200);
      assert.equal((await get(`/relations/${relation.id}`)).statusCode, 200);
      const deleted = await test.app.inject({ method: 'DELETE', url: `/relations/${relation.id}`, headers: bearer(test.adminKey) });
      assert.equal(deleted.statusCode, 204);
      assert.equal((await get(`/relations/${relation.id}`)).statusCode, 404);
    });

    it('sees a write committed by another connection to the same database', async () => {
      const { id } = (await post('/entities', { type: 'Project', name: 'Analytical Engine', properties: { stage: 'design' } })).json<Answer>();
      assert.equal((await get(`/entities/${id}`)).json<Answer>().properties.stage, 'design');
      assert.equal((await get(`/entities/${id}`)).json<Answer>().properties.stage, 'design');

      await createGraphService(other).upsertEntity(test.tenantId, { type: 'Project', name: 'Analytical Engine', properties: { stage: 'built' } });
      // SQLite sees the other connection's commit at once (data_version); PostgreSQL within the LISTEN/NOTIFY delay.
      let stage: unknown;
      for (let attempt = 0; attempt < 100; attempt++) {
        stage = (await get(`/entities/${id}`)).json<Answer>().properties.stage;
        if (stage === 'built') break;
        await sleep(20);
      }
      assert.equal(stage, 'built');
    });

    it('never serves one tenant the cached answer of another', async () => {
      const { id } = (await post('/entities', { type: 'Person', name: 'Charles Babbage' })).json<Answer>();
      assert.equal((await get(`/entities/${id}`)).statusCode, 200);
      const tenant = await test.services.platform.tenants.createWithAdminKey({ slug: `other-${dialect}`, name: 'Other' });
      const response = await test.app.inject({ url: `/entities/${id}`, headers: bearer(tenant.key) });
      assert.equal(response.statusCode, 404);
    });
  });
}
