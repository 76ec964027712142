/** @module Request metrics: a counter by route pattern, method and status and a latency histogram, with label sets made once per route. */
import type { FastifyInstance } from 'fastify';
import type { Counter, Histogram } from 'prom-client';
import { httpDuration, httpRequests } from './metrics-registry.js';

/** The metric children of one route and method; attached to the route's config when it is registered. */
export class RouteMetrics {
  private readonly byStatus = new Map<number, Counter.Internal>();
  private readonly duration: Histogram.Internal<'route' | 'method'>;

  constructor(
    private readonly route: string,
    private readonly method: string,
  ) {
    this.duration = httpDuration.labels(route, method);
  }

  /** Counts one answer and observes its latency. */
  observe(status: number, milliseconds: number): void {
    let counter = this.byStatus.get(status);
    if (counter === undefined) {
      counter = httpRequests.labels(this.route, this.method, String(status));
      this.byStatus.set(status, counter);
    }
    counter.inc();
    this.duration.observe(milliseconds / 1000);
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by the metrics plugin on every route; a route author may set `false` to keep a route out of the metrics. */
    metrics?: RouteMetrics | false;
  }
}

/**
 * Installs the request metrics: each route gets its {@link RouteMetrics} when registered (so a request only looks
 * up its status), and an onResponse hook observes every answer. Unmatched URLs count under the route "(unmatched)"
 * so that scanners cannot create a series per URL. Call before any route is registered.
 */
export function registerHttpMetrics(app: FastifyInstance): void {
  const unmatched = new Map<string, RouteMetrics>();
  app.addHook('onRoute', (route) => {
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    if ((route.config as { metrics?: unknown } | undefined)?.metrics === false) return;
    route.config = { ...(route.config as object), metrics: new RouteMetrics(route.url, method) } as typeof route.config;
  });
  app.addHook('onResponse', (request, reply, done) => {
    let metrics = request.routeOptions.config.metrics;
    if (metrics === false) {
      done();
      return;
    }
    if (metrics === undefined) {
      // Node's parser only accepts known methods, so this map stays small.
      const method = request.method;
      metrics = unmatched.get(method);
      if (metrics === undefined) {
        metrics = new RouteMetrics('(unmatched)', method);
        unmatched.set(method, metrics);
      }
    }
    metrics.observe(reply.statusCode, reply.elapsedTime);
    done();
  });
}
