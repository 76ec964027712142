import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTenant } from '../../test/support/stores.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { openSqliteStore } from './sqlite.js';

describe('SQLite WAL checkpoints in a thread', () => {
  it('copies the WAL into the database in the background once it passes 4 MiB, and every row survives a reopen', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-checkpoint-'));
    const file = path.join(dir, 'trellis.db');
    try {
      const store = openSqliteStore({ file, checkpoints: { walBytes: 4 * 1024 * 1024, intervalMs: 20 } });
      await store.migrate();
      const tenantId = await createTenant(store, 'acme');
      const text = 'x'.repeat(4000);
      const dbSize = () => statSync(file).size;
      const before = dbSize();
      // ~8 MB in 8 transactions: the writer itself checkpoints only past 1 GiB of WAL.
      for (let batch = 0; batch < 8; batch++) {
        await store.transaction({ tenantId }, async (tx) => {
          for (let row = 0; row < 250; row++)
            await tx.run(
              "INSERT INTO sources (tenant_id, id, uri, kind, title, content_hash, status, metadata, created_at, updated_at) VALUES (?, lower(hex(randomblob(16))), ?, 'txt', ?, 'h', 'ingested', '{}', 'now', 'now')",
              [tenantId, `file:///${batch}/${row}`, text],
            );
        });
      }
      let copied = false;
      for (let wait = 0; wait < 100 && !copied; wait++) {
        copied = dbSize() > before + 4 * 1024 * 1024;
        if (!copied) await sleep(50);
      }
      assert.ok(copied, `the database file grew from ${before} to ${dbSize()} bytes: pages were copied out of the WAL`);
      await store.close();
      const reopened = openSqliteStore({ file });
      const count = await reopened.read({ tenantId }, (tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM sources WHERE tenant_id = ?', [tenantId]));
      assert.equal(count?.n, 2000);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a checkpoint thread that cannot open its database warns and stops, without taking the process down', async () => {
    const warned = new Promise<string>((resolve) => process.once('warning', (warning) => resolve(warning.message)));
    // The thread is unreferenced (it never keeps a process alive): a timer keeps this test's loop running meanwhile.
    const alive = setInterval(() => undefined, 20);
    try {
      const checkpointer = startCheckpointer(path.join(os.tmpdir(), 'trellis-no-such-folder', 'x', 'trellis.db'), { intervalMs: 10 });
      assert.match(await warned, /SQLite checkpoint thread stopped/);
      await checkpointer.stop();
    } finally {
      clearInterval(alive);
    }
  });
});
