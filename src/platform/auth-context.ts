/** @module Who a request acts as: tenant, scopes, actor and role. Attached to every authenticated request. */

/** What an API key or a session may do. `system` manages tenants across the whole server. */
export type ApiScope = 'read' | 'write' | 'admin' | 'system';

/** Every scope, weakest first. */
export const apiScopes: readonly ApiScope[] = ['read', 'write', 'admin', 'system'];

/** A person's role inside a tenant. */
export type Role = 'owner' | 'admin' | 'editor' | 'viewer';

/** Every role, strongest first. */
export const roles: readonly Role[] = ['owner', 'admin', 'editor', 'viewer'];

/** The scopes a role grants to its sessions. */
export const roleScopes: Record<Role, readonly ApiScope[]> = {
  owner: ['read', 'write', 'admin'],
  admin: ['read', 'write', 'admin'],
  editor: ['read', 'write'],
  viewer: ['read'],
};

/** The identity behind a request. */
export interface AuthContext {
  tenantId: string;
  scopes: ReadonlySet<ApiScope>;
  actor: { kind: 'api_key' | 'user' | 'dev'; id: string };
  /** The person's role for user sessions; null for API keys and dev mode. */
  role: Role | null;
}

/** The route-level access rule, set as `config: { access }` on each route. */
export type RouteAccess = ApiScope | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope a route needs, or 'public'. Routes without one are refused (fail closed). */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    auth: AuthContext;
  }
}
