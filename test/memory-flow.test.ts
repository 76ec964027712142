/**
 * @module Issue 6's "done when", end to end on a listening server with its job worker: an agent over MCP (the SDK's
 * client, streamable HTTP) and a person at the CLI (`trellis` as a real process) record decisions and mistakes; the
 * jobs extract and embed them; both recall them by meaning and by entity, get a ranked fix for an error seen before,
 * and see a pattern appear when its schedule fires — with citations, and with the events on an SSE stream.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { type SseClient, openSse } from './support/event-streams.js';
import { dialects } from './support/stores.js';
import { type CliRun, type TranspiledCli, cleanEnv, runCli, transpileCli } from './support/transpiled-cli.js';

type Body = Record<string, unknown>;
interface Citation {
  sourceId: string;
  uri: string;
  start: number | null;
  end: number | null;
  snippet: string | null;
  entityId?: string;
}
interface RecallBody {
  results: { memory: { id: string; kind: string; title: string | null }; citations: Citation[]; why: Body }[];
}

let transpiled: TranspiledCli;
let workDir: string;
before(() => {
  transpiled = transpileCli();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-memory-flow-'));
});
after(() => {
  transpiled.dispose();
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs the CLI against `url` with `key`, in an empty folder; answers its exit code and output. */
function trellis(url: string, key: string, args: string[]): Promise<CliRun> {
  return runCli(transpiled.main, args, { cwd: workDir, env: cleanEnv({ TRELLIS_URL: url, TRELLIS_API_KEY: key }) });
}

/** A CLI run's JSON answer, after checking it succeeded. */
async function cliJson(url: string, key: string, args: string[]): Promise<Body> {
  const run = await trellis(url, key, ['--json', ...args]);
  assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Body;
}

/** A successful MCP tool result's JSON. */
function toolJson(result: CallToolResult): Body {
  const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  assert.notEqual(result.isError, true, text);
  return JSON.parse(text) as Body;
}

for (const dialect of dialects) {
  describe(`memory for agents and people, end to end (${dialect})`, () => {
    let test: TestApp;
    let url: string;
    let agent: Client;
    let events: SseClient;
    const tool = async (name: string, args: Body) => toolJson((await agent.callTool({ name, arguments: args })) as CallToolResult);
    const api = async (method: string, route: string, body?: Body): Promise<Body> => {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: { ...bearer(test.adminKey), ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      assert.ok(response.ok, `${method} ${route} → ${response.status}: ${text}`);
      return JSON.parse(text) as Body;
    };
    /** Waits until every job of these types in the tenant has finished, and checks they succeeded. */
    const settle = async (types: string[]) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const jobs = ((await api('GET', '/jobs?limit=200')).items as { type: string; status: string }[]).filter((job) => types.includes(job.type));
        const open = jobs.filter((job) => !['succeeded', 'dead', 'cancelled'].includes(job.status));
        if (jobs.length > 0 && open.length === 0) {
          for (const job of jobs) assert.equal(job.status, 'succeeded', JSON.stringify(job));
          return;
        }
        if (Date.now() > deadline) assert.fail(`jobs did not finish: ${JSON.stringify(jobs)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    const ids: Record<string, string> = {};

    before(async () => {
      test = await createTestApp(dialect, {}, { background: true });
      url = await test.app.listen({ port: 0, host: '127.0.0.1' });
      events = await openSse(`${url}/events/stream`, bearer(test.adminKey));
      assert.equal(events.status, 200);
      agent = new Client({ name: 'flow-agent', version: '1.0.0' });
      await agent.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: bearer(test.adminKey) } }));
    });
    after(async () => {
      events?.close();
      await agent?.close();
      await test.dispose();
    });

    it('records decisions and mistakes over MCP and at the CLI, each answered with its memory', async () => {
      ids.decision = String(
        (
          (await tool('record_decision', {
            title: 'Valkey as the cache of Project Atlas',
            chosen: 'Valkey',
            context: 'Project Atlas needs a shared cache for its worker fleet at Acme Corp.',
            alternatives: [{ option: 'Memcached', cons: ['no persistence'], risk: 'cold starts after a restart' }],
            reasoning: 'Valkey keeps the Redis protocol and licence terms Acme Corp accepts.',
            confidence: 0.8,
            status: 'accepted',
          })) as { memory: Body }
        ).memory.id,
      );
      ids.mistake = String(
        (
          (await tool('record_mistake', {
            errorType: 'ECONNREFUSED',
            message: 'connect ECONNREFUSED 127.0.0.1:6379 when the Project Atlas workers start',
            context: 'Project Atlas workers started before Valkey was up',
            solution: 'Start Valkey before the workers and retry the connection with backoff',
            solutionSteps: ['systemctl start valkey', 'set CACHE_RETRY=5'],
            resolved: true,
          })) as { memory: Body }
        ).memory.id,
      );
      ids.mistakeAgain = String(
        (
          (await tool('record_mistake', {
            errorType: 'ECONNREFUSED',
            message: 'connect ECONNREFUSED 127.0.0.1:6379 when the Project Atlas scheduler starts',
            context: 'the scheduler of Project Atlas started before Valkey',
            solution: 'Start Valkey first',
          })) as { memory: Body }
        ).memory.id,
      );
      const person = await cliJson(url, test.adminKey, [
        'error',
        'connect ECONNREFUSED 127.0.0.1:6379 when the Project Atlas importer starts',
        '--type',
        'ECONNREFUSED',
        '--solution',
        'Wait for Valkey to accept connections',
        '--context',
        'the importer of Project Atlas started before Valkey',
      ]);
      ids.personMistake = String(person.id);
      const decided = await cliJson(url, test.adminKey, ['decide', 'Nightly backups of the Project Atlas cache', '--chose', 'valkey-cli --rdb', '--accepted']);
      ids.backups = String(decided.id);
      for (const id of Object.values(ids)) assert.match(id, /^[0-9a-f-]{36}$/);
    });

    it('links them into the graph: the entity they mention cites them, and recall by entity finds both kinds', async () => {
      await settle(['memory.extract', 'search.embed']);
      const found = ((await api('GET', `/entities?q=${encodeURIComponent('Project Atlas')}`)).items as { id: string; name: string }[]).find(
        (entity) => entity.name === 'Project Atlas',
      );
      assert.ok(found, 'the entity Project Atlas');
      const entity = (await api('GET', `/entities/${found.id}`)) as { evidence: { sourceId: string; quote: string }[] };
      const citing = new Set(entity.evidence.map((item) => item.sourceId));
      for (const id of [ids.decision, ids.mistake, ids.personMistake]) assert.ok(citing.has(id as string), `Project Atlas cites memory ${id}`);

      const byEntity = (await tool('recall', { query: 'cache', entityId: found.id })) as unknown as RecallBody;
      const kinds = new Set(byEntity.results.map((result) => result.memory.kind));
      assert.deepEqual([...kinds].sort(), ['decision', 'mistake']);
      const decision = byEntity.results.find((result) => result.memory.id === ids.decision);
      assert.ok(decision, 'the decision, by its entity');
      const spans = decision.citations.filter((citation) => citation.entityId === found.id);
      assert.ok(spans.length > 0, 'a citation of the entity, with its span');
      for (const span of spans) {
        assert.equal(span.uri, `memory://${ids.decision}`);
        assert.equal(span.snippet, 'Project Atlas');
        assert.equal((span.end as number) - (span.start as number), 'Project Atlas'.length);
      }
    });

    it('recalls by meaning at the CLI, with why each ranked and the memory it cites', async () => {
      const answer = (await cliJson(url, test.adminKey, ['recall', 'which cache did we choose for Atlas', '--kind', 'decision'])) as unknown as RecallBody;
      assert.equal(answer.results[0]?.memory.id, ids.decision, JSON.stringify(answer.results.map((result) => result.memory.title)));
      const top = answer.results[0] as RecallBody['results'][number];
      assert.ok(top.why.vector, 'the vector signal ranked it (the memories were embedded by the job)');
      assert.equal(top.citations[0]?.uri, `memory://${ids.decision}`);
    });

    it('ranks the fix that worked first for an error seen before', async () => {
      await tool('solution_feedback', { mistakeId: ids.personMistake, worked: true });
      await tool('solution_feedback', { mistakeId: ids.personMistake, worked: true });
      await tool('solution_feedback', { mistakeId: ids.mistakeAgain, worked: false });
      const fixes = (await tool('find_similar_errors', {
        message: 'Error: connect ECONNREFUSED 127.0.0.1:6379 as the Project Atlas importer starts',
        errorType: 'ECONNREFUSED',
      })) as { results: { mistake: { id: string }; solution: string; effectiveness: number; score: number }[] };
      assert.equal(fixes.results[0]?.mistake.id, ids.personMistake, JSON.stringify(fixes.results));
      assert.equal(fixes.results[0]?.solution, 'Wait for Valkey to accept connections');
      assert.equal(fixes.results[0]?.effectiveness, 0.75);
      const scores = fixes.results.map((result) => result.score);
      assert.deepEqual(
        scores,
        [...scores].sort((a, b) => b - a),
      );
      const atCli = await cliJson(url, test.adminKey, ['find-error', 'connect ECONNREFUSED 127.0.0.1:6379 as the Project Atlas importer starts']);
      assert.equal((atCli.results as { mistake: { id: string } }[])[0]?.mistake.id, ids.personMistake);
    });

    it('shows a pattern once the tenant’s pattern schedule fires, as a resource and an event', async () => {
      const schedules = (await api('GET', '/schedules')).items as { id: string; name: string; cron: string; type: string }[];
      const patterns = schedules.find((schedule) => schedule.name === 'memory-patterns');
      assert.ok(patterns, `the tenant's schedules: ${schedules.map((schedule) => schedule.name).join(', ')}`);
      assert.equal(patterns.cron, '*/15 * * * *');
      const { jobId } = (await api('POST', `/schedules/${patterns.id}/trigger`)) as { jobId: string };
      await settle(['memory.patterns']);
      const job = (await api('GET', `/jobs/${jobId}`)) as { status: string; result: Body };
      assert.equal(job.status, 'succeeded');
      const read = await agent.readResource({ uri: 'trellis://patterns' });
      const content = read.contents[0] as { text: string };
      const found = (JSON.parse(content.text) as { items: { id: string; fields: { supportingIds: string[]; occurrences: number } }[] }).items;
      const pattern = found.find((item) => item.fields.supportingIds.includes(ids.mistake as string));
      assert.ok(pattern, `a pattern of the three ECONNREFUSED mistakes: ${JSON.stringify(found)}`);
      assert.deepEqual([...pattern.fields.supportingIds].sort(), [ids.mistake, ids.mistakeAgain, ids.personMistake].sort());
      assert.equal(pattern.fields.occurrences, 3);
      await events.until((client) => client.messages.some((message) => message.event === 'pattern.detected'), 'pattern.detected');
    });

    it('streamed every step live: memory, decision, mistake, graph, embedding and pattern events', async () => {
      const seen = new Set(events.messages.map((message) => message.event));
      for (const type of ['memory.created', 'decision.recorded', 'mistake.recorded', 'pattern.detected', 'entity.bulk_upserted', 'embeddings.written'])
        assert.ok(seen.has(type), `${type} in ${[...seen].join(', ')}`);
      const decided = events.messages.find((message) => message.event === 'decision.recorded' && message.data.includes(ids.decision as string));
      assert.ok(decided, 'the MCP decision was streamed');
    });
  });
}
