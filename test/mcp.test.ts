/**
 * @module The MCP server with a real MCP client from the SDK: over streamable HTTP against a listening server on both
 * drivers (tools, resources, bad arguments, API-key scopes, other tenants' IDs, malformed JSON-RPC), and over stdio
 * against `trellis mcp` spawned on a SQLite data folder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { type TestApp, createTestApp } from './support/app.js';
import { dialects } from './support/stores.js';
import { exitCodes } from '../src/cli/output.js';
import { type TranspiledCli, runCli, transpileCli } from './support/transpiled-cli.js';

type Body = Record<string, unknown>;

const memoryTools = ['add_note', 'get_entity', 'record_decision', 'record_mistake', 'record_outcome', 'search', 'solution_feedback'];

/** The text of a tool result. */
function textOf(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** A successful tool result's JSON. */
function ok(result: CallToolResult): Body {
  assert.notEqual(result.isError, true, textOf(result));
  return JSON.parse(textOf(result)) as Body;
}

/** A tool error's text, checked against a pattern. */
function refused(result: CallToolResult, pattern: RegExp): string {
  assert.equal(result.isError, true, textOf(result));
  assert.match(textOf(result), pattern);
  return textOf(result);
}

async function connect(url: string, key: string | null): Promise<Client> {
  const client = new Client({ name: 'trellis-test', version: '1.0.0' });
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
  return client;
}

/** The items of a resource read (a JSON text content). */
function itemsOf(read: { contents: ({ text: string } | { blob: string })[] }): { items: Body[] } {
  const content = read.contents[0];
  assert.ok(content && 'text' in content, 'a text content');
  return JSON.parse(content.text) as { items: Body[] };
}

const call = (client: Client, name: string, args: Body) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;

for (const dialect of dialects) {
  describe(`MCP over streamable HTTP (${dialect})`, () => {
    let test: TestApp;
    let url: string;
    let client: Client;
    let reader: Client;
    let readKey: string;
    let otherKey: string;
    let acme: string;
    let otherEntity: string;

    const memoryCount = () =>
      test.services.store.read({ tenantId: test.tenantId }, async (tx) =>
        Number((await tx.get<{ n: number }>('SELECT count(*) AS n FROM memories WHERE tenant_id = ?', [test.tenantId]))?.n),
      );

    before(async () => {
      test = await createTestApp(dialect);
      url = await test.app.listen({ port: 0, host: '127.0.0.1' });
      readKey = (await test.services.platform.apiKeys.create({ tenantId: test.tenantId, name: 'reader', scopes: ['read'] })).key;
      const other = await test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' });
      otherKey = other.key;
      const source = await test.services.graph.createSource(test.tenantId, {
        uri: 'file://notes/acme.txt',
        kind: 'file',
        title: 'Acme notes',
        chunks: [{ text: 'Acme Corporation hired Ada Lovelace as chief engineer.' }],
      });
      const chunk = source.chunks[0]!;
      const cite = (start: number, end: number) => [{ sourceId: source.id, chunkId: chunk.id, start, end, extractor: 'test' }];
      acme = (await test.services.graph.upsertEntity(test.tenantId, { type: 'Organization', name: 'Acme Corporation', evidence: cite(0, 16) })).entity.id;
      const ada = (await test.services.graph.upsertEntity(test.tenantId, { type: 'Person', name: 'Ada Lovelace', evidence: cite(23, 35) })).entity.id;
      await test.services.graph.upsertRelation(test.tenantId, { type: 'employs', from: acme, to: ada, evidence: cite(0, 53) });
      const otherTenant = (await test.services.platform.tenants.get('globex')).id;
      otherEntity = (await test.services.graph.upsertEntity(otherTenant, { type: 'Organization', name: 'Globex Corporation' })).entity.id;
      client = await connect(url, test.adminKey);
      reader = await connect(url, readKey);
    });
    after(async () => {
      await client?.close();
      await reader?.close();
      await test.dispose();
    });

    it('lists the tools with their input schemas, and the two resources', async () => {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name).sort();
      for (const name of memoryTools) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
      // recall and find_similar_errors appear exactly when the service has them (contracts6.md).
      const service = test.services.memory as unknown as Body;
      assert.equal(names.includes('recall'), typeof service.recall === 'function' || typeof (test.services as unknown as Body).recall === 'object');
      const decision = tools.find((tool) => tool.name === 'record_decision')!;
      assert.deepEqual([...(decision.inputSchema.required ?? [])].sort(), ['chosen', 'title']);
      assert.equal(decision.inputSchema.additionalProperties, false);
      const openapi = (await test.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Body> };
      assert.deepEqual(Object.keys(openapi.paths['/mcp'] ?? {}).sort(), ['delete', 'get', 'post']);
      const { resources } = await client.listResources();
      assert.deepEqual(resources.map((resource) => resource.uri).sort(), ['trellis://decisions/recent', 'trellis://patterns']);
    });

    it('get_entity returns the entity, its evidence and its neighbourhood at depth 1', async () => {
      const body = ok(await call(client, 'get_entity', { id: acme }));
      const entity = body.entity as { name: string; evidence: { sourceId: string; quote?: string }[] };
      assert.equal(entity.name, 'Acme Corporation');
      assert.equal(entity.evidence.length, 1);
      const neighbourhood = body.neighbourhood as { nodes: { name: string; depth: number }[]; edges: { type: string }[] };
      assert.deepEqual(neighbourhood.nodes.map((node) => [node.name, node.depth]).sort(), [
        ['Acme Corporation', 0],
        ['Ada Lovelace', 1],
      ]);
      assert.deepEqual(
        neighbourhood.edges.map((edge) => edge.type),
        ['employs'],
      );
    });

    it("get_entity: another tenant's entity is not found, an injection string is not an ID", async () => {
      refused(await call(client, 'get_entity', { id: otherEntity }), /^not_found: /);
      refused(await call(client, 'get_entity', { id: "1' OR '1'='1" }), /must be an ID/);
      refused(await call(client, 'get_entity', {}), /id/);
    });

    it('search finds the entity with its citation', async () => {
      const body = ok(await call(client, 'search', { query: 'Ada Lovelace', mode: 'text', kinds: ['entity'], limit: 5 }));
      const results = body.results as { kind: string; entity?: { name: string }; citations: unknown[] }[];
      assert.equal(results[0]?.entity?.name, 'Ada Lovelace');
      assert.ok(results[0]!.citations.length > 0);
      refused(await call(client, 'search', { query: '' }), /query/);
      refused(await call(client, 'search', { query: 'x', limit: 1000 }), /limit/);
      refused(await call(client, 'search', { query: 'x', kinds: ['table'] }), /kinds/);
      refused(await call(client, 'search', { query: 'x', kinds: ['passage', 'entity', 'memory', 'memory'] }), /kinds/);
    });

    it('search with kinds memory finds a memory, citing memory://', async () => {
      const note = ok(await call(client, 'add_note', { text: 'Quarterly zeppelin inspections happen in hangar nine' })).memory as Body;
      const body = ok(await call(client, 'search', { query: 'zeppelin hangar', mode: 'text', kinds: ['memory'] }));
      const results = body.results as { kind: string; id: string; memory?: { uri: string } }[];
      assert.deepEqual(
        results.map((result) => [result.kind, result.id]),
        [['memory', note.id]],
      );
      assert.equal(results[0]?.memory?.uri, `memory://${note.id}`);
    });

    it('add_note, record_decision, record_outcome, record_mistake and solution_feedback write memories', async () => {
      const note = ok(await call(client, 'add_note', { text: 'Deploys freeze on Fridays', tags: ['ops'], importance: 'high' })).memory as Body;
      assert.equal(note.kind, 'note');
      assert.deepEqual(note.tags, ['ops']);
      const decision = ok(
        await call(client, 'record_decision', {
          title: 'Use PostgreSQL for scale',
          chosen: 'PostgreSQL',
          alternatives: [{ option: 'MySQL', pros: ['familiar'], cons: ['no RLS'], risk: 'migration' }],
          reasoning: 'Row-level security and GIN indexes',
          confidence: 0.8,
          status: 'accepted',
        }),
      ).memory as Body;
      assert.equal(decision.status, 'accepted');
      assert.equal((decision.fields as Body).confidence, 0.8);
      const outcome = ok(await call(client, 'record_outcome', { decisionId: decision.id, outcome: 'success', details: 'p95 halved' })).memory as Body;
      assert.equal((outcome.fields as Body).outcome, 'success');
      const mistake = ok(
        await call(client, 'record_mistake', {
          errorType: 'ECONNRESET',
          message: 'socket hang up calling the embedder',
          solution: 'retry with backoff',
          solutionSteps: ['wrap the call', 'retry 3 times'],
        }),
      ).memory as Body;
      assert.equal(mistake.kind, 'mistake');
      const feedback = ok(await call(client, 'solution_feedback', { mistakeId: mistake.id, worked: true })).memory as Body;
      assert.ok(((feedback.fields as Body).feedback as Body) !== undefined);
      // The same note again is a duplicate: a tool error naming the existing memory.
      refused(
        await call(client, 'add_note', { text: 'Deploys freeze on Fridays', tags: ['ops'], importance: 'high' }),
        new RegExp(`conflict: .*${note.id as string}`),
      );
    });

    it('bad arguments are tool errors and write nothing', async () => {
      const before = await memoryCount();
      const cases: [string, Body, RegExp][] = [
        ['record_decision', { title: 'Too sure', chosen: 'A', confidence: 2 }, /confidence/],
        ['record_decision', { title: 'No choice' }, /chosen/],
        ['record_decision', { title: 'Superseded at birth', chosen: 'A', status: 'superseded' }, /status/],
        ['record_decision', { title: 'Bad alternative', chosen: 'A', alternatives: [{ option: 'B', colour: 'red' }] }, /colour|Unrecognized/i],
        ['add_note', { text: 42 }, /text/],
        ['add_note', { text: 'x'.repeat(100_001) }, /text/],
        ['add_note', { text: 'unknown field', priority: 1 }, /priority|Unrecognized/i],
        ['add_note', { text: "'); DROP TABLE memories; --", sessionId: "' OR 1=1 --" }, /sessionId/],
        ['add_note', { text: 'bad tags', tags: 'ops' }, /tags/],
        ['add_note', { text: 'bad importance', importance: 'urgent' }, /importance/],
        ['record_mistake', { errorType: 'TypeError' }, /message/],
        ['record_mistake', { errorType: 'TypeError', message: 'x', resolved: 'yes' }, /resolved/],
        ['record_outcome', { decisionId: acme, outcome: 'great' }, /outcome/],
        ['solution_feedback', { mistakeId: 'not-an-id', worked: true }, /mistakeId/],
        ['solution_feedback', { mistakeId: acme }, /worked/],
      ];
      for (const [name, args, pattern] of cases) refused(await call(client, name, args), pattern);
      assert.equal(await memoryCount(), before);
    });

    it("record_outcome and solution_feedback on IDs that are not this tenant's memories are not found", async () => {
      const other = await connect(url, otherKey);
      try {
        const note = ok(await call(other, 'add_note', { text: 'Globex only' })).memory as Body;
        refused(await call(client, 'record_outcome', { decisionId: note.id, outcome: 'success' }), /^not_found: /);
        refused(await call(client, 'solution_feedback', { mistakeId: note.id, worked: false }), /^not_found: /);
        refused(await call(client, 'record_outcome', { decisionId: acme, outcome: 'success' }), /^not_found: /);
      } finally {
        await other.close();
      }
    });

    it('recall and find_similar_errors, when the service has them, find the memories recorded above', async (t) => {
      if (typeof (test.services.memory as unknown as Body).recall !== 'function') return t.skip('recall is not built yet');
      const recalled = ok(await call(reader, 'recall', { query: 'deploys freeze Fridays', kinds: ['note'], limit: 5 }));
      const results = recalled.results as { memory: Body; why: Body }[];
      assert.equal(results[0]?.memory.title ?? results[0]?.memory.body, 'Deploys freeze on Fridays');
      assert.equal(typeof results[0]?.why.recency, 'number');
      refused(await call(reader, 'recall', { query: 'x', kinds: ['memo'] }), /kinds/);
      refused(await call(reader, 'recall', { query: 'x', since: 'yesterday' }), /since/);
      if (typeof (test.services.memory as unknown as Body).findError !== 'function') return;
      const found = ok(await call(reader, 'find_similar_errors', { message: 'socket hang up calling the embedder', errorType: 'ECONNRESET' }));
      const mistakes = found.results as { mistake: Body; solution: string | null }[];
      assert.equal(mistakes[0]?.solution, 'retry with backoff');
      refused(await call(reader, 'find_similar_errors', { message: 'x'.repeat(4001) }), /message/);
      refused(await call(reader, 'find_similar_errors', { message: 'x', limit: 51 }), /limit/);
    });

    it('a read-only key reads but cannot call a writing tool', async () => {
      const before = await memoryCount();
      ok(await call(reader, 'get_entity', { id: acme }));
      for (const [name, args] of [
        ['add_note', { text: 'from a reader' }],
        ['record_decision', { title: 'Reader decides', chosen: 'A' }],
        ['record_mistake', { errorType: 'E', message: 'reader mistake' }],
      ] as const)
        refused(await call(reader, name, args), /^forbidden: .*"write" scope/);
      assert.equal(await memoryCount(), before);
    });

    it('the resources list the latest decisions newest first, and the patterns', async () => {
      const first = ok(await call(client, 'record_decision', { title: 'Decision one', chosen: 'A' })).memory as Body;
      const second = ok(await call(client, 'record_decision', { title: 'Decision two', chosen: 'B' })).memory as Body;
      await test.services.memory.create(test.tenantId, { kind: 'pattern', title: 'Retries', description: 'Network calls fail under load', confidence: 0.7 });
      const recent = await client.readResource({ uri: 'trellis://decisions/recent' });
      const items = itemsOf(recent).items;
      assert.deepEqual(
        items.slice(0, 2).map((item) => item.id),
        [second.id, first.id],
      );
      assert.ok(items.every((item) => item.kind === 'decision'));
      const patterns = await client.readResource({ uri: 'trellis://patterns' });
      const patternItems = itemsOf(patterns).items;
      assert.deepEqual(
        patternItems.map((item) => item.title),
        ['Retries'],
      );
      // Another tenant sees none of them.
      const other = await connect(url, otherKey);
      try {
        const theirs = await other.readResource({ uri: 'trellis://decisions/recent' });
        assert.deepEqual(itemsOf(theirs).items, []);
      } finally {
        await other.close();
      }
    });

    it('without an API key, or with a wrong one, /mcp answers 401', async () => {
      await assert.rejects(connect(url, null), /401|Unauthorized|unauthenticated/i);
      const response = await fetch(`${url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /Bearer/);
      const wrong = await fetch(`${url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer trl_nope' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      assert.equal(wrong.status, 401);
    });

    it('malformed JSON-RPC gets a JSON-RPC error', async () => {
      const post = (body: string) =>
        fetch(`${url}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${test.adminKey}` },
          body,
        });
      const notJson = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
      assert.equal(notJson.status, 400);
      assert.deepEqual(((await notJson.json()) as Body).error, { code: -32700, message: 'Parse error: the body is not JSON' });
      const notRpc = await post(JSON.stringify({ hello: 'world' }));
      assert.equal(notRpc.status, 400);
      const notRpcBody = (await notRpc.json()) as { jsonrpc: string; error: { code: number } };
      assert.equal(notRpcBody.jsonrpc, '2.0');
      assert.ok(notRpcBody.error.code < 0, JSON.stringify(notRpcBody));
      // Bigger than the body limit (1 MiB): refused before it is parsed, nothing written.
      const before = await memoryCount();
      const huge = await post(
        JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'add_note', arguments: { text: 'x'.repeat(1_100_000) } } }),
      );
      assert.equal(huge.status, 413);
      // Text no store can hold is refused at the door, as on every route.
      const nul = await post(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'add_note', arguments: { text: 'a\u0000b' } } }));
      assert.equal(nul.status, 400);
      assert.equal(await memoryCount(), before);
      // A hijacked answer still carries the headers every route gets.
      const listed = await post(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/list' }));
      assert.equal(listed.status, 200);
      assert.equal(listed.headers.get('x-content-type-options'), 'nosniff');
      assert.ok(listed.headers.get('x-request-id'));
      assert.equal(((await listed.json()) as { id: number }).id, 4);
      const get = await fetch(`${url}/mcp`, { headers: { authorization: `Bearer ${test.adminKey}`, accept: 'text/event-stream' } });
      assert.equal(get.status, 405);
      assert.equal(((await get.json()) as { error: { code: number } }).error.code, -32000);
      // A well-formed request for a method that does not exist, and a tool that does not exist.
      await assert.rejects(client.request({ method: 'nothing/here' as 'ping' }, EmptyResultSchema), /-32601|not found/i);
      refused(await call(client, 'drop_database', {}), /not found/);
    });
  });
}

describe('MCP over stdio: trellis mcp (sqlite)', () => {
  let transpiled: TranspiledCli;
  let dataDir: string;
  let client: Client;
  let stderr = '';
  const env: Record<string, string> = {};

  /** `trellis mcp` as a plain process: what it writes, and how it ends once `input` is written and stdin closed. */
  const runRaw = (args: string[], input: string) => runCli(transpiled.main, ['--data-dir', dataDir, 'mcp', ...args], { env, input });

  before(async () => {
    transpiled = transpileCli();
    dataDir = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'trellis-mcp-')));
    for (const [name, value] of Object.entries(process.env))
      if (value !== undefined && !name.startsWith('TRELLIS_') && !name.startsWith('NODE_TEST')) env[name] = value;
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [transpiled.main, '--data-dir', dataDir, 'mcp'],
      env,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
    client = new Client({ name: 'trellis-test', version: '1.0.0' });
    await client.connect(transport);
  });
  after(async () => {
    await client?.close();
    transpiled?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the tools and records a decision, a mistake and feedback in the data folder', async () => {
    const { tools } = await client.listTools();
    for (const name of memoryTools)
      assert.ok(
        tools.some((tool) => tool.name === name),
        name,
      );
    const decision = ok(await call(client, 'record_decision', { title: 'Stdio decision', chosen: 'stdio', confidence: 0.9, status: 'accepted' }))
      .memory as Body;
    const recent = await client.readResource({ uri: 'trellis://decisions/recent' });
    assert.equal(itemsOf(recent).items[0]?.id, decision.id);
    ok(await call(client, 'record_outcome', { decisionId: decision.id, outcome: 'partial' }));
    const mistake = ok(await call(client, 'record_mistake', { errorType: 'EPIPE', message: 'broken pipe', solution: 'handle close' })).memory as Body;
    ok(await call(client, 'solution_feedback', { mistakeId: mistake.id, worked: false }));
    ok(await call(client, 'add_note', { text: 'written over stdio' }));
    // The first start printed the admin key on stderr, never on stdout (stdout carries JSON-RPC only).
    assert.match(stderr, /MCP server on stdio/);
  });

  it('bad arguments are tool errors and the connection stays up', async () => {
    refused(await call(client, 'record_decision', { title: 'Too sure', chosen: 'A', confidence: 2 }), /confidence/);
    refused(await call(client, 'get_entity', { id: '00000000-0000-7000-8000-000000000000' }), /^not_found: /);
    refused(await call(client, 'add_note', { text: 5 }), /text/);
    refused(await call(client, 'add_note', { text: 'nul \u0000 inside' }), /U\+0000/);
    refused(await call(client, 'record_mistake', { errorType: 'E', message: 'lone \ud800 surrogate' }), /U\+0000 or an unpaired surrogate/);
    const recent = await client.readResource({ uri: 'trellis://decisions/recent' });
    assert.equal(itemsOf(recent).items.length, 1);
  });

  it('answers JSON-RPC lines on stdout only and exits 0 when stdin closes; an unknown tenant exits 3 before serving', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    };
    const ran = await runRaw(['--tenant', 'default'], `${JSON.stringify(initialize)}\nnot json\n`);
    assert.equal(ran.code, exitCodes.ok, ran.stderr);
    const lines = ran.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number | null; result?: { serverInfo: { name: string } }; error?: { code: number } });
    assert.equal(lines[0]?.result?.serverInfo.name, 'trellis');
    // A line that is not JSON is answered with a parse error (or dropped by the SDK), never a crash.
    assert.ok(
      lines.slice(1).every((line) => line.error?.code === -32700),
      ran.stdout,
    );
    const unknown = await runRaw(['--tenant', 'nope'], '');
    assert.equal(unknown.code, exitCodes.notFound, unknown.stderr);
    assert.match(unknown.stderr, /nope/);
    assert.equal(unknown.stdout, '');
  });
});
