/**
 * @module Exports and imports over HTTP on both drivers: streaming with the right headers, a slow client that pauses
 * the export (the server never produces much ahead of it), a client that leaves (the export worker stops), bad
 * requests, tenant isolation, and imports within the request and as a job.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportedBytes, runningExportWorkers } from '../src/exchange/export-stream.js';
import { importsFolder } from '../src/exchange/import-files.js';
import { loadConfig } from '../src/core/config.js';
import { type App, buildApp } from '../src/server/app.js';
import { type Services, createServices, startBackground, stopBackground } from '../src/server/services.js';
import type { Job } from '../src/platform/jobs/index.js';
import type { Dialect } from '../src/store/index.js';
import { hostileNames } from './support/exchange-fixture.js';
import { readGraphml } from './support/exchange-parsers.js';
import { filesBelow } from './support/ingest-http.js';
import { type TestStore, createTestStore, dialects } from './support/stores.js';

/** A listening app whose export workers can open the store (PostgreSQL with its URL), with its job worker running. */
interface ExchangeApp {
  app: App;
  services: Services;
  base: string;
  key: string;
  tenantId: string;
  dataDir: string;
  dispose(): Promise<void>;
}

async function startApp(dialect: Dialect): Promise<ExchangeApp> {
  const test: TestStore = await createTestStore(dialect);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-exchange-http-'));
  const config = loadConfig({
    env: {},
    file: undefined,
    overrides: {
      logLevel: 'silent',
      rateLimit: 'off',
      dataDir,
      jobsPollIntervalMs: 20,
      ingestUploadMaxBytes: 6 * 1024 * 1024,
      ...(dialect === 'postgres' ? { databaseUrl: test.location, databaseRole: 'trellis_app' } : {}),
    },
  });
  const services = createServices(config, test.store);
  const boot = await services.platform.bootstrap();
  if (!boot.created) throw new Error('bootstrap did not run');
  const app = await buildApp(services, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  await startBackground(services);
  return {
    app,
    services,
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    key: boot.created.apiKey,
    tenantId: boot.created.tenantId,
    dataDir,
    async dispose() {
      await app.close();
      await stopBackground(services);
      await services.graph.close();
      await test.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const dialect of dialects) {
  describe(`exchange over HTTP (${dialect})`, () => {
    let server: ExchangeApp;
    let otherKey: string;
    const auth = (key = server.key) => ({ authorization: `Bearer ${key}` });
    const get = (url: string, key?: string) => fetch(`${server.base}${url}`, { headers: auth(key) });
    const post = (url: string, body: string | Buffer, key?: string, type = 'application/x-ndjson') =>
      fetch(`${server.base}${url}`, { method: 'POST', headers: { ...auth(key), 'content-type': type }, body });
    const problem = async (response: Response, status: number, code: string) => {
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, status, JSON.stringify(body));
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(body.code, code, JSON.stringify(body));
      return body;
    };

    before(async () => {
      server = await startApp(dialect);
      otherKey = (await server.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' })).key;
      // Enough graph for an export of several megabytes (more than the stream's and the sockets' buffers hold) in few rows.
      const { graph } = server.services;
      const text = 'x'.repeat(4000);
      const result = await graph.upsertEntities(
        server.tenantId,
        Array.from({ length: 2500 }, (_, index) => ({ type: 'Item', name: `Item ${index}`, properties: { index, text } })),
      );
      await graph.upsertRelations(
        server.tenantId,
        result.ids.slice(1).map((id, index) => ({ type: 'NEXT', from: result.ids[index] as string, to: id })),
      );
      await graph.upsertEntity(server.tenantId, { type: 'Person', name: hostileNames.xml });
    });
    after(() => server.dispose());

    it('GET /export streams GraphML with its content type and attachment name, and it parses', async () => {
      const response = await get('/export?format=graphml&what=graph');
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/graphml+xml; charset=utf-8');
      assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="trellis-graph\.graphml"/);
      assert.equal(response.headers.get('transfer-encoding'), 'chunked');
      const parsed = readGraphml(await response.text());
      assert.equal(parsed.nodes.size, 2501);
      assert.equal(parsed.edges.length, 2499);
      assert.ok([...parsed.nodes.values()].some((node) => node.label === hostileNames.xml));
    });

    it('a slow client sets the pace: while it does not read, the export stops producing; then it gets every byte', async () => {
      // Over a Unix socket, whose kernel buffers are small and fixed (loopback TCP grows its buffers to many megabytes),
      // so what was produced while the client did not read is what the server itself holds.
      const socketPath = path.join(server.dataDir, 'exchange.sock');
      const unixApp = await buildApp(server.services, { logger: false });
      await unixApp.listen({ path: socketPath });
      try {
        const before = exportedBytes();
        const body: Buffer[] = [];
        const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
          http.get({ socketPath, path: '/export?format=jsonl&what=graph', headers: auth() }, resolve).on('error', reject);
        });
        assert.equal(response.statusCode, 200);
        assert.equal(response.headers['content-type'], 'application/x-ndjson; charset=utf-8');
        // Read one chunk, then stop reading.
        await new Promise<void>((resolve) =>
          response.once('data', (chunk: Buffer) => {
            body.push(chunk);
            response.pause();
            resolve();
          }),
        );
        // Wait until the export stops producing (every buffer on the way is full), then see how far it got.
        let last = -1;
        await until(async () => {
          const now = exportedBytes() - before;
          const settled = now === last;
          last = now;
          if (!settled) await new Promise((resolve) => setTimeout(resolve, 300));
          return settled;
        }, 'the export to pause');
        const producedWhilePaused = exportedBytes() - before;
        assert.equal(runningExportWorkers(), 1, 'the export is paused, not finished');
        response.on('data', (chunk: Buffer) => body.push(chunk));
        response.resume();
        await new Promise((resolve) => response.on('end', resolve));
        const total = Buffer.concat(body);
        assert.equal(total.toString('utf8').trimEnd().split('\n').length, 2501 + 2499);
        assert.ok(total.length > 10_000_000, `the export is ${total.length} bytes`);
        assert.ok(producedWhilePaused < 5_000_000, `produced ${producedWhilePaused} of ${total.length} bytes while the client did not read`);
        await until(() => runningExportWorkers() === 0, 'the export worker to end');
      } finally {
        await unixApp.close();
      }
    });

    it('a client that leaves mid-export stops the export worker', async () => {
      const controller = new AbortController();
      const response = await fetch(`${server.base}/export?format=graphml`, { headers: auth(), signal: controller.signal });
      const reader = response.body?.getReader();
      await reader?.read();
      assert.equal(runningExportWorkers(), 1);
      controller.abort();
      await until(() => runningExportWorkers() === 0, 'the export worker to stop');
    });

    it('bad export requests are 400 or 404 problems, and another tenant exports only its own graph', async () => {
      await problem(await get('/export?format=xlsx'), 400, 'validation_failed');
      await problem(await get('/export?format=csv&what=graph'), 400, 'bad_request');
      await problem(await get('/export?format=graphml&what=nothing'), 400, 'bad_request');
      await problem(await get('/export?format=jsonl&citations=-1'), 400, 'validation_failed');
      await problem(await get('/export?format=ntriples&base=javascript%3Aalert(1)%20x'), 400, 'bad_request');
      await problem(await get(`/export?format=csv&what=dataset:${encodeURIComponent(hostileNames.cypher)}`), 404, 'not_found');
      await problem(await fetch(`${server.base}/export?format=jsonl`), 401, 'unauthenticated');
      const openapi = (await (await fetch(`${server.base}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      assert.ok(openapi.paths['/export']?.get && openapi.paths['/import']?.post, 'both routes are described');
      const other = await get('/export?format=jsonl&what=graph', otherKey);
      assert.equal(other.status, 200);
      assert.equal(await other.text(), '');
    });

    it('POST /import writes a small JSONL file within the request, citing it; the same file again is unchanged', async () => {
      const file = [
        JSON.stringify({ kind: 'entity', id: 'a', type: 'Person', name: hostileNames.cypher, properties: { age: 36 } }),
        JSON.stringify({ kind: 'entity', id: 'b', type: 'Company', name: 'Initech' }),
        JSON.stringify({ kind: 'relation', from: 'a', to: 'b', type: 'WORKS_AT', properties: { since: 1999 } }),
      ].join('\n');
      const response = await post('/import?format=jsonl&name=people.jsonl', file, otherKey);
      const body = (await response.json()) as Record<string, any>;
      assert.equal(response.status, 201, JSON.stringify(body));
      assert.equal(body.status, 'imported');
      assert.deepEqual(body.entities, { read: 2, created: 2, updated: 0 });
      assert.deepEqual(body.relations, { read: 1, created: 1, updated: 0 });
      const listed = (await (await get('/entities?q=DETACH', otherKey)).json()) as { items: { id: string }[] };
      const entity = (await (await get(`/entities/${listed.items[0]?.id}`, otherKey)).json()) as Record<string, any>;
      assert.equal(entity.name, hostileNames.cypher);
      assert.equal(entity.evidence[0].source.title, 'people.jsonl');
      assert.equal(entity.evidence[0].extractor, 'import:jsonl');
      assert.equal(entity.evidence[0].start, 1);
      const again = (await (await post('/import?format=jsonl&name=people.jsonl', file, otherKey)).json()) as Record<string, unknown>;
      assert.equal(again.status, 'unchanged');
      assert.deepEqual(filesBelow(importsFolder(server.dataDir, server.tenantId)), []);
    });

    it('POST /import refuses bad files whole (422 with line numbers) and bad requests, and writes nothing', async () => {
      const count = async () => ((await (await get('/entities?limit=1000', otherKey)).json()) as { items: unknown[] }).items.length;
      const before = await count();
      const bad = await problem(
        await post('/import?format=jsonl', '{"kind":"entity","id":"x","type":"T","name":"ok"}\n{broken\n', otherKey),
        422,
        'unprocessable',
      );
      assert.deepEqual(
        (bad.details as { problems: { line: number }[] }).problems.map((item) => item.line),
        [2],
      );
      const foreign = (await (await get('/entities?limit=1', server.key)).json()) as { items: { id: string }[] };
      const crossTenant = JSON.stringify({ kind: 'relation', from: foreign.items[0]?.id, to: foreign.items[0]?.id, type: 'STEALS' });
      const refused = await problem(await post('/import?format=jsonl', crossTenant, otherKey), 422, 'unprocessable');
      assert.match(String(refused.detail), /no entity of the file or of this tenant/);
      const bomb =
        '<?xml version="1.0"?><!DOCTYPE g [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><graphml><graph><node id="n"><data key="d">&b;</data></node></graph></graphml>';
      await problem(await post('/import?format=graphml', bomb, otherKey, 'application/xml'), 422, 'unprocessable');
      await problem(await post('/import?format=graphml', '<graphml><graph><node id="n">', otherKey, 'application/xml'), 422, 'unprocessable');
      await problem(await post('/import?format=csv', 'a,b', otherKey), 400, 'validation_failed');
      await problem(await post('/import?format=jsonl', '', otherKey), 400, 'bad_request');
      await problem(await post('/import?format=jsonl', '--x\r\n', otherKey, 'multipart/form-data; boundary=x'), 415, 'unsupported_media_type');
      await problem(await post('/import?format=jsonl', Buffer.alloc(7 * 1024 * 1024, 0x20), otherKey), 413, 'payload_too_large');
      assert.equal(await count(), before);
      const imports = await server.services.graph.listSources((await server.services.platform.tenants.get('globex')).id, { kind: 'import', limit: 10 });
      assert.equal(imports.items.length, 1, 'only the one good import left a source');
    });

    it('a large import is checked within the request and written by a job', async () => {
      const note = 'y'.repeat(4000);
      const lines = Array.from({ length: 1200 }, (_, index) =>
        JSON.stringify({ kind: 'entity', id: `e${index}`, type: 'Part', name: `Part ${index}`, properties: { note } }),
      );
      lines.push(...Array.from({ length: 500 }, (_, index) => JSON.stringify({ kind: 'relation', from: `e${index}`, to: `e${index + 1}`, type: 'FITS' })));
      const response = await post('/import?format=jsonl&name=parts.jsonl', lines.join('\n'), otherKey);
      const accepted = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, 202, JSON.stringify(accepted));
      assert.equal(accepted.entities, 1200);
      assert.equal(response.headers.get('location'), `/jobs/${accepted.jobId}`);
      let job: Job | undefined;
      await until(async () => {
        job = (await (await get(`/jobs/${accepted.jobId}`, otherKey)).json()) as Job;
        return job.status === 'succeeded' || job.status === 'dead';
      }, 'the import job');
      assert.equal(job?.status, 'succeeded', job?.lastError ?? '');
      assert.deepEqual((job?.result as Record<string, unknown>).relations, { read: 500, created: 500, updated: 0 });
      const otherTenant = (await server.services.platform.tenants.get('globex')).id;
      assert.deepEqual(filesBelow(importsFolder(server.dataDir, otherTenant)), []);
    });
  });
}
