/**
 * @module Memories into the graph on both drivers: the `memory.extract` job links the entities a memory mentions with
 * evidence citing `memory://<id>` at offsets into its search text; a changed text replaces that evidence, a deleted
 * memory takes it along; recall by entity (HTTP, the MCP tool, the CLI); concurrent creates committed together with
 * a failing one failing alone; and the writes queue few jobs however many they are.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { LightMyRequestResponse } from 'fastify';
import { builtinExtractorName } from '../src/ingest/extract/builtin-extractor.js';
import { memoryExtractJobType } from '../src/memory/extract-job.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';
import { runCli, transpileCli } from './support/transpiled-cli.js';

type Body = Record<string, unknown>;
interface Evidence {
  subjectId: string;
  sourceId: string | null;
  start: number | null;
  end: number | null;
  quote: string | null;
  extractor: string;
  source: { uri: string } | null;
}
interface EntityBody {
  id: string;
  type: string;
  name: string;
  evidence: Evidence[];
}
interface JobBody {
  id: string;
  type: string;
  status: string;
  idempotencyKey: string | null;
  result: Body | null;
}

let counter = 0;
const unique = (text: string) => `${text} (${++counter})`;

for (const dialect of dialects) {
  describe(`memory extraction (${dialect})`, () => {
    let test: TestApp;
    let otherKey: string;

    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key = test.adminKey) =>
      test.app.inject({ method, url, headers: bearer(key), ...(payload === undefined ? {} : { payload: payload as Body }) });
    const ok = (response: LightMyRequestResponse, status = 200): Body => {
      assert.equal(response.statusCode, status, response.body);
      return status === 204 ? {} : (response.json() as Body);
    };
    const jobsOf = async (type: string, key = test.adminKey): Promise<JobBody[]> =>
      (ok(await call('GET', `/jobs?type=${type}&limit=200`, undefined, key)).items as JobBody[]).filter((job) => job.type === type);
    /** Waits until every memory.extract job of the tenant has finished; answers them. */
    const drain = async (key = test.adminKey): Promise<JobBody[]> => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const jobs = await jobsOf(memoryExtractJobType, key);
        if (jobs.length > 0 && jobs.every((job) => ['succeeded', 'dead', 'cancelled'].includes(job.status))) {
          for (const job of jobs) assert.equal(job.status, 'succeeded', JSON.stringify(job));
          return jobs;
        }
        if (Date.now() > deadline) assert.fail(`memory.extract jobs did not finish: ${JSON.stringify(jobs.map((job) => job.status))}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const entityNamed = async (type: string, name: string, key = test.adminKey): Promise<EntityBody | undefined> => {
      const page = ok(await call('GET', `/entities?type=${type}&q=${encodeURIComponent(name)}`, undefined, key));
      const found = (page.items as EntityBody[]).find((entity) => entity.name === name);
      return found ? (ok(await call('GET', `/entities/${found.id}`, undefined, key)) as unknown as EntityBody) : undefined;
    };
    const searchTextOf = async (id: string): Promise<string> =>
      test.services.store.read({ tenantId: test.tenantId }, async (tx) => {
        const row = await tx.get<{ search_text: string }>('SELECT search_text FROM memories WHERE tenant_id = ? AND id = ?', [test.tenantId, id]);
        return (row as { search_text: string }).search_text;
      });
    const citing = (entity: EntityBody, memoryId: string) => entity.evidence.filter((item) => item.sourceId === memoryId);

    before(async () => {
      test = await createTestApp(dialect, {}, { background: true });
      otherKey = (await test.services.platform.tenants.createWithAdminKey({ slug: 'other', name: 'Other' })).key;
    });
    after(async () => test.dispose());

    let decisionId = '';
    let atlasId = '';

    it('links a decision to the entities it mentions, with evidence citing memory://<id> at offsets into its search text', async () => {
      const created = ok(
        await call('POST', '/memories', {
          kind: 'decision',
          title: 'Use PostgreSQL for Project Atlas',
          chosen: 'PostgreSQL with row-level security',
          reasoning: 'We agreed with Acme Corp that Project Atlas needs tenant isolation in the database.',
          status: 'accepted',
        }),
        201,
      );
      decisionId = String(created.id);
      const jobs = await drain();
      assert.ok(jobs.length >= 1);
      assert.ok(
        jobs.some((job) => Number(job.result?.memories) >= 1),
        JSON.stringify(jobs),
      );
      const text = await searchTextOf(decisionId);
      const atlas = await entityNamed('Project', 'Project Atlas');
      const acme = await entityNamed('Organization', 'Acme Corp');
      assert.ok(atlas, 'Project Atlas is an entity');
      assert.ok(acme, 'Acme Corp is an entity');
      atlasId = atlas.id;
      for (const entity of [atlas, acme]) {
        const evidence = citing(entity, decisionId);
        assert.ok(evidence.length >= 1, `${entity.name} cites the decision`);
        for (const item of evidence) {
          assert.equal(item.source?.uri, `memory://${decisionId}`);
          assert.equal(item.extractor, builtinExtractorName);
          assert.equal(text.slice(item.start as number, item.end as number), item.quote);
          assert.equal(item.quote, entity.name);
        }
      }
      // "Project Atlas" appears twice (title and reasoning): two citations, one entity.
      assert.equal(citing(atlas, decisionId).length, 2);
      // Co-occurrence links them (pointing from whichever identity sorts first, as ingest does), citing the memory.
      const relations = [
        ...(ok(await call('GET', `/relations?from=${atlas.id}&to=${acme.id}`)).items as { id: string }[]),
        ...(ok(await call('GET', `/relations?from=${acme.id}&to=${atlas.id}`)).items as { id: string }[]),
      ];
      assert.equal(relations.length, 1);
      const relation = ok(await call('GET', `/relations/${relations[0]!.id}`)) as unknown as { evidence: Evidence[] };
      assert.ok(relation.evidence.some((item) => item.sourceId === decisionId && item.source?.uri === `memory://${decisionId}`));
    });

    it('is idempotent: a second run finds nothing pending and duplicates no evidence', async () => {
      const before = (await entityNamed('Project', 'Project Atlas')) as EntityBody;
      const summary = await test.services.store.read({ tenantId: test.tenantId }, (tx) =>
        tx.get<{ count: number | string }>('SELECT COUNT(*) AS count FROM memories WHERE tenant_id = ? AND extract_pending = 1', [test.tenantId]),
      );
      assert.equal(Number(summary?.count), 0);
      // Force a rerun of the same text: mark it pending again and run the job's handler through a queued job.
      await test.services.store.transaction({ tenantId: test.tenantId }, async (tx) => {
        await tx.run('UPDATE memories SET extract_pending = 1 WHERE tenant_id = ? AND id = ?', [test.tenantId, decisionId]);
        await test.services.jobs.enqueue(tx, { type: memoryExtractJobType, tenantId: test.tenantId, idempotencyKey: 'rerun' });
      });
      const jobs = await drain();
      const rerun = jobs.find((job) => job.idempotencyKey === 'rerun');
      assert.equal(rerun?.result?.memories, 1);
      assert.equal(rerun?.result?.retracted, 0);
      const afterwards = (await entityNamed('Project', 'Project Atlas')) as EntityBody;
      assert.equal(afterwards.id, before.id);
      assert.deepEqual(
        citing(afterwards, decisionId).map((item) => [item.start, item.end]),
        citing(before, decisionId).map((item) => [item.start, item.end]),
      );
    });

    it('recalls the memories an entity cites; another tenant’s entity finds nothing; a malformed ID is 400', async () => {
      const unrelated = ok(await call('POST', '/memories', { kind: 'note', text: unique('Lunch options near the office: tacos and ramen') }), 201);
      await drain();
      const recall = ok(await call('POST', '/recall', { query: 'database', entityId: atlasId }));
      const ids = (recall.results as { memory: { id: string }; citations: { entityId?: string }[] }[]).map((result) => result.memory.id);
      assert.deepEqual(ids, [decisionId]);
      assert.ok(!ids.includes(String(unrelated.id)));
      const result = (recall.results as { citations: { entityId?: string; snippet: string | null }[] }[])[0]!;
      assert.ok(result.citations.some((citation) => citation.entityId === atlasId && citation.snippet === 'Project Atlas'));
      // The other tenant cannot reach this tenant's entity, and its own recall by that ID is empty.
      assert.deepEqual(ok(await call('POST', '/recall', { query: 'database', entityId: atlasId }, otherKey)).results, []);
      for (const entityId of ['not-a-uuid', '12345', "' OR 1=1 --"]) {
        const bad = await call('POST', '/recall', { query: 'database', entityId });
        assert.equal(bad.statusCode, 400, bad.body);
      }
      for (const entityId of [42, null, ['x'], 'x'.repeat(10_000)])
        assert.equal((await call('POST', '/recall', { query: 'database', entityId })).statusCode, 400);
    });

    it('the MCP recall tool and trellis recall --entity take the entity', async () => {
      const url = await test.app.listen({ port: 0, host: '127.0.0.1' });
      const client = new Client({ name: 'trellis-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: bearer(test.adminKey) } }));
      try {
        const recall = (args: Body) => client.callTool({ name: 'recall', arguments: args }) as Promise<CallToolResult>;
        const text = (result: CallToolResult) => result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
        const answer = await recall({ query: 'database', entityId: atlasId });
        assert.notEqual(answer.isError, true, text(answer));
        assert.deepEqual(
          (JSON.parse(text(answer)) as { results: { memory: { id: string } }[] }).results.map((result) => result.memory.id),
          [decisionId],
        );
        const bad = await recall({ query: 'database', entityId: 'not-an-id' });
        assert.equal(bad.isError, true);
        assert.match(text(bad), /entityId/);
      } finally {
        await client.close();
      }
      if (dialect !== 'sqlite') return;
      // The CLI, transpiled and spawned as a user runs it.
      const cli = transpileCli();
      try {
        const run = (args: string[]) => runCli(cli.main, [...args, '--url', url, '--key', test.adminKey]);
        const json = await run(['--json', 'recall', 'database', '--entity', atlasId]);
        assert.equal(json.code, 0, json.stderr);
        assert.deepEqual(
          (JSON.parse(json.stdout) as { results: { memory: { id: string } }[] }).results.map((result) => result.memory.id),
          [decisionId],
        );
        const bad = await run(['recall', 'database', '--entity', 'nope']);
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /entityId/);
      } finally {
        cli.dispose();
      }
    });

    it('replaces the evidence when the text changes, and removes entities left without evidence', async () => {
      ok(
        await call('PATCH', `/memories/${decisionId}`, {
          reasoning: 'We agreed with Globex Corporation that Project Atlas needs tenant isolation in the database.',
        }),
      );
      await drain();
      const text = await searchTextOf(decisionId);
      assert.equal(await entityNamed('Organization', 'Acme Corp'), undefined, 'Acme Corp had only this memory’s evidence');
      const globex = await entityNamed('Organization', 'Globex Corporation');
      assert.ok(globex, 'Globex Corporation is an entity');
      const atlas = (await entityNamed('Project', 'Project Atlas')) as EntityBody;
      assert.equal(atlas.id, atlasId, 'an entity the new text still mentions keeps its ID');
      for (const entity of [atlas, globex]) {
        for (const item of citing(entity, decisionId)) assert.equal(text.slice(item.start as number, item.end as number), item.quote);
      }
      assert.equal(citing(atlas, decisionId).length, 2);
      // A change that leaves the text alone (importance) queues nothing and keeps the memory extracted.
      const queued = (await jobsOf(memoryExtractJobType)).length;
      ok(await call('PATCH', `/memories/${decisionId}`, { importance: 'high' }));
      assert.equal((await jobsOf(memoryExtractJobType)).length, queued);
    });

    it('deleting the memory retracts its evidence and removes the entities only it supported', async () => {
      ok(await call('DELETE', `/memories/${decisionId}`), 204);
      assert.equal(await entityNamed('Project', 'Project Atlas'), undefined);
      assert.equal(await entityNamed('Organization', 'Globex Corporation'), undefined);
      const left = await test.services.store.read({ tenantId: test.tenantId }, (tx) =>
        tx.get<{ count: number | string }>('SELECT COUNT(*) AS count FROM evidence WHERE tenant_id = ? AND source_id = ?', [test.tenantId, decisionId]),
      );
      assert.equal(Number(left?.count), 0);
    });

    it('links to an entity another source already has, and keeps that entity when the memory goes', async () => {
      const asserted = ok(await call('POST', '/entities', { type: 'Organization', name: 'Initech Corp' }), 201);
      const note = ok(await call('POST', '/memories', { kind: 'note', text: unique('Initech Corp asked for a migration plan.') }), 201);
      await drain();
      const initech = (await entityNamed('Organization', 'Initech Corp')) as EntityBody;
      assert.equal(initech.id, (asserted.entity as Body | undefined)?.id ?? asserted.id);
      assert.equal(citing(initech, String(note.id)).length, 1);
      ok(await call('DELETE', `/memories/${note.id}`), 204);
      const kept = (await entityNamed('Organization', 'Initech Corp')) as EntityBody;
      assert.equal(kept.id, initech.id);
      assert.equal(citing(kept, String(note.id)).length, 0);
    });

    it('many writes in a burst queue few jobs, and every memory is extracted', async () => {
      const before = (await jobsOf(memoryExtractJobType)).length;
      const started = Date.now();
      const written = await Promise.all(
        Array.from({ length: 60 }, (_, index) =>
          call('POST', '/memories', {
            kind: 'note',
            text: unique(`Status of Project Burst${index % 3 === 0 ? '' : ` Team ${index}`} reviewed with Umbrella Corp`),
          }),
        ),
      );
      for (const response of written) assert.equal(response.statusCode, 201, response.body);
      const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
      const jobs = await drain();
      const queued = jobs.length - before;
      assert.ok(queued >= 1 && queued <= seconds, `${queued} jobs for 60 writes over ${seconds} windows`);
      assert.ok((await jobsOf('search.embed')).length <= jobs.length + 1, 'embedding is queued per window too');
      const pending = await test.services.store.read({ tenantId: test.tenantId }, (tx) =>
        tx.get<{ count: number | string }>('SELECT COUNT(*) AS count FROM memories WHERE tenant_id = ? AND extract_pending = 1', [test.tenantId]),
      );
      assert.equal(Number(pending?.count), 0);
      const umbrella = (await entityNamed('Organization', 'Umbrella Corp')) as EntityBody;
      assert.equal(new Set(umbrella.evidence.map((item) => item.sourceId)).size, 60);
    });

    it('commits concurrent creates together, and one that fails (duplicate, unknown session) fails alone', async () => {
      const count = async () =>
        Number(
          (
            await test.services.store.read({ tenantId: test.tenantId }, (tx) =>
              tx.get<{ count: number | string }>('SELECT COUNT(*) AS count FROM memories WHERE tenant_id = ?', [test.tenantId]),
            )
          )?.count,
        );
      const before = await count();
      const seq = Number(
        (
          await test.services.store.read({ tenantId: test.tenantId }, (tx) =>
            tx.get<{ seq: number | string }>('SELECT seq FROM event_counters WHERE tenant_id = ?', [test.tenantId]),
          )
        )?.seq ?? 0,
      );
      const text = unique('Group commit probe for Project Quill');
      const responses = await Promise.all([
        call('POST', '/memories', { kind: 'note', text }),
        call('POST', '/memories', { kind: 'note', text: `  ${text}  ` }),
        call('POST', '/memories', { kind: 'note', text: unique('Orphan note'), sessionId: '0190a000-0000-7000-8000-000000000001' }),
        ...Array.from({ length: 10 }, (_, index) => call('POST', '/memories', { kind: 'note', text: unique(`Fine note ${index}`) })),
      ]);
      const [first, second, orphan, ...fine] = responses as [
        LightMyRequestResponse,
        LightMyRequestResponse,
        LightMyRequestResponse,
        ...LightMyRequestResponse[],
      ];
      assert.deepEqual([first.statusCode, second.statusCode].sort(), [201, 409]);
      const [created, refused] = first.statusCode === 201 ? [first, second] : [second, first];
      assert.equal((refused.json() as { details: { id: string } }).details.id, (created.json() as { id: string }).id);
      assert.equal(orphan.statusCode, 422, orphan.body);
      for (const response of fine) assert.equal(response.statusCode, 201, response.body);
      assert.equal(await count(), before + 11);
      // Each created memory is whole: readable, with its source and its memory.created event.
      for (const response of [created, ...fine]) {
        const id = (response.json() as { id: string }).id;
        ok(await call('GET', `/memories/${id}`));
        assert.equal((ok(await call('GET', `/sources/${id}`)) as { uri: string }).uri, `memory://${id}`);
      }
      const events = ok(await call('GET', `/events?after=${seq}&limit=1000`)).items as { type: string; subject: string }[];
      const createdIds = new Set([created, ...fine].map((response) => (response.json() as { id: string }).id));
      assert.equal(events.filter((event) => event.type === 'memory.created' && createdIds.has(event.subject)).length, 11);
      await drain();
    });

    it('keeps tenants apart: the other tenant’s memory links entities of its own tenant only', async () => {
      ok(await call('POST', '/memories', { kind: 'note', text: unique('Hooli Corp reviewed the rollout.') }, otherKey), 201);
      await drain(otherKey);
      const theirs = await entityNamed('Organization', 'Hooli Corp', otherKey);
      assert.ok(theirs);
      assert.equal(await entityNamed('Organization', 'Hooli Corp'), undefined);
      assert.equal((await call('GET', `/entities/${theirs.id}`)).statusCode, 404);
    });
  });
}
