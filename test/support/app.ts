/** @module Test helper: a Trellis app over a fresh store of either driver, with a bootstrapped admin key. */
import { type TrellisConfig, loadConfig } from '../../src/core/config.js';
import { type App, buildApp } from '../../src/server/app.js';
import { type Services, createServices, startBackground, stopBackground } from '../../src/server/services.js';
import type { Dialect } from '../../src/store/index.js';
import { createTestStore } from './stores.js';

/** A running test app and what a test needs to talk to it. */
export interface TestApp {
  app: App;
  services: Services;
  /** The bootstrap admin key of the default tenant (scopes read, write, admin, system). */
  adminKey: string;
  tenantId: string;
  /** The store's location as the test's own: the SQLite file, or the PostgreSQL URL with the owner's credentials. */
  location: string;
  dispose(): Promise<void>;
}

/** Options of {@link createTestApp}. */
export interface TestAppOptions {
  /** Start the services' background work (job workers, dispatchers) as a server would; off by default. */
  background?: boolean;
}

/** Builds an app over a fresh store; `overrides` tweak the configuration. */
export async function createTestApp(dialect: Dialect = 'sqlite', overrides: Partial<TrellisConfig> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const testStore = await createTestStore(dialect);
  // Suites fire requests far faster than the default per-key limit (100/s); rate-limit tests turn it on explicitly.
  const config = loadConfig({ env: {}, file: undefined, overrides: { logLevel: 'silent', rateLimit: 'off', ...overrides } });
  const services = createServices(config, testStore.store);
  const boot = await services.platform.bootstrap();
  if (!boot.created) throw new Error('bootstrap did not run on an empty store');
  const app = await buildApp(services, { logger: false });
  await app.ready();
  if (options.background) await startBackground(services);
  return {
    app,
    services,
    adminKey: boot.created.apiKey,
    tenantId: boot.created.tenantId,
    location: testStore.location,
    async dispose() {
      await app.close();
      if (options.background) await stopBackground(services);
      // Worker threads a test may have started (embedding pool, vector search) end with it, as a server's shutdown ends them.
      await services.embeddings.close();
      await services.vectors.close();
      await services.search.close();
      await testStore.dispose();
    },
  };
}

/** `Authorization` header for a key or token. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
