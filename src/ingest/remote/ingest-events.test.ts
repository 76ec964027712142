import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTenant, createTestStore } from '../../../test/support/stores.js';
import type { Store } from '../../store/index.js';
import type { IngestProgress, IngestSummary } from '../pipeline/index.js';
import { createIngestEvents, eventFileLimit } from './ingest-events.js';

const progress = (filesDone: number, chunks: number): IngestProgress => ({
  filesDone,
  filesTotal: 3,
  bytesDone: 0,
  bytesTotal: 10,
  chunks,
  entities: 0,
  file: 'a.txt',
});

describe('ingest job events', () => {
  let test: TestStore;
  let tenantId: string;
  const events = () =>
    test.store.read({ tenantId }, (tx) =>
      tx.all<{ type: string; subject: string; payload: string }>('SELECT type, subject, payload FROM events WHERE tenant_id = ? ORDER BY seq', [tenantId]),
    );
  before(async () => {
    test = await createTestStore('sqlite');
    tenantId = await createTenant(test.store, 'events');
  });
  after(() => test.dispose());

  it('writes progress at most every 500 ms but always at the end of a file, in order, then the summary with at most 100 files', async () => {
    const writer = createIngestEvents(test.store, tenantId, { jobId: 'job-1', origin: 'uploads', attempt: 1 });
    writer.progress(progress(0, 5));
    writer.progress(progress(0, 10)); // within 500 ms of the last: skipped
    writer.progress(progress(1, 12)); // a file ended: written
    writer.progress(progress(1, 14)); // skipped
    const files = Array.from({ length: eventFileLimit + 5 }, (_, index) => ({
      file: `f${index}`,
      uri: `upload://f${index}`,
      status: 'unchanged' as const,
      bytes: 1,
      chunks: 0,
      entities: 0,
      relations: 0,
      quarantined: 0,
    }));
    const summary: IngestSummary = {
      files,
      ingested: 0,
      unchanged: files.length,
      failed: 0,
      bytes: files.length,
      chunks: 0,
      entities: 0,
      relations: 0,
      quarantined: 0,
      seconds: 0.1,
      megabytesPerSecond: 0,
    };
    await writer.completed(summary);
    const rows = await events();
    assert.deepEqual(
      rows.map((row) => [row.type, row.subject]),
      [
        ['ingest.progress', 'job-1'],
        ['ingest.progress', 'job-1'],
        ['ingest.completed', 'job-1'],
      ],
    );
    assert.deepEqual(
      rows.slice(0, 2).map((row) => JSON.parse(row.payload).chunks),
      [5, 12],
    );
    const completed = JSON.parse(rows[2]!.payload);
    assert.equal(completed.origin, 'uploads');
    assert.equal(completed.files.length, eventFileLimit);
    assert.equal(completed.filesOmitted, 5);
    assert.equal(completed.unchanged, files.length);
  });

  it('a failed event write is a warning, not a failure of the job', async () => {
    const warnings: string[] = [];
    const down = { transaction: () => Promise.reject(new Error('store down')) } as unknown as Store;
    const writer = createIngestEvents(down, tenantId, { jobId: 'job-2', origin: 'paths', attempt: 1 }, (message) => warnings.push(message));
    writer.progress(progress(1, 1));
    await writer.failed(new Error('boom'), false);
    assert.deepEqual(warnings, [
      'writing the ingest.progress event of job job-2 failed: store down',
      'writing the ingest.failed event of job job-2 failed: store down',
    ]);
  });
});
