/** @module Test helper for the platform suites: a platform service over a fresh store, and ways to look inside it. */
import { type TrellisConfig, loadConfig } from '../src/core/config.js';
import { type PlatformService, createPlatformService } from '../src/platform/index.js';
import { type Dialect, type Store, parseJson } from '../src/store/index.js';
import { createTestStore } from './support/stores.js';

/** A platform service over its own fresh store. */
export interface PlatformFixture {
  store: Store;
  /** The store wrapped to count the calls the platform makes. */
  calls: { read: number; transaction: number };
  platform: PlatformService;
  config: TrellisConfig;
  /** For PostgreSQL, the owner's URL of the test database; for SQLite, the file. */
  location: string;
  dispose(): Promise<void>;
}

/** Builds a platform over a fresh store of the dialect; `overrides` tweak the configuration. */
export async function createPlatformFixture(dialect: Dialect, overrides: Partial<TrellisConfig> = {}): Promise<PlatformFixture> {
  const testStore = await createTestStore(dialect);
  const config = loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'silent', ...overrides } });
  const calls = { read: 0, transaction: 0 };
  const store = testStore.store;
  const counted: Store = {
    dialect: store.dialect,
    location: store.location,
    transaction: (scope, fn) => {
      calls.transaction++;
      return store.transaction(scope, fn);
    },
    read: (scope, fn) => {
      calls.read++;
      return store.read(scope, fn);
    },
    version: (tenantId) => store.version(tenantId),
    onCommit: (listener) => store.onCommit(listener),
    ping: () => store.ping(),
    migrate: () => store.migrate(),
    migrationStatus: () => store.migrationStatus(),
    close: () => store.close(),
  };
  return { store, calls, platform: createPlatformService(counted, config), config, location: testStore.location, dispose: () => testStore.dispose() };
}

/** Rows in a table (all tenants; platform tables have no row-level security, tenant tables are read per tenant). */
export async function countRows(store: Store, table: string, tenantId?: string): Promise<number> {
  const row = tenantId
    ? await store.read({ tenantId }, (tx) => tx.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table} WHERE tenant_id = ?`, [tenantId]))
    : await store.read('system', (tx) => tx.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`));
  return Number(row?.n);
}

/** The events of a tenant, in order. */
export async function eventsOf(store: Store, tenantId: string): Promise<{ type: string; subject: string | null; payload: Record<string, unknown> }[]> {
  const rows = await store.read({ tenantId }, (tx) =>
    tx.all<{ type: string; subject: string | null; payload: unknown }>('SELECT type, subject, payload FROM events WHERE tenant_id = ? ORDER BY seq', [
      tenantId,
    ]),
  );
  return rows.map((row) => ({ type: row.type, subject: row.subject, payload: parseJson(row.payload) }));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
}

/** A password that satisfies the length rule. */
export const goodPassword = 'correct horse battery staple';
