/** @module HTTP routes for people's sessions: POST /auth/login, /auth/refresh and /auth/logout (public). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { auditOrigin } from './audit/index.js';
import type { PlatformService } from './index.js';
import { LoginBody, NoContent, RefreshBody, TokenPairSchema, problems } from './schemas.js';

/** Registers the session routes. */
export function registerSessionRoutes(app: FastifyInstance, platform: PlatformService): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const errors = problems(400, 401, 413, 415);
  const loginErrors = problems(400, 401, 413, 415, 429);

  api.post(
    '/auth/login',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password; returns an access token and a refresh token',
        security: [],
        body: LoginBody,
        response: { 200: TokenPairSchema, ...loginErrors },
      },
    },
    async (request) => platform.sessions.login(request.body, auditOrigin(request)),
  );

  api.post(
    '/auth/refresh',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for new tokens; reusing a used one revokes the session',
        security: [],
        body: RefreshBody,
        response: { 200: TokenPairSchema, ...errors },
      },
    },
    async (request) => platform.sessions.refresh(request.body.refreshToken, auditOrigin(request)),
  );

  api.post(
    '/auth/logout',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'End a session: revokes the refresh token and every token rotated from it',
        security: [],
        body: RefreshBody,
        response: { 204: NoContent, ...errors },
      },
    },
    async (request, reply) => {
      await platform.sessions.logout(request.body.refreshToken);
      return reply.code(204).send(null);
    },
  );
}
