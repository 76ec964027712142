/** @module What every CLI command needs: the configuration from flags and environment, and the services over an open store. */
import type { Command } from 'commander';
import { type TrellisConfig, loadConfig } from '../core/config.js';
import { createServices, type Services } from '../server/services.js';
import { bootstrapFirstTenant } from '../server/start.js';
import { openStore } from '../store/index.js';

/** Global flags shared by every command. */
export interface GlobalOptions {
  json?: boolean;
  config?: string;
  dataDir?: string;
  databaseUrl?: string;
}

/** The global options of the program a subcommand belongs to. */
export function globals(command: Command): GlobalOptions {
  let root = command;
  while (root.parent) root = root.parent;
  return root.opts<GlobalOptions>();
}

/** Configuration from trellis.yaml, TRELLIS_* and the global flags. */
export function configFrom(options: GlobalOptions): TrellisConfig {
  const overrides: Partial<TrellisConfig> = {};
  if (options.dataDir) overrides.dataDir = options.dataDir;
  if (options.databaseUrl) overrides.databaseUrl = options.databaseUrl;
  return loadConfig({ file: options.config, overrides });
}

/**
 * Runs `work` with services over a migrated store and closes the store afterwards.
 * Commands act on the store directly, as its administrator; the HTTP API is the way in for everyone else.
 */
export async function withServices<T>(options: GlobalOptions, work: (services: Services) => Promise<T>): Promise<T> {
  const config = configFrom(options);
  const store = openStore(config);
  try {
    await store.migrate();
    return await work(createServices(config, store));
  } finally {
    await store.close();
  }
}

/**
 * The tenant a command acts on: `--tenant` (slug or ID), defaulting to the first-start tenant. Without `--tenant` on a
 * store that has no tenant yet, the command does the server's first start (tenant `default` and an admin key, printed
 * on stderr and written to the data folder), so `trellis ingest` works on a fresh folder before any `trellis serve`.
 */
export async function tenantOf(services: Services, tenant: string | undefined): Promise<string> {
  if (tenant === undefined) await bootstrapFirstTenant(services, process.stderr);
  return (await services.platform.tenants.get(tenant ?? 'default')).id;
}
