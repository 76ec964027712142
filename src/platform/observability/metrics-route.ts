/** @module GET /metrics in the Prometheus text format, and who may read it. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isLoopback } from '../../core/config.js';
import { TrellisError } from '../../core/errors.js';
import type { Services } from '../../server/services.js';
import { metricsRegistry } from './metrics-registry.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Who may read /metrics:
 * - with `metricsToken` set: a request bearing that token, or a credential with the `system` scope;
 * - else on a loopback host: anyone (only this machine can connect);
 * - else: a credential with the `system` scope (metrics describe the whole server, every tenant).
 */
async function authorize(request: FastifyRequest, services: Services): Promise<void> {
  const { config, platform } = services;
  const header = request.headers.authorization;
  if (config.metricsToken !== undefined) {
    const presented = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1];
    if (presented !== undefined && timingSafeEqual(digest(presented), digest(config.metricsToken))) return;
  } else if (isLoopback(config.host)) {
    return;
  }
  const auth = await platform.authenticate(header);
  if (!auth.scopes.has('system')) throw new TrellisError('forbidden', 'Reading /metrics needs the metrics token or the "system" scope', { required: 'system' });
}

/** Registers GET /metrics. */
export function registerMetricsRoute(app: FastifyInstance, services: Services): void {
  app.get(
    '/metrics',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text format 0.0.4)',
        description:
          'Open on a loopback host; otherwise needs `Authorization: Bearer <TRELLIS_METRICS_TOKEN>` or a key with the `system` scope. With a metrics token set, it is needed on loopback too.',
        security: [{ bearer: [] }, {}],
      },
    },
    async (request, reply) => {
      try {
        await authorize(request, services);
      } catch (error) {
        if (error instanceof TrellisError && error.status === 401) reply.header('www-authenticate', 'Bearer realm="trellis-metrics"');
        throw error;
      }
      const body = await metricsRegistry.metrics();
      return reply.type(metricsRegistry.contentType).send(body);
    },
  );
}
