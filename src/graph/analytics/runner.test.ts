/** @module The analytics runner and service edges: an aborted run terminates its worker and the next run still works; an in-memory store is refused. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestStore, createTenant, createTestStore } from '../../../test/support/stores.js';
import { loadConfig } from '../../core/config.js';
import { TrellisError } from '../../core/errors.js';
import { createJobService } from '../../platform/jobs/index.js';
import { openSqliteStore } from '../../store/sqlite.js';
import { createGraphService } from '../index.js';
import { checkParams } from './params.js';
import { createAnalyticsRunner } from './runner.js';
import { createAnalyticsService } from './service.js';

describe('analytics runner', () => {
  let test: TestStore;
  let tenantId: string;
  before(async () => {
    test = await createTestStore('sqlite');
    tenantId = await createTenant(test.store, 'acme');
    const graph = createGraphService(test.store);
    const { ids } = await graph.upsertEntities(
      tenantId,
      Array.from({ length: 50 }, (_, index) => ({ type: 'Person', name: `P${index}` })),
    );
    await graph.upsertRelations(
      tenantId,
      ids.slice(1).map((id, index) => ({ type: 'knows', from: ids[index] as string, to: id })),
    );
  });
  after(() => test.dispose());

  it('rejects an aborted run with the signal’s reason, terminates its worker, and runs the next one', async () => {
    const runner = createAnalyticsRunner({ threads: 1, idleMs: 60_000 });
    try {
      const request = { source: { dialect: 'sqlite' as const, file: test.location }, tenantId, maxRelations: 1_000_000, algorithm: 'pagerank' as const };
      const params = checkParams('pagerank', {});
      const controller = new AbortController();
      const aborted = runner.run({ ...request, params }, { lane: 'job', signal: controller.signal });
      controller.abort(new Error('cancelled by the test'));
      await assert.rejects(aborted, /cancelled by the test/);
      const queuedController = new AbortController();
      const first = runner.run({ ...request, params }, { lane: 'job' });
      const queued = runner.run({ ...request, params }, { lane: 'job', signal: queuedController.signal });
      queuedController.abort(new Error('dropped while queued'));
      await assert.rejects(queued, /dropped while queued/);
      const answer = await first;
      assert.equal(answer.order.length, 50);
      assert.equal(answer.relations, 49);
      await assert.rejects(
        runner.run({ ...request, params: checkParams('degree', { relationTypes: ['nope'] }), algorithm: 'degree' }, { lane: 'inline' }),
        (error: unknown) => error instanceof TrellisError && error.code === 'bad_request' && /Unknown relation type: nope/.test(error.message),
      );
    } finally {
      await runner.close();
    }
    await assert.rejects(
      runner.run(
        { source: { dialect: 'sqlite', file: test.location }, tenantId, maxRelations: 1, algorithm: 'degree', params: checkParams('degree', {}) },
        { lane: 'job' },
      ),
      /closed/,
    );
  });

  it('refuses a tenant above graphProjectionMaxRelations as unprocessable', async () => {
    const config = loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'silent', graphProjectionMaxRelations: 10 } });
    const graph = createGraphService(test.store);
    const analytics = createAnalyticsService({ store: test.store, graph, jobs: createJobService(test.store, config, { worker: false }), config });
    try {
      await assert.rejects(
        analytics.run(tenantId, 'pagerank'),
        (error: unknown) => error instanceof TrellisError && error.code === 'unprocessable' && /49 relations/.test(error.message),
      );
    } finally {
      await analytics.close();
    }
  });

  it('refuses an in-memory store, which no worker can read, and unknown algorithms', async () => {
    const store = openSqliteStore({ file: ':memory:' });
    await store.migrate();
    const config = loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'silent' } });
    const analytics = createAnalyticsService({ store, graph: createGraphService(store), jobs: createJobService(store, config, { worker: false }), config });
    try {
      await assert.rejects(analytics.run(tenantId, 'pagerank'), (error: unknown) => error instanceof TrellisError && error.code === 'unprocessable');
      await assert.rejects(
        analytics.run(tenantId, 'closeness' as 'pagerank'),
        (error: unknown) => error instanceof TrellisError && error.code === 'bad_request',
      );
      await assert.rejects(
        analytics.run(tenantId, 'pagerank', { damping: 2 }),
        (error: unknown) => error instanceof TrellisError && error.code === 'validation_failed' && /damping/.test(error.message),
      );
    } finally {
      await analytics.close();
      await store.close();
    }
  });
});
