/** @module The platform's HTTP surface: sessions, tenants, API keys and users. */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../server/services.js';
import { registerAuditRoutes } from './audit/routes.js';
import { registerKeyRoutes } from './key-routes.js';
import { registerSessionRoutes } from './session-routes.js';
import { registerTenantRoutes } from './tenant-routes.js';
import { registerUserRoutes } from './user-routes.js';

/** Registers every platform route. Each declares its access (`config.access`) and full schemas. */
export function registerPlatformRoutes(app: FastifyInstance, services: Services): void {
  registerSessionRoutes(app, services.platform);
  registerTenantRoutes(app, services.platform);
  registerKeyRoutes(app, services.platform);
  registerUserRoutes(app, services.platform);
  registerAuditRoutes(app, services);
}
