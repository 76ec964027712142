/** @module The services one Trellis process runs, built once and shared by the server, the CLI and tests. */
import type { TrellisConfig } from '../core/config.js';
import { type GraphService, type ProjectionSource, createGraphService } from '../graph/index.js';
import { type PlatformService, createPlatformService } from '../platform/index.js';
import type { Store } from '../store/index.js';

/** Every module's service API over one store. */
export interface Services {
  config: TrellisConfig;
  store: Store;
  platform: PlatformService;
  graph: GraphService;
}

/** Where the traversal projection's build worker reads the store from; null when it cannot (an in-memory SQLite store) or is off. */
function projectionSource(config: TrellisConfig, store: Store): ProjectionSource | null {
  if (config.graphProjection === 'off') return null;
  if (store.dialect === 'postgres') return config.databaseUrl ? { dialect: 'postgres', url: config.databaseUrl, role: config.databaseRole } : null;
  return store.location === ':memory:' ? null : { dialect: 'sqlite', file: store.location };
}

/** Builds the services over an open, migrated store. */
export function createServices(config: TrellisConfig, store: Store): Services {
  const graph = createGraphService(store, { projection: { source: projectionSource(config, store), maxRelations: config.graphProjectionMaxRelations } });
  return { config, store, platform: createPlatformService(store, config), graph };
}
