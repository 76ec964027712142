/**
 * @module Full-text search on both drivers: indexing through every write path (graph service, ingest pipeline,
 * deletions, the migration's backfill), ranking, snippets, filters, bad queries and tenant isolation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { TrellisError } from '../src/core/errors.js';
import { newId } from '../src/core/ids.js';
import { type GraphService, createGraphService } from '../src/graph/index.js';
import { createBuiltinExtractor } from '../src/ingest/extract/builtin-extractor.js';
import { ingestPaths } from '../src/ingest/pipeline/index.js';
import { defaultSchema } from '../src/ingest/schema.js';
import { type TextSearch, createTextSearch, maxQueryLength } from '../src/search/text/index.js';
import type { TextHit } from '../src/search/types.js';
import { migrations } from '../src/store/migrate.js';
import { type TestStore, createTenant, createTestStore, dialects } from './support/stores.js';

function badRequest(error: unknown): boolean {
  return error instanceof TrellisError && error.code === 'bad_request' && error.status === 400;
}

const ids = (hits: readonly TextHit[]) => hits.map((hit) => hit.id);
const marked = (hit: TextHit) => hit.highlights.map(([start, end]) => hit.snippet.slice(start, end));

for (const dialect of dialects) {
  describe(`text search (${dialect})`, () => {
    let test: TestStore;
    let graph: GraphService;
    let search: TextSearch;
    let tenant: string;
    let other: string;
    before(async () => {
      test = await createTestStore(dialect);
      graph = createGraphService(test.store);
      search = createTextSearch(test.store);
      tenant = await createTenant(test.store, 'acme');
      other = await createTenant(test.store, 'globex');
    });
    after(() => test.dispose());

    it('finds a passage written by createSource, folding case and diacritics both ways, with exact highlights', async () => {
      const source = await graph.createSource(tenant, {
        uri: 'file:///zurich.txt',
        kind: 'text',
        chunks: [{ text: 'The Swiss National Bank sits in Zürich.' }, { text: 'Geneva has a lake; ZURICH has one too.' }],
      });
      const hits = await search.search(tenant, 'zurich', { kinds: ['passage'] });
      assert.deepEqual(ids(hits).sort(), source.chunks.map((chunk) => chunk.id).sort());
      const first = hits.find((hit) => hit.id === source.chunks[0]?.id) as TextHit;
      assert.equal(first.kind, 'passage');
      assert.equal(first.snippet, 'The Swiss National Bank sits in Zürich.');
      assert.deepEqual(first.highlights, [[32, 38]]);
      assert.ok(first.score > 0);
      const accented = await search.search(tenant, 'ZÜRICH', { kinds: ['passage'] });
      assert.deepEqual(ids(accented).sort(), ids(hits).sort());
    });

    it('finds an entity by its name or any alias, an alias added later too, and forgets it once deleted', async () => {
      const { entity } = await graph.upsertEntity(tenant, { type: 'Organization', name: 'Zürcher Kantonalbank' });
      assert.deepEqual(await search.search(tenant, 'ZKB', { kinds: ['entity'] }), []);
      await graph.upsertEntity(tenant, { type: 'Organization', name: 'Zürcher Kantonalbank', aliases: ['ZKB'] });
      const byAlias = await search.search(tenant, 'zkb', { kinds: ['entity'] });
      assert.deepEqual(
        byAlias.map((hit) => ({ id: hit.id, snippet: hit.snippet, highlights: hit.highlights })),
        [{ id: entity.id, snippet: 'ZKB', highlights: [[0, 3]] }],
      );
      const byName = await search.search(tenant, 'zurcher', { kinds: ['entity'] });
      assert.deepEqual(ids(byName), [entity.id]);
      assert.deepEqual(marked(byName[0] as TextHit), ['Zürcher']);
      await graph.deleteEntity(tenant, entity.id);
      assert.deepEqual(await search.search(tenant, 'zkb zurcher kantonalbank', { kinds: ['entity'] }), []);
    });

    it('forgets the passages of a deleted source and the entities left without evidence', async () => {
      const source = await graph.createSource(tenant, { uri: 'file:///quokka.txt', kind: 'text', chunks: [{ text: 'A quokka lives on Rottnest Island.' }] });
      const chunkId = source.chunks[0]?.id as string;
      const { entity } = await graph.upsertEntity(tenant, {
        type: 'Animal',
        name: 'Quokka',
        aliases: ['Setonix brachyurus'],
        evidence: [{ sourceId: source.id, chunkId, start: 2, end: 8, extractor: 'test' }],
      });
      const before = await search.search(tenant, 'quokka setonix');
      assert.deepEqual(
        before.map((hit) => [hit.kind, hit.id]),
        [
          ['passage', chunkId],
          ['entity', entity.id],
        ],
        'passages first, then entities: the order of the default kinds',
      );
      await graph.deleteSource(tenant, source.id);
      assert.deepEqual(await search.search(tenant, 'quokka setonix rottnest'), []);
    });

    it('indexes what the ingest pipeline writes, and a changed file replaces its passages', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-search-ingest-'));
      try {
        const file = path.join(dir, 'report.txt');
        writeFileSync(file, 'Alice Johnson works for Acme Corporation in London. The wombat census ended in March.');
        const extractor = createBuiltinExtractor(defaultSchema());
        const first = await ingestPaths({ store: test.store, graph }, tenant, [dir], { extractor });
        assert.equal(first.ingested, 1);
        const passages = await search.search(tenant, 'wombat census', { kinds: ['passage'] });
        assert.equal(passages.length, 1);
        assert.deepEqual(marked(passages[0] as TextHit), ['wombat', 'census']);
        const entities = await search.search(tenant, 'acme corporation', { kinds: ['entity'] });
        assert.ok(
          entities.some((hit) => hit.snippet === 'Acme Corporation'),
          JSON.stringify(entities),
        );
        writeFileSync(file, 'Alice Johnson works for Acme Corporation in London. The numbat census ended in May.');
        const again = await ingestPaths({ store: test.store, graph }, tenant, [dir], { extractor });
        assert.equal(again.ingested, 1);
        assert.deepEqual(await search.search(tenant, 'wombat', { kinds: ['passage'] }), [], 'the old version is gone');
        assert.equal((await search.search(tenant, 'numbat', { kinds: ['passage'] })).length, 1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('ranks the passage with the rare term first, and passages with more of the terms above those with fewer', async () => {
      const common = Array.from({ length: 2 }, (_, index) => ({ text: `The market opened early, market day ${index}: market prices rose.` }));
      const source = await graph.createSource(tenant, {
        uri: 'file:///ranking.txt',
        kind: 'text',
        chunks: [...common, { text: 'The zeppelin flew over the harbour today.' }, { text: 'The zeppelin flew over the market harbour.' }],
      });
      const [rare, both] = [source.chunks[2]?.id, source.chunks[3]?.id];
      const hits = await search.search(tenant, 'market zeppelin harbour', { kinds: ['passage'] });
      assert.equal(hits[0]?.id, both, 'all three terms');
      assert.equal(hits[1]?.id, rare, 'two rarer terms beat one common term repeated');
      assert.equal(hits.length, 4);
      for (let index = 1; index < hits.length; index++) assert.ok((hits[index - 1] as TextHit).score >= (hits[index] as TextHit).score);
      const limited = await search.search(tenant, 'market zeppelin harbour', { kinds: ['passage'], limit: 2 });
      assert.deepEqual(ids(limited), [both, rare]);
    });

    it('never shows another tenant a passage or an entity, even for the same words', async () => {
      await graph.createSource(other, { uri: 'file:///other.txt', kind: 'text', chunks: [{ text: 'Zürich zeppelin market harbour quokka' }] });
      await graph.upsertEntity(other, { type: 'Place', name: 'Zürich' });
      const ours = await search.search(tenant, 'zurich zeppelin market harbour quokka', { limit: 1000 });
      const theirs = await search.search(other, 'zurich zeppelin market harbour quokka', { limit: 1000 });
      assert.equal(theirs.length, 2);
      const theirIds = new Set(ids(theirs));
      assert.ok(ours.length > 0 && ours.every((hit) => !theirIds.has(hit.id)));
      const stranger = await createTenant(test.store, 'stranger');
      assert.deepEqual(await search.search(stranger, 'zurich market'), [], 'a tenant with no rows at all');
    });

    it('never fails on query syntax, Unicode, NUL bytes or injection strings', async () => {
      await graph.createSource(tenant, {
        uri: 'file:///unicode.txt',
        kind: 'text',
        chunks: [{ text: 'हिन्दी भाषा — שלום עולם — 東京都に住む — naïve café ☕ — e-mail to O’Brien, U.S.A.' }],
      });
      const queries = [
        '"unbalanced',
        'a"b"c"',
        'AND OR NOT',
        'NEAR(cafe naive, 2)',
        '^cafe',
        'text:cafe',
        '(cafe',
        'cafe)',
        '-',
        '- -cafe',
        '*',
        'caf*',
        '***caf',
        '{text}: cafe',
        "'; DROP TABLE chunks; --",
        "1' OR '1'='1",
        'cafe\u0000naive',
        '\u0000cafe',
        'x\ud800y',
        '☕',
        '😀😀',
        'שלום',
        'हिन्दी',
        '東京',
        'e-mail',
        "O'Brien",
        'u.s.a',
        'a'.repeat(maxQueryLength),
        '\u202eRTL override\u202c cafe',
        'cafe\u0301',
      ];
      for (const query of queries) {
        const hits = await search.search(tenant, query);
        assert.ok(Array.isArray(hits), query);
      }
      const found = async (query: string) => ids(await search.search(tenant, query, { kinds: ['passage'] })).length;
      for (const query of ['naive', 'NAÏVE', 'cafe\u0301', 'שלום', 'हिन्दी', '東京', 'e-mail', '"to o brien"', 'caf*', 'cafe\u0000naive', 'U.S.A.', 'u.s.a'])
        assert.equal(await found(query), 1, query);
      for (const query of ['☕', '😀😀', '*', '-cafe', "'; --"]) assert.equal(await found(query), 0, query);
    });

    it('rejects an empty, blank or too long query and bad options with bad_request', async () => {
      for (const query of ['', '   ', '\n\t', 'a'.repeat(maxQueryLength + 1), Array.from({ length: 65 }, (_, index) => `w${index}`).join(' ')])
        await assert.rejects(search.search(tenant, query), badRequest, JSON.stringify(query.slice(0, 20)));
      const bad: object[] = [
        { limit: 0 },
        { limit: 1001 },
        { limit: 2.5 },
        { limit: '10' },
        { kinds: [] },
        { kinds: ['memories'] },
        { kinds: 'passage' },
        { filter: { sourceIds: ['not-an-id'] } },
        { filter: { sourceIds: 'a' } },
        { filter: { sourceIds: [1] } },
        { filter: { types: [null] } },
        { filter: { since: 'yesterday' } },
        { filter: { until: '10000-01-01T00:00:00Z' } },
        { filter: { since: '2024-02-01T00:00:00Z', until: '2024-01-01T00:00:00Z' } },
        { filter: { sourceIds: Array.from({ length: 1001 }, () => newId()) } },
      ];
      for (const options of bad) await assert.rejects(search.search(tenant, 'market', options as never), badRequest, JSON.stringify(options));
    });

    it('excludes -terms, matches "phrases" in order and prefix* terms', async () => {
      const source = await graph.createSource(tenant, {
        uri: 'file:///phrases.txt',
        kind: 'text',
        chunks: [
          { text: 'The central bank raised rates.' },
          { text: 'The bank in the centre was central to the plan.' },
          { text: 'Inflation and inflated hopes.' },
        ],
      });
      const [phrase, scattered, prefix] = source.chunks.map((chunk) => chunk.id);
      assert.deepEqual(ids(await search.search(tenant, '"central bank"', { kinds: ['passage'] })), [phrase]);
      assert.deepEqual(ids(await search.search(tenant, 'central -rates', { kinds: ['passage'] })), [scattered]);
      assert.deepEqual(ids(await search.search(tenant, 'central -"central bank" -plan', { kinds: ['passage'] })), []);
      const prefixed = await search.search(tenant, 'infla*', { kinds: ['passage'] });
      assert.deepEqual(ids(prefixed), [prefix]);
      assert.deepEqual(marked(prefixed[0] as TextHit), ['Inflation', 'inflated']);
    });

    it('applies source, time and type filters inside the ranking', async () => {
      const early = await graph.createSource(tenant, { uri: 'file:///filter-a.txt', kind: 'text', chunks: [{ text: 'okapi okapi okapi sighting' }] });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const middle = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const late = await graph.createSource(tenant, { uri: 'file:///filter-b.txt', kind: 'text', chunks: [{ text: 'okapi sighting' }] });
      const passages = (filter: object) => search.search(tenant, 'okapi', { kinds: ['passage'], limit: 1, filter });
      assert.deepEqual(ids(await passages({})), [early.chunks[0]?.id], 'the better match wins unfiltered');
      assert.deepEqual(ids(await passages({ sourceIds: [late.id] })), [late.chunks[0]?.id], 'a filtered-out row takes no slot');
      assert.deepEqual(ids(await passages({ sourceIds: [late.id.toUpperCase()] })), [late.chunks[0]?.id], 'IDs in upper case');
      assert.deepEqual(ids(await passages({ since: middle })), [late.chunks[0]?.id]);
      assert.deepEqual(ids(await passages({ until: middle })), [early.chunks[0]?.id]);
      assert.deepEqual(ids(await passages({ sourceIds: [newId()] })), [], 'an unknown source matches nothing');

      const person = await graph.upsertEntity(tenant, {
        type: 'Person',
        name: 'Okapi Jones',
        evidence: [{ sourceId: late.id, chunkId: late.chunks[0]?.id as string, start: 0, end: 5, extractor: 'test' }],
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const animal = await graph.upsertEntity(tenant, { type: 'Animal', name: 'Okapi' });
      const entities = (filter: object) => search.search(tenant, 'okapi', { kinds: ['entity'], filter });
      assert.deepEqual(ids(await entities({})), [animal.entity.id, person.entity.id], 'the shorter name ranks first');
      assert.deepEqual(ids(await entities({ types: ['Person'] })), [person.entity.id]);
      assert.deepEqual(ids(await entities({ types: ['Nothing'] })), []);
      assert.deepEqual(ids(await entities({ sourceIds: [late.id] })), [person.entity.id], 'entities with evidence in the source');
      assert.deepEqual(ids(await entities({ since: animal.entity.updatedAt })), [animal.entity.id]);
      assert.deepEqual(ids(await entities({ until: person.entity.updatedAt })), [person.entity.id]);
    });

    it('indexes rows written before the migration when it is applied', async () => {
      const fresh = await createTestStore(dialect);
      try {
        const freshGraph = createGraphService(fresh.store);
        const freshTenant = await createTenant(fresh.store, 'old');
        const source = await freshGraph.createSource(freshTenant, { uri: 'file:///old.txt', kind: 'text', chunks: [{ text: 'An aardvark from before.' }] });
        const { entity } = await freshGraph.upsertEntity(freshTenant, { type: 'Animal', name: 'Aardvark', aliases: ['Orycteropus'] });
        // Take the migration back out, with its index and triggers, then apply it again over the rows already there.
        const migration = migrations.find((item) => item.id === '0009-search-text');
        assert.ok(migration);
        if (dialect === 'sqlite') {
          await fresh.store.transaction('system', async (tx) => {
            for (const index of ['search_passages', 'search_aliases']) {
              for (const event of ['insert', 'delete', 'update']) await tx.run(`DROP TRIGGER ${index}_${event}`);
              await tx.run(`DROP TABLE ${index}`);
            }
            for (const table of ['search_passage_rows', 'search_alias_rows', 'search_tenants']) await tx.run(`DROP TABLE ${table}`);
            await tx.run('DELETE FROM schema_migrations WHERE id = ?', [migration.id]);
          });
        } else {
          // As the owner of the tables (the store's role owns none).
          const owner = new pg.Client({ connectionString: fresh.location });
          await owner.connect();
          await owner.query(`ALTER TABLE chunks DROP COLUMN search_vector; ALTER TABLE entity_aliases DROP COLUMN search_vector;
            DROP FUNCTION trellis_search_fold(text); DELETE FROM schema_migrations WHERE id = '${migration.id}'`);
          await owner.end();
        }
        assert.deepEqual((await fresh.store.migrate()).applied, [migration.id]);
        const freshSearch = createTextSearch(fresh.store);
        const passages = await freshSearch.search(freshTenant, 'aardvark', { kinds: ['passage'] });
        assert.deepEqual(
          passages.map((hit) => [hit.id, hit.snippet]),
          [[source.chunks[0]?.id, 'An aardvark from before.']],
        );
        const entities = await freshSearch.search(freshTenant, 'orycteropus', { kinds: ['entity'] });
        assert.deepEqual(
          entities.map((hit) => [hit.id, hit.snippet]),
          [[entity.id, 'Orycteropus']],
        );
        const later = await freshGraph.createSource(freshTenant, { uri: 'file:///new.txt', kind: 'text', chunks: [{ text: 'An aardvark, again.' }] });
        assert.ok(ids(await createTextSearch(fresh.store).search(freshTenant, 'aardvark', { kinds: ['passage'] })).includes(later.chunks[0]?.id as string));
      } finally {
        await fresh.dispose();
      }
    });
  });
}

describe('text search planner (SQLite, with tiny bounds so that every path runs)', () => {
  let test: TestStore;
  let graph: GraphService;
  let exhaustive: TextSearch;
  let planned: TextSearch;
  let tenant: string;
  let chunks: string[];
  let sourceIds: string[];
  // 30 passages in 3 sources: "common" in all, "medium" in every third, "rare" in two, "filler words" in all.
  const text = (index: number) =>
    [
      `passage ${index}: common filler words`,
      index % 3 === 0 ? 'medium' : '',
      index === 4 || index === 9 ? 'rare' : '',
      index === 9 ? 'medium medium' : '',
      index % 10 === 7 ? 'red fox' : '',
    ].join(' ');
  before(async () => {
    test = await createTestStore('sqlite');
    graph = createGraphService(test.store);
    tenant = await createTenant(test.store, 'plan');
    exhaustive = createTextSearch(test.store, { planner: { candidateBudget: Number.POSITIVE_INFINITY, stopFrequency: Number.POSITIVE_INFINITY } });
    planned = createTextSearch(test.store, { planner: { candidateBudget: 3, stopFrequency: 12 } });
    chunks = [];
    sourceIds = [];
    for (let source = 0; source < 3; source++) {
      const created = await graph.createSource(tenant, {
        uri: `file:///plan-${source}.txt`,
        kind: 'text',
        chunks: Array.from({ length: 10 }, (_, index) => ({ text: text(source * 10 + index) })),
      });
      chunks.push(...created.chunks.map((chunk) => chunk.id));
      sourceIds.push(created.id);
    }
  });
  after(() => test.dispose());
  const passages = (search: TextSearch, query: string, limit = 10, filter = {}) => search.search(tenant, query, { kinds: ['passage'], limit, filter });

  it('ranks exactly while the terms fit the budget', async () => {
    assert.deepEqual(ids(await passages(planned, 'rare')), ids(await passages(exhaustive, 'rare')));
    assert.deepEqual(ids(await passages(planned, 'rare')), [chunks[4], chunks[9]], 'the shorter passage first');
  });

  it("ranks the light term's rows by light and medium terms, then fills from the newest medium rows, then from the newest common rows", async () => {
    const hits = await passages(planned, 'rare medium common', 14);
    assert.deepEqual(ids(hits).slice(0, 2), [chunks[9], chunks[4]], 'rows with the rare term first, the one with medium too above');
    assert.ok((hits[0] as TextHit).score > (hits[1] as TextHit).score);
    const medium = chunks.filter((_, index) => index % 3 === 0 && index !== 9);
    assert.deepEqual(new Set(ids(hits).slice(2, 11)), new Set(medium), 'then the other rows with "medium", from its window');
    assert.deepEqual(ids(hits).slice(11), [chunks[29], chunks[28], chunks[26]], 'then the newest rows with only "common", unscored');
    assert.deepEqual(
      hits.slice(11).map((hit) => hit.score),
      [0, 0, 0],
    );
  });

  it('answers a query of common words with the newest rows that hold them all, and honours exclusions', async () => {
    assert.deepEqual(ids(await passages(planned, 'common filler', 3)), [chunks[29], chunks[28], chunks[27]]);
    assert.deepEqual(ids(await passages(planned, 'common -medium', 3)), [chunks[29], chunks[28], chunks[26]]);
    assert.deepEqual(ids(await passages(planned, '"filler words" -medium -rare', 2)), [chunks[29], chunks[28]], 'a phrase of common words');
  });

  it('finds a phrase of common words and ranks a rare phrase exactly', async () => {
    assert.deepEqual(
      ids(await passages(planned, '"red fox"')),
      [chunks[17], chunks[7], chunks[27]],
      'the longer passage (with "medium") last; newer first on ties',
    );
    assert.deepEqual(ids(await passages(planned, '"words passage"')), [], 'words present, never in that order');
  });

  it('ranks the passages of a few sources among themselves, every term counting', async () => {
    // A budget of 10: the source's 10 passages are few enough to be ranked in JavaScript.
    const sources = createTextSearch(test.store, { planner: { candidateBudget: 10, stopFrequency: 12 } });
    const hits = await passages(sources, 'medium common', 10, { sourceIds: [sourceIds[0]] });
    assert.deepEqual(ids(hits).slice(0, 4), [chunks[9], chunks[6], chunks[3], chunks[0]], '"medium" three times, then once; newer first on ties');
    assert.equal(hits.length, 10, 'then the rows with only the common term');
    assert.ok(hits.every((hit) => chunks.indexOf(hit.id) < 10));
    const exact = await passages(exhaustive, 'medium common', 10, { sourceIds: [sourceIds[0]] });
    assert.deepEqual(ids(hits).slice(0, 4), ids(exact).slice(0, 4), 'the same order as bm25 where scores differ');
    assert.deepEqual(ids(await passages(sources, 'medium -rare', 10, { sourceIds: [sourceIds[0]] })), [chunks[6], chunks[3], chunks[0]]);
    assert.deepEqual(
      ids(await passages(sources, '"common filler" -medium', 3, { sourceIds: [sourceIds[0]] })),
      [chunks[8], chunks[5], chunks[2]],
      'the phrase, shorter passages first',
    );
  });

  it('keeps filters inside the bounded windows, and reads an until-only window from the oldest rows', async () => {
    const two = [sourceIds[1], sourceIds[2]] as string[];
    // Two sources hold 20 passages, over the budget: the general path with the filter in its queries.
    const hits = await passages(planned, 'common', 3, { sourceIds: two });
    assert.deepEqual(ids(hits), [chunks[29], chunks[28], chunks[27]]);
    const sources = await test.store.read({ tenantId: tenant }, (tx) =>
      tx.all<{ id: string; created_at: string }>('SELECT id, created_at FROM sources WHERE tenant_id = ? ORDER BY created_at', [tenant]),
    );
    const until = (sources[0] as { created_at: string }).created_at;
    const old = await passages(planned, 'common', 3, { until });
    assert.deepEqual(ids(old), [chunks[2], chunks[1], chunks[0]], 'only the first source is old enough: read from the oldest, shown newest first');
  });
});
