/** @module The services one Trellis process runs, built once and shared by the server, the CLI and tests. */
import type { TrellisConfig } from '../core/config.js';
import { type GraphService, createGraphService } from '../graph/index.js';
import { type PlatformService, createPlatformService } from '../platform/index.js';
import type { Store } from '../store/index.js';

/** Every module's service API over one store. */
export interface Services {
  config: TrellisConfig;
  store: Store;
  platform: PlatformService;
  graph: GraphService;
}

/** Builds the services over an open, migrated store. */
export function createServices(config: TrellisConfig, store: Store): Services {
  return { config, store, platform: createPlatformService(store, config), graph: createGraphService(store) };
}
