/** @module HTTP routes for tenants: GET /tenant (the caller's), GET and POST /tenants (system scope). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { auditOrigin } from './audit/index.js';
import type { PlatformService } from './index.js';
import { CreateTenantBody, CreatedTenantSchema, TenantSchema, listOf, problems } from './schemas.js';

/** Registers the tenant routes. */
export function registerTenantRoutes(app: FastifyInstance, platform: PlatformService): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/tenant',
    {
      config: { access: 'read' },
      schema: { tags: ['tenants'], summary: 'The tenant of the caller', response: { 200: TenantSchema, ...problems(401, 403, 404) } },
    },
    async (request) => platform.tenants.get(request.auth.tenantId),
  );

  api.get(
    '/tenants',
    {
      config: { access: 'system' },
      schema: { tags: ['tenants'], summary: 'Every tenant of the server', response: { 200: listOf(TenantSchema, 'TenantList'), ...problems(401, 403) } },
    },
    async () => ({ items: await platform.tenants.list() }),
  );

  api.post(
    '/tenants',
    {
      config: { access: 'system' },
      schema: {
        tags: ['tenants'],
        summary: 'Create a tenant and an admin API key for it (the key is shown once)',
        body: CreateTenantBody,
        response: { 201: CreatedTenantSchema, ...problems(400, 401, 403, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const { tenant, key, apiKey } = await platform.tenants.createWithAdminKey(request.body, request.auth, auditOrigin(request));
      return reply
        .code(201)
        .header('location', '/tenant')
        .send({ tenant, apiKey: { ...apiKey, key } });
    },
  );
}
