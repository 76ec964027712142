/** @module Fault test: a `trellis serve` child process is killed (SIGKILL) while webhook deliveries are in flight and started again; every event arrives, duplicates only under the same webhook-id, nothing is left to send, on both drivers. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Dialect } from '../src/store/index.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { createTestDatabase, dialects } from './support/stores.js';
import { type Receiver, startReceiver, waitFor } from './webhooks-support.js';
import { waitForListening } from './support/listening.js';

const events = 150;

interface Child {
  url: string;
  process: ChildProcess;
  exited: Promise<unknown>;
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('TRELLIS_') && !name.startsWith('NODE_TEST') && name !== 'NODE_OPTIONS') env[name] = value;
  }
  return { ...env, ...extra };
}

async function serve(env: NodeJS.ProcessEnv): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const { url, exited } = await waitForListening(child, 60_000);
  return { url, process: child, exited };
}

for (const dialect of dialects satisfies Dialect[]) {
  describe(`webhooks survive a killed server (${dialect})`, () => {
    let dataDir: string;
    let receiver: Receiver;
    let env: NodeJS.ProcessEnv;
    let dropDatabase: (() => Promise<void>) | null = null;
    let databaseUrl = '';
    const children: Child[] = [];

    before(async () => {
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'trellis-webhook-crash-'));
      // Slow enough answers that deliveries are in flight when the server dies.
      receiver = await startReceiver({ delayMs: 40, status: 200 });
      const settings: Record<string, string> = {
        TRELLIS_DATA_DIR: dataDir,
        TRELLIS_PORT: '0',
        TRELLIS_LOG_LEVEL: 'warn',
        TRELLIS_WEBHOOK_ALLOW_PRIVATE_TARGETS: 'loopback',
        TRELLIS_WEBHOOK_TIMEOUT_MS: '1000',
        TRELLIS_WEBHOOK_RETRY_SCHEDULE: '0,100,200,400,800,1600',
        TRELLIS_WEBHOOK_POLL_MS: '50',
        TRELLIS_WEBHOOK_CONCURRENCY: '8',
      };
      if (dialect === 'postgres') {
        const database = await createTestDatabase();
        dropDatabase = database.drop;
        databaseUrl = database.url;
        settings.TRELLIS_DATABASE_URL = database.url;
      }
      env = childEnv(settings);
    });
    after(async () => {
      for (const child of children) child.process.kill('SIGKILL');
      await receiver.close();
      if (dropDatabase) await dropDatabase();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('delivers every event after a SIGKILL mid-delivery and a restart; repeats carry the same webhook-id', async () => {
      const first = await serve(env);
      children.push(first);
      const key = readFileSync(path.join(dataDir, 'initial-admin-key.txt'), 'utf8').trim();
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const created = await fetch(`${first.url}/webhooks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ url: receiver.url, eventTypes: ['entity.created'] }),
      });
      assert.equal(created.status, 201, await created.clone().text());
      const endpoint = (await created.json()) as { id: string; secret: string };
      receiver.secrets.push(endpoint.secret);
      const entityIds: string[] = [];
      for (let i = 0; i < events; i++) {
        const response = await fetch(`${first.url}/entities`, { method: 'POST', headers, body: JSON.stringify({ type: 'Thing', name: `thing ${i}` }) });
        assert.equal(response.status, 201);
        entityIds.push(((await response.json()) as { id: string }).id);
      }
      await waitFor('some deliveries before the kill', () => receiver.received.length >= 10, 30_000);
      first.process.kill('SIGKILL');
      await first.exited;
      const deliveredBeforeKill = new Set(receiver.received.map((r) => r.id)).size;
      assert.ok(deliveredBeforeKill < events, `the kill came while deliveries were outstanding (${deliveredBeforeKill} of ${events} delivered)`);

      const second = await serve(env);
      children.push(second);
      const unique = await waitFor(
        'every event delivered',
        () => {
          const ids = new Set(receiver.received.map((r) => r.id));
          return ids.size >= events ? ids : null;
        },
        60_000,
      );
      assert.equal(unique.size, events, 'one message per event, nothing extra');
      // Every repeat of a webhook-id carries the same body, so a receiver deduping on the id loses nothing.
      const bodies = new Map<string, string>();
      for (const message of receiver.received) {
        assert.deepEqual(message.verifiedWith, [0], 'every message verifies');
        const seen = bodies.get(message.id);
        if (seen !== undefined) assert.equal(message.body, seen);
        bodies.set(message.id, message.body);
      }
      const deliveredEntities = new Set([...bodies.values()].map((body) => JSON.parse(body).data.id as string));
      assert.deepEqual([...deliveredEntities].sort(), [...entityIds].sort());
      // Attempts that were in flight at the kill are retried once their lease ends (a repeat the receiver dedupes).
      await waitFor(
        'no delivery left pending',
        async () => {
          const response = await fetch(`${second.url}/webhooks/${endpoint.id}/deliveries?status=pending&limit=1000`, { headers });
          return ((await response.json()) as { items: unknown[] }).items.length === 0;
        },
        60_000,
      );
      second.process.kill('SIGTERM');
      await second.exited;

      // The store agrees: one delivery row per event, all succeeded, nothing left queued.
      const store =
        dialect === 'postgres'
          ? openPostgresStore({ url: databaseUrl, role: 'trellis_app', poolSize: 1 })
          : openSqliteStore({ file: path.join(dataDir, 'trellis.db') });
      try {
        const tenants = await store.read('system', (tx) => tx.all<{ id: string }>('SELECT id FROM tenants'));
        const tenantId = tenants[0]!.id;
        const rows = await store.read({ tenantId }, (tx) =>
          tx.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE tenant_id = ? GROUP BY status', [tenantId]),
        );
        assert.deepEqual(
          rows.map((row) => [row.status, Number(row.n)]),
          [['succeeded', events]],
        );
        // Attempts run as webhooks.deliver jobs. A job left unfinished (its process died after recording the attempt,
        // before settling the job) must be for an attempt already made, so that it sends nothing when it runs.
        const unfinished = await store.read('system', (tx) =>
          tx.all<{ payload: unknown }>("SELECT payload FROM jobs WHERE type = 'webhooks.deliver' AND status IN ('queued','failed','running')"),
        );
        const attempts = new Map(
          (
            await store.read({ tenantId }, (tx) =>
              tx.all<{ id: string; attempts: number }>('SELECT id, attempts FROM webhook_deliveries WHERE tenant_id = ?', [tenantId]),
            )
          ).map((row) => [String(row.id), Number(row.attempts)]),
        );
        for (const { payload } of unfinished) {
          const job = (typeof payload === 'string' ? JSON.parse(payload) : payload) as { deliveryId: string; attempt: number };
          assert.ok((attempts.get(job.deliveryId) ?? 0) >= job.attempt, `an unfinished job would send attempt ${job.attempt} of ${job.deliveryId}`);
        }
      } finally {
        await store.close();
      }
    });
  });
}
