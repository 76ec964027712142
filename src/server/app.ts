/** @module The Fastify application: plugins, security headers, CORS, validation, problem errors, OpenAPI and every module's routes. */
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import pino from 'pino';
import { newId } from '../core/ids.js';
import { registerGraphRoutes } from '../graph/routes.js';
import { registerAnalyticsRoutes } from '../graph/analytics/index.js';
import { registerDatasetRoutes } from '../ingest/dataset-routes.js';
import { registerExchangeRoutes } from '../exchange/routes.js';
import { registerIngestRoutes } from '../ingest/routes.js';
import { registerSearchRoutes } from '../search/routes.js';
import { devContext, registerAuthHook } from '../platform/auth-hook.js';
import { registerEventRoutes, websocketPluginOptions } from '../platform/events/routes.js';
import { registerRateLimitHook } from '../platform/limits/rate-limit-hook.js';
import { registerHttpMetrics, registerMetricsRoute, registerTracingHooks } from '../platform/observability/index.js';
import { registerJobRoutes } from '../platform/jobs/routes.js';
import { registerPlatformRoutes } from '../platform/routes.js';
import { registerWebhookRoutes } from '../platform/webhooks/routes.js';
import { registerEmbeddingRoutes } from '../search/embed/index.js';
import { version } from '../version.js';
import { registerViewRoutes } from '../views/routes.js';
import { registerRecallRoutes } from '../memory/recall-routes.js';
import { registerMemoryRoutes } from '../memory/routes.js';
import { registerMcpRoutes } from '../memory/mcp/http.js';
import { registerHealthRoutes } from './health.js';
import { ProblemSchema, frameworkErrorHandler, registerProblemHandlers } from './problem.js';
import { RequestLog } from './request-log.js';
import { registerSecurityHeaders } from './security-headers.js';
import { registerTextSafety } from './text-safety.js';
import type { Services } from './services.js';
import { createValidatorCompiler } from './validation.js';

/** The app type every route module receives. */
export type App = FastifyInstance;

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** pino options or false; defaults to JSON logs at the configured level. */
  logger?: FastifyServerOptions['logger'];
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds the HTTP application over the services. Does not listen.
 * @example
 * const app = await buildApp(services);
 * const response = await app.inject({ url: '/health' });
 */
export async function buildApp(services: Services, options: BuildAppOptions = {}): Promise<App> {
  const { config } = services;
  const app = Fastify({
    // Asynchronous writes: under load, lines written while a write is in flight go out together in one system call
    // instead of one call per request; pino flushes what is pending when the process exits.
    logger: options.logger ?? { level: config.logLevel, stream: pino.destination({ dest: 1, sync: false }) },
    bodyLimit: config.bodyLimit,
    requestIdHeader: false,
    logController: new RequestLog(),
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : newId();
    },
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(createValidatorCompiler());
  app.addSchema(ProblemSchema);
  registerProblemHandlers(app);
  registerTextSafety(app);
  // Callback hooks, not async ones: each async hook costs a promise and a microtask turn on every request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  // Before any route, so every route gets its metric label set (and its traced handler) when registered.
  registerHttpMetrics(app);
  if (services.observability.tracing) registerTracingHooks(app, services.observability.tracing);

  // Swagger UI's own routes are public documentation.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config as object), access: 'public' } as typeof route.config;
  });
  registerSecurityHeaders(app);
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      exposedHeaders: ['x-request-id', 'location'],
      credentials: false,
    });
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Trellis API',
        version,
        description: 'Knowledge graph with provenance: every entity and relation cites the passage it came from. Errors are application/problem+json.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key (trl_…) or a JWT access token from POST /auth/login' },
        },
      },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === 'string' ? json.$id : `def-${index}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true }, staticCSP: false });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  registerAuthHook(app, services);
  registerRateLimitHook(app, services);
  registerHealthRoutes(app, services);
  registerMetricsRoute(app, services);
  registerPlatformRoutes(app, services);
  registerGraphRoutes(app, services);
  registerSearchRoutes(app, services.search);
  registerAnalyticsRoutes(app, services.analytics);
  registerDatasetRoutes(app, services);
  registerEmbeddingRoutes(app, services.embeddings);
  registerViewRoutes(app, services);
  registerMemoryRoutes(app, services);
  registerRecallRoutes(app, services);
  registerJobRoutes(app, services.jobs);
  registerWebhookRoutes(app, services.webhooks);
  // Its own context: POST /import reads its body as a raw stream.
  await registerExchangeRoutes(app, services);
  // @fastify/multipart, too, hooks every route of its context; a child context keeps it to the ingest routes.
  await app.register(async (ingest) => {
    await ingest.register(multipart, { throwFileSizeLimit: true });
    registerIngestRoutes(ingest, services);
  });
  // Its own context: /mcp parses JSON itself, so a malformed body gets a JSON-RPC error instead of a problem document.
  await app.register(async (mcp) => registerMcpRoutes(mcp, services));
  // @fastify/websocket adds an onRequest and an onResponse hook to every route of the context it is registered in;
  // a child context keeps them on the event routes instead of every request.
  await app.register(async (streams) => {
    await streams.register(websocket, websocketPluginOptions(services));
    registerEventRoutes(streams, services, () => devContext(services.platform));
  });
  return app;
}
