/** @module Starting a Trellis server: open and migrate the store, bootstrap a first tenant, listen, stop cleanly. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TrellisConfig } from '../core/config.js';
import { openStore } from '../store/index.js';
import { type App, buildApp } from './app.js';
import { type Services, createServices, startBackground, stopBackground } from './services.js';

/** A listening server and how to stop it. */
export interface RunningServer {
  app: App;
  services: Services;
  /** Base URL, e.g. http://127.0.0.1:7420 */
  url: string;
  /** Set on a first start: the admin key that was printed once. */
  bootstrapKey: string | null;
  stop(): Promise<void>;
}

/** Where a first start writes the admin key (mode 0600). */
export function bootstrapKeyFile(config: TrellisConfig): string {
  return path.resolve(config.dataDir, 'initial-admin-key.txt');
}

/**
 * On a store with no tenant: creates the tenant `default` with an admin API key, writes the key to
 * {@link bootstrapKeyFile} (mode 0600) and prints it once on `output`. Does nothing on a store that has a tenant.
 * The server's first start and the CLI's commands on a fresh store (e.g. `trellis ingest`) both run it.
 */
export async function bootstrapFirstTenant(services: Services, output: NodeJS.WritableStream): Promise<{ apiKey: string } | null> {
  const { created } = await services.platform.bootstrap();
  if (!created) return null;
  const file = bootstrapKeyFile(services.config);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${created.apiKey}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  output.write(
    [
      '',
      '  ┌──────────────────────────────────────────────────────────────────────────┐',
      '  │ First start: created tenant "default" and an admin API key.              │',
      '  │ It is shown once; a copy is in the file below (mode 0600).               │',
      '  └──────────────────────────────────────────────────────────────────────────┘',
      `  key:  ${created.apiKey}`,
      `  file: ${file}`,
      '',
      '',
    ].join('\n'),
  );
  return created;
}

/**
 * Opens the configured store, applies migrations, creates the default tenant and admin key on an empty store
 * (printed once, and written to a 0600 file in the data folder), and listens.
 * @example
 * const server = await startServer(loadConfig());
 * console.log(server.url);
 */
export async function startServer(config: TrellisConfig, output: NodeJS.WritableStream = process.stdout): Promise<RunningServer> {
  const store = openStore(config);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  const services = createServices(config, store);
  const created = await bootstrapFirstTenant(services, output);
  const app = await buildApp(services);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  try {
    await startBackground(services);
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let stopped = false;
  return {
    app,
    services,
    url: `http://${host}:${port}`,
    bootstrapKey: created?.apiKey ?? null,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await stopBackground(services);
      await store.close();
    },
  };
}
