/** @module Test helper: a fresh, migrated store of either driver, with its own database, and its clean-up. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { newId, randomToken } from '../../src/core/ids.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Dialect, Store } from '../../src/store/index.js';

/** A migrated store and how to throw it away. */
export interface TestStore {
  store: Store;
  /** For PostgreSQL, the URL of the test's own database (as the owner); for SQLite, the file path. */
  location: string;
  dispose(): Promise<void>;
}

/** The PostgreSQL server the test run uses (started by scripts/test.mjs, or given by the environment). */
export function testPostgresUrl(): string {
  const url = process.env.TRELLIS_TEST_DATABASE_URL;
  if (!url) throw new Error('TRELLIS_TEST_DATABASE_URL is not set: run the tests with `npm test`, which starts an embedded PostgreSQL');
  return url;
}

/** Creates an empty database named `<prefix>_<random>` on the server of `adminUrl`; returns its URL and how to drop it. */
export async function createDatabase(adminUrl: string, prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomToken(10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Creates an empty database on the test server and returns its URL. */
export function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  return createDatabase(testPostgresUrl(), 'trellis_test');
}

/** Opens a fresh store of the given dialect and applies the migrations. */
export async function createTestStore(dialect: Dialect): Promise<TestStore> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-sqlite-'));
    const file = path.join(dir, 'trellis.db');
    const store = openSqliteStore({ file });
    await store.migrate();
    return {
      store,
      location: file,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const database = await createTestDatabase();
  const store = openPostgresStore({ url: database.url, role: 'trellis_app', poolSize: 5 });
  await store.migrate();
  return {
    store,
    location: database.url,
    async dispose() {
      await store.close();
      await database.drop();
    },
  };
}

/** Inserts a tenant row directly (no admin key, no event) and returns its ID: for service tests below the platform. */
export async function createTenant(store: Store, slug: string): Promise<string> {
  const id = newId();
  await store.transaction('system', (tx) =>
    tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?)', [id, slug, slug, new Date().toISOString()]),
  );
  return id;
}

/** Both dialects, for suites that must run against each driver. */
export const dialects: Dialect[] = ['sqlite', 'postgres'];
