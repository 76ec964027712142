/** @module The request gate: every route declares its access; public routes pass, scoped routes authenticate, the rest are refused. */
import type { FastifyInstance } from 'fastify';
import { TrellisError } from '../core/errors.js';
import type { Services } from '../server/services.js';
import { type AuthContext, apiScopes } from './auth-context.js';
import { defaultTenantSlug } from './bootstrap.js';
import type { PlatformService } from './index.js';

/** The identity of every request in dev mode: the default tenant (else the oldest), with every scope. */
export async function devContext(platform: PlatformService): Promise<AuthContext> {
  let tenantId: string;
  try {
    tenantId = (await platform.tenants.get(defaultTenantSlug)).id;
  } catch {
    const [first] = await platform.tenants.list();
    if (!first) throw new TrellisError('unauthenticated', 'Dev mode needs a tenant; start the server once so that it bootstraps one');
    tenantId = first.id;
  }
  return { tenantId, scopes: new Set(apiScopes), actor: { kind: 'dev', id: 'dev' }, role: null };
}

/**
 * Installs the `onRequest` gate. It runs before the body is read, so an unauthenticated client
 * cannot make the server parse a large body. Routes with `config.access`:
 * - `'public'`: no credentials needed;
 * - a scope: credentials needed (401 `unauthenticated` with `WWW-Authenticate: Bearer`), and the
 *   scope (403 `forbidden`);
 * - nothing: refused with 403 (fail closed), except unknown URLs, which answer 404.
 * On success `request.auth` is set; the request's log line carries its tenant ID.
 * With `config.auth === 'off'` (loopback only) every request acts for the default tenant with every scope.
 */
export function registerAuthHook(app: FastifyInstance, services: Services): void {
  const { platform, config } = services;
  const devMode = config.auth === 'off';
  let dev: Promise<AuthContext> | undefined;
  if (devMode) {
    app.log.warn('AUTHENTICATION IS OFF (TRELLIS_AUTH=off): every request acts as the default tenant with every scope. Never expose this server.');
  }
  // A stable request shape keeps V8's hidden classes monomorphic.
  app.decorateRequest('auth', null as unknown as AuthContext);

  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (access === 'public') return;
    if (access === undefined) throw new TrellisError('forbidden', 'This route declares no access rule, so it is refused');
    let auth: AuthContext;
    if (devMode) {
      dev ??= devContext(platform).catch((error: unknown) => {
        dev = undefined;
        throw error;
      });
      auth = await dev;
    } else {
      try {
        // Stream routes also take a short-lived stream token as ?token=, for browsers' EventSource (no headers).
        const streamToken =
          request.routeOptions.config.streamToken && !request.headers.authorization ? (request.query as { token?: unknown }).token : undefined;
        auth =
          typeof streamToken === 'string' ? await services.events.streamTokens.verify(streamToken) : await platform.authenticate(request.headers.authorization);
      } catch (error) {
        if (error instanceof TrellisError && error.status === 401) {
          reply.header('www-authenticate', request.headers.authorization ? 'Bearer realm="trellis", error="invalid_token"' : 'Bearer realm="trellis"');
        }
        throw error;
      }
    }
    if (!auth.scopes.has(access)) throw new TrellisError('forbidden', `This route needs the "${access}" scope`, { required: access });
    // The request log line (src/server/request-log.ts) and error logs read the tenant from here.
    request.auth = auth;
  });
}
