/** @module Deletions run a caller's `within` step in their own transaction: a failing step undoes the deletion, on both drivers. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTestStore, dialects } from '../../test/support/stores.js';
import { newId } from '../core/ids.js';
import { type GraphService, createGraphService } from './index.js';

for (const dialect of dialects) {
  describe(`graph deletions with a step inside their transaction (${dialect})`, () => {
    let test: TestStore;
    let graph: GraphService;
    const tenant = newId();
    const eventCount = async () =>
      Number((await test.store.read({ tenantId: tenant }, (tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM events WHERE tenant_id = ?', [tenant])))?.n);

    before(async () => {
      test = await createTestStore(dialect);
      graph = createGraphService(test.store);
      await test.store.transaction('system', (tx) =>
        tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [tenant, 'within', 'Within', new Date().toISOString()]),
      );
    });
    after(() => test.dispose());

    it('keeps the entity, its relations and the event log as they were when the step fails', async () => {
      const { entity: a } = await graph.upsertEntity(tenant, { type: 'Person', name: 'Grace Hopper' });
      const { entity: b } = await graph.upsertEntity(tenant, { type: 'Project', name: 'COBOL' });
      const { relation } = await graph.upsertRelation(tenant, { type: 'DESIGNED', from: a.id, to: b.id });
      const events = await eventCount();
      await assert.rejects(
        graph.deleteEntity(tenant, a.id, {
          within: async () => {
            throw new Error('audit store refused');
          },
        }),
        /audit store refused/,
      );
      assert.equal((await graph.getEntity(tenant, a.id)).name, 'Grace Hopper');
      assert.equal((await graph.getRelation(tenant, relation.id)).type, 'DESIGNED');
      assert.equal(await eventCount(), events);
    });

    it('commits what the step wrote together with the deletion', async () => {
      const { id: sourceId } = await graph.createSource(tenant, { uri: 'file:///within.md', kind: 'md', chunks: [{ text: 'A passage.' }] });
      let sawTransaction = false;
      await graph.deleteSource(tenant, sourceId, {
        within: async (tx) => {
          // The source row is already gone inside the transaction.
          const row = await tx.get('SELECT id FROM sources WHERE tenant_id = ? AND id = ?', [tenant, sourceId]);
          sawTransaction = row === undefined;
        },
      });
      assert.equal(sawTransaction, true);
      await assert.rejects(graph.getSource(tenant, sourceId), /does not exist/);
    });

    it('tells source deletion listeners after the commit, and never of a deletion that rolled back', async () => {
      const heard: string[] = [];
      const stop = graph.onSourceDeleted((tenantId, source) => heard.push(`${tenantId} ${source.uri} ${source.contentHash}`));
      try {
        const kept = await graph.createSource(tenant, { uri: 'upload://kept.md', kind: 'md', contentHash: 'sha256:aa', chunks: [{ text: 'Kept.' }] });
        await assert.rejects(graph.deleteSource(tenant, kept.id, { within: () => Promise.reject(new Error('refused')) }), /refused/);
        assert.deepEqual(heard, []);
        await graph.deleteSource(tenant, kept.id);
        assert.deepEqual(heard, [`${tenant} upload://kept.md sha256:aa`]);
      } finally {
        stop();
      }
    });

    it('rolls back a relation deletion whose step fails', async () => {
      const { entity: a } = await graph.upsertEntity(tenant, { type: 'Person', name: 'Alan Turing' });
      const { entity: b } = await graph.upsertEntity(tenant, { type: 'Project', name: 'ACE' });
      const { relation } = await graph.upsertRelation(tenant, { type: 'DESIGNED', from: a.id, to: b.id });
      await assert.rejects(graph.deleteRelation(tenant, relation.id, { within: () => Promise.reject(new Error('no')) }), /no/);
      assert.equal((await graph.getRelation(tenant, relation.id)).id, relation.id);
    });
  });
}
