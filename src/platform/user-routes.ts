/** @module HTTP routes for the people of the caller's tenant: list, create, update, delete (admin scope). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { auditOrigin } from './audit/index.js';
import type { PlatformService } from './index.js';
import { CreateUserBody, IdParams, NoContent, UpdateUserBody, UserSchema, listOf, problems } from './schemas.js';

/** Registers the user routes. */
export function registerUserRoutes(app: FastifyInstance, platform: PlatformService): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/users',
    {
      config: { access: 'admin' },
      schema: { tags: ['users'], summary: 'Users of the tenant', response: { 200: listOf(UserSchema, 'UserList'), ...problems(401, 403) } },
    },
    async (request) => ({ items: await platform.users.list(request.auth.tenantId) }),
  );

  api.post(
    '/users',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Create a user; only owners may create owners',
        body: CreateUserBody,
        response: { 201: UserSchema, ...problems(400, 401, 403, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const user = await platform.users.create({ tenantId: request.auth.tenantId, ...request.body }, request.auth, auditOrigin(request));
      return reply.code(201).header('location', `/users/${user.id}`).send(user);
    },
  );

  api.patch(
    '/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Change a user’s role, name or disabled state; a tenant keeps at least one owner',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: UserSchema, ...problems(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    async (request) => platform.users.update(request.auth.tenantId, request.params.id, request.body, request.auth, auditOrigin(request)),
  );

  api.delete(
    '/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Delete a user and end their sessions; the last owner cannot be deleted',
        params: IdParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await platform.users.delete(request.auth.tenantId, request.params.id, request.auth, auditOrigin(request));
      return reply.code(204).send(null);
    },
  );
}
