import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTenant, createTestStore, dialects } from '../../test/support/stores.js';
import { TrellisError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { type GraphService, createGraphService } from './index.js';

async function eventTypes(test: TestStore, tenantId: string): Promise<string[]> {
  const rows = await test.store.read({ tenantId }, (tx) => tx.all<{ type: string }>('SELECT type FROM events WHERE tenant_id = ? ORDER BY seq', [tenantId]));
  return rows.map((row) => row.type);
}

function rejectsWith(code: string) {
  return (error: unknown) => error instanceof TrellisError && error.code === code;
}

for (const dialect of dialects) {
  describe(`graph conformance (${dialect})`, () => {
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

    it('upserts an entity by (type, normalised name), merging aliases, properties and evidence', async () => {
      const first = await graph.upsertEntity(tenant, { type: 'Person', name: 'Ada Lovelace', properties: { born: 1815, field: { main: 'maths' } } });
      assert.equal(first.created, true);
      assert.equal(first.entity.key, 'ada lovelace');
      const second = await graph.upsertEntity(tenant, {
        type: 'Person',
        name: '  ADA   lovelace ',
        aliases: ['Countess of Lovelace'],
        properties: { died: 1852, field: { side: 'computing' } },
        confidence: 0.4,
      });
      assert.equal(second.created, false);
      assert.equal(second.entity.id, first.entity.id);
      assert.equal(second.entity.name, 'Ada Lovelace');
      assert.deepEqual(second.entity.properties, { born: 1815, died: 1852, field: { main: 'maths', side: 'computing' } });
      assert.deepEqual(second.entity.aliases, ['Countess of Lovelace'], 'a spelling that normalises to the name is not a new alias');
      assert.equal(second.entity.confidence, 1);
      const removed = await graph.upsertEntity(tenant, { type: 'Person', name: 'Ada Lovelace', properties: { died: null } });
      assert.deepEqual(removed.entity.properties, { born: 1815, field: { main: 'maths', side: 'computing' } });
      const fetched = await graph.getEntity(tenant, first.entity.id);
      assert.equal(fetched.evidence.length, 1, 'the same API assertion is stored once');
      assert.equal(fetched.evidence[0]?.extractor, 'api');
    });

    it('keeps entities of different types apart even with the same name', async () => {
      const place = await graph.upsertEntity(tenant, { type: 'Place', name: 'Ada Lovelace' });
      assert.equal(place.created, true);
    });

    it('cites the source passage of every fact, and deleting the source retracts it', async () => {
      const text = 'Grace Hopper worked for the US Navy. She wrote COBOL.';
      const source = await graph.createSource(tenant, { uri: 'file:///hopper.txt', kind: 'text', title: 'Hopper', chunks: [{ text, page: 3 }] });
      const chunk = source.chunks[0]!;
      const grace = await graph.upsertEntity(tenant, {
        type: 'Person',
        name: 'Grace Hopper',
        evidence: [{ sourceId: source.id, chunkId: chunk.id, start: 0, end: 12, extractor: 'test' }],
      });
      const navy = await graph.upsertEntity(tenant, {
        type: 'Organization',
        name: 'US Navy',
        evidence: [{ sourceId: source.id, chunkId: chunk.id, start: 28, end: 35, extractor: 'test' }],
      });
      const both = await graph.upsertEntity(tenant, {
        type: 'Language',
        name: 'COBOL',
        evidence: [{ sourceId: source.id, chunkId: chunk.id, start: 48, end: 53, extractor: 'test' }, { extractor: 'api' }],
      });
      const worksFor = await graph.upsertRelation(tenant, {
        type: 'WORKS_FOR',
        from: grace.entity.id,
        to: navy.entity.id,
        evidence: [{ sourceId: source.id, chunkId: chunk.id, start: 0, end: 36, extractor: 'test' }],
      });
      const withEvidence = await graph.getEntity(tenant, grace.entity.id);
      assert.equal(withEvidence.evidence[0]?.quote, 'Grace Hopper');
      assert.deepEqual(withEvidence.evidence[0]?.source, { uri: 'file:///hopper.txt', title: 'Hopper', page: 3 });
      const relation = await graph.getRelation(tenant, worksFor.relation.id);
      assert.equal(relation.evidence[0]?.quote, 'Grace Hopper worked for the US Navy.');

      const result = await graph.deleteSource(tenant, source.id);
      assert.deepEqual(result, { retractedEvidence: 4, deletedEntities: 2, deletedRelations: 1 });
      await assert.rejects(graph.getEntity(tenant, grace.entity.id), rejectsWith('not_found'));
      await assert.rejects(graph.getRelation(tenant, worksFor.relation.id), rejectsWith('not_found'));
      const survivor = await graph.getEntity(tenant, both.entity.id);
      assert.deepEqual(
        survivor.evidence.map((evidence) => evidence.extractor),
        ['api'],
      );
      const events = await eventTypes(test, tenant);
      assert.deepEqual(events.slice(-4), ['relation.deleted', 'entity.deleted', 'entity.deleted', 'source.deleted']);
    });

    it("refuses evidence that cites another tenant's source, and a chunk of another source", async () => {
      const foreign = await graph.createSource(other, { uri: 'file:///secret.txt', kind: 'text', chunks: [{ text: 'secret' }] });
      await assert.rejects(graph.upsertEntity(tenant, { type: 'Person', name: 'Mallory', evidence: [{ sourceId: foreign.id }] }), rejectsWith('unprocessable'));
      const mine = await graph.createSource(tenant, { uri: 'file:///mine.txt', kind: 'text' });
      await assert.rejects(
        graph.upsertEntity(tenant, { type: 'Person', name: 'Mallory', evidence: [{ sourceId: mine.id, chunkId: foreign.chunks[0]!.id }] }),
        rejectsWith('unprocessable'),
      );
      const page = await graph.listEntities(tenant, { q: 'mallory', limit: 10 });
      assert.equal(page.items.length, 0, 'a failed upsert leaves nothing behind');
    });

    it('hides every object of another tenant', async () => {
      const { entity } = await graph.upsertEntity(other, { type: 'Person', name: 'Only Globex' });
      await assert.rejects(graph.getEntity(tenant, entity.id), rejectsWith('not_found'));
      await assert.rejects(graph.deleteEntity(tenant, entity.id), rejectsWith('not_found'));
      await assert.rejects(graph.neighbours(tenant, entity.id, { depth: 1, direction: 'both', limit: 10 }), rejectsWith('not_found'));
      const mine = await graph.upsertEntity(tenant, { type: 'Person', name: 'Only Acme' });
      await assert.rejects(graph.upsertRelation(tenant, { type: 'KNOWS', from: mine.entity.id, to: entity.id }), rejectsWith('unprocessable'));
      const listed = await graph.listEntities(tenant, { q: 'only', limit: 100 });
      assert.deepEqual(
        listed.items.map((item) => item.name),
        ['Only Acme'],
      );
      assert.equal((await graph.getEntity(other, entity.id)).name, 'Only Globex');
    });

    it('bulk-upserts entities and relations, merging duplicates inside one batch', async () => {
      const result = await graph.upsertEntities(tenant, [
        { type: 'Project', name: 'Apollo', properties: { a: 1 } },
        { type: 'Project', name: 'Gemini' },
        { type: 'Project', name: 'apollo', properties: { b: 2 } },
      ]);
      assert.equal(result.ids.length, 3);
      assert.equal(result.ids[0], result.ids[2]);
      assert.equal(result.created, 2);
      const apollo = await graph.getEntity(tenant, result.ids[0]!);
      assert.deepEqual(apollo.properties, { a: 1, b: 2 });
      const again = await graph.upsertEntities(tenant, [
        { type: 'Project', name: 'Gemini' },
        { type: 'Project', name: 'Mercury' },
      ]);
      assert.equal(again.created, 1);
      assert.equal(again.updated, 1);
      assert.equal(again.ids[0], result.ids[1]);
      const relations = await graph.upsertRelations(tenant, [
        { type: 'FOLLOWS', from: result.ids[0]!, to: result.ids[1]!, properties: { x: 1 } },
        { type: 'FOLLOWS', from: result.ids[0]!, to: result.ids[1]!, properties: { y: 2 } },
      ]);
      assert.equal(relations.created, 1);
      assert.equal(relations.ids[0], relations.ids[1]);
      assert.deepEqual((await graph.getRelation(tenant, relations.ids[0]!)).properties, { x: 1, y: 2 });
    });

    it('upserts entities and the relations built from their IDs in one transaction, or nothing', async () => {
      const { entities, relations } = await graph.upsertEntitiesAndRelations(
        tenant,
        [
          { type: 'Team', name: 'Red' },
          { type: 'Team', name: 'Blue' },
        ],
        ([red, blue]) => [{ type: 'RIVAL_OF', from: red!, to: blue!, evidence: [{ extractor: 'test', confidence: 0.5 }] }],
      );
      assert.equal(entities.created, 2);
      assert.equal(relations.created, 1);
      const stored = await graph.getRelation(tenant, relations.ids[0]!);
      assert.deepEqual([stored.from, stored.to], entities.ids);
      assert.equal(stored.evidence.length, 1);
      assert.deepEqual((await eventTypes(test, tenant)).slice(-2), ['entity.bulk_upserted', 'relation.bulk_upserted']);
      // An invalid relation rolls the entities of the same call back.
      await assert.rejects(
        graph.upsertEntitiesAndRelations(tenant, [{ type: 'Team', name: 'Green' }], ([green]) => [
          { type: 'RIVAL_OF', from: green!, to: green!, confidence: 3 },
        ]),
        rejectsWith('unprocessable'),
      );
      assert.deepEqual((await graph.listEntities(tenant, { type: 'Team', limit: 10 })).items.map((team) => team.name).sort(), ['Blue', 'Red']);
    });

    it('rejects a whole bulk batch when one item is invalid, writing nothing', async () => {
      const before = await graph.listEntities(tenant, { type: 'Batch', limit: 10 });
      await assert.rejects(
        graph.upsertEntities(tenant, [
          { type: 'Batch', name: 'ok' },
          { type: 'Batch', name: 'bad', confidence: 7 },
        ]),
        rejectsWith('unprocessable'),
      );
      await assert.rejects(graph.upsertEntities(tenant, [{ type: "Batch'; DROP TABLE entities; --", name: 'x' }]), rejectsWith('unprocessable'));
      const afterwards = await graph.listEntities(tenant, { type: 'Batch', limit: 10 });
      assert.equal(afterwards.items.length, before.items.length);
    });

    it('stores injection strings literally', async () => {
      const name = "Robert'); DROP TABLE entities;--";
      const { entity } = await graph.upsertEntity(tenant, { type: 'Person', name, properties: { note: "' OR 1=1 --" } });
      assert.equal((await graph.getEntity(tenant, entity.id)).name, name);
      const found = await graph.listEntities(tenant, { q: "'); drop", limit: 5 });
      assert.deepEqual(
        found.items.map((item) => item.id),
        [entity.id],
      );
      const wildcard = await graph.listEntities(tenant, { q: '%', limit: 5 });
      assert.equal(wildcard.items.length, 0, 'LIKE wildcards in q are matched literally');
    });

    it('pages through entities with cursors and rejects a forged cursor', async () => {
      const seen = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await graph.listEntities(tenant, { limit: 2, cursor });
        for (const item of page.items) seen.add(item.id);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const all = await graph.listEntities(tenant, { limit: 1000 });
      assert.equal(seen.size, all.items.length);
      await assert.rejects(graph.listEntities(tenant, { limit: 2, cursor: 'not-a-cursor' }), rejectsWith('invalid_cursor'));
    });

    it('walks neighbourhoods by depth, direction and type, and finds shortest paths', async () => {
      // a → b → c → d, a → e (KNOWS), d → a (BACK)
      const { ids } = await graph.upsertEntities(
        tenant,
        ['a', 'b', 'c', 'd', 'e'].map((name) => ({ type: name === 'e' ? 'Other' : 'Node', name: `walk-${name}` })),
      );
      const [a, b, c, d, e] = ids as [string, string, string, string, string];
      await graph.upsertRelations(tenant, [
        { type: 'NEXT', from: a, to: b },
        { type: 'NEXT', from: b, to: c },
        { type: 'NEXT', from: c, to: d },
        { type: 'KNOWS', from: a, to: e },
        { type: 'BACK', from: d, to: a },
      ]);
      const out1 = await graph.neighbours(tenant, a, { depth: 1, direction: 'out', limit: 100 });
      assert.deepEqual(out1.nodes.map((node) => node.id).sort(), [a, b, e].sort());
      const out2 = await graph.neighbours(tenant, a, { depth: 2, direction: 'out', relationTypes: ['NEXT'], limit: 100 });
      assert.deepEqual(
        out2.nodes.map((node) => [node.id, node.depth]),
        [
          [a, 0],
          [b, 1],
          [c, 2],
        ],
      );
      assert.equal(out2.edges.length, 2);
      const incoming = await graph.neighbours(tenant, a, { depth: 1, direction: 'in', limit: 100 });
      assert.deepEqual(incoming.nodes.map((node) => node.id).sort(), [a, d].sort());
      const typed = await graph.neighbours(tenant, a, { depth: 3, direction: 'both', entityTypes: ['Node'], limit: 100 });
      assert.ok(!typed.nodes.some((node) => node.id === e));
      const limited = await graph.neighbours(tenant, a, { depth: 3, direction: 'both', limit: 2 });
      assert.equal(limited.nodes.length, 2);
      assert.equal(limited.truncated, true);

      const forward = await graph.path(tenant, a, d, { maxDepth: 6, direction: 'out' });
      assert.equal(forward.length, 3);
      assert.deepEqual(
        forward.nodes.map((node) => node.id),
        [a, b, c, d],
      );
      assert.deepEqual(
        forward.edges.map((edge) => edge.type),
        ['NEXT', 'NEXT', 'NEXT'],
      );
      const undirected = await graph.path(tenant, a, d, { maxDepth: 6, direction: 'both' });
      assert.equal(undirected.length, 1);
      const bounded = await graph.path(tenant, a, d, { maxDepth: 2, direction: 'out' });
      assert.equal(bounded.found, false);
      const backwards = await graph.path(tenant, e, a, { maxDepth: 6, direction: 'out' });
      assert.equal(backwards.found, false);
      const self = await graph.path(tenant, a, a, { maxDepth: 6, direction: 'out' });
      assert.equal(self.length, 0);
      await assert.rejects(graph.path(tenant, a, newId(), { maxDepth: 6, direction: 'out' }), rejectsWith('not_found'));
    });

    it('deletes an entity with the relations touching it and emits events', async () => {
      const { ids } = await graph.upsertEntities(tenant, [
        { type: 'Temp', name: 'x' },
        { type: 'Temp', name: 'y' },
      ]);
      const { relation } = await graph.upsertRelation(tenant, { type: 'LINKS', from: ids[0]!, to: ids[1]! });
      const result = await graph.deleteEntity(tenant, ids[0]!);
      assert.deepEqual(result.relations, [relation.id]);
      await assert.rejects(graph.getRelation(tenant, relation.id), rejectsWith('not_found'));
      assert.deepEqual((await eventTypes(test, tenant)).slice(-2), ['relation.deleted', 'entity.deleted']);
    });

    it('refuses a duplicate source URI', async () => {
      await graph.createSource(tenant, { uri: 'file:///dup.txt', kind: 'text' });
      await assert.rejects(graph.createSource(tenant, { uri: 'file:///dup.txt', kind: 'text' }), rejectsWith('conflict'));
      await graph.createSource(other, { uri: 'file:///dup.txt', kind: 'text' });
    });

    it('finds a source by URI and sets its status with a source.<status> event, within the tenant only', async () => {
      const created = await graph.createSource(tenant, { uri: 'file:///status.txt', kind: 'text', status: 'ingesting', contentHash: 'sha256:ab' });
      const found = await graph.findSourceByUri(tenant, 'file:///status.txt');
      assert.deepEqual([found?.id, found?.status, found?.contentHash], [created.id, 'ingesting', 'sha256:ab']);
      assert.equal(await graph.findSourceByUri(other, 'file:///status.txt'), undefined);
      assert.equal(await graph.findSourceByUri(tenant, "file:///x' OR '1'='1"), undefined);
      await graph.setSourceStatus(tenant, created.id, 'ingested', { chunks: 0 });
      assert.equal((await graph.getSource(tenant, created.id)).status, 'ingested');
      assert.equal((await eventTypes(test, tenant)).at(-1), 'source.ingested');
      await assert.rejects(graph.setSourceStatus(other, created.id, 'ingested'), rejectsWith('not_found'));
      await assert.rejects(graph.setSourceStatus(tenant, newId(), 'ingested'), rejectsWith('not_found'));
      await assert.rejects(graph.setSourceStatus(tenant, created.id, 'Bad Status!'), rejectsWith('unprocessable'));
      assert.equal((await graph.getSource(tenant, created.id)).status, 'ingested');
    });
  });
}
