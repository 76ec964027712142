/** @module End-to-end tests of the `trellis` CLI as a real process: administration, serve, reads, doctor, and bad input with its exit codes. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exitCodes } from '../src/cli/output.js';
import { type TrellisConfig, loadConfig } from '../src/core/config.js';
import type { BulkResult, Entity, Page } from '../src/graph/index.js';
import { type Services, createServices } from '../src/server/services.js';
import { openStore } from '../src/store/index.js';
import { version } from '../src/version.js';
import { waitForListening } from './support/listening.js';
import { type TranspiledCli, transpileCli } from './support/transpiled-cli.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const keyPattern = /trl_[a-z2-7]+_[a-z2-7]+/;
const unknownId = '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee';

/** How to start the CLI: node arguments before the command's own. */
let cliCommand: string[] = [];

let transpiled: TranspiledCli;
before(() => {
  transpiled = transpileCli();
  cliCommand = [transpiled.main];
});
after(() => transpiled.dispose());

/** What a finished CLI process left behind. */
interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI process: this one's, without any TRELLIS_* or test-runner variable, plus `extra`. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('TRELLIS_') && !name.startsWith('NODE_TEST') && name !== 'NODE_OPTIONS') env[name] = value;
  }
  return { ...env, ...extra };
}

function spawnCli(args: string[], cwd: string, env: NodeJS.ProcessEnv, command = cliCommand): ChildProcess {
  return spawn(process.execPath, [...command, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `trellis …` to completion (killed after `timeoutMs`) and returns its exit code and output. */
function trellis(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; command?: string[] }): Promise<Finished> {
  const child = spawnCli(args, options.cwd, options.env, options.command);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A `trellis serve` process that printed its URL. */
interface Served {
  url: string;
  output(): string;
  /** Sends SIGTERM and resolves to the exit code. */
  stop(): Promise<number | null>;
}

async function serve(options: { cwd: string; env: NodeJS.ProcessEnv; globals?: string[] }): Promise<Served> {
  const child = spawnCli([...(options.globals ?? []), 'serve'], options.cwd, options.env);
  const { url, output, exited } = await waitForListening(child, 90_000);
  return {
    url,
    output,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Parses one JSON document printed by `--json`. */
function json<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** Asserts a failed run: the exit code, nothing on stdout, the message on stderr. */
function assertFailed(run: Finished, code: number, message: RegExp): void {
  assert.equal(run.code, code, `exit ${run.code}, expected ${code}; stderr: ${run.stderr}`);
  assert.match(run.stderr, message);
  assert.equal(run.stdout, '', 'errors go to stderr only');
}

// The story and the bad-input group use separate data folders, so they run side by side; the story's steps run in order.
describe('trellis CLI as a real process', { concurrency: 2 }, () => {
  describe('trellis CLI: migrate, serve, tenants, keys, entities, graph and doctor on one SQLite data folder, in order', { concurrency: 1 }, () => {
    let dir: string;
    let dataDir: string;
    let env: NodeJS.ProcessEnv;
    let server: Served | undefined;
    let adminKey: string;
    let ciKey: { id: string; key: string; prefix: string };
    const ids = { grace: '', navy: '', cobol: '' };
    const run = (...args: string[]) => trellis(args, { cwd: dir, env });
    const api = (url: string, key: string, init: { method?: string; body?: unknown } = {}) =>
      fetch(`${server?.url}${url}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${key}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        ...(init.body ? { body: JSON.stringify(init.body) } : {}),
      });

    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cli-'));
      dataDir = path.join(dir, 'data');
      env = cliEnv({ TRELLIS_DATA_DIR: dataDir, TRELLIS_PORT: '0', TRELLIS_LOG_LEVEL: 'warn', TRELLIS_API_KEY_CACHE_MS: '0' });
    });
    after(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('migrate applies the migrations once and reports them, in words and with --json', async () => {
      const first = await run('migrate');
      assert.equal(first.code, exitCodes.ok, first.stderr);
      assert.match(first.stdout, /store: sqlite .*trellis\.db/);
      assert.match(first.stdout, /applied: 0001-foundation/);
      const second = await run('migrate', '--json');
      assert.equal(second.code, exitCodes.ok, second.stderr);
      const report = json<{ dialect: string; applied: string[]; alreadyApplied: string[] }>(second.stdout);
      assert.equal(report.dialect, 'sqlite');
      assert.deepEqual(report.applied, []);
      assert.ok(report.alreadyApplied.includes('0001-foundation'));
    });

    it('the first start of serve creates tenant "default", prints its admin key once and writes it to a 0600 file', async () => {
      server = await serve({ cwd: dir, env });
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const printed = keyPattern.exec(server.output())?.[0];
      assert.ok(printed, `a key in the output:\n${server.output()}`);
      assert.equal(server.output().split(printed).length - 1, 1, 'the key is printed exactly once');
      const file = path.join(dataDir, 'initial-admin-key.txt');
      assert.equal(readFileSync(file, 'utf8'), `${printed}\n`);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      adminKey = printed;
      const tenant = await api('/tenant', adminKey);
      assert.equal(tenant.status, 200);
      assert.equal(((await tenant.json()) as { slug: string }).slug, 'default');
    });

    it('tenants create prints the new admin key once, it works against the server, and tenants list --json lists the tenant', async () => {
      const created = await run('tenants', 'create', 'acme', '--name', 'Acme Corp');
      assert.equal(created.code, exitCodes.ok, created.stderr);
      assert.match(created.stdout, /tenant acme \([0-9a-f-]{36}\) created/);
      const key = keyPattern.exec(created.stdout)?.[0];
      assert.ok(key);
      const listed = await run('tenants', 'list', '--json');
      assert.equal(listed.code, exitCodes.ok, listed.stderr);
      const tenants = json<{ slug: string; name: string }[]>(listed.stdout);
      assert.deepEqual(tenants.map((tenant) => [tenant.slug, tenant.name]).sort(), [
        ['acme', 'Acme Corp'],
        ['default', 'Default'],
      ]);
      assert.doesNotMatch(listed.stdout, keyPattern, 'listing tenants never shows a key');
      const own = await api('/tenant', key);
      assert.equal(((await own.json()) as { slug: string }).slug, 'acme');
    });

    it('keys create --json returns a key that authenticates against the running server with the scopes asked for', async () => {
      const created = await run('keys', 'create', '--name', 'ci', '--scopes', 'read,write', '--json');
      assert.equal(created.code, exitCodes.ok, created.stderr);
      ciKey = json<{ id: string; key: string; prefix: string; scopes: string[] }>(created.stdout);
      assert.match(ciKey.key, keyPattern);
      assert.deepEqual(json<{ scopes: string[] }>(created.stdout).scopes, ['read', 'write']);
      const listed = await api('/entities', ciKey.key);
      assert.equal(listed.status, 200);
      assert.deepEqual(((await listed.json()) as Page<Entity>).items, []);
      assert.equal((await api('/keys', ciKey.key)).status, 403, 'a read,write key is no admin');
    });

    it('keys list shows every key by prefix and name, never a secret', async () => {
      const [human, listed] = await Promise.all([run('keys', 'list'), run('keys', 'list', '--json')]);
      assert.equal(human.code, exitCodes.ok, human.stderr);
      assert.equal(listed.code, exitCodes.ok, listed.stderr);
      const keys = json<Record<string, unknown>[]>(listed.stdout);
      assert.ok(keys.some((key) => key.name === 'ci' && key.prefix === ciKey.prefix));
      assert.equal(keys.length, 2, 'the first-start admin key and ci');
      for (const key of keys) for (const field of ['key', 'hash', 'secret', 'keyHash', 'secretHash']) assert.equal(key[field], undefined, `no ${field} field`);
      for (const output of [human.stdout, listed.stdout]) {
        assert.doesNotMatch(output, keyPattern, 'no plaintext key');
        assert.ok(!output.includes(ciKey.key.split('_')[2] ?? ciKey.key) && !output.includes(adminKey.split('_')[2] ?? adminKey), 'no secret part');
      }
      assert.match(human.stdout, new RegExp(`${ciKey.id}\\s+${ciKey.prefix}\\s+ci\\s+read,write`));
    });

    it('entities list and entities get show data created over HTTP, with its evidence', async () => {
      const text = 'Grace Hopper worked for the US Navy and wrote COBOL.';
      const source = (await (
        await api('/sources', ciKey.key, {
          method: 'POST',
          body: { uri: 'https://example.org/hopper.txt', kind: 'text', title: 'Hopper', chunks: [{ text, page: 7 }] },
        })
      ).json()) as { id: string; chunks: { id: string }[] };
      const cite = (word: string) => [
        { sourceId: source.id, chunkId: source.chunks[0]?.id, start: text.indexOf(word), end: text.indexOf(word) + word.length, extractor: 'ner' },
      ];
      const bulk = await api('/entities/bulk', ciKey.key, {
        method: 'POST',
        body: {
          entities: [
            { type: 'Person', name: 'Grace Hopper', evidence: cite('Grace Hopper') },
            { type: 'Organization', name: 'US Navy', evidence: cite('US Navy') },
            { type: 'Language', name: 'COBOL', evidence: cite('COBOL') },
          ],
        },
      });
      assert.equal(bulk.status, 200);
      [ids.grace, ids.navy, ids.cobol] = ((await bulk.json()) as BulkResult).ids as [string, string, string];
      const relations = await api('/relations/bulk', ciKey.key, {
        method: 'POST',
        body: {
          relations: [
            { type: 'WORKS_FOR', from: ids.grace, to: ids.navy },
            { type: 'USES', from: ids.navy, to: ids.cobol },
          ],
        },
      });
      assert.equal(relations.status, 200);

      const [list, human, machine] = await Promise.all([
        run('entities', 'list'),
        run('entities', 'get', ids.grace),
        run('--json', 'entities', 'get', ids.grace),
      ]);
      assert.equal(list.code, exitCodes.ok, list.stderr);
      assert.match(list.stdout, /^ID\s+TYPE\s+NAME\s+UPDATED/);
      assert.match(list.stdout, new RegExp(`${ids.cobol}\\s+Language\\s+COBOL`));
      for (const name of ['Grace Hopper', 'US Navy']) assert.match(list.stdout, new RegExp(name));
      assert.equal(human.code, exitCodes.ok, human.stderr);
      assert.match(human.stdout, new RegExp(`Grace Hopper\\s+\\(Person, ${ids.grace}\\)`));
      assert.match(human.stdout, /evidence:\n\s+- ner from https:\/\/example\.org\/hopper\.txt p\.7 \[0, 12\): "Grace Hopper"/);
      const entity = json<Entity & { evidence: { quote: string; source: { uri: string; title: string; page: number } }[] }>(machine.stdout);
      assert.deepEqual(
        entity.evidence.map((evidence) => [evidence.quote, evidence.source]),
        [['Grace Hopper', { uri: 'https://example.org/hopper.txt', title: 'Hopper', page: 7 }]],
      );
    });

    it('graph neighbors --depth 2 and graph path show the traversal', async () => {
      const [two, twoJson, route] = await Promise.all([
        run('graph', 'neighbors', ids.grace, '--depth', '2'),
        run('--json', 'graph', 'neighbors', ids.grace, '--depth', '2', '--direction', 'out'),
        run('graph', 'path', ids.grace, ids.cobol),
      ]);
      assert.equal(two.code, exitCodes.ok, two.stderr);
      assert.match(two.stdout, /^DEPTH\s+ID\s+TYPE\s+NAME/);
      assert.match(two.stdout, new RegExp(`2\\s+${ids.cobol}\\s+Language\\s+COBOL`));
      assert.match(two.stdout, /3 nodes, 2 relations/);
      const result = json<{ root: string; nodes: { name: string; depth: number }[] }>(twoJson.stdout);
      assert.equal(result.root, ids.grace);
      assert.deepEqual(
        result.nodes.map((node) => [node.name, node.depth]),
        [
          ['Grace Hopper', 0],
          ['US Navy', 1],
          ['COBOL', 2],
        ],
      );
      assert.equal(route.code, exitCodes.ok, route.stderr);
      assert.match(route.stdout, /Grace Hopper \(Person\)\n\s+─\[WORKS_FOR\]→ US Navy \(Organization\)\n\s+─\[USES\]→ COBOL \(Language\)\nlength 2/);
    });

    it('keys revoke <id> stops the key from authenticating at once', async () => {
      const revoked = await run('keys', 'revoke', ciKey.id);
      assert.equal(revoked.code, exitCodes.ok, revoked.stderr);
      assert.match(revoked.stdout, new RegExp(`key ${ciKey.id} \\(${ciKey.prefix}\\) revoked at \\d{4}-`));
      const refused = await api('/entities', ciKey.key);
      assert.equal(refused.status, 401);
      assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal((await api('/entities', adminKey)).status, 200, 'other keys still work');
    });

    it('serve exits 0 on SIGTERM, and a second start neither prints nor writes a new key', async () => {
      const first = server;
      server = undefined;
      assert.equal(await first?.stop(), 0);
      assert.match(first?.output() ?? '', /SIGTERM: stopping/);
      const file = path.join(dataDir, 'initial-admin-key.txt');
      const before = readFileSync(file, 'utf8');
      // Global flags before the command: serve must keep running all the same (it once exited when argv[2] was not "serve").
      server = await serve({ cwd: dir, env, globals: ['--data-dir', dataDir] });
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.doesNotMatch(server.output(), keyPattern);
      assert.doesNotMatch(server.output(), /First start/);
      assert.equal(readFileSync(file, 'utf8'), before);
      assert.equal((await api('/entities', adminKey)).status, 200, 'the first key still works after a restart');
      const second = server;
      server = undefined;
      assert.equal(await second.stop(), 0);
    });

    it('doctor reports every check ok and exits 0, in words and with --json', async () => {
      const [human, machine] = await Promise.all([run('doctor'), run('--json', 'doctor')]);
      assert.equal(human.code, exitCodes.ok, human.stderr);
      for (const check of ['config', 'store', 'migrations']) assert.match(human.stdout, new RegExp(`^✓ ${check}`, 'm'));
      assert.doesNotMatch(human.stdout, /^✗/m);
      const report = json<{ ok: boolean; checks: { name: string; status: string }[] }>(machine.stdout);
      assert.equal(report.ok, true);
      assert.deepEqual(
        report.checks.filter((check) => check.name !== 'disk').map((check) => [check.name, check.status]),
        [
          ['config', 'ok'],
          ['store', 'ok'],
          ['migrations', 'ok'],
        ],
      );
    });
  });

  describe('trellis CLI refuses bad input with a clear message and the documented exit code', { concurrency: 3 }, () => {
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const known = { entity: '', other: '' };
    const run = (...args: string[]) => trellis(args, { cwd: dir, env });
    let config: TrellisConfig;
    /** Looks into the SQLite file the CLI uses, in process, through the services. */
    const inspect = async <T>(work: (services: Services) => Promise<T>): Promise<T> => {
      const store = openStore(config);
      try {
        return await work(createServices(config, store));
      } finally {
        await store.close();
      }
    };
    const tenantSlugs = () => inspect(async (services) => (await services.platform.tenants.list()).map((tenant) => tenant.slug).sort());
    const keyCount = () => inspect(async (services) => (await services.platform.apiKeys.list((await services.platform.tenants.get('default')).id)).length);

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cli-input-'));
      const dataDir = path.join(dir, 'data');
      env = cliEnv({ TRELLIS_DATA_DIR: dataDir, TRELLIS_LOG_LEVEL: 'warn' });
      // The data is made in process through the services, on the same SQLite file the CLI opens.
      config = loadConfig({ env: {}, file: undefined, overrides: { dataDir, logLevel: 'silent' } });
      const store = openStore(config);
      await store.migrate();
      await store.close();
      await inspect(async (services) => {
        const boot = await services.platform.bootstrap();
        assert.ok(boot.created);
        const created = await services.graph.upsertEntities(boot.created.tenantId, [
          { type: 'Person', name: 'Known' },
          { type: 'Person', name: 'Other' },
        ]);
        [known.entity, known.other] = created.ids as [string, string];
      });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('src/cli/main.ts runs when invoked directly through tsx', async () => {
      const command = ['--import', import.meta.resolve('tsx'), path.join(repoRoot, 'src', 'cli', 'main.ts')];
      const shown = await trellis(['--version'], { cwd: dir, env, command });
      assert.equal(shown.code, exitCodes.ok, shown.stderr);
      assert.equal(shown.stdout.trim(), version);
    });

    it('an unknown command exits 2 and names it', async () => {
      assertFailed(await run('frobnicate'), exitCodes.usage, /unknown command 'frobnicate'/);
    });

    it('an unknown flag exits 2 and names it', async () => {
      assertFailed(await run('tenants', 'list', '--frob'), exitCodes.usage, /unknown option '--frob'/);
    });

    it('keys create --scopes root exits 2, lists the allowed scopes, and creates no key', async () => {
      const before = await keyCount();
      assertFailed(
        await run('keys', 'create', '--name', 'x', '--scopes', 'root'),
        exitCodes.usage,
        /--scopes must be a comma-separated list of read, write, admin, system; got "root"/,
      );
      assert.equal(await keyCount(), before);
    });

    it('graph neighbors --depth 99 and --direction sideways exit 2 and say what is allowed', async () => {
      const [depth, direction] = await Promise.all([
        run('graph', 'neighbors', known.entity, '--depth', '99'),
        run('graph', 'neighbors', known.entity, '--direction', 'sideways'),
      ]);
      assertFailed(depth, exitCodes.usage, /--depth must be an integer from 1 to 5; got "99"/);
      assertFailed(direction, exitCodes.usage, /--direction must be out, in or both/);
    });

    it('entities list --limit -1 and a forged --cursor exit 2', async () => {
      const [limit, cursor] = await Promise.all([run('entities', 'list', '--limit', '-1'), run('entities', 'list', '--cursor', 'forged')]);
      assertFailed(limit, exitCodes.usage, /--limit must be an integer from 1 to 1000; got "-1"/);
      assertFailed(cursor, exitCodes.usage, /Cursor "forged" is not one this server issued/);
    });

    it('an entity ID that is not a UUID exits 2 (as HTTP answers 400), naming it', async () => {
      const [get, neighbours, route] = await Promise.all([
        run('entities', 'get', 'not-an-id'),
        run('graph', 'neighbors', "x' OR '1'='1"),
        run('graph', 'path', known.entity, 'nope'),
      ]);
      assertFailed(get, exitCodes.usage, /The entity ID must be a UUID; got "not-an-id"/);
      assertFailed(neighbours, exitCodes.usage, /The entity ID must be a UUID; got "x' OR '1'='1"/);
      assertFailed(route, exitCodes.usage, /The end entity ID must be a UUID; got "nope"/);
    });

    it('entities get and graph path of an unknown UUID exit 3 with the message on stderr', async () => {
      const [get, route] = await Promise.all([run('entities', 'get', unknownId), run('graph', 'path', known.entity, unknownId)]);
      assertFailed(get, exitCodes.notFound, new RegExp(`error: Entity "${unknownId}" does not exist`));
      assertFailed(route, exitCodes.notFound, /does not exist/);
    });

    it('with --json, an error is one JSON object on stderr', async () => {
      const [missing, scopes] = await Promise.all([
        run('--json', 'entities', 'get', unknownId),
        run('keys', 'create', '--name', 'x', '--scopes', 'root', '--json'),
      ]);
      assert.equal(missing.code, exitCodes.notFound);
      assert.equal(missing.stdout, '');
      const error = json<{ error: { code: string; message: string } }>(missing.stderr).error;
      assert.equal(error.code, 'not_found');
      assert.match(error.message, /does not exist/);
      assert.equal(scopes.code, exitCodes.usage);
      assert.equal(json<{ error: { code: string } }>(scopes.stderr).error.code, 'bad_request');
    });

    it("tenants create 'x; DROP TABLE tenants' exits 2 with the slug rule, and the tenants are intact", async () => {
      assertFailed(await run('tenants', 'create', 'x; DROP TABLE tenants'), exitCodes.usage, /slug "x; DROP TABLE tenants" must match/);
      assert.deepEqual(await tenantSlugs(), ['default']);
    });

    it('tenants create of a taken slug exits 2 with a conflict', async () => {
      assertFailed(await run('tenants', 'create', 'default'), exitCodes.usage, /already exists/);
    });

    it('TRELLIS_PORT=abc is a configuration error naming the variable and what is allowed (exit 2)', async () => {
      const result = await trellis(['serve'], { cwd: dir, env: { ...env, TRELLIS_PORT: 'abc' } });
      assertFailed(result, exitCodes.usage, /TRELLIS_PORT="abc"; expected an integer from 0 to 65535/);
    });

    it('a trellis.yaml with an unknown key or a bad value is refused naming the key (exit 2)', async () => {
      const unknownKey = path.join(dir, 'unknown.yaml');
      const badValue = path.join(dir, 'bad-value.yaml');
      writeFileSync(unknownKey, 'port: 8080\ncolour: blue\n');
      writeFileSync(badValue, 'bodyLimit: lots\n');
      const [unknown, bad] = await Promise.all([run('--config', unknownKey, 'tenants', 'list'), run('--config', badValue, 'tenants', 'list')]);
      assertFailed(unknown, exitCodes.usage, /Unknown key "colour" in .*unknown\.yaml; allowed keys: host, port/);
      assertFailed(bad, exitCodes.usage, /bodyLimit in .*bad-value\.yaml="lots"; expected bytes, an integer/);
    });

    it('doctor with an unreachable PostgreSQL prints a failed store check with a hint and exits 4', async () => {
      const result = await trellis(['doctor'], { cwd: dir, env: { ...env, TRELLIS_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x' } });
      assert.equal(result.code, exitCodes.unavailable, result.stdout + result.stderr);
      assert.match(result.stdout, /^✗ store\s+Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/x/m);
      assert.match(result.stdout, /^\s+→ .*TRELLIS_DATABASE_URL/m);
      assert.doesNotMatch(result.stdout, /nobody@/, 'the URL is shown without credentials');
    });
  });
});
