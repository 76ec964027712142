/** @module OpenTelemetry tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set: a span per request, child spans for store queries, OTLP/HTTP export. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { version } from '../../version.js';
import type { QueryTracing } from './store-metrics.js';

/** The tracer of one process and how to flush it. */
export interface Tracing extends QueryTracing {
  /** Where spans are sent: `<endpoint>/v1/traces`. */
  readonly url: string;
  /** Sends every ended span now. */
  flush(): Promise<void>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Builds the tracer when an OTLP endpoint is configured; null otherwise (and then no hook or wrapper is installed,
 * so tracing costs nothing when off). The provider is not registered globally: Trellis passes its tracer
 * explicitly, and the request span reaches store queries through an AsyncLocalStorage entered around each
 * route handler.
 */
export function createTracing(endpoint: string | undefined): Tracing | null {
  if (!endpoint) return null;
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'trellis', [ATTR_SERVICE_VERSION]: version }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url, timeoutMillis: 5000 }), { scheduledDelayMillis: 1000 })],
  });
  const tracer: Tracer = provider.getTracer('trellis', version);
  return {
    url,
    tracer,
    requestSpan: new AsyncLocalStorage<Span>(),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's span while tracing is on; null otherwise. */
    span: Span | null;
  }
}

/**
 * Installs the request spans: started first thing on each request (so authentication is inside), named
 * `<METHOD> <route pattern>`, ended when the answer is sent with its status, tenant and request ID. Each route
 * handler runs inside the span's AsyncLocalStorage, so store queries become its children. Call before routes.
 */
export function registerTracingHooks(app: FastifyInstance, tracing: Tracing): void {
  const { tracer, requestSpan } = tracing;
  app.decorateRequest('span', null);
  app.addHook('onRoute', (route) => {
    // WebSocket routes get their handler replaced by @fastify/websocket with another signature: left alone.
    if ((route as { websocket?: boolean }).websocket) return;
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function traced(this: FastifyInstance, request, reply) {
      const span = request?.span;
      return span ? requestSpan.run(span, () => handler.call(this, request, reply)) : handler.call(this, request, reply);
    } as typeof route.handler;
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    request.span = tracer.startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: { [ATTR_HTTP_ROUTE]: route, [ATTR_HTTP_REQUEST_METHOD]: request.method, 'trellis.request_id': request.id },
    });
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const span = request.span;
    if (span !== null) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
      if (request.auth) span.setAttribute('trellis.tenant_id', request.auth.tenantId);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}
