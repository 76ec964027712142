/** @module The in-memory traversal projection answers exactly as the SQL path does, stays current through writes, and is never used stale. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TrellisError } from '../src/core/errors.js';
import { newId } from '../src/core/ids.js';
import { type GraphService, createGraphService } from '../src/graph/index.js';
import type { Direction } from '../src/graph/types.js';
import type { ProjectionSource } from '../src/graph/projection.js';
import type { Dialect, Store } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { seededRandom as generator } from '../src/core/random.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { type TestStore, createTestStore, dialects } from './support/stores.js';

const entityTypes = ['Person', 'Company', 'Place', 'Paper'];
const relationTypes = ['knows', 'works_at', 'located_in', 'cites', 'funds'];

async function createTenant(store: Store, slug: string): Promise<string> {
  const id = newId();
  await store.transaction('system', (tx) =>
    tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [id, slug, slug, new Date().toISOString()]),
  );
  return id;
}

/** Upserts `entities` entities and about `relations` random relations; returns the entity IDs. */
async function randomGraph(graph: GraphService, tenantId: string, random: () => number, entities: number, relations: number): Promise<string[]> {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const { ids } = await graph.upsertEntities(
    tenantId,
    Array.from({ length: entities }, (_, index) => ({ type: pick(entityTypes), name: `Entity ${index} ${'é'.repeat(index % 3)}` })),
  );
  // A few hubs make limits truncate and frontiers grow.
  const hubs = ids.slice(0, 20);
  const inputs = Array.from({ length: relations }, () => ({
    type: pick(relationTypes),
    from: random() < 0.2 ? pick(hubs) : pick(ids),
    to: random() < 0.2 ? pick(hubs) : pick(ids),
  }));
  await graph.upsertRelations(tenantId, inputs);
  return ids;
}

function canonical(result: {
  nodes: { id: string; type: string; name: string; depth: number }[];
  edges: { id: string; type: string; from: string; to: string }[];
  truncated: boolean;
}) {
  return {
    nodes: result.nodes.map((node) => `${node.id} ${node.depth} ${node.type} ${node.name}`).sort(),
    edges: result.edges.map((edge) => `${edge.id} ${edge.type} ${edge.from} ${edge.to}`).sort(),
    truncated: result.truncated,
  };
}

function sourceOf(dialect: Dialect, test: TestStore): ProjectionSource {
  return dialect === 'sqlite' ? { dialect, file: test.location } : { dialect, url: test.location, role: 'trellis_app' };
}

const directions: Direction[] = ['out', 'in', 'both'];

const isNotFound = (error: unknown) => error instanceof TrellisError && error.code === 'not_found';

for (const dialect of dialects) {
  describe(`graph projection (${dialect})`, () => {
    let test: TestStore;
    let sql: GraphService;
    let projected: GraphService;
    let tenant: string;
    let other: string;
    let ids: string[];
    let otherIds: string[];
    const random = generator(dialect === 'sqlite' ? 7 : 11);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;

    before(async () => {
      test = await createTestStore(dialect);
      sql = createGraphService(test.store);
      projected = createGraphService(test.store, { projection: { source: sourceOf(dialect, test) } });
      tenant = await createTenant(test.store, 'acme');
      other = await createTenant(test.store, 'globex');
      ids = await randomGraph(projected, tenant, random, 2500, 9000);
      otherIds = await randomGraph(projected, other, random, 300, 900);
    });
    after(async () => {
      await projected.close();
      await test.dispose();
    });

    /** Asserts that neighbourhoods and paths from random starts match the SQL path and were answered by the projection. */
    async function assertSameAsSql(tenantId: string, pool: string[], rounds: number): Promise<{ truncated: number; found: number }> {
      const before = projected.traversalCounts().projection;
      const seen = { truncated: 0, found: 0 };
      for (let round = 0; round < rounds; round++) {
        const options = {
          depth: 1 + Math.floor(random() * 4),
          direction: pick(directions),
          relationTypes: pick([undefined, [pick(relationTypes)], [pick(relationTypes), pick(relationTypes)], ['no_such_type']]),
          entityTypes: pick([undefined, undefined, [pick(entityTypes)], [pick(entityTypes), pick(entityTypes)]]),
          limit: pick([3, 40, 400, 100_000]),
        };
        const start = pick(pool);
        const expected = await sql.neighbours(tenantId, start, options);
        const actual = await projected.neighbours(tenantId, start, options);
        assert.equal(actual.root, expected.root);
        assert.deepEqual(canonical(actual), canonical(expected), `neighbours of ${start} with ${JSON.stringify(options)}`);
        if (expected.truncated) seen.truncated++;
        const pathOptions = { maxDepth: 1 + Math.floor(random() * 6), direction: pick(directions), relationTypes: options.relationTypes };
        const [from, to] = [pick(pool), random() < 0.1 ? start : pick(pool)];
        const expectedPath = await sql.path(tenantId, from, to, pathOptions);
        assert.deepEqual(await projected.path(tenantId, from, to, pathOptions), expectedPath, `path ${from} → ${to} with ${JSON.stringify(pathOptions)}`);
        if (expectedPath.found && (expectedPath.length ?? 0) > 1) seen.found++;
      }
      assert.equal(projected.traversalCounts().projection - before, rounds * 2, 'every traversal was answered by the projection');
      return seen;
    }

    it('answers with the SQL path while the projection is being built', async () => {
      const counts = projected.traversalCounts();
      const options = { depth: 2, direction: 'both' as const, limit: 1000 };
      const expected = await sql.neighbours(tenant, ids[0] as string, options);
      const actual = await projected.neighbours(tenant, ids[0] as string, options);
      assert.deepEqual(canonical(actual), canonical(expected));
      assert.equal(projected.traversalCounts().sql, counts.sql + 1, 'the first traversal starts a build and is answered by SQL');
      const info = await projected.projectionReady(tenant);
      assert.ok(info);
      assert.equal(info.entities, 2500);
      assert.ok(info.relations > 8000 && info.relations <= 9000);
      assert.equal(info.version, await test.store.version(tenant));
    });

    it('returns the same neighbourhoods and paths as SQL for random starts, filters, depths and limits', async () => {
      assert.ok(await projected.projectionReady(tenant));
      const seen = await assertSameAsSql(tenant, ids, 200);
      assert.ok(seen.truncated > 10, `limits truncated ${seen.truncated} results`);
      assert.ok(seen.found > 10, `${seen.found} paths longer than one relation were found`);
    });

    it('stays equal to SQL after upserts, relation deletes, entity deletes and source deletes made through the service', async () => {
      assert.ok(await projected.projectionReady(tenant));
      const { ids: fresh } = await projected.upsertEntities(
        tenant,
        Array.from({ length: 30 }, (_, index) => ({ type: pick(entityTypes), name: `Fresh ${index}` })),
      );
      const pool = [...ids.slice(0, 200), ...fresh];
      await projected.upsertRelations(
        tenant,
        Array.from({ length: 120 }, () => ({ type: pick(relationTypes), from: pick(pool), to: pick(pool) })),
      );
      await projected.upsertRelation(tenant, { type: 'knows', from: fresh[0] as string, to: ids[0] as string });
      const relations = await sql.listRelations(tenant, { limit: 50 });
      for (const relation of relations.items.slice(0, 10)) await projected.deleteRelation(tenant, relation.id);
      for (const id of [ids[5], ids[6], fresh[1]] as string[]) await projected.deleteEntity(tenant, id);
      const source = await projected.createSource(tenant, { uri: 'file:///projection.txt', kind: 'text', chunks: [{ text: 'Some passage' }] });
      const cited = await projected.upsertEntity(tenant, { type: 'Person', name: 'Cited Only', evidence: [{ sourceId: source.id, quote: 'Some passage' }] });
      await projected.upsertRelation(tenant, {
        type: 'cites',
        from: cited.entity.id,
        to: ids[10] as string,
        evidence: [{ sourceId: source.id, quote: 'Some passage' }],
      });
      await projected.upsertRelation(tenant, {
        type: 'cites',
        from: ids[11] as string,
        to: cited.entity.id,
        evidence: [{ sourceId: source.id, quote: 'Some passage' }],
      });
      const info = await projected.projectionReady(tenant);
      assert.ok(info && info.overlayChanges > 0, 'the writes were applied as a delta, not by a rebuild');
      await assertSameAsSql(tenant, [...pool.filter((id) => ![ids[5], ids[6], fresh[1]].includes(id)), cited.entity.id, ids[10] as string], 60);
      const removed = await projected.deleteSource(tenant, source.id);
      assert.equal(removed.deletedEntities, 1);
      await assertSameAsSql(
        tenant,
        pool.filter((id) => ![ids[5], ids[6], fresh[1]].includes(id)),
        60,
      );
      assert.equal((await projected.projectionReady(tenant))?.version, await test.store.version(tenant));
    });

    it('is not used after a write by another store instance until rebuilt, and then answers with that write', async () => {
      assert.ok(await projected.projectionReady(tenant));
      const second =
        dialect === 'sqlite' ? openSqliteStore({ file: test.location }) : openPostgresStore({ url: test.location, role: 'trellis_app', poolSize: 1 });
      await second.migrate();
      const elsewhere = createGraphService(second);
      const [from, to] = [ids[100] as string, ids[101] as string];
      const { relation } = await elsewhere.upsertRelation(tenant, { type: 'elsewhere', from, to });
      const written = await second.version(tenant);
      // PostgreSQL learns another replica's commit by notification; wait until this store has heard of it.
      while ((await test.store.version(tenant)) < written) await new Promise((resolve) => setTimeout(resolve, 10));
      const counts = projected.traversalCounts();
      const options = { depth: 1, direction: 'out' as const, relationTypes: ['elsewhere'], limit: 100 };
      const answer = await projected.neighbours(tenant, from, options);
      assert.equal(projected.traversalCounts().sql, counts.sql + 1, 'the stale projection did not answer');
      assert.deepEqual(
        answer.edges.map((edge) => edge.id),
        [relation.id],
      );
      const info = await projected.projectionReady(tenant);
      assert.equal(info?.version, written);
      assert.equal(info?.overlayChanges, 0, 'rebuilt from the store');
      assert.deepEqual(canonical(await projected.neighbours(tenant, from, options)), canonical(answer));
      assert.equal(projected.traversalCounts().projection, counts.projection + 1);
      await assertSameAsSql(tenant, ids.slice(90, 400), 20);
      await second.close();
    });

    it('replays writes committed while a build runs on top of what the build read', async () => {
      const third = await createTenant(test.store, `third_${dialect}`);
      const thirdIds = await randomGraph(projected, third, random, 400, 1500);
      await projected.neighbours(third, thirdIds[0] as string, { depth: 1, direction: 'both', limit: 10 });
      for (let batch = 0; batch < 5; batch++) {
        await projected.upsertRelations(
          third,
          Array.from({ length: 40 }, () => ({ type: pick(relationTypes), from: pick(thirdIds), to: pick(thirdIds) })),
        );
      }
      await projected.deleteEntity(third, thirdIds[1] as string);
      const info = await projected.projectionReady(third);
      assert.equal(info?.version, await test.store.version(third));
      await assertSameAsSql(third, thirdIds.slice(2), 40);
    });

    it('keeps tenants apart: one tenant’s projection never answers for another', async () => {
      assert.ok(await projected.projectionReady(other));
      await assertSameAsSql(other, otherIds, 40);
      await assert.rejects(projected.neighbours(other, ids[0] as string, { depth: 1, direction: 'both', limit: 10 }), isNotFound);
      await assert.rejects(projected.path(other, ids[0] as string, otherIds[0] as string, { maxDepth: 3, direction: 'both' }), isNotFound);
      const mine = await projected.neighbours(other, otherIds[0] as string, { depth: 2, direction: 'both', limit: 1000 });
      const foreign = new Set(ids);
      assert.ok(mine.nodes.every((node) => !foreign.has(node.id)));
    });
  });
}
