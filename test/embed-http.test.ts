/**
 * @module Embeddings over HTTP on both drivers: an ingest job queues `search.embed`, the job fills the vectors,
 * GET /embeddings/status reports them, POST /embeddings/jobs queues by hand; bad bodies, scopes and other tenants.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Job } from '../src/platform/jobs/index.js';
import { embedJobType } from '../src/search/embed/index.js';
import { type Answer, type IngestHttpApp, startIngestHttpApp } from './support/ingest-http.js';
import { dialects } from './support/stores.js';

function assertProblem(answer: Answer, status: number, code: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(answer.body.code, code, JSON.stringify(answer.body));
}

const text = [
  'Ada Lovelace worked with Charles Babbage in London on the Analytical Engine.',
  'Grace Hopper joined the Navy and later worked at Remington Rand in Philadelphia.',
  'Alan Turing studied at Cambridge and worked at Bletchley Park during the war.',
].join('\n\n');

for (const dialect of dialects) {
  describe(`embeddings over HTTP (${dialect})`, () => {
    let app: IngestHttpApp;
    let otherKey: string;
    let readKey: string;
    const admin = () => app.test.adminKey;

    async function embedJobs(key = admin()): Promise<Job[]> {
      const page = await app.call('GET', `/jobs?type=${embedJobType}&limit=50`, key);
      return page.body.items as Job[];
    }

    before(async () => {
      app = await startIngestHttpApp(dialect, { embedDimensions: 64, embedWorkers: 1 });
      otherKey = (await app.test.services.platform.tenants.createWithAdminKey({ slug: 'globex', name: 'Globex' })).key;
      readKey = (await app.test.services.platform.apiKeys.create({ tenantId: app.test.tenantId, name: 'reader', scopes: ['read'] })).key;
    });
    after(() => app.dispose());

    it('queues search.embed after an ingest job succeeds, and the job leaves nothing missing', async () => {
      const file = path.join(app.root, 'people.txt');
      writeFileSync(file, text);
      const accepted = await app.call('POST', '/ingest', admin(), { paths: [file] });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      assert.equal((await app.waitForJob(String(accepted.body.jobId))).status, 'succeeded');
      let jobs: Job[] = [];
      for (let tries = 0; jobs.length === 0 && tries < 200; tries++) {
        jobs = await embedJobs();
        if (jobs.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.equal(jobs.length, 1, 'one embedding job after the ingest');
      const job = await app.waitForJob(jobs[0]!.id);
      assert.equal(job.status, 'succeeded', JSON.stringify(job));
      const result = job.result as { passages: number; entities: number; embedderId: string };
      assert.ok(result.passages >= 1 && result.entities >= 3, JSON.stringify(result));
      const status = await app.call('GET', '/embeddings/status', admin());
      assert.equal(status.status, 200);
      assert.equal(status.body.missing, 0);
      assert.equal(status.body.embedderId, result.embedderId);
      assert.equal(status.body.dimensions, 64);
      assert.deepEqual(status.body.passages, { total: result.passages, embedded: result.passages, missing: 0 });
    });

    it('queues a job by hand (202 with the job and its location), and answers the same job while it waits', async () => {
      await app.test.services.jobs.worker.stop();
      try {
        const first = await app.call('POST', '/embeddings/jobs', admin(), { kinds: ['passage'] });
        assert.equal(first.status, 202, JSON.stringify(first.body));
        assert.equal(first.body.type, embedJobType);
        assert.equal(first.body.status, 'queued');
        assert.deepEqual(first.body.payload, { kinds: ['passage'] });
        assert.equal(first.headers.get('location'), `/jobs/${first.body.id}`);
        const again = await app.call('POST', '/embeddings/jobs', admin(), { kinds: ['passage'] });
        assert.equal(again.body.id, first.body.id);
        const both = await app.call('POST', '/embeddings/jobs', admin());
        assert.equal(both.status, 202, JSON.stringify(both.body));
        assert.notEqual(both.body.id, first.body.id);
        assert.deepEqual(both.body.payload, { kinds: ['entity', 'memory', 'passage'] });
      } finally {
        await app.test.services.jobs.worker.start();
      }
      for (const job of await embedJobs()) assert.equal((await app.waitForJob(job.id)).status, 'succeeded');
    });

    it('refuses bad bodies with 400 problem+json and queues nothing', async () => {
      const before = (await embedJobs()).length;
      for (const body of [
        { kinds: ['row'] },
        { kinds: [] },
        { kinds: 'passage' },
        { kinds: ['passage', 'passage'] },
        { extra: 1 },
        { kinds: ["passage'; DROP TABLE embeddings;--"] },
        [1, 2],
      ]) {
        assertProblem(await app.call('POST', '/embeddings/jobs', admin(), body), 400, 'validation_failed');
      }
      assertProblem(await app.send('/embeddings/jobs', admin(), '{"kinds": [', 'application/json'), 400, 'invalid_json');
      assert.equal((await embedJobs()).length, before);
    });

    it('needs the write scope to queue and a key to read the status', async () => {
      assertProblem(await app.call('POST', '/embeddings/jobs', readKey, {}), 403, 'forbidden');
      assert.equal((await app.call('GET', '/embeddings/status', readKey)).status, 200);
      assertProblem(await app.call('GET', '/embeddings/status', undefined), 401, 'unauthenticated');
    });

    it('keeps tenants apart: another tenant sees only its own (empty) counts and cannot read this tenant’s job', async () => {
      const status = await app.call('GET', '/embeddings/status', otherKey);
      assert.deepEqual([status.body.embedded, status.body.missing, (status.body.passages as { total: number }).total], [0, 0, 0]);
      const mine = await embedJobs();
      assertProblem(await app.call('GET', `/jobs/${mine[0]!.id}`, otherKey), 404, 'not_found');
      assert.deepEqual(await embedJobs(otherKey), []);
    });
  });
}
