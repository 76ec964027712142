/**
 * @module Graph queries: k shortest paths against brute-force enumeration, subgraphs and property filters against
 * their definitions, the projection and SQL giving the same answers, and bad input over HTTP, on both drivers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { TrellisError } from '../src/core/errors.js';
import { type GraphService, type PathResult, type PropertyFilter, createGraphService } from '../src/graph/index.js';
import { compileFilter, propertyFilterFromConditions } from '../src/graph/filters.js';
import type { ProjectionSource } from '../src/graph/projection.js';
import type { Direction, Edge, NodeSummary } from '../src/graph/types.js';
import type { Dialect } from '../src/store/index.js';
import { seededRandom as generator } from '../src/core/random.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { type TestStore, createTenant, createTestStore, dialects } from './support/stores.js';

const entityTypes = ['Person', 'Company', 'Place'];
const relationTypes = ['knows', 'works_at', 'located_in'];
const countries = ['FR', 'DE', 'US'];

interface Graph {
  ids: string[];
  properties: Map<string, Record<string, unknown>>;
  types: Map<string, string>;
  relations: { id: string; type: string; from: string; to: string }[];
}

/** A random graph with properties on every entity; returns what it wrote, read back from the service. */
async function randomGraph(graph: GraphService, tenantId: string, random: () => number, entities: number, relations: number): Promise<Graph> {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const inputs = Array.from({ length: entities }, (_, index) => ({
    type: pick(entityTypes),
    name: `Node ${index}`,
    properties: { age: Math.floor(random() * 100), country: pick(countries), score: Math.round(random() * 1000) / 10, active: random() < 0.5, index },
  }));
  const { ids } = await graph.upsertEntities(tenantId, inputs);
  const hubs = ids.slice(0, 5);
  await graph.upsertRelations(
    tenantId,
    Array.from({ length: relations }, () => ({
      type: pick(relationTypes),
      from: random() < 0.15 ? pick(hubs) : pick(ids),
      to: random() < 0.15 ? pick(hubs) : pick(ids),
    })),
  );
  const stored: Graph['relations'] = [];
  for (let cursor: string | undefined; ;) {
    const page = await graph.listRelations(tenantId, { limit: 1000, cursor });
    stored.push(...page.items.map((item) => ({ id: item.id, type: item.type, from: item.from, to: item.to })));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return {
    ids,
    properties: new Map(ids.map((id, index) => [id, inputs[index]!.properties])),
    types: new Map(ids.map((id, index) => [id, inputs[index]!.type])),
    relations: stored,
  };
}

/** Every simple path from `from` to `to` of at most `maxLength` relations, as relation-ID lists (brute force). */
function allSimplePaths(
  graph: Graph,
  from: string,
  to: string,
  maxLength: number,
  direction: Direction,
  allowed: (id: string) => boolean,
  relationTypesAllowed?: Set<string>,
): string[][] {
  const adjacency = new Map<string, { relation: string; other: string }[]>();
  const add = (node: string, relation: string, other: string) => {
    const list = adjacency.get(node) ?? [];
    list.push({ relation, other });
    adjacency.set(node, list);
  };
  for (const relation of graph.relations) {
    if (relationTypesAllowed && !relationTypesAllowed.has(relation.type)) continue;
    if (direction !== 'in') add(relation.from, relation.id, relation.to);
    if (direction !== 'out') add(relation.to, relation.id, relation.from);
  }
  const out: string[][] = [];
  const visited = new Set([from]);
  const walk = (node: string, path: string[]) => {
    if (node === to) {
      out.push([...path]);
      return;
    }
    if (path.length === maxLength) return;
    for (const { relation, other } of adjacency.get(node) ?? []) {
      if (visited.has(other) || path.includes(relation)) continue;
      if (other !== to && !allowed(other)) continue;
      visited.add(other);
      path.push(relation);
      walk(other, path);
      path.pop();
      visited.delete(other);
    }
  };
  walk(from, []);
  return out;
}

/** Asserts that a returned path is a real simple path from `from` to `to` over stored relations that honours the filters. */
function assertValidPath(graph: Graph, path: PathResult, from: string, to: string, direction: Direction, allowed: (id: string) => boolean): void {
  const byId = new Map(graph.relations.map((relation) => [relation.id, relation]));
  assert.equal(path.nodes[0]?.id, from);
  assert.equal(path.nodes.at(-1)?.id, to);
  assert.equal(path.length, path.edges.length);
  assert.equal(path.nodes.length, path.edges.length + 1);
  assert.equal(new Set(path.nodes.map((node) => node.id)).size, path.nodes.length, 'loopless');
  path.nodes.forEach((node, index) => assert.equal(node.depth, index));
  path.edges.forEach((edge, index) => {
    const stored = byId.get(edge.id);
    assert.ok(stored, `relation ${edge.id} exists`);
    assert.deepEqual({ type: edge.type, from: edge.from, to: edge.to }, { type: stored.type, from: stored.from, to: stored.to });
    const [here, next] = [path.nodes[index]!.id, path.nodes[index + 1]!.id];
    const forward = stored.from === here && stored.to === next;
    const backward = stored.to === here && stored.from === next;
    assert.ok(direction === 'out' ? forward : direction === 'in' ? backward : forward || backward, `edge ${index} follows ${direction}`);
  });
  for (const node of path.nodes.slice(1, -1)) assert.ok(allowed(node.id), `${node.id} passes the filter`);
}

const isCode = (code: string) => (error: unknown) => error instanceof TrellisError && error.code === code;

function sourceOf(dialect: Dialect, test: TestStore): ProjectionSource {
  return dialect === 'sqlite' ? { dialect, file: test.location } : { dialect, url: test.location, role: 'trellis_app' };
}

const directions: Direction[] = ['out', 'in', 'both'];

function canonical(result: { nodes: NodeSummary[]; edges: Edge[]; truncated: boolean }) {
  return {
    nodes: result.nodes.map((node) => `${node.id} ${node.depth}`).sort(),
    edges: result.edges.map((edge) => edge.id).sort(),
    truncated: result.truncated,
  };
}

describe('property filters', () => {
  it('match by strict equality, in, numeric ranges and null for absent properties', () => {
    const filter = compileFilter({ country: 'FR', age: { gte: 18, lt: 65 }, tag: { in: ['a', 'b'] }, gone: null });
    assert.equal(filter.test({ country: 'FR', age: 18, tag: 'b' }), true);
    assert.equal(filter.test({ country: 'FR', age: 65, tag: 'b' }), false, 'lt is exclusive');
    assert.equal(filter.test({ country: 'FR', age: '30', tag: 'a' }), false, 'the text "30" is not a number');
    assert.equal(filter.test({ country: 'fr', age: 30, tag: 'a' }), false, 'equality is exact');
    assert.equal(filter.test({ country: 'FR', age: 30, tag: 'c' }), false);
    assert.equal(filter.test({ country: 'FR', age: 30, tag: 'a', gone: 1 }), false, 'null matches only null or absent');
    assert.equal(compileFilter({ constructor: 'x' }).test({}), false, 'inherited members are not properties');
  });

  it('parse CLI conditions into the same filter, and refuse what they cannot express', () => {
    assert.deepEqual(propertyFilterFromConditions(['country=FR', 'age>=18', 'age<65', 'active=true', 'code="42"']), {
      country: 'FR',
      age: { gte: 18, lt: 65 },
      active: true,
      code: '42',
    });
    for (const bad of [['age!=3'], ['=3'], ['noop'], ['age>=1', 'age>=2'], ['age>x']])
      assert.throws(() => propertyFilterFromConditions(bad), isCode('bad_request'));
  });
});

for (const dialect of dialects) {
  describe(`graph queries (${dialect})`, () => {
    let test: TestStore;
    let sql: GraphService;
    let projected: GraphService;
    let tenant: string;
    let other: string;
    let small: Graph;
    let big: Graph;
    let smallTenant: string;
    let otherGraph: Graph;
    const random = generator(dialect === 'sqlite' ? 21 : 42);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;

    before(async () => {
      test = await createTestStore(dialect);
      sql = createGraphService(test.store);
      projected = createGraphService(test.store, { projection: { source: sourceOf(dialect, test) } });
      tenant = await createTenant(test.store, 'acme');
      smallTenant = await createTenant(test.store, 'small');
      other = await createTenant(test.store, 'globex');
      small = await randomGraph(sql, smallTenant, random, 30, 110);
      big = await randomGraph(projected, tenant, random, 1500, 5000);
      otherGraph = await randomGraph(sql, other, random, 50, 100);
    });
    after(async () => {
      await projected.close();
      await test.dispose();
    });

    it('finds the k shortest loopless paths: their lengths are the k smallest of all simple paths (brute force), each valid and distinct', async () => {
      let compared = 0;
      let multiple = 0;
      for (let round = 0; round < 40; round++) {
        const [from, to] = [pick(small.ids), pick(small.ids)];
        const direction = pick(directions);
        const maxDepth = 2 + Math.floor(random() * 4);
        const k = 1 + Math.floor(random() * 8);
        const where: PropertyFilter | undefined = random() < 0.3 ? { age: { gte: 30 } } : undefined;
        const entityTypesFilter = random() < 0.2 ? [pick(entityTypes), pick(entityTypes)] : undefined;
        const allowed = (id: string) =>
          (!where || (small.properties.get(id)!.age as number) >= 30) && (!entityTypesFilter || entityTypesFilter.includes(small.types.get(id)!));
        const result = await sql.paths(smallTenant, from, to, { k, maxDepth, direction, where, entityTypes: entityTypesFilter });
        const all = allSimplePaths(small, from, to, maxDepth, direction, allowed);
        const expected = all
          .map((path) => path.length)
          .sort((a, b) => a - b)
          .slice(0, k);
        assert.deepEqual(
          result.paths.map((path) => path.length),
          expected,
          `lengths of ${k} paths ${from} → ${to} (${direction}, ≤ ${maxDepth})`,
        );
        assert.equal(result.found, expected.length > 0);
        assert.equal(result.truncated, false);
        const keys = new Set<string>();
        for (const path of result.paths) {
          assertValidPath(small, path, from, to, direction, allowed);
          keys.add(path.edges.map((edge) => edge.id).join(','));
        }
        assert.equal(keys.size, result.paths.length, 'no path twice');
        compared++;
        if (result.paths.length > 1) multiple++;
      }
      assert.equal(compared, 40);
      assert.ok(multiple > 10, `${multiple} queries found more than one path`);
    });

    it('with k = 1 and no filter, finds the same path as /graph/path', async () => {
      for (let round = 0; round < 30; round++) {
        const [from, to] = [pick(big.ids), pick(big.ids)];
        const options = { maxDepth: 1 + Math.floor(random() * 5), direction: pick(directions) };
        const single = await sql.path(tenant, from, to, options);
        const paths = await sql.paths(tenant, from, to, { ...options, k: 1 });
        assert.equal(paths.found, single.found);
        if (single.found) assert.deepEqual(paths.paths[0], { length: single.length, nodes: single.nodes, edges: single.edges });
      }
    });

    it('filters neighbourhoods by property: every node but the root meets the conditions, and none that does is missed at depth 1', async () => {
      const where: PropertyFilter = { country: 'FR', age: { lt: 60 } };
      const passes = (id: string) => small.properties.get(id)!.country === 'FR' && (small.properties.get(id)!.age as number) < 60;
      for (const start of small.ids.slice(0, 15)) {
        const result = await sql.neighbours(smallTenant, start, { depth: 1, direction: 'both', where, limit: 1000 });
        for (const node of result.nodes.slice(1)) assert.ok(passes(node.id));
        const expected = new Set(
          small.relations.flatMap((relation) =>
            relation.from === start && relation.to !== start ? [relation.to] : relation.to === start && relation.from !== start ? [relation.from] : [],
          ),
        );
        assert.deepEqual(new Set(result.nodes.slice(1).map((node) => node.id)), new Set([...expected].filter(passes)));
      }
    });

    it('builds the induced subgraph: seeds, their neighbourhood to the depth, and every relation among them', async () => {
      const seeds = [small.ids[3]!, small.ids[7]!, small.ids[11]!];
      const result = await sql.subgraph(smallTenant, seeds, { depth: 1, direction: 'both', maxNodes: 1000, maxEdges: 5000 });
      const near = new Set(seeds);
      for (const relation of small.relations) {
        if (seeds.includes(relation.from)) near.add(relation.to);
        if (seeds.includes(relation.to)) near.add(relation.from);
      }
      assert.deepEqual(new Set(result.nodes.map((node) => node.id)), near);
      const induced = small.relations.filter((relation) => near.has(relation.from) && near.has(relation.to)).map((relation) => relation.id);
      assert.deepEqual(result.edges.map((edge) => edge.id).sort(), induced.sort());
      for (const node of result.nodes) assert.equal(node.depth, seeds.includes(node.id) ? 0 : 1);
      assert.equal(result.truncated, false);
      const cut = await sql.subgraph(smallTenant, seeds, { depth: 2, direction: 'both', maxNodes: 5, maxEdges: 2 });
      assert.equal(cut.nodes.length, 5);
      assert.ok(cut.edges.length <= 2);
      assert.equal(cut.truncated, true);
      const filtered = await sql.subgraph(smallTenant, seeds, { depth: 2, direction: 'both', maxNodes: 1000, maxEdges: 5000, where: { active: true } });
      for (const node of filtered.nodes) assert.ok(seeds.includes(node.id) || small.properties.get(node.id)!.active === true);
    });

    it('gives the same paths, subgraphs and filtered neighbourhoods on the projection as in SQL', async () => {
      assert.ok(await projected.projectionReady(tenant));
      const before = projected.traversalCounts().projection;
      let rounds = 0;
      for (let round = 0; round < 60; round++) {
        const where = pick<PropertyFilter | undefined>([undefined, { age: { gte: 20 } }, { country: pick(countries) }, { active: true, score: { lt: 80 } }]);
        const entityTypesFilter = pick([undefined, undefined, [pick(entityTypes)]]);
        const relationTypesFilter = pick([undefined, undefined, [pick(relationTypes), pick(relationTypes)]]);
        const direction = pick(directions);
        const [from, to] = [pick(big.ids), pick(big.ids)];
        const pathOptions = {
          k: 1 + Math.floor(random() * 8),
          maxDepth: 1 + Math.floor(random() * 5),
          direction,
          where,
          entityTypes: entityTypesFilter,
          relationTypes: relationTypesFilter,
        };
        assert.deepEqual(
          await projected.paths(tenant, from, to, pathOptions),
          await sql.paths(tenant, from, to, pathOptions),
          `paths ${JSON.stringify(pathOptions)}`,
        );
        const seeds = Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(big.ids));
        const subgraphOptions = {
          depth: Math.floor(random() * 3),
          direction,
          where,
          entityTypes: entityTypesFilter,
          relationTypes: relationTypesFilter,
          maxNodes: pick([10, 200, 10_000]),
          maxEdges: pick([5, 500, 50_000]),
        };
        assert.deepEqual(await projected.subgraph(tenant, seeds, subgraphOptions), await sql.subgraph(tenant, seeds, subgraphOptions), 'subgraph');
        const neighbourOptions = { depth: 1 + Math.floor(random() * 3), direction, where, entityTypes: entityTypesFilter, limit: pick([5, 100, 10_000]) };
        assert.deepEqual(
          canonical(await projected.neighbours(tenant, from, neighbourOptions)),
          canonical(await sql.neighbours(tenant, from, neighbourOptions)),
          'neighbours',
        );
        rounds++;
      }
      assert.equal(projected.traversalCounts().projection - before, rounds * 3, 'the projection answered every query');
    });

    it('stays equal after writes applied to the projection (new entities, relations, deletes)', async () => {
      assert.ok(await projected.projectionReady(tenant));
      const { ids: fresh } = await projected.upsertEntities(
        tenant,
        Array.from({ length: 10 }, (_, index) => ({ type: 'Person', name: `Fresh ${index}`, properties: { age: 40 + index, country: 'FR' } })),
      );
      await projected.upsertRelations(
        tenant,
        fresh.slice(0, 8).map((id, index) => ({ type: 'knows', from: id, to: big.ids[index] as string })),
      );
      await projected.deleteRelation(tenant, big.relations[0]!.id);
      const info = await projected.projectionReady(tenant);
      assert.ok(info && info.overlayChanges > 0);
      // fresh[9] has no relation: the projection does not hold it, SQL does; both must answer alike.
      for (const seeds of [[fresh[0]!, fresh[9]!], [fresh[9]!], [big.ids[0]!, fresh[3]!]]) {
        const options = { depth: 2, direction: 'both' as const, maxNodes: 50, maxEdges: 100, where: { age: { gte: 10 } } };
        assert.deepEqual(await projected.subgraph(tenant, seeds, options), await sql.subgraph(tenant, seeds, options));
      }
      for (const [from, to] of [
        [fresh[0]!, big.ids[5]!],
        [fresh[9]!, big.ids[1]!],
        [fresh[1]!, fresh[2]!],
      ] as const) {
        const options = { k: 5, maxDepth: 4, direction: 'both' as const };
        assert.deepEqual(await projected.paths(tenant, from, to, options), await sql.paths(tenant, from, to, options));
      }
    });

    it('answers found: false between unconnected entities, and not_found for unknown or other tenants’ entities', async () => {
      const { ids } = await sql.upsertEntities(tenant, [
        { type: 'Island', name: 'Lonely A' },
        { type: 'Island', name: 'Lonely B' },
      ]);
      assert.deepEqual(await sql.paths(tenant, ids[0]!, ids[1]!, { k: 5, maxDepth: 6, direction: 'both' }), { found: false, paths: [], truncated: false });
      const same = await sql.paths(tenant, ids[0]!, ids[0]!, { k: 5, maxDepth: 6, direction: 'both' });
      assert.equal(same.paths.length, 1);
      assert.equal(same.paths[0]?.length, 0);
      const foreign = otherGraph.ids[0]!;
      await assert.rejects(sql.paths(tenant, ids[0]!, foreign, { k: 2, maxDepth: 3, direction: 'both' }), isCode('not_found'));
      await assert.rejects(projected.paths(tenant, foreign, ids[0]!, { k: 2, maxDepth: 3, direction: 'both' }), isCode('not_found'));
      await assert.rejects(sql.subgraph(tenant, [ids[0]!, foreign], { depth: 1, direction: 'both', maxNodes: 10, maxEdges: 10 }), isCode('not_found'));
      await assert.rejects(sql.neighbours(tenant, foreign, { depth: 1, direction: 'both', limit: 10, where: { age: 1 } }), isCode('not_found'));
      await assert.rejects(sql.paths(tenant, ids[0]!, ids[1]!, { k: 21, maxDepth: 3, direction: 'both' }), isCode('bad_request'));
      await assert.rejects(sql.subgraph(tenant, [ids[0]!, ids[1]!], { depth: 1, direction: 'both', maxNodes: 1, maxEdges: 10 }), isCode('bad_request'));
    });
  });
}

type Problem = { code: string; detail: string; status: number };

function assertProblem(response: LightMyRequestResponse, status: number, code: string): Problem {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const problem = response.json<Problem>();
  assert.equal(problem.code, code);
  assert.ok(problem.detail.length > 0);
  return problem;
}

for (const dialect of dialects) {
  describe(`graph query routes (${dialect})`, () => {
    let test: TestApp;
    let ids: string[];
    let otherKey: string;
    let foreignId: string;
    const get = (url: string, key = test.adminKey) => test.app.inject({ method: 'GET', url, headers: bearer(key) });
    const post = (url: string, payload: unknown, key = test.adminKey) =>
      test.app.inject({ method: 'POST', url, headers: bearer(key), payload: payload as object });

    before(async () => {
      test = await createTestApp(dialect);
      const { graph, platform } = test.services;
      // A ladder: a0-a1-a2-a3 and b0-b1-b2-b3 with rungs; several paths from a0 to b3.
      const names = ['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3', 'island'];
      ids = (
        await graph.upsertEntities(
          test.tenantId,
          names.map((name, index) => ({ type: name === 'island' ? 'Island' : 'Step', name, properties: { rank: index, side: name[0] } })),
        )
      ).ids;
      const [a0, a1, a2, a3, b0, b1, b2, b3] = ids as [string, string, string, string, string, string, string, string];
      await graph.upsertRelations(test.tenantId, [
        { type: 'next', from: a0, to: a1 },
        { type: 'next', from: a1, to: a2 },
        { type: 'next', from: a2, to: a3 },
        { type: 'next', from: b0, to: b1 },
        { type: 'next', from: b1, to: b2 },
        { type: 'next', from: b2, to: b3 },
        { type: 'rung', from: a0, to: b0 },
        { type: 'rung', from: a1, to: b1 },
        { type: 'rung', from: a2, to: b2 },
        { type: 'rung', from: a3, to: b3 },
      ]);
      const otherTenant = await platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' });
      otherKey = otherTenant.key;
      foreignId = (await graph.upsertEntity(otherTenant.tenant.id, { type: 'Step', name: 'foreign' })).entity.id;
    });
    after(() => test.dispose());

    it('GET /graph/paths returns k paths shortest first, each a chain from start to end', async () => {
      const response = await get(`/graph/paths?from=${ids[0]}&to=${ids[7]}&k=5&direction=out`);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json<{ found: boolean; paths: PathResult[]; truncated: boolean }>();
      assert.equal(body.found, true);
      assert.deepEqual(
        body.paths.map((path) => path.length),
        [4, 4, 4, 4],
        'four monotone ways up the ladder, no more',
      );
      for (const path of body.paths) {
        assert.equal(path.nodes[0]?.name, 'a0');
        assert.equal(path.nodes.at(-1)?.name, 'b3');
      }
      const filtered = await get(`/graph/paths?from=${ids[0]}&to=${ids[7]}&k=5&direction=out&where=${encodeURIComponent('{"side":"a"}')}`);
      assert.deepEqual(
        filtered.json<{ paths: PathResult[] }>().paths.map((path) => path.nodes.map((node) => node.name).join(' ')),
        ['a0 a1 a2 a3 b3'],
        'only the a side may be passed through',
      );
      const ranged = await get(`/graph/neighbors?entity=${ids[0]}&depth=3&where=${encodeURIComponent('{"rank":{"lte":2}}')}`);
      assert.deepEqual(
        ranged
          .json<{ nodes: NodeSummary[] }>()
          .nodes.map((node) => node.name)
          .sort(),
        ['a0', 'a1', 'a2'],
      );
      const path = await get(`/graph/path?from=${ids[0]}&to=${ids[7]}&entityTypes=Step&where=${encodeURIComponent('{"side":"b"}')}`);
      assert.deepEqual(
        path.json<{ nodes: NodeSummary[] }>().nodes.map((node) => node.name),
        ['a0', 'b0', 'b1', 'b2', 'b3'],
      );
    });

    it('answers found: false, not an error, between unconnected entities', async () => {
      const response = await get(`/graph/paths?from=${ids[0]}&to=${ids[8]}&k=3`);
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { found: false, paths: [], truncated: false });
    });

    it('POST /graph/subgraph returns the induced subgraph with depths and a truncated flag', async () => {
      const response = await post('/graph/subgraph', { seeds: [ids[0], ids[7]], depth: 1 });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json<{ nodes: NodeSummary[]; edges: Edge[]; truncated: boolean }>();
      assert.deepEqual(body.nodes.map((node) => `${node.name}:${node.depth}`).sort(), ['a0:0', 'a1:1', 'a3:1', 'b0:1', 'b2:1', 'b3:0']);
      assert.equal(body.edges.length, 4, 'a0-a1, a0-b0, b2-b3, a3-b3 and no other among them');
      assert.equal(body.truncated, false);
      const cut = await post('/graph/subgraph', { seeds: [ids[0]], depth: 3, maxNodes: 3, maxEdges: 1 });
      assert.equal(cut.json<{ truncated: boolean; nodes: unknown[] }>().truncated, true);
      assert.equal(cut.json<{ nodes: unknown[] }>().nodes.length, 3);
    });

    it('refuses bad input with 400 problem+json and unknown or another tenant’s entities with 404', async () => {
      const [a, b] = [ids[0], ids[7]];
      for (const query of [
        `from=${a}&to=${b}&k=0`,
        `from=${a}&to=${b}&k=21`,
        `from=${a}&to=${b}&k=two`,
        `from=${a}&to=${b}&maxDepth=11`,
        `from=${a}&to=not-a-uuid`,
        `from=${a}&to=${b}&where=${encodeURIComponent('{"age":')}`,
        `from=${a}&to=${b}&where=${encodeURIComponent('[1,2]')}`,
        `from=${a}&to=${b}&where=${encodeURIComponent('{"age":{"between":[1,2]}}')}`,
        `from=${a}&to=${b}&where=${encodeURIComponent('{"age":{"gte":"ten"}}')}`,
        `from=${a}&to=${b}&where=${encodeURIComponent(`{"x') OR 1=1; DROP TABLE entities;--":1}`)}`,
        `from=${a}&to=${b}&where=${encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`p${index}`, 1]))))}`,
        `from=${a}&to=${b}&where=${'x'.repeat(9000)}`,
        `from=${a}&to=${b}&entityTypes=${encodeURIComponent("Step'--")}`,
      ]) {
        const response = await get(`/graph/paths?${query}`);
        assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
        assert.match(String(response.headers['content-type']), /problem\+json/);
      }
      assertProblem(await get(`/graph/neighbors?entity=${a}&where=${encodeURIComponent('{"a":{"in":[]}}')}`), 400, 'bad_request');
      for (const body of [
        {},
        { seeds: [] },
        { seeds: Array.from({ length: 101 }, () => a) },
        { seeds: [a], depth: 4 },
        { seeds: [a], depth: -1 },
        { seeds: [a], maxNodes: 0 },
        { seeds: [a], maxEdges: 50_001 },
        { seeds: [a], where: { x: { gte: null } } },
        { seeds: [a], where: 'age=3' },
        { seeds: [a], relationTypes: ['next; DROP TABLE relations'] },
        { seeds: [a, b], maxNodes: 1 },
        { seeds: ['nope'] },
        { seeds: [a], extra: 1 },
      ]) {
        const response = await post('/graph/subgraph', body);
        assert.equal(response.statusCode, 400, `${JSON.stringify(body).slice(0, 100)}: ${response.body}`);
      }
      assertProblem(await get(`/graph/paths?from=${a}&to=0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee`), 404, 'not_found');
      assertProblem(await get(`/graph/paths?from=${a}&to=${foreignId}`), 404, 'not_found');
      assertProblem(await post('/graph/subgraph', { seeds: [a, foreignId] }), 404, 'not_found');
      const leak = await get(`/graph/paths?from=${foreignId}&to=${foreignId}`);
      assertProblem(leak, 404, 'not_found');
      // The other tenant sees its own entity, and none of ours.
      assert.equal((await get(`/graph/paths?from=${foreignId}&to=${foreignId}`, otherKey)).statusCode, 200);
      assertProblem(await post('/graph/subgraph', { seeds: [a] }, otherKey), 404, 'not_found');
    });
  });
}
