/** @module Test helper for the event-stream suites: a Trellis server listening on 127.0.0.1, with its store's location and a second tenant. */
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type TrellisConfig, loadConfig } from '../../src/core/config.js';
import { type App, buildApp } from '../../src/server/app.js';
import { type Services, createServices, startBackground, stopBackground } from '../../src/server/services.js';
import { streamTokenSecretSetting } from '../../src/platform/events/stream-tokens.js';
import type { Dialect, Store } from '../../src/store/index.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createTestStore } from './stores.js';

/** A listening server, its keys for two tenants, and how to reach its database from a second store. */
export interface EventApp {
  app: App;
  services: Services;
  base: string;
  /** Admin key and ID of the bootstrap tenant ("A"). */
  key: string;
  tenantId: string;
  /** Admin key and ID of a second tenant ("B"). */
  otherKey: string;
  otherTenantId: string;
  /** Opens a second store on the same database, as another process or replica would. */
  openSecondStore(): Promise<Store>;
  /** A stream token signed with the server's secret, with any claims (to forge expired or foreign tokens). */
  signToken(claims: Record<string, unknown>): Promise<string>;
  dispose(): Promise<void>;
}

/** Starts a server over a fresh store of the dialect; `overrides` tweak the configuration. */
export async function startEventApp(dialect: Dialect, overrides: Partial<TrellisConfig> = {}, options: { background?: boolean } = {}): Promise<EventApp> {
  const testStore = await createTestStore(dialect);
  const config = loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'silent', eventPollMs: 20, ...overrides } });
  const services = createServices(config, testStore.store);
  const boot = await services.platform.bootstrap();
  if (!boot.created) throw new Error('bootstrap did not run on an empty store');
  const other = await services.platform.tenants.createWithAdminKey({ slug: 'other', name: 'Other' });
  const app = await buildApp(services, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  if (options.background) await startBackground(services);
  const seconds: Store[] = [];
  return {
    app,
    services,
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    key: boot.created.apiKey,
    tenantId: boot.created.tenantId,
    otherKey: other.key,
    otherTenantId: other.tenant.id,
    async openSecondStore() {
      const second =
        dialect === 'sqlite' ? openSqliteStore({ file: testStore.location }) : openPostgresStore({ url: testStore.location, role: 'trellis_app', poolSize: 2 });
      await second.migrate();
      seconds.push(second);
      return second;
    },
    async signToken(claims) {
      const row = await services.store.read('system', (tx) =>
        tx.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [streamTokenSecretSetting]),
      );
      if (!row) throw new Error('no stream token secret yet: issue one token first');
      const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `tst_${body}.${createHmac('sha256', Buffer.from(row.value, 'base64url')).update(body).digest('base64url')}`;
    },
    async dispose() {
      await app.close();
      if (options.background) await stopBackground(services);
      for (const second of seconds) await second.close();
      await testStore.dispose();
    },
  };
}
