/** @module Security headers on every response, computed once from helmet's defaults. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** Swagger UI at /docs needs inline styles and scripts; every other answer is JSON. */
const options: HelmetOptions = {
  contentSecurityPolicy: {
    directives: { 'script-src': ["'self'", "'unsafe-inline'"], 'style-src': ["'self'", "'unsafe-inline'"], 'img-src': ["'self'", 'data:'] },
  },
};

/**
 * The headers helmet would set, captured once by running its middleware against a recording response.
 * @fastify/helmet runs helmet (and re-parses the CSP) on every request, which profiling showed to cost 7 % of
 * an authenticated read; the headers do not depend on the request, so Trellis sets the same ones from a constant.
 */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => {
    finished = true;
  });
  if (!finished) throw new Error('helmet did not finish synchronously');
  return headers;
}

/** Adds the security headers to every response, errors and 404s included. */
export function registerSecurityHeaders(app: FastifyInstance): void {
  const headers = securityHeaders();
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(headers);
  });
}
