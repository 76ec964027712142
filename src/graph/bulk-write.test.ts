import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTestStore, dialects } from '../../test/support/stores.js';
import { TrellisError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { type GraphService, createGraphService } from './index.js';

// The bulk writers insert first and update only the rows that were already there: these pin down that the update
// path keeps the merge rules, and that every input gets the ID of the row that stands for it.
for (const dialect of dialects) {
  describe(`graph bulk writes (${dialect})`, () => {
    let test: TestStore;
    let graph: GraphService;
    let tenant: string;
    before(async () => {
      test = await createTestStore(dialect);
      graph = createGraphService(test.store);
      tenant = newId();
      await test.store.transaction('system', (tx) =>
        tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenant, 'bulk', 'Bulk', new Date().toISOString()]),
      );
    });
    after(() => test.dispose());

    it('gives each input of a batch mixing stored and new entities the ID of its row, in input order, and merges the stored ones', async () => {
      const first = await graph.upsertEntities(tenant, [
        { type: 'Person', name: 'Ada', properties: { born: 1815, address: { city: 'London', street: 'x' } }, confidence: 0.5 },
        { type: 'Person', name: 'Grace', aliases: ['Amazing Grace'] },
      ]);
      assert.equal(first.created, 2);
      const [ada, grace] = first.ids as [string, string];
      const second = await graph.upsertEntities(tenant, [
        { type: 'Person', name: 'Alan' },
        { type: 'Person', name: 'GRACE', aliases: ['Admiral'], confidence: 0.2 },
        { type: 'Person', name: 'ada', properties: { address: { street: null, zip: 'N1' }, died: 1852 }, confidence: 0.8 },
        { type: 'Person', name: 'Alan', properties: { field: 'logic' } },
      ]);
      assert.equal(second.created, 1);
      assert.equal(second.updated, 2);
      assert.equal(second.ids[1], grace);
      assert.equal(second.ids[2], ada);
      assert.equal(second.ids[0], second.ids[3]);
      assert.ok(![ada, grace].includes(second.ids[0] as string));

      const merged = await graph.getEntity(tenant, ada);
      assert.deepEqual(merged.properties, { born: 1815, died: 1852, address: { city: 'London', zip: 'N1' } });
      assert.equal(merged.confidence, 0.8);
      assert.equal(merged.evidence.length, 1, 'the same citation (api) twice is stored once');
      assert.ok(merged.updatedAt >= merged.createdAt);
      const graceRead = await graph.getEntity(tenant, grace);
      assert.equal(graceRead.confidence, 1, 'confidence never falls');
      assert.deepEqual([...graceRead.aliases].sort(), ['Admiral', 'Amazing Grace'], 'GRACE has the alias key of the name Grace');
      assert.deepEqual((await graph.getEntity(tenant, second.ids[0] as string)).properties, { field: 'logic' });
    });

    it('gives each input of a batch mixing stored and new relations the ID of its row, and merges properties, confidence, validity and evidence', async () => {
      const { ids } = await graph.upsertEntities(tenant, [
        { type: 'Node', name: 'n0' },
        { type: 'Node', name: 'n1' },
        { type: 'Node', name: 'n2' },
      ]);
      const [n0, n1, n2] = ids as [string, string, string];
      const first = await graph.upsertRelations(tenant, [
        { type: 'LINKS', from: n0, to: n1, properties: { weight: 1, tags: { a: true } }, confidence: 0.3, validFrom: '2020-01-01T00:00:00Z' },
        { type: 'LINKS', from: n1, to: n2, evidence: [{ extractor: 'first' }] },
      ]);
      assert.equal(first.created, 2);
      const second = await graph.upsertRelations(tenant, [
        { type: 'LINKS', from: n2, to: n0 },
        { type: 'LINKS', from: n1, to: n2, evidence: [{ extractor: 'second' }] },
        { type: 'LINKS', from: n0, to: n1, properties: { tags: { b: true }, weight: null }, confidence: 0.6, validTo: '2030-01-01T00:00:00Z' },
        { type: 'OTHER', from: n0, to: n1 },
      ]);
      assert.deepEqual(second.ids[1], first.ids[1]);
      assert.deepEqual(second.ids[2], first.ids[0]);
      assert.equal(second.created, 2);
      assert.equal(second.updated, 2);
      assert.equal(new Set(second.ids).size, 4);

      const merged = await graph.getRelation(tenant, first.ids[0] as string);
      assert.deepEqual(merged.properties, { tags: { a: true, b: true } });
      assert.equal(merged.confidence, 0.6);
      assert.equal(merged.validFrom, '2020-01-01T00:00:00.000Z');
      assert.equal(merged.validTo, '2030-01-01T00:00:00.000Z');
      const cited = await graph.getRelation(tenant, first.ids[1] as string);
      assert.deepEqual(cited.evidence.map((evidence) => evidence.extractor).sort(), ['first', 'second']);

      const listed = await graph.listRelations(tenant, { from: n0, limit: 10 });
      assert.deepEqual(listed.items.map((relation) => relation.type).sort(), ['LINKS', 'OTHER'], 'no duplicate rows');
    });

    it('refuses a batch with one unknown or foreign endpoint, writing none of it', async () => {
      const { ids } = await graph.upsertEntities(tenant, [
        { type: 'Node', name: 'e0' },
        { type: 'Node', name: 'e1' },
      ]);
      const [e0, e1] = ids as [string, string];
      const foreign = newId();
      await test.store.transaction('system', (tx) =>
        tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [foreign, 'foreign', 'Foreign', new Date().toISOString()]),
      );
      const [outsider] = (await graph.upsertEntities(foreign, [{ type: 'Node', name: 'elsewhere' }])).ids as [string];
      for (const bad of [newId(), outsider]) {
        await assert.rejects(
          graph.upsertRelations(tenant, [
            { type: 'LINKS', from: e0, to: e1 },
            { type: 'LINKS', from: e1, to: bad },
          ]),
          (error: unknown) => error instanceof TrellisError && error.code === 'unprocessable' && error.message.includes(bad),
        );
      }
      assert.equal((await graph.listRelations(tenant, { from: e0, limit: 10 })).items.length, 0);
    });
  });
}
