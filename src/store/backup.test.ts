import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TrellisConfig, loadConfig } from '../core/config.js';
import { TrellisError } from '../core/errors.js';
import { createServices, type Services } from '../server/services.js';
import { type TestStore, createTestStore, dialects } from '../../test/support/stores.js';
import { type BackupReport, backupStore, restoreStore } from './backup.js';
import type { Dialect } from './types.js';

const rejectsWith = (code: string) => (error: unknown) => error instanceof TrellisError && error.code === code;

function configFor(dialect: Dialect, location: string): TrellisConfig {
  return loadConfig({
    env: {},
    file: undefined,
    overrides:
      dialect === 'sqlite'
        ? { logLevel: 'silent', dataDir: path.dirname(location), graphProjection: 'off' }
        : { logLevel: 'silent', databaseUrl: location, graphProjection: 'off' },
  });
}

/** Every table's row count in a store, read back through SQL. */
async function entityCount(services: Services, tenantId: string): Promise<number> {
  const row = await services.store.read({ tenantId }, (tx) =>
    tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM entities WHERE tenant_id = ?', [tenantId]),
  );
  return Number(row?.n);
}

for (const dialect of dialects) {
  describe(`backup and restore (${dialect})`, () => {
    let source: TestStore;
    let services: Services;
    let tenantId: string;
    let dir: string;
    let archive: string;
    let report: BackupReport;
    let firstEntity: string;
    const targets: TestStore[] = [];
    const freshTarget = async () => {
      const target = await createTestStore(dialect);
      targets.push(target);
      return target;
    };

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-backup-test-'));
      archive = path.join(dir, 'store.backup');
      source = await createTestStore(dialect);
      services = createServices(configFor(dialect, source.location), source.store);
      const boot = await services.platform.bootstrap();
      tenantId = boot.created?.tenantId ?? '';
      const created = await services.graph.createSource(tenantId, { uri: 'https://example.org/b', kind: 'txt', chunks: [{ text: 'Ada and Alan.' }] } as never);
      assert.ok(created.id);
      const result = await services.graph.upsertEntities(
        tenantId,
        Array.from({ length: 300 }, (_, i) => ({ type: 'Person', name: `Person ${i}`, properties: { i, note: `tab\there, newline\nthere, quote ' " \\` } })),
      );
      assert.equal(result.ids.length, 300);
      firstEntity = result.ids[0] ?? '';
      await services.graph.upsertRelations(
        tenantId,
        result.ids.slice(1, 101).map((id) => ({ type: 'KNOWS', from: firstEntity, to: id })),
      );
    });
    after(async () => {
      for (const target of targets) await target.dispose();
      await source.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('backs up while writes run, and restores into a fresh store with equal counts, checksums and readable data', async () => {
      let writing = true;
      let written = 0;
      const writer = (async () => {
        while (writing) {
          await services.graph.upsertEntity(tenantId, { type: 'Writer', name: `w${written++}` } as never);
          // A server's writes arrive through I/O; yield as they would, so the backup's steps get their turn.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      try {
        report = await backupStore(services.config, archive);
      } finally {
        writing = false;
        await writer;
      }
      assert.ok(written > 0);
      const entities = report.manifest.tables.find((table) => table.table === 'entities');
      assert.ok(entities && entities.rows >= 300 && entities.rows <= 300 + written, `entities ${entities?.rows}`);
      assert.equal(report.manifest.dialect, dialect);
      assert.ok(report.manifest.migrations.includes('0005-audit'));

      const target = await freshTarget();
      const restoredConfig = configFor(dialect, target.location);
      if (dialect === 'sqlite') await target.store.close();
      const restored = await restoreStore(restoredConfig, archive);
      assert.deepEqual(restored.manifest.tables, report.manifest.tables);
      if (dialect === 'sqlite') target.store = (await import('./sqlite.js')).openSqliteStore({ file: target.location });
      const readBack = createServices(restoredConfig, target.store);
      assert.equal(await entityCount(readBack, tenantId), entities.rows);
      const entity = await readBack.graph.getEntity(tenantId, firstEntity);
      assert.equal(entity.name, 'Person 0');
      assert.equal((entity.properties as { note: string }).note, `tab\there, newline\nthere, quote ' " \\`);
      const neighbours = await readBack.graph.neighbours(tenantId, firstEntity, { depth: 1, limit: 500 } as never);
      // The root and its 100 neighbours.
      assert.equal(neighbours.nodes.length, 101);
      // The restored store keeps working: new rows get fresh row numbers and the admin key still authenticates.
      const added = await readBack.graph.upsertEntity(tenantId, { type: 'Person', name: 'After restore' } as never);
      assert.equal(added.created, true);
      assert.equal((await readBack.platform.tenants.get('default')).id, tenantId);
    });

    it('refuses a non-empty target without --force and leaves it unchanged; replaces it with --force', async () => {
      const target = await freshTarget();
      const targetConfig = configFor(dialect, target.location);
      const targetServices = createServices(targetConfig, target.store);
      const boot = await targetServices.platform.bootstrap();
      const ownTenant = boot.created?.tenantId ?? '';
      await targetServices.graph.upsertEntity(ownTenant, { type: 'Mine', name: 'keep me' } as never);
      await assert.rejects(restoreStore(targetConfig, archive), rejectsWith('restore_target_not_empty'));
      assert.equal(await entityCount(targetServices, ownTenant), 1);
      if (dialect === 'sqlite') await target.store.close();
      await restoreStore(targetConfig, archive, { force: true });
      if (dialect === 'sqlite') target.store = (await import('./sqlite.js')).openSqliteStore({ file: target.location });
      const after = createServices(targetConfig, target.store);
      assert.equal(await entityCount(after, ownTenant), 0);
      assert.ok((await entityCount(after, tenantId)) >= 300);
    });

    it('refuses corrupted, truncated and foreign archives with backup_invalid and leaves the target untouched', async () => {
      const bytes = readFileSync(archive);
      const corrupted = Buffer.from(bytes);
      for (let i = Math.floor(bytes.length / 2); i < Math.floor(bytes.length / 2) + 16; i++) corrupted[i] = (corrupted[i] ?? 0) ^ 0xff;
      const cases: [string, Buffer][] = [
        ['corrupted', corrupted],
        ['truncated', bytes.subarray(0, Math.floor(bytes.length * 0.6))],
        ['cut just before the end', bytes.subarray(0, bytes.length - 9)],
        ['not gzip', Buffer.from('SELECT 1; DROP TABLE entities;')],
        ['empty', Buffer.alloc(0)],
      ];
      const target = await freshTarget();
      const targetConfig = configFor(dialect, target.location);
      const targetServices = createServices(targetConfig, target.store);
      const boot = await targetServices.platform.bootstrap();
      const ownTenant = boot.created?.tenantId ?? '';
      await targetServices.graph.upsertEntity(ownTenant, { type: 'Mine', name: 'keep me' } as never);
      for (const [name, content] of cases) {
        const file = path.join(dir, `${name}.backup`);
        writeFileSync(file, content);
        await assert.rejects(restoreStore(targetConfig, file, { force: true }), rejectsWith('backup_invalid'), name);
        assert.equal(await entityCount(targetServices, ownTenant), 1, name);
        assert.equal(await entityCount(targetServices, tenantId), 0, name);
      }
      await assert.rejects(restoreStore(targetConfig, path.join(dir, 'missing.backup'), { force: true }), rejectsWith('backup_invalid'));
    });

    it('refuses an archive of the other dialect', async () => {
      const other = dialect === 'sqlite' ? 'postgres' : 'sqlite';
      const target = await freshTarget();
      const file = path.join(dir, 'foreign.backup');
      // A well-formed archive whose header names the other dialect.
      const { openArchiveWriter } = await import('./backup-archive.js');
      const writer = openArchiveWriter(file);
      const header = { format: 'trellis-backup', version: 1, dialect: other, createdAt: new Date().toISOString(), migrations: [] };
      await writer.json('H', header);
      await writer.json('M', { ...header, tables: [] });
      await writer.close();
      await assert.rejects(
        restoreStore(configFor(dialect, target.location), file),
        (error: unknown) => rejectsWith('backup_invalid')(error) && /cross-dialect/.test((error as Error).message),
      );
    });
  });
}
