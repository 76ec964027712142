/**
 * @module Bad input and access to ingestion over HTTP on both drivers: paths outside the ingest root (absolute, `..`,
 * symlinks), an unset root, malformed and mistyped bodies, oversized and hostile uploads, scopes and tenants, and job
 * payloads that would bypass the checks. None of them enqueues a job or keeps a file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ErrorCode } from '../src/core/errors.js';
import type { IngestSummary } from '../src/ingest/pipeline/index.js';
import type { Job } from '../src/platform/jobs/index.js';
import { type Answer, type IngestHttpApp, type Part, filesBelow, multipartBody, startIngestHttpApp } from './support/ingest-http.js';
import { dialects } from './support/stores.js';

function assertProblem(answer: Answer, status: number, code: ErrorCode, detail?: RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(answer.body.code, code, JSON.stringify(answer.body));
  if (detail) assert.match(String(answer.body.detail), detail);
}

const text = 'Alice Johnson works for Acme Corporation in London.\n';

for (const dialect of dialects) {
  describe(`ingestion over HTTP: bad input and access (${dialect})`, () => {
    let app: IngestHttpApp;
    let outside: string;
    let readKey: string;
    let otherKey: string;
    let otherTenantId: string;
    const admin = () => app.test.adminKey;
    const uploadsOf = (tenantId: string) => filesBelow(path.join(app.dataDir, 'uploads', tenantId));
    // The embedding job an ingest queues once it has finished is not the request's doing, and may land at any moment.
    const jobCount = async () => ((await app.call('GET', '/jobs?limit=500', admin())).body.items as Job[]).filter((job) => job.type !== 'search.embed').length;

    /** Runs a refused request and checks that it enqueued no job and kept no file. */
    async function refused(request: () => Promise<Answer>, status: number, code: ErrorCode, detail?: RegExp): Promise<void> {
      const jobs = await jobCount();
      const kept = uploadsOf(app.test.tenantId);
      assertProblem(await request(), status, code, detail);
      assert.equal(await jobCount(), jobs, 'no job was enqueued');
      assert.deepEqual(uploadsOf(app.test.tenantId), kept, 'no file was kept (staging included)');
    }

    before(async () => {
      app = await startIngestHttpApp(dialect, { ingestUploadMaxBytes: 4096 });
      outside = mkdtempSync(path.join(os.tmpdir(), 'trellis-outside-'));
      writeFileSync(path.join(outside, 'secret.txt'), 'Top Secret works for Nobody.\n');
      mkdirSync(path.join(app.root, 'docs'));
      writeFileSync(path.join(app.root, 'docs', 'a.txt'), text);
      symlinkSync(path.join(outside, 'secret.txt'), path.join(app.root, 'docs', 'link.txt'));
      symlinkSync(outside, path.join(app.root, 'linked-folder'));
      readKey = (await app.test.services.platform.apiKeys.create({ tenantId: app.test.tenantId, name: 'reader', scopes: ['read'] })).key;
      const other = await app.test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' });
      otherKey = other.key;
      otherTenantId = other.tenant.id;
    });
    after(async () => {
      await app.dispose();
      rmSync(outside, { recursive: true, force: true });
    });

    it('refuses paths outside the ingest root: absolute, "..", a symlinked file or folder, a glob climbing out', async () => {
      const ingest = (paths: unknown) => () => app.call('POST', '/ingest', admin(), { paths });
      await refused(ingest([path.join(outside, 'secret.txt')]), 403, 'ingest_path_outside_root');
      await refused(ingest(['/etc/passwd']), 403, 'ingest_path_outside_root');
      await refused(ingest(['../x']), 403, 'ingest_path_outside_root', /outside the ingest root/);
      await refused(ingest([`docs/../../${path.basename(outside)}/secret.txt`]), 403, 'ingest_path_outside_root');
      await refused(ingest(['docs/link.txt']), 403, 'ingest_path_outside_root');
      await refused(ingest(['linked-folder']), 403, 'ingest_path_outside_root');
      await refused(ingest(['linked-folder/*.txt']), 403, 'ingest_path_outside_root');
      await refused(ingest(['docs/*/../../../etc/*']), 403, 'ingest_path_outside_root');
      // A path outside that does not exist is refused the same way: nothing outside the root can be probed.
      await refused(ingest(['/no/such/place']), 403, 'ingest_path_outside_root');
      await refused(ingest(['docs/a.txt', '../x']), 403, 'ingest_path_outside_root');
    });

    it('a folder under the root holding a symlink out ingests its own files only', async () => {
      const accepted = await app.call('POST', '/ingest', admin(), { paths: ['docs'] });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const job = await app.waitForJob(accepted.body.jobId as string);
      assert.equal(job.status, 'succeeded', job.lastError ?? '');
      assert.deepEqual(
        (job.result as IngestSummary).files.map((file) => path.basename(file.file)),
        ['a.txt'],
      );
    });

    it('answers 404 to a path that does not exist under the root, and 403 ingest_disabled while ingestRoot is unset', async () => {
      await refused(() => app.call('POST', '/ingest', admin(), { paths: ['docs/missing.txt'] }), 404, 'not_found', /missing\.txt/);
      const config = app.test.services.config;
      const root = config.ingestRoot;
      config.ingestRoot = undefined;
      try {
        await refused(() => app.call('POST', '/ingest', admin(), { paths: ['docs'] }), 403, 'ingest_disabled', /set ingestRoot/);
      } finally {
        config.ingestRoot = root;
      }
    });

    it('answers 400 to malformed JSON, wrong types, an empty list, unknown fields and a NUL in a path; 422 to a bad mapping or schema', async () => {
      await refused(() => app.send('/ingest', admin(), '{"paths": [', 'application/json'), 400, 'invalid_json');
      const bodies: unknown[] = [
        {},
        { paths: 'docs' },
        { paths: [] },
        { paths: [5] },
        { paths: [''] },
        { paths: ['docs'], mapping: 5 },
        { paths: ['docs'], schema: { entities: {} } },
        { paths: ['docs'], extractor: 'llm' },
        { paths: ['docs'], tenant: 'globex' },
        [],
        'docs',
      ];
      for (const body of bodies) await refused(() => app.call('POST', '/ingest', admin(), body), 400, 'validation_failed');
      await refused(() => app.call('POST', '/ingest', admin(), { paths: ['docs/a\u0000.txt'] }), 400, 'validation_failed', /U\+0000/);
      await refused(() => app.call('POST', '/ingest', admin(), { paths: ['docs'], mapping: 'files: [' }), 422, 'unprocessable', /^mapping:1: /);
      await refused(() => app.call('POST', '/ingest', admin(), { paths: ['docs'], mapping: { files: [] } }), 422, 'unprocessable', /files/);
      await refused(() => app.call('POST', '/ingest', admin(), { paths: ['docs'], schema: 'entities: [' }), 422, 'schema_invalid');
    });

    it('refuses an upload over ingestUploadMaxBytes with 413 and keeps nothing, for one file and for several together', async () => {
      await refused(() => app.upload([{ name: 'file', filename: 'big.txt', content: 'x'.repeat(5000) }]), 413, 'payload_too_large');
      const half = 'Alice Johnson. '.repeat(170);
      await refused(
        () =>
          app.upload([
            { name: 'file', filename: 'one.txt', content: half },
            { name: 'file', filename: 'two.txt', content: half },
          ]),
        413,
        'payload_too_large',
        /ingestUploadMaxBytes/,
      );
      await refused(() => app.upload([{ name: 'schema', content: 'x'.repeat(2 * 1024 * 1024) }]), 413, 'payload_too_large');
    });

    it('refuses hostile and empty file names, no file, duplicate names and unknown fields with 400, keeping nothing', async () => {
      const one = (filename: string): Part[] => [{ name: 'file', filename, content: text }];
      await refused(() => app.upload(one('../../etc/passwd')), 400, 'validation_failed', /"\.\." segment/);
      await refused(() => app.upload(one('..\\..\\windows\\win.ini')), 400, 'validation_failed', /"\.\." segment/);
      await refused(() => app.upload(one('..')), 400, 'validation_failed');
      await refused(() => app.upload(one('evil\u0000.txt')), 400, 'validation_failed', /control character/);
      await refused(() => app.upload(one('')), 400, 'validation_failed', /empty/);
      await refused(() => app.upload(one('folder/')), 400, 'validation_failed');
      await refused(() => app.upload([{ name: 'mapping', content: 'files: []' }]), 400, 'validation_failed', /at least one file/);
      await refused(() => app.upload([...one('a.txt'), ...one('sub/a.txt')]), 400, 'validation_failed', /Two files/);
      await refused(() => app.upload([...one('a.txt'), { name: 'tenant', content: 'globex' }]), 400, 'validation_failed', /Unknown field/);
      await refused(() => app.upload([...one('a.txt'), { name: 'schema', content: 'entities: [' }]), 422, 'schema_invalid');
      await refused(() => app.send('/sources', admin(), 'name=x', 'text/plain'), 400, 'validation_failed');
      const { body } = multipartBody(one('a.txt'));
      await refused(() => app.send('/sources', admin(), body, 'multipart/form-data'), 400, 'bad_request', /malformed/);
    });

    it('needs credentials (401) and the write scope (403) for both routes', async () => {
      const upload = multipartBody([{ name: 'file', filename: 'a.txt', content: text }]);
      await refused(() => app.call('POST', '/ingest', undefined, { paths: ['docs'] }), 401, 'unauthenticated');
      await refused(() => app.send('/sources', undefined, upload.body, upload.contentType), 401, 'unauthenticated');
      await refused(() => app.call('POST', '/ingest', 'trl_bogus_key', { paths: ['docs'] }), 401, 'unauthenticated');
      await refused(() => app.call('POST', '/ingest', readKey, { paths: ['docs'] }), 403, 'forbidden');
      await refused(() => app.upload([{ name: 'file', filename: 'a.txt', content: text }], readKey), 403, 'forbidden');
    });

    it('another tenant can neither see the job nor read or delete the source; its own uploads are kept apart', async () => {
      const accepted = await app.upload([{ name: 'file', filename: 'mine.txt', content: text }]);
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const jobId = accepted.body.jobId as string;
      const job = await app.waitForJob(jobId);
      const sourceId = (job.result as IngestSummary).files[0]!.sourceId!;
      assertProblem(await app.call('GET', `/jobs/${jobId}`, otherKey), 404, 'not_found');
      assertProblem(await app.call('GET', `/sources/${sourceId}`, otherKey), 404, 'not_found');
      assertProblem(await app.call('DELETE', `/sources/${sourceId}`, otherKey), 404, 'not_found');
      assert.equal((await app.call('GET', `/sources/${sourceId}`, admin())).status, 200);
      const theirs = (await app.call('GET', '/events?types=ingest.*', otherKey)).body.items as unknown[];
      assert.deepEqual(theirs, [], 'the ingest events are the tenant’s own');

      const other = await app.upload([{ name: 'file', filename: 'mine.txt', content: text }], otherKey);
      assert.equal(other.status, 202);
      const otherJob = await app.waitForJob(other.body.jobId as string, otherKey);
      assert.equal((otherJob.result as IngestSummary).files[0]!.status, 'ingested', 'same name and content in another tenant is its own source');
      assert.equal((await app.call('GET', `/sources/${sourceId}`, admin())).status, 200);
    });

    it('a job payload naming paths outside the root or another tenant’s upload dies without reading them', async () => {
      const { jobs } = app.test.services;
      const outsideJob = await jobs.enqueueNow({
        type: 'ingest.paths',
        tenantId: app.test.tenantId,
        payload: { paths: [path.join(outside, 'secret.txt')] },
        maxAttempts: 1,
      });
      const died = await app.waitForJob(outsideJob.id);
      assert.equal(died.status, 'dead');
      assert.match(died.lastError ?? '', /outside the ingest root/);
      const failed = (
        (await app.call('GET', `/events?types=ingest.failed&subject=${outsideJob.id}`, admin())).body.items as { payload: Record<string, unknown> }[]
      )[0];
      assert.deepEqual(failed?.payload.error, {
        code: 'ingest_path_outside_root',
        message: `${JSON.stringify(path.join(outside, 'secret.txt'))} is outside the ingest root`,
      });
      assert.equal(failed?.payload.willRetry, false);

      const theirFile = uploadsOf(otherTenantId)[0]!;
      const stolen = await jobs.enqueueNow({
        type: 'ingest.uploads',
        tenantId: app.test.tenantId,
        payload: { files: [`../${otherTenantId}/${theirFile}`] },
        maxAttempts: 1,
      });
      assert.match((await app.waitForJob(stolen.id)).lastError ?? '', /not an upload of this tenant/);
      const absolute = await jobs.enqueueNow({ type: 'ingest.uploads', tenantId: app.test.tenantId, payload: { files: ['/etc/passwd'] }, maxAttempts: 1 });
      assert.match((await app.waitForJob(absolute.id)).lastError ?? '', /not an upload of this tenant/);
    });
  });
}
