/** @module graph.setEntityProperties merges properties into existing entities by ID, on both drivers, within the tenant. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTenant, createTestStore, dialects } from '../../test/support/stores.js';
import { TrellisError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { type GraphService, createGraphService, maxBulkItems } from './index.js';

for (const dialect of dialects) {
  describe(`graph.setEntityProperties (${dialect})`, () => {
    let test: TestStore;
    let graph: GraphService;
    let tenant: string;
    let other: string;
    before(async () => {
      test = await createTestStore(dialect);
      graph = createGraphService(test.store);
      tenant = await createTenant(test.store, 'acme');
      other = await createTenant(test.store, 'globex');
    });
    after(() => test.dispose());

    it('merges a patch into each entity, keeps identity and evidence, and appends one entity.bulk_updated event', async () => {
      const { ids } = await graph.upsertEntities(tenant, [
        { type: 'Person', name: 'Ada', properties: { born: 1815, keep: { a: 1 } } },
        { type: 'Person', name: 'Grace', properties: { born: 1906 } },
      ]);
      const [ada, grace] = ids as [string, string];
      const before = await graph.getEntity(tenant, ada);
      const result = await graph.setEntityProperties(tenant, [
        { id: ada.toUpperCase(), properties: { pagerank: 0.25, keep: { b: 2 } } },
        { id: grace, properties: { pagerank: 0.75, born: null } },
      ]);
      assert.deepEqual(result, { updated: 2, missing: [] });
      const after = await graph.getEntity(tenant, ada);
      assert.deepEqual(after.properties, { born: 1815, keep: { a: 1, b: 2 }, pagerank: 0.25 });
      assert.equal(after.key, before.key);
      assert.deepEqual(after.evidence, before.evidence, 'no evidence is added by a property update');
      assert.deepEqual((await graph.getEntity(tenant, grace)).properties, { pagerank: 0.75 });
      const events = await test.store.read({ tenantId: tenant }, (tx) =>
        tx.all<{ type: string; payload: unknown }>('SELECT type, payload FROM events WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1', [tenant]),
      );
      assert.equal(events[0]?.type, 'entity.bulk_updated');
      const payload = typeof events[0]?.payload === 'string' ? JSON.parse(events[0].payload) : events[0]?.payload;
      assert.deepEqual(payload, { count: 2, properties: ['born', 'keep', 'pagerank'], ids: [ada, grace] });
    });

    it("skips unknown IDs, non-UUIDs and another tenant's entities, and reports them as missing", async () => {
      const { ids } = await graph.upsertEntities(other, [{ type: 'Person', name: 'Hidden' }]);
      const foreign = ids[0] as string;
      const { ids: mine } = await graph.upsertEntities(tenant, [{ type: 'Person', name: 'Mine' }]);
      const unknown = newId();
      const result = await graph.setEntityProperties(tenant, [
        { id: foreign, properties: { pagerank: 1 } },
        { id: unknown, properties: { pagerank: 1 } },
        { id: "x' OR 1=1 --", properties: { pagerank: 1 } },
        { id: mine[0] as string, properties: { pagerank: 0.5 } },
      ]);
      assert.equal(result.updated, 1);
      assert.deepEqual(new Set(result.missing), new Set([foreign, unknown, "x' OR 1=1 --"]));
      assert.deepEqual((await graph.getEntity(other, foreign)).properties, {}, "the other tenant's entity is untouched");
    });

    it('refuses properties that are not an object and more than maxBulkItems updates, writing nothing', async () => {
      const { ids } = await graph.upsertEntities(tenant, [{ type: 'Person', name: 'Checked' }]);
      const id = ids[0] as string;
      for (const properties of [null, [1], 'text', 3]) {
        await assert.rejects(
          graph.setEntityProperties(tenant, [
            { id, properties: { ok: 1 } },
            { id, properties: properties as unknown as Record<string, unknown> },
          ]),
          (error: unknown) => error instanceof TrellisError && error.code === 'unprocessable',
        );
      }
      const tooMany = Array.from({ length: maxBulkItems + 1 }, () => ({ id, properties: { ok: 1 } }));
      await assert.rejects(graph.setEntityProperties(tenant, tooMany), (error: unknown) => error instanceof TrellisError && error.code === 'payload_too_large');
      assert.deepEqual((await graph.getEntity(tenant, id)).properties, {});
    });

    it('answers an empty list with nothing updated and no event', async () => {
      const count = async () =>
        (await test.store.read({ tenantId: tenant }, (tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM events WHERE tenant_id = ?', [tenant])))?.n;
      const before = Number(await count());
      assert.deepEqual(await graph.setEntityProperties(tenant, []), { updated: 0, missing: [] });
      assert.equal(Number(await count()), before);
    });
  });
}
