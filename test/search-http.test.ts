/** @module GET /search end to end on both drivers: text, vector and hybrid modes, citations, filters, bad input and tenant isolation. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Chunk, Entity, Source } from '../src/graph/index.js';
import type { SearchResponse, SearchResult } from '../src/search/index.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';

type SourceWithChunks = Source & { chunks: Chunk[] };

const report = [
  { text: 'Acme Corporation was founded in Zürich by Alice Johnson in 1999.', page: 1 },
  { text: ' The company builds industrial robots for car factories across Europe.', page: 2 },
];
const press = [{ text: 'Bob Smith joined Globex as chief engineer. Globex sells welding lasers to shipyards.' }];
const notes = [{ text: 'Quarterly revenue grew twelve percent thanks to strong demand for spare parts in Asia.' }];

for (const dialect of dialects) {
  describe(`GET /search (${dialect})`, () => {
    let test: TestApp;
    let otherKey: string;
    const ids = { report: '', press: '', notes: '', acme: '', alice: '', zurich: '', globex: '', bob: '', other: '' };
    let reportChunks: Chunk[] = [];

    const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, key?: string) =>
      test.app.inject({ method, url, headers: bearer(key ?? test.adminKey), ...(payload !== undefined ? { payload: payload as object } : {}) });
    const search = async (params: Record<string, string | number>, key?: string): Promise<LightMyRequestResponse> =>
      call(
        'GET',
        `/search?${new URLSearchParams(Object.entries(params).map(([name, value]): [string, string] => [name, String(value)])).toString()}`,
        undefined,
        key,
      );
    const ok = async (params: Record<string, string | number>, key?: string): Promise<SearchResponse> => {
      const response = await search(params, key);
      assert.equal(response.statusCode, 200, response.body);
      return response.json<SearchResponse>();
    };
    const source = async (uri: string, title: string, chunks: { text: string; page?: number }[], key?: string) => {
      const response = await call('POST', '/sources', { uri, kind: 'text', title, chunks }, key);
      assert.equal(response.statusCode, 201, response.body);
      return response.json<SourceWithChunks>();
    };
    const entity = async (type: string, name: string, chunk: Chunk, sourceId: string, key?: string) => {
      const start = chunk.text.indexOf(name);
      assert.ok(start >= 0, `${name} is in the chunk`);
      const evidence = [{ sourceId, chunkId: chunk.id, start: chunk.start + start, end: chunk.start + start + name.length }];
      const response = await call('POST', '/entities', { type, name, evidence }, key);
      assert.equal(response.statusCode, 201, response.body);
      return response.json<Entity>().id;
    };
    const relation = async (type: string, from: string, to: string) => {
      const response = await call('POST', '/relations', { type, from, to });
      assert.equal(response.statusCode, 201, response.body);
    };
    const find = (response: SearchResponse, kind: string, id: string): SearchResult | undefined =>
      response.results.find((result) => result.kind === kind && result.id === id);

    before(async () => {
      test = await createTestApp(dialect);
      const created = await call('POST', '/sources', { uri: 'file:///reports/annual.pdf', kind: 'pdf', title: 'Annual report', chunks: report });
      assert.equal(created.statusCode, 201, created.body);
      const annual = created.json<SourceWithChunks>();
      ids.report = annual.id;
      reportChunks = annual.chunks;
      const pressSource = await source('file:///press.txt', 'Press release', press);
      ids.press = pressSource.id;
      ids.notes = (await source('file:///notes.md', 'Notes', notes)).id;
      const [first] = reportChunks as [Chunk];
      const [pressChunk] = pressSource.chunks as [Chunk];
      ids.acme = await entity('Organization', 'Acme Corporation', first, annual.id);
      ids.alice = await entity('Person', 'Alice Johnson', first, annual.id);
      ids.zurich = await entity('Location', 'Zürich', first, annual.id);
      ids.globex = await entity('Organization', 'Globex', pressChunk, pressSource.id);
      ids.bob = await entity('Person', 'Bob Smith', pressChunk, pressSource.id);
      await relation('FOUNDED', ids.alice, ids.acme);
      await relation('LOCATED_IN', ids.acme, ids.zurich);
      await relation('WORKS_AT', ids.bob, ids.globex);

      const tenant = await call('POST', '/tenants', { slug: 'initech', name: 'Initech' });
      assert.equal(tenant.statusCode, 201, tenant.body);
      otherKey = tenant.json<{ apiKey: { key: string } }>().apiKey.key;
      const theirs = await source(
        'file:///initech.txt',
        'Initech memo',
        [{ text: 'Acme Corporation of Zürich bought industrial robots from Initech.' }],
        otherKey,
      );
      ids.other = theirs.id;
      await entity('Organization', 'Acme Corporation', theirs.chunks[0] as Chunk, theirs.id, otherKey);
    });
    after(() => test.dispose());

    it('text mode ranks the passage with the rare words first and cites it exactly: source, page, character span, highlighted snippet', async () => {
      const answer = await ok({ q: 'founded zurich', mode: 'text', kinds: 'passage' });
      assert.equal(answer.mode, 'text');
      assert.equal(answer.signals.text.used, true);
      assert.equal(answer.signals.vector.used, false);
      const [top] = answer.results;
      const chunk = reportChunks[0] as Chunk;
      assert.equal(top?.kind, 'passage');
      assert.equal(top?.id, chunk.id);
      assert.deepEqual(top?.passage, { id: chunk.id, sourceId: ids.report, ordinal: 0, page: 1, start: chunk.start, end: chunk.end });
      assert.deepEqual(top?.citations, [
        { sourceId: ids.report, uri: 'file:///reports/annual.pdf', title: 'Annual report', page: 1, start: chunk.start, end: chunk.end, snippet: top?.snippet },
      ]);
      const highlighted = (top?.highlights ?? []).map(([start, end]) => top?.snippet.slice(start, end));
      assert.ok(highlighted.includes('Zürich'), `the diacritic-folded match is highlighted: ${JSON.stringify(highlighted)}`);
      assert.ok(highlighted.includes('founded'));
      assert.equal(top?.signals.text?.rank, 1);
      assert.equal(
        answer.results.some((result) => result.passage?.sourceId === ids.notes),
        false,
        'a passage with none of the words is not a text hit',
      );
    });

    it('entity results carry the type, name and the evidence passages they were read from', async () => {
      const answer = await ok({ q: 'alice johnson', mode: 'text', kinds: 'entity' });
      const alice = find(answer, 'entity', ids.alice);
      assert.ok(alice, JSON.stringify(answer.results));
      assert.equal(answer.results[0]?.id, ids.alice);
      assert.deepEqual(alice.entity, { id: ids.alice, type: 'Person', name: 'Alice Johnson', aliases: [] });
      const chunk = reportChunks[0] as Chunk;
      const at = chunk.text.indexOf('Alice Johnson');
      assert.deepEqual(alice.citations, [
        {
          sourceId: ids.report,
          uri: 'file:///reports/annual.pdf',
          title: 'Annual report',
          page: 1,
          start: chunk.start + at,
          end: chunk.start + at + 13,
          snippet: 'Alice Johnson',
        },
      ]);
    });

    it('vector mode finds nothing before the embedding job and the paraphrased passage after it', async () => {
      const before = await ok({ q: 'machines that assemble automobiles in plants', mode: 'vector', kinds: 'passage' });
      assert.equal(before.signals.vector.used, true);
      assert.equal(before.results.length, 0);
      const summary = await test.services.embeddings.embedPending(test.tenantId);
      assert.equal(summary.passages, 4);
      const answer = await ok({ q: 'industrial robots for car factories', mode: 'vector', kinds: 'passage', limit: 2 });
      assert.equal(answer.results[0]?.id, reportChunks[1]?.id, JSON.stringify(answer.results.map((result) => result.snippet)));
      assert.equal(answer.results[0]?.signals.vector?.rank, 1);
      assert.ok((answer.results[0]?.signals.vector?.score ?? 0) > 0.3);
      assert.equal(answer.results[0]?.signals.text, undefined);
      assert.ok(answer.results.length <= 2);
    });

    it('hybrid mode fuses the signals: a neighbour of the matched entity comes in through the graph, cited', async () => {
      await test.services.embeddings.embedPending(test.tenantId);
      const answer = await ok({ q: 'Acme Corporation', kinds: 'entity,passage', limit: 20 });
      assert.equal(answer.mode, 'hybrid');
      assert.equal(answer.signals.graph.used, true);
      const acme = answer.results.find((result) => result.kind === 'entity');
      assert.equal(acme?.id, ids.acme, 'the entity text and vector both rank first leads the entities');
      assert.equal(acme?.signals.text?.rank, 1);
      assert.equal(acme?.signals.vector?.rank, 1);
      const alice = find(answer, 'entity', ids.alice);
      assert.ok(alice?.signals.graph, 'Alice founded Acme: the graph signal brings her in');
      assert.equal(alice?.signals.text, undefined, 'no word of the query is in her name');
      assert.equal(alice?.citations[0]?.sourceId, ids.report);
      const cited = find(answer, 'passage', reportChunks[0]?.id as string);
      assert.ok(cited?.signals.graph, 'the passage that cites Acme is ranked by the graph signal too');
      const scores = answer.results.map((result) => result.score);
      assert.deepEqual(
        scores,
        [...scores].sort((a, b) => b - a),
      );
      const globex = find(answer, 'entity', ids.globex);
      if (globex) assert.ok(globex.score < (alice?.score ?? 0), 'Globex, with no word of the query and no link to Acme, ranks below Alice');
    });

    it('filters apply before ranking: entity types, sources and time', async () => {
      const people = await ok({ q: 'Acme Alice Bob Globex', mode: 'text', kinds: 'entity', types: 'Person' });
      assert.deepEqual(new Set(people.results.map((result) => result.entity?.type)), new Set(['Person']));
      assert.equal(people.results.length, 2);
      const pressOnly = await ok({ q: 'Globex robots Zürich engineer', sources: ids.press.toUpperCase() });
      assert.ok(pressOnly.results.length > 0);
      for (const result of pressOnly.results) assert.equal(result.citations[0]?.sourceId, ids.press, JSON.stringify(result));
      const future = await ok({ q: 'robots', kinds: 'passage', since: '2999-01-01T00:00:00Z' });
      assert.equal(future.results.length, 0);
      const past = await ok({ q: 'robots', kinds: 'passage', until: '2000-01-01T00:00:00Z' });
      assert.equal(past.results.length, 0);
      const now = await ok({ q: 'robots', kinds: 'passage', since: '2000-01-01T00:00:00Z', until: '2999-01-01T00:00:00Z' });
      assert.ok(now.results.length > 0);
    });

    it('refuses bad requests with 400 problem+json and never a 500', async () => {
      const bad: Record<string, string | number>[] = [
        { q: '' },
        { q: 'x'.repeat(1001) },
        { q: 'robots', limit: 0 },
        { q: 'robots', limit: 101 },
        { q: 'robots', limit: 'ten' },
        { q: 'robots', mode: 'semantic' },
        { q: 'robots', kinds: 'memories' },
        { q: 'robots', sources: 'not-a-uuid' },
        { q: 'robots', types: "Person'); DROP TABLE entities;--" },
        { q: 'robots', since: 'yesterday' },
        { q: 'robots', since: '2020-01-02T00:00:00Z', until: '2020-01-01T00:00:00Z' },
        { q: 'robots', extra: 'x' },
      ];
      for (const params of bad) {
        const response = await search(params);
        assert.equal(response.statusCode, 400, `${JSON.stringify(params)}: ${response.body}`);
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      }
      assert.equal((await call('GET', '/search')).statusCode, 400);
      const blank = await search({ q: '   ' });
      assert.equal(blank.statusCode, 400, blank.body);
      const anonymous = await test.app.inject({ method: 'GET', url: '/search?q=robots' });
      assert.equal(anonymous.statusCode, 401);
    });

    it('answers queries full-text engines choke on without an error', async () => {
      const awkward = [
        '"unbalanced quote',
        'AND OR NOT',
        'robots*',
        'NEAR(robots factories)',
        'text:robots',
        '(((',
        "' OR 1=1 --",
        '-robots',
        '^robots',
        '北京 机器人',
        '😀 robots',
        'مرحبا',
        'e\u0301cole',
        '\\',
        '%_%',
      ];
      for (const q of awkward) {
        for (const mode of ['text', 'hybrid']) {
          const response = await search({ q, mode });
          assert.equal(response.statusCode, 200, `${mode} ${JSON.stringify(q)}: ${response.body}`);
        }
      }
      const quoted = await ok({ q: '"industrial robots"', mode: 'text', kinds: 'passage' });
      assert.equal(quoted.results[0]?.id, reportChunks[1]?.id);
    });

    it("never returns another tenant's passages or entities, even for the same words", async () => {
      const mine = await ok({ q: 'Acme Corporation Zürich industrial robots Initech', limit: 50 });
      for (const result of mine.results) {
        assert.notEqual(result.passage?.sourceId, ids.other);
        for (const citation of result.citations) assert.notEqual(citation.sourceId, ids.other);
      }
      const theirs = await ok({ q: 'Acme Corporation Zürich industrial robots', limit: 50 }, otherKey);
      assert.ok(theirs.results.length > 0);
      for (const result of theirs.results) for (const citation of result.citations) assert.equal(citation.sourceId, ids.other, JSON.stringify(result));
      const foreign = await ok({ q: 'Acme', sources: ids.other });
      assert.equal(foreign.results.length, 0, 'naming their source as a filter finds nothing of theirs');
    });
  });
}
