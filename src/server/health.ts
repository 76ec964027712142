/** @module Liveness and readiness: /health answers while the process runs, /ready checks the store, migrations and Redis (when configured), each with its timing. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { version } from '../version.js';
import type { Services } from './services.js';

const Check = Type.Object({
  name: Type.String(),
  ok: Type.Boolean(),
  ms: Type.Number(),
  detail: Type.Optional(Type.String()),
  critical: Type.Optional(Type.Boolean({ description: 'false: the server keeps serving without it (status "degraded", still 200)' })),
});

/** Registers /health and /ready. */
export function registerHealthRoutes(app: FastifyInstance, services: Services): void {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' as const, version }),
  );
  app.get(
    '/ready',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Readiness: the store answers and every migration is applied',
        response: {
          200: Type.Object({ status: Type.String(), checks: Type.Array(Check) }),
          503: Type.Object({ status: Type.String(), checks: Type.Array(Check) }),
        },
      },
    },
    async (_request, reply) => {
      const checks: { name: string; ok: boolean; ms: number; detail?: string; critical?: boolean }[] = [];
      const started = performance.now();
      try {
        const ms = await services.store.ping();
        checks.push({ name: 'store', ok: true, ms, detail: `${services.store.dialect} ${services.store.location}` });
        const pending = (await services.store.migrationStatus()).filter((migration) => migration.appliedAt === null);
        checks.push({
          name: 'migrations',
          ok: pending.length === 0,
          ms: performance.now() - started,
          detail: pending.length ? `pending: ${pending.map((m) => m.id).join(', ')}` : 'all applied',
        });
      } catch (error) {
        checks.push({ name: 'store', ok: false, ms: performance.now() - started, detail: (error as Error).message });
      }
      const redis = await services.limits.readiness();
      if (redis) checks.push(redis);
      const ok = checks.every((check) => check.ok || check.critical === false);
      const degraded = ok && checks.some((check) => !check.ok);
      return reply.code(ok ? 200 : 503).send({ status: ok ? (degraded ? 'degraded' : 'ready') : 'unavailable', checks });
    },
  );
}
