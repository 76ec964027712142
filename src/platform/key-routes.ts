/** @module HTTP routes for API keys of the caller's tenant: list, create (plaintext shown once), revoke (admin scope). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { auditOrigin } from './audit/index.js';
import type { PlatformService } from './index.js';
import { ApiKeySchema, CreateKeyBody, CreatedApiKeySchema, IdParams, NoContent, listOf, problems } from './schemas.js';

/** Registers the API key routes. */
export function registerKeyRoutes(app: FastifyInstance, platform: PlatformService): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/keys',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'API keys of the tenant (never their secrets)',
        response: { 200: listOf(ApiKeySchema, 'ApiKeyList'), ...problems(401, 403) },
      },
    },
    async (request) => ({ items: await platform.apiKeys.list(request.auth.tenantId) }),
  );

  api.post(
    '/keys',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'Create an API key with at most the caller’s scopes; the key is in this response only',
        body: CreateKeyBody,
        response: { 201: CreatedApiKeySchema, ...problems(400, 401, 403, 413, 415) },
      },
    },
    async (request, reply) => {
      const { key, apiKey } = await platform.apiKeys.create({ tenantId: request.auth.tenantId, ...request.body }, request.auth, auditOrigin(request));
      return reply
        .code(201)
        .header('location', `/keys/${apiKey.id}`)
        .send({ ...apiKey, key });
    },
  );

  api.delete(
    '/keys/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key; it stops working at once',
        params: IdParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await platform.apiKeys.revoke(request.auth.tenantId, request.params.id, request.auth, auditOrigin(request));
      return reply.code(204).send(null);
    },
  );
}
