/**
 * @module `trellis remember|decide|error|outcome|recall|find-error` as real processes against a real server (a test app
 * listening on 127.0.0.1): each command's output (human and --json), the server URL and key from flags, environment
 * and trellis.yaml, bad flags (exit 2, nothing sent), the server's 4xx shown with its detail, an unreachable server
 * (exit 4), a missing or refused key, and a missing decision (exit 3). The commands are HTTP clients, so one driver
 * (SQLite) suffices here; the routes under them are tested on both in memory-http.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exitCodes } from '../src/cli/output.js';
import { type TestApp, bearer, createTestApp } from './support/app.js';
import { type CliRun as Run, type TranspiledCli, cleanEnv, runCli, transpileCli } from './support/transpiled-cli.js';

interface MemoryBody {
  id: string;
  kind: string;
  title: string | null;
  body: string;
  fields: Record<string, unknown>;
  tags: string[];
  importance: string;
  status: string;
}

let transpiled: TranspiledCli;
let workDir: string;
before(() => {
  transpiled = transpileCli();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-memory-cli-'));
});
after(() => {
  transpiled.dispose();
  rmSync(workDir, { recursive: true, force: true });
});

/** Runs the CLI in an empty folder with no TRELLIS_* variables but those given. */
function trellis(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runCli(transpiled.main, args, { cwd: workDir, env: cleanEnv(env) });
}

/** A TCP port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('trellis memory helpers against a server (sqlite)', () => {
  let test: TestApp;
  let url: string;
  let server: string[];
  let hasRecall = false;
  let hasFindError = false;

  const memoryCount = () =>
    test.services.store.read({ tenantId: test.tenantId }, (tx) =>
      tx.get<{ n: number }>('SELECT count(*) AS n FROM memories WHERE tenant_id = ?', [test.tenantId]),
    );
  const getMemory = async (id: string) =>
    (await test.app.inject({ method: 'GET', url: `/memories/${id}`, headers: bearer(test.adminKey) })).json() as MemoryBody;

  before(async () => {
    test = await createTestApp('sqlite');
    await test.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(test.app.server.address() as { port: number }).port}`;
    server = ['--url', url, '--key', test.adminKey];
    const openapi = (await test.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    hasRecall = '/recall' in openapi.paths;
    hasFindError = '/memories/find-error' in openapi.paths;
  });
  after(() => test.dispose());

  it('remember records a note with tags and importance and prints its ID; --json prints the memory', async () => {
    const run = await trellis(['remember', 'Run migrations before deploying', '--tag', 'deploy', '--tag', 'ops', '--importance', 'high', ...server]);
    assert.equal(run.code, 0, run.stderr);
    const match = /^remembered ([0-9a-f-]{36})  note \(active, high\) \[deploy, ops\]\n  Run migrations before deploying\n$/.exec(run.stdout);
    assert.ok(match, run.stdout);
    const stored = await getMemory(match[1] as string);
    assert.equal(stored.body, 'Run migrations before deploying');
    assert.deepEqual(stored.tags, ['deploy', 'ops']);

    const json = await trellis(['--json', 'remember', 'Keep the changelog current', '--title', 'Changelog', ...server]);
    assert.equal(json.code, 0, json.stderr);
    const memory = JSON.parse(json.stdout) as MemoryBody;
    assert.equal(memory.kind, 'note');
    assert.equal(memory.title, 'Changelog');
    assert.equal(memory.importance, 'normal');

    const hostile = `'; DROP TABLE memories;-- <script>alert(1)</script> $(rm -rf /) \u202e`;
    const injected = await trellis(['--json', 'remember', hostile, '--tag', `"'; DELETE FROM sources;--`, ...server]);
    assert.equal(injected.code, 0, injected.stderr);
    const kept = await getMemory((JSON.parse(injected.stdout) as MemoryBody).id);
    assert.equal(kept.body, hostile);
    assert.deepEqual(kept.tags, [`"'; DELETE FROM sources;--`]);
  });

  it('decide records a decision with alternatives, reasoning, confidence and context; outcome records how it turned out', async () => {
    const run = await trellis([
      '--json',
      'decide',
      'Use PostgreSQL for replicas',
      '--chose',
      'PostgreSQL',
      '--alternative',
      'CockroachDB',
      '--alternative',
      'MySQL',
      '--reason',
      'Row-level security comes with it',
      '--confidence',
      '0.8',
      '--context',
      'One SQLite file is outgrown',
      '--accepted',
      ...server,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const decision = JSON.parse(run.stdout) as MemoryBody;
    assert.equal(decision.status, 'accepted');
    assert.deepEqual(decision.fields, {
      context: 'One SQLite file is outgrown',
      chosen: 'PostgreSQL',
      alternatives: [
        { option: 'CockroachDB', pros: [], cons: [] },
        { option: 'MySQL', pros: [], cons: [] },
      ],
      reasoning: 'Row-level security comes with it',
      confidence: 0.8,
    });

    const outcome = await trellis(['outcome', decision.id, 'success', '--details', 'Two replicas since March', ...server]);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.stdout, `recorded outcome success of decision ${decision.id}: Use PostgreSQL for replicas\n`);
    const stored = await getMemory(decision.id);
    assert.equal(stored.fields.outcome, 'success');
    assert.equal(stored.fields.outcomeDetails, 'Two replicas since March');

    const proposed = await trellis(['decide', 'Adopt tabs', '--chose', 'tabs', ...server]);
    assert.equal(proposed.code, 0, proposed.stderr);
    assert.match(proposed.stdout, /^recorded decision [0-9a-f-]{36}  decision \(proposed, normal\)\n  Adopt tabs: chose tabs\n$/);
  });

  it('error records a mistake, taking the error type from the message unless --type names it', async () => {
    const run = await trellis([
      'error',
      'TypeError: Cannot read properties of undefined (reading "id")',
      '--solution',
      'Check the entity exists first',
      '--step',
      'Guard the lookup',
      '--step',
      'Add a test',
      '--resolved',
      ...server,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const match =
      /^recorded mistake ([0-9a-f-]{36})  mistake \(active, normal\)\n  TypeError: Cannot read properties of undefined \(reading "id"\) \(resolved\)\n$/.exec(
        run.stdout,
      );
    assert.ok(match, run.stdout);
    const stored = await getMemory(match[1] as string);
    assert.deepEqual(
      { errorType: stored.fields.errorType, solution: stored.fields.solution, steps: stored.fields.solutionSteps, resolved: stored.fields.resolved },
      { errorType: 'TypeError', solution: 'Check the entity exists first', steps: ['Guard the lookup', 'Add a test'], resolved: true },
    );
    const typed = await trellis(['--json', 'error', 'connection reset by peer', '--type', 'ECONNRESET', ...server]);
    assert.equal(typed.code, 0, typed.stderr);
    assert.equal((JSON.parse(typed.stdout) as MemoryBody).fields.errorType, 'ECONNRESET');
    const plain = await trellis(['--json', 'error', 'the build hangs on CI', ...server]);
    assert.equal((JSON.parse(plain.stdout) as MemoryBody).fields.errorType, 'Error');
  });

  it('takes the URL and key from TRELLIS_URL / TRELLIS_API_KEY and from trellis.yaml; flags win', async () => {
    const fromEnv = await trellis(['--json', 'remember', 'Set from the environment'], { TRELLIS_URL: url, TRELLIS_API_KEY: test.adminKey });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const file = path.join(workDir, 'client.yaml');
    writeFileSync(file, `url: ${url}/\napiKey: ${test.adminKey}\n`);
    const fromFile = await trellis(['--config', file, '--json', 'remember', 'Set from trellis.yaml']);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const flagWins = await trellis(['remember', 'Flag wins', '--key', 'trl_wrong'], { TRELLIS_URL: url, TRELLIS_API_KEY: test.adminKey });
    assert.equal(flagWins.code, exitCodes.denied);
    const port = new URL(url).port;
    const fromPort = await trellis(['--json', 'remember', 'No URL: http://<host>:<port> of the configuration'], {
      TRELLIS_PORT: port,
      TRELLIS_API_KEY: test.adminKey,
    });
    assert.equal(fromPort.code, 0, fromPort.stderr);
    const badUrl = await trellis(['remember', 'x'], { TRELLIS_URL: 'ftp://example.org' });
    assert.equal(badUrl.code, exitCodes.usage);
    assert.match(badUrl.stderr, /TRELLIS_URL="ftp:\/\/example.org"; expected an http:\/\/ or https:\/\/ URL/);
  });

  it('bad flags exit 2 with the reason and send nothing', async () => {
    const before = await memoryCount();
    const cases: [string[], RegExp][] = [
      [['decide', 'No choice'], /required option '--chose <option>' not specified/],
      [['decide', 'Sure?', '--chose', 'x', '--confidence', '1.5'], /--confidence must be a number from 0 to 1; got "1.5"/],
      [['decide', 'Sure?', '--chose', 'x', '--confidence', 'high'], /--confidence must be a number from 0 to 1/],
      [['decide', 'Sure?', '--chose', 'x', '--confidence', '-0.1'], /--confidence must be a number from 0 to 1|unknown option/],
      [['remember', 'x', '--importance', 'urgent'], /--importance must be one of critical, high, normal, low, ephemeral; got "urgent"/],
      [['remember', 'x', '--bogus'], /unknown option '--bogus'/],
      [['remember'], /missing required argument 'text'/],
      [['outcome', '0190a0a0-0000-7000-8000-000000000000', 'great'], /The outcome must be one of success, failure, partial; got "great"/],
      [['recall', 'x', '--limit', '0'], /--limit must be an integer from 1 to 100; got "0"/],
      [['recall', 'x', '--kind', 'memo'], /--kind must be one of note, decision, mistake, pattern, session; got "memo"/],
      [['find-error', 'x', '--limit', '51'], /--limit must be an integer from 1 to 50/],
      [['remember', 'x', '--url', 'javascript:alert(1)'], /--url must be an http:\/\/ or https:\/\/ URL/],
      [['remember', 'x', '--key', ''], /--key is empty/],
    ];
    for (const [args, message] of cases) {
      const run = await trellis([...args, ...(args.includes('--url') ? [] : ['--url', url]), ...(args.includes('--key') ? [] : ['--key', test.adminKey])]);
      assert.equal(run.code, exitCodes.usage, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
    }
    assert.deepEqual(await memoryCount(), before);
  });

  it("the server's 4xx answers exit 2 with the problem's detail: duplicate, invalid session, another tenant's session, too long, a proposed decision's outcome", async () => {
    const other = await test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' });
    const otherSession = await test.services.memory.create(other.tenant.id, { kind: 'session', title: 'Theirs', start: '2026-01-05T09:00:00Z' });
    const proposed = await test.services.memory.create(test.tenantId, { kind: 'decision', title: 'Maybe later', chosen: 'later' });
    await trellis(['remember', 'Said once', ...server]);
    const before = await memoryCount();
    const cases: [string[], number, RegExp][] = [
      [['remember', 'Said once'], exitCodes.usage, /POST \/memories → 409: An identical memory exists already: [0-9a-f-]{36}/],
      [['remember', 'x', '--session', "'; DROP TABLE memories;--"], exitCodes.usage, /POST \/memories → 400: .*sessionId/],
      [['remember', 'x', '--session', otherSession.id], exitCodes.usage, /POST \/memories → 422: /],
      [['remember', 'x'.repeat(100_001)], exitCodes.usage, /POST \/memories → 400: .*text/],
      [['remember', 'x', '--tag', 't'.repeat(65)], exitCodes.usage, /POST \/memories → 400: .*tags/],
      [['outcome', proposed.id, 'failure'], exitCodes.usage, /→ 409: .*proposed/],
      [['outcome', otherSession.id, 'failure'], exitCodes.notFound, /→ 404: /],
    ];
    for (const [args, code, message] of cases) {
      const run = await trellis([...args, ...server]);
      assert.equal(run.code, code, `${args.join(' ').slice(0, 80)}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(' ').slice(0, 80));
    }
    assert.deepEqual(await memoryCount(), before);
    const stored = (await test.services.memory.get(test.tenantId, proposed.id)) as { fields: Record<string, unknown> };
    assert.equal(stored.fields.outcome, undefined);

    const json = await trellis(['--json', 'remember', 'Said once', ...server]);
    assert.equal(json.code, exitCodes.usage);
    const error = JSON.parse(json.stderr) as { error: { code: string; details: { reason: string; id: string } } };
    assert.equal(error.error.code, 'conflict');
    assert.equal(error.error.details.reason, 'duplicate');
  });

  it('a missing decision exits 3; an unreachable server exits 4; a missing, wrong or read-only key is refused with what to do', async () => {
    const missing = await trellis(['outcome', '0190a0a0-0000-7000-8000-000000000000', 'success', ...server]);
    assert.equal(missing.code, exitCodes.notFound, missing.stderr);
    assert.match(missing.stderr, /POST \/memories\/0190a0a0-0000-7000-8000-000000000000\/outcome → 404: /);

    const port = await closedPort();
    const unreachable = await trellis(['remember', 'Nobody hears this', '--url', `http://127.0.0.1:${port}`, '--key', test.adminKey]);
    assert.equal(unreachable.code, exitCodes.unavailable);
    assert.match(unreachable.stderr, new RegExp(`error: Cannot reach the Trellis server at http://127.0.0.1:${port} \\(ECONNREFUSED\\)`));
    assert.match(unreachable.stderr, /hint: Start it with `trellis serve`, or point --url, TRELLIS_URL or url in trellis.yaml at a running server/);

    const unreachableJson = await trellis(['--json', 'recall', 'anything', '--url', `http://127.0.0.1:${port}`]);
    assert.equal(unreachableJson.code, exitCodes.unavailable);
    const error = JSON.parse(unreachableJson.stderr) as { error: { code: string; details: { url: string; reason: string } } };
    assert.deepEqual(error.error.details, { url: `http://127.0.0.1:${port}`, reason: 'ECONNREFUSED' });

    const before = await memoryCount();
    const wrong = await trellis(['remember', 'Wrong key', '--url', url, '--key', 'trl_not_a_real_key']);
    assert.equal(wrong.code, exitCodes.denied);
    assert.match(wrong.stderr, new RegExp(`error: The server at ${url} refused the API key`));
    assert.match(wrong.stderr, /hint: Give an API key with --key, TRELLIS_API_KEY or apiKey in trellis.yaml/);
    assert.doesNotMatch(wrong.stderr, /trl_not_a_real_key/);
    const none = await trellis(['remember', 'No key', '--url', url]);
    assert.equal(none.code, exitCodes.denied);
    assert.match(none.stderr, /requires an API key and none was given/);
    const reader = await test.services.platform.apiKeys.create({ tenantId: test.tenantId, name: 'reader', scopes: ['read'] });
    const readOnly = await trellis(['remember', 'Read-only key', '--url', url, '--key', reader.key]);
    assert.equal(readOnly.code, exitCodes.denied);
    assert.match(readOnly.stderr, /→ 403: /);
    assert.deepEqual(await memoryCount(), before);
  });

  it('recall ranks memories with why each ranked (when the server has POST /recall)', async (t) => {
    if (!hasRecall) {
      t.skip('the server has no POST /recall yet');
      return;
    }
    await trellis(['remember', 'Blue-green deploys keep the old version warm', '--tag', 'recall-test', ...server]);
    const run = await trellis(['recall', 'blue-green deploys', '--kind', 'note', '--limit', '3', ...server]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^1\. note [0-9a-f-]{36}  score \d\.\d{3}/);
    assert.match(run.stdout, /Blue-green deploys keep the old version warm/);
    assert.match(run.stdout, /why: .*recency \d\.\d\d, importance \d\.\d\d/);
    assert.match(run.stdout, /\n {3}cites: memory:\/\/[0-9a-f-]{36}/);
    const later = await trellis(['recall', 'blue-green deploys', '--since', '2999-01-01T00:00:00Z', ...server]);
    assert.equal(later.code, 0, later.stderr);
    assert.match(later.stdout, /^no memories match \(/);
    const badSince = await trellis(['recall', 'blue-green deploys', '--since', 'yesterday', ...server]);
    assert.equal(badSince.code, exitCodes.usage);
    assert.match(badSince.stderr, /POST \/recall → 400: .*since/);
    const json = await trellis(['--json', 'recall', 'blue-green deploys', ...server]);
    const answer = JSON.parse(json.stdout) as { results: { memory: MemoryBody }[] };
    assert.ok(answer.results.some((result) => result.memory.body === 'Blue-green deploys keep the old version warm'));
  });

  it('find-error ranks past mistakes with their solutions (when the server has POST /memories/find-error)', async (t) => {
    if (!hasFindError) {
      t.skip('the server has no POST /memories/find-error yet');
      return;
    }
    const recorded = await trellis([
      '--json',
      'error',
      'SQLITE_BUSY: database is locked',
      '--solution',
      'Set a busy timeout',
      '--step',
      'busy_timeout = 5000',
      ...server,
    ]);
    assert.equal((JSON.parse(recorded.stdout) as MemoryBody).fields.errorType, 'SQLITE_BUSY');
    const run = await trellis(['find-error', 'SQLITE_BUSY: database is locked while writing', '--type', 'SQLITE_BUSY', ...server]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^1\. SQLITE_BUSY: database is locked  \([0-9a-f-]{36}\)\n/);
    assert.match(run.stdout, /solution: Set a busy timeout\n {5}1\. busy_timeout = 5000/);
  });
});
