import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TrellisError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { type TestStore, createTestStore, dialects } from '../../../test/support/stores.js';
import { insertTenantOrFail } from '../tenants.js';
import { type AuditService, createAuditService, recordAudit } from './index.js';

const rejectsWith = (code: string) => (error: unknown) => error instanceof TrellisError && error.code === code;

for (const dialect of dialects) {
  describe(`audit log (${dialect})`, () => {
    let testStore: TestStore;
    let audit: AuditService;
    const tenantA = newId();
    const tenantB = newId();
    before(async () => {
      testStore = await createTestStore(dialect);
      audit = createAuditService(testStore.store);
      await testStore.store.transaction({ tenantId: tenantA }, (tx) => insertTenantOrFail(tx, { slug: 'audit-a', name: 'A' }));
      await testStore.store.transaction({ tenantId: tenantB }, (tx) => insertTenantOrFail(tx, { slug: 'audit-b', name: 'B' }));
    });
    after(() => testStore.dispose());

    it('records an entry inside the action transaction and lists it with every field', async () => {
      const id = await testStore.store.transaction({ tenantId: tenantA }, (tx) =>
        recordAudit(tx, {
          action: 'api_key.created',
          actor: { kind: 'user', id: 'u1' },
          target: { kind: 'api_key', id: 'k1' },
          origin: { ip: '10.0.0.1', userAgent: 'curl/8', requestId: 'req-1' },
          details: { scopes: ['read'] },
        }),
      );
      const page = await audit.list(tenantA, { action: 'api_key.created' });
      assert.equal(page.items.length, 1);
      const [row] = page.items;
      assert.equal(row?.id, id);
      assert.deepEqual(row?.actor, { kind: 'user', id: 'u1' });
      assert.deepEqual(row?.target, { kind: 'api_key', id: 'k1' });
      assert.equal(row?.ip, '10.0.0.1');
      assert.equal(row?.userAgent, 'curl/8');
      assert.equal(row?.requestId, 'req-1');
      assert.deepEqual(row?.details, { scopes: ['read'] });
      assert.ok(!Number.isNaN(Date.parse(row?.occurredAt ?? '')));
    });

    it('rolls the entry back with the action when the transaction fails', async () => {
      await assert.rejects(
        testStore.store.transaction({ tenantId: tenantA }, async (tx) => {
          await recordAudit(tx, { action: 'rolled.back' });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal((await audit.list(tenantA, { action: 'rolled.back' })).items.length, 0);
    });

    it('writes for an explicit tenant from a system transaction, visible only to that tenant', async () => {
      await testStore.store.transaction('system', (tx) =>
        recordAudit(tx, { tenantId: tenantB, action: 'auth.login_failed', actor: { kind: 'anonymous', id: null } }),
      );
      assert.equal((await audit.list(tenantB, { action: 'auth.*' })).items.length, 1);
      assert.equal((await audit.list(tenantA, { action: 'auth.*' })).items.length, 0);
      await assert.rejects(
        testStore.store.transaction('system', (tx) => recordAudit(tx, { action: 'x' })),
        /needs a tenant/,
      );
    });

    it('filters by action prefix, actor and target, and pages newest first with a cursor', async () => {
      for (let i = 0; i < 5; i++) {
        await audit.record(tenantA, { action: `user.step${i}`, actor: { kind: 'api_key', id: `key-${i % 2}` }, target: { kind: 'user', id: `target-${i}` } });
      }
      const all = await audit.list(tenantA, { action: 'user.*' });
      assert.deepEqual(
        all.items.map((item) => item.action),
        ['user.step4', 'user.step3', 'user.step2', 'user.step1', 'user.step0'],
      );
      assert.equal((await audit.list(tenantA, { actor: 'api_key:key-1' })).items.length, 2);
      assert.equal((await audit.list(tenantA, { actor: 'key-0' })).items.length, 3);
      assert.equal((await audit.list(tenantA, { actor: 'user:key-0' })).items.length, 0);
      assert.deepEqual(
        (await audit.list(tenantA, { target: 'user:target-3' })).items.map((item) => item.action),
        ['user.step3'],
      );
      const first = await audit.list(tenantA, { action: 'user.*', limit: 2 });
      assert.equal(first.items.length, 2);
      assert.ok(first.nextCursor);
      const second = await audit.list(tenantA, { action: 'user.*', limit: 2, cursor: first.nextCursor ?? '' });
      const third = await audit.list(tenantA, { action: 'user.*', limit: 2, cursor: second.nextCursor ?? '' });
      assert.deepEqual(
        [...first.items, ...second.items, ...third.items].map((item) => item.action),
        all.items.map((item) => item.action),
      );
      assert.equal(third.nextCursor, null);
      // A prefix is taken literally: `_` is no wildcard.
      assert.equal((await audit.list(tenantA, { action: 'user_*' })).items.length, 0);
    });

    it('filters by time range and refuses bad times, limits and cursors', async () => {
      const future = new Date(Date.now() + 3600_000).toISOString();
      assert.equal((await audit.list(tenantA, { since: future })).items.length, 0);
      assert.ok((await audit.list(tenantA, { until: future })).items.length > 0);
      assert.equal((await audit.list(tenantA, { until: '2000-01-01T00:00:00Z' })).items.length, 0);
      await assert.rejects(audit.list(tenantA, { since: 'yesterday' }), rejectsWith('validation_failed'));
      await assert.rejects(audit.list(tenantA, { limit: 0 }), rejectsWith('validation_failed'));
      await assert.rejects(audit.list(tenantA, { limit: 501 }), rejectsWith('validation_failed'));
      await assert.rejects(audit.list(tenantA, { cursor: "x' OR 1=1 --" }), rejectsWith('invalid_cursor'));
    });

    it('refuses to change an audit row, even in SQL', async () => {
      await assert.rejects(
        testStore.store.transaction({ tenantId: tenantA }, (tx) => tx.run("UPDATE audit_log SET action = 'forged' WHERE tenant_id = ?", [tenantA])),
        /cannot be changed/,
      );
      assert.equal((await audit.list(tenantA, { action: 'forged' })).items.length, 0);
    });

    it('prunes only the tenant rows older than the cut-off', async () => {
      const beforeB = (await audit.list(tenantB)).items.length;
      assert.equal(await audit.prune(tenantA, new Date('2000-01-01T00:00:00Z')), 0);
      const removed = await audit.prune(tenantA, new Date(Date.now() + 1000));
      assert.ok(removed > 0);
      assert.equal((await audit.list(tenantA)).items.length, 0);
      assert.equal((await audit.list(tenantB)).items.length, beforeB);
    });
  });
}
