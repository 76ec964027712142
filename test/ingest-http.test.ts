/**
 * @module End-to-end tests of ingestion over HTTP on both drivers, over real loopback HTTP with the job worker running:
 * POST /ingest (server-side paths) and POST /sources (uploads) as jobs, their progress and events, the no-op
 * re-upload, and DELETE /sources/{id} retracting exactly what the source gave and removing its kept file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IngestSummary } from '../src/ingest/pipeline/index.js';
import { graphFingerprint } from './support/ingest-corpus.js';
import { type IngestHttpApp, filesBelow, startIngestHttpApp } from './support/ingest-http.js';
import { dialects } from './support/stores.js';

interface EvidenceItem {
  sourceId: string;
  start: number;
  end: number;
  quote: string;
  source: { uri: string };
}
interface EventItem {
  seq: number;
  type: string;
  subject: string;
  payload: Record<string, unknown>;
}

const board =
  'Alice Johnson works for Acme Corporation in London. The board met in Paris on 3 March 2024.\n\nBob Martin manages the Falcon Project for Acme Corporation.\n';
const minutes = '# Minutes\n\nCarol Diaz visited Globex Inc. in Berlin. Alice Johnson joined her in Berlin.\n';
const report = 'Dana Whitfield works for Initech in Toronto. Alice Johnson sent the report to Dana Whitfield.\n';

for (const dialect of dialects) {
  describe(`ingestion over HTTP (${dialect})`, () => {
    let app: IngestHttpApp;
    const admin = () => app.test.adminKey;

    /** The tenant's ingest events of one job, oldest first. */
    const eventsOf = async (jobId: string): Promise<EventItem[]> => {
      const answer = await app.call('GET', `/events?types=ingest.*&subject=${jobId}&limit=1000`, admin());
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.items as EventItem[];
    };

    /** Every evidence item of the entities named `name`, with the text it cites. */
    const evidenceOf = async (name: string): Promise<EvidenceItem[]> => {
      const list = await app.call('GET', `/entities?q=${encodeURIComponent(name)}&limit=50`, admin());
      const items: EvidenceItem[] = [];
      for (const entity of list.body.items as { id: string; name: string }[]) {
        if (entity.name !== name) continue;
        items.push(...((await app.call('GET', `/entities/${entity.id}`, admin())).body.evidence as EvidenceItem[]));
      }
      return items;
    };

    before(async () => {
      app = await startIngestHttpApp(dialect, { ingestUploadMaxBytes: 64 * 1024 });
      mkdirSync(path.join(app.root, 'docs'));
      writeFileSync(path.join(app.root, 'docs', 'board.txt'), board);
      writeFileSync(path.join(app.root, 'docs', 'minutes.md'), minutes);
    });
    after(() => app.dispose());

    it('POST /ingest answers 202 with the job; the job ingests the folder and its entities cite the files’ passages', async () => {
      const accepted = await app.call('POST', '/ingest', admin(), { paths: ['docs'] });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const jobId = accepted.body.jobId as string;
      assert.equal(accepted.headers.get('location'), `/jobs/${jobId}`);
      assert.equal(accepted.body.type, 'ingest.paths');
      assert.deepEqual(accepted.body.paths, [path.join(app.root, 'docs')]);

      const job = await app.waitForJob(jobId);
      assert.equal(job.status, 'succeeded', job.lastError ?? '');
      const summary = job.result as IngestSummary;
      assert.deepEqual(
        summary.files.map((file) => [path.basename(file.file), file.status]),
        [
          ['board.txt', 'ingested'],
          ['minutes.md', 'ingested'],
        ],
      );
      const progress = job.progress as Record<string, unknown>;
      assert.deepEqual([progress.filesDone, progress.filesTotal, progress.bytesDone], [2, 2, summary.bytes], 'the job’s progress is its last report');

      const alice = await evidenceOf('Alice Johnson');
      const uris = new Set(alice.map((item) => item.source.uri));
      assert.deepEqual([...uris].sort(), [`file://${path.join(app.root, 'docs', 'board.txt')}`, `file://${path.join(app.root, 'docs', 'minutes.md')}`]);
      for (const item of alice) {
        const text = item.source.uri.endsWith('board.txt') ? board : minutes;
        assert.equal(text.slice(item.start, item.end), item.quote);
        assert.match(item.quote, /Alice Johnson/);
      }

      const events = await eventsOf(jobId);
      const types = events.map((event) => event.type);
      assert.ok(types.filter((type) => type === 'ingest.progress').length >= 2, types.join());
      assert.equal(types.at(-1), 'ingest.completed');
      const completed = events.at(-1)!.payload;
      assert.equal(completed.jobId, jobId);
      assert.equal(completed.origin, 'paths');
      assert.equal(completed.ingested, 2);
      assert.equal((completed.files as unknown[]).length, 2);
      const lastProgress = events.filter((event) => event.type === 'ingest.progress').at(-1)!.payload;
      assert.equal(lastProgress.filesDone, 2);
    });

    it('POST /ingest of the same files again (by a glob) is a no-op: every file unchanged, nothing written', async () => {
      const before = await graphFingerprint(app.test.services.store, app.test.tenantId);
      const accepted = await app.call('POST', '/ingest', admin(), { paths: ['docs/*.txt', 'docs/**/*.md'] });
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const job = await app.waitForJob(accepted.body.jobId as string);
      const summary = job.result as IngestSummary;
      assert.deepEqual([summary.unchanged, summary.ingested, summary.failed], [2, 0, 0]);
      assert.deepEqual(await graphFingerprint(app.test.services.store, app.test.tenantId), before);
    });

    it('POST /sources with files answers 202; the job ingests them as upload:// sources, a corrupt pdf fails alone', async () => {
      const accepted = await app.upload([
        { name: 'file', filename: 'report.txt', content: report, contentType: 'text/plain' },
        { name: 'file', filename: 'broken.pdf', content: '%PDF-1.4\nthis is not really a pdf', contentType: 'application/pdf' },
        { name: 'file', filename: 'C:\\Users\\dana\\notes.md', content: '# Notes\n\nDana Whitfield met Erin Cole in Toronto.\n' },
      ]);
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const jobId = accepted.body.jobId as string;
      assert.equal(accepted.headers.get('location'), `/jobs/${jobId}`);
      assert.deepEqual(
        (accepted.body.files as { name: string; uri: string }[]).map((file) => [file.name, file.uri]),
        [
          ['report.txt', 'upload://report.txt'],
          ['broken.pdf', 'upload://broken.pdf'],
          ['notes.md', 'upload://notes.md'],
        ],
      );

      const job = await app.waitForJob(jobId);
      assert.equal(job.status, 'succeeded', job.lastError ?? '');
      const summary = job.result as IngestSummary;
      const byName = new Map(summary.files.map((file) => [file.file, file]));
      assert.equal(byName.get('report.txt')?.status, 'ingested');
      assert.equal(byName.get('notes.md')?.status, 'ingested');
      assert.equal(byName.get('broken.pdf')?.status, 'failed');
      assert.equal(byName.get('broken.pdf')?.error?.code, 'ingest_parse_failed');
      assert.match(byName.get('broken.pdf')?.error?.message ?? '', /^broken\.pdf: /);
      assert.ok(!JSON.stringify(job.result).includes(app.dataDir), 'the result never shows where uploads are kept');

      const dana = await evidenceOf('Dana Whitfield');
      const reportEvidence = dana.filter((item) => item.source.uri === 'upload://report.txt');
      assert.ok(reportEvidence.length >= 2, JSON.stringify(dana));
      for (const item of reportEvidence) assert.equal(report.slice(item.start, item.end), item.quote);

      const kept = filesBelow(path.join(app.dataDir, 'uploads', app.test.tenantId));
      assert.deepEqual(kept.map((file) => path.basename(file)).sort(), ['notes.md', 'report.txt']);
      assert.ok(
        kept.every((file) => /^[0-9a-f]{64}\//.test(file)),
        `kept as <sha256>/<name>, the failed pdf and the staging folder gone: ${kept.join(', ')}`,
      );

      const types = (await eventsOf(jobId)).map((event) => event.type);
      assert.ok(types.includes('ingest.progress'));
      assert.equal(types.at(-1), 'ingest.completed');
    });

    it('uploading the same content again is a no-op: the file is unchanged and nothing is written', async () => {
      const before = await graphFingerprint(app.test.services.store, app.test.tenantId);
      const keptBefore = filesBelow(path.join(app.dataDir, 'uploads', app.test.tenantId));
      const accepted = await app.upload([{ name: 'file', filename: 'report.txt', content: report }]);
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const job = await app.waitForJob(accepted.body.jobId as string);
      const summary = job.result as IngestSummary;
      assert.deepEqual(
        summary.files.map((file) => [file.file, file.status]),
        [['report.txt', 'unchanged']],
      );
      assert.deepEqual(await graphFingerprint(app.test.services.store, app.test.tenantId), before);
      assert.deepEqual(filesBelow(path.join(app.dataDir, 'uploads', app.test.tenantId)), keptBefore);
    });

    it('a changed upload replaces its source and its kept file', async () => {
      const changed = `${report}Frank Osei works for Initech in Toronto.\n`;
      const accepted = await app.upload([{ name: 'file', filename: 'report.txt', content: changed }]);
      const job = await app.waitForJob(accepted.body.jobId as string);
      const outcome = (job.result as IngestSummary).files[0]!;
      assert.deepEqual([outcome.status, outcome.replaced], ['ingested', true]);
      const kept = filesBelow(path.join(app.dataDir, 'uploads', app.test.tenantId)).filter((file) => file.endsWith('report.txt'));
      assert.equal(kept.length, 1, kept.join(', '));
      assert.equal(kept[0], `${(accepted.body.files as { contentHash: string }[])[0]!.contentHash.slice('sha256:'.length)}/report.txt`);
      assert.ok((await evidenceOf('Frank Osei')).length > 0);
    });

    it('DELETE /sources/{id} of an upload retracts exactly what that source gave and removes its kept file', async () => {
      const before = await graphFingerprint(app.test.services.store, app.test.tenantId);
      const content = 'Grace Lindqvist works for Umbrella Logistics in Oslo. Alice Johnson called Grace Lindqvist.\n';
      const accepted = await app.upload([{ name: 'upload', filename: 'memo.txt', content }]);
      const job = await app.waitForJob(accepted.body.jobId as string);
      const sourceId = (job.result as IngestSummary).files[0]!.sourceId!;
      const keptFile = path.join(
        app.dataDir,
        'uploads',
        app.test.tenantId,
        `${(accepted.body.files as { contentHash: string }[])[0]!.contentHash.slice(7)}`,
        'memo.txt',
      );
      assert.ok(filesBelow(path.dirname(keptFile)).includes('memo.txt'));
      assert.ok((await evidenceOf('Grace Lindqvist')).length > 0);
      assert.ok(
        (await evidenceOf('Alice Johnson')).some((item) => item.sourceId === sourceId),
        'the shared entity cites the memo too',
      );

      const deleted = await app.call('DELETE', `/sources/${sourceId}`, admin());
      assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
      assert.ok((deleted.body.deletedEntities as number) >= 2);
      assert.deepEqual(await graphFingerprint(app.test.services.store, app.test.tenantId), before, 'the graph is as it was before the memo');
      assert.equal((await app.call('GET', `/sources/${sourceId}`, admin())).status, 404);
      assert.deepEqual(await evidenceOf('Grace Lindqvist'), []);
      assert.ok((await evidenceOf('Alice Johnson')).length > 0, 'what other sources gave stays');
      assert.deepEqual(filesBelow(path.dirname(keptFile)), [], 'the kept file went with its source');
    });

    it('DELETE /sources/{id} of a server-side file retracts its facts and leaves the file alone', async () => {
      const before = await graphFingerprint(app.test.services.store, app.test.tenantId);
      writeFileSync(path.join(app.root, 'extra.txt'), 'Hiro Tanaka works for Soylent Systems in Kyoto.\n');
      const accepted = await app.call('POST', '/ingest', admin(), { paths: [path.join(app.root, 'extra.txt')] });
      const job = await app.waitForJob(accepted.body.jobId as string);
      const sourceId = (job.result as IngestSummary).files[0]!.sourceId!;
      assert.equal((await app.call('DELETE', `/sources/${sourceId}`, admin())).status, 200);
      assert.deepEqual(await graphFingerprint(app.test.services.store, app.test.tenantId), before);
      assert.deepEqual(filesBelow(app.root).includes('extra.txt'), true);
    });

    it('keeps the JSON form of POST /sources: a source with its chunks, 201', async () => {
      const created = await app.call('POST', '/sources', admin(), { uri: 'https://example.com/a', kind: 'md', chunks: [{ text: 'A passage.' }] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.headers.get('location'), `/sources/${created.body.id}`);
      assert.equal((created.body.chunks as unknown[]).length, 1);
    });
  });
}
