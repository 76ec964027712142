/** @module The options of ingestPaths that callers other than the CLI use: a source URI of their own, and stopping between files. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTenant, createTestStore } from '../../../test/support/stores.js';
import { type GraphService, createGraphService } from '../../graph/index.js';
import { createBuiltinExtractor } from '../extract/builtin-extractor.js';
import { defaultSchema } from '../schema.js';
import { ingestPaths } from './index.js';

describe('ingestPaths options', () => {
  let dir: string;
  let handle: TestStore;
  let graph: GraphService;
  let tenantId: string;
  const extractor = createBuiltinExtractor(defaultSchema());
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-ingest-options-'));
    writeFileSync(path.join(dir, 'a.txt'), 'Alice Johnson works for Acme Corporation in London.\n');
    writeFileSync(path.join(dir, 'b.txt'), 'Bob Martin works for Globex Inc. in Paris.\n');
    handle = await createTestStore('sqlite');
    graph = createGraphService(handle.store);
    tenantId = await createTenant(handle.store, 'options');
  });
  after(async () => {
    await handle.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sourceUri names the sources, and the same URI with the same content is the no-op wherever the file lies', async () => {
    const sourceUri = (file: string) => `upload://${path.basename(file)}`;
    const first = await ingestPaths({ store: handle.store, graph }, tenantId, [dir], { extractor, sourceUri });
    assert.deepEqual(
      first.files.map((file) => [file.uri, file.status]),
      [
        ['upload://a.txt', 'ingested'],
        ['upload://b.txt', 'ingested'],
      ],
    );
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'trellis-ingest-options-copy-'));
    try {
      writeFileSync(path.join(elsewhere, 'a.txt'), 'Alice Johnson works for Acme Corporation in London.\n');
      const again = await ingestPaths({ store: handle.store, graph }, tenantId, [path.join(elsewhere, 'a.txt')], { extractor, sourceUri });
      assert.deepEqual([again.files[0]?.status, again.files[0]?.sourceId], ['unchanged', first.files[0]?.sourceId]);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('an aborted signal stops the run before its next file, with the signal’s reason', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    await assert.rejects(
      ingestPaths({ store: handle.store, graph }, tenantId, [dir], {
        extractor,
        sourceUri: (file) => `test://${path.basename(file)}`,
        signal: controller.signal,
        onProgress: (progress) => {
          seen.push(progress.filesDone);
          if (progress.filesDone === 1) controller.abort(new Error('cancelled by test'));
        },
      }),
      /cancelled by test/,
    );
    assert.equal(Math.max(...seen), 1, 'the second file was not taken');
    assert.equal((await graph.listSources(tenantId, { limit: 100 })).items.filter((source) => source.uri.startsWith('test://')).length, 1);
  });
});
