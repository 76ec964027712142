/** @module Turns an Authorization header into an AuthContext: API keys, or JWT access tokens checked against the live user. */
import type { TrellisConfig } from '../core/config.js';
import { TrellisError } from '../core/errors.js';
import type { Store } from '../store/index.js';
import type { AccessTokenSigner } from './access-tokens.js';
import type { ApiKeyAuthenticator } from './api-key-auth.js';
import { type AuthContext, type Role, roleScopes } from './auth-context.js';

/** Authenticates headers; {@link Authenticator.forgetUser} drops a user's cached identity (on change). */
export interface Authenticator {
  authenticate(authorizationHeader: string | undefined): Promise<AuthContext>;
  forgetUser(tenantId: string, userId: string): void;
}

interface UserEntry {
  auth: AuthContext;
  freshUntil: number;
}

const bearerPattern = /^Bearer +(\S+) *$/i;
const jwtPattern = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const cacheLimit = 10_000;

/**
 * Builds the authenticator. A token's user is looked up (is it still there, still enabled, which
 * role now?) and the answer is held for `apiKeyCacheMs`, so a demotion or a disabled account takes
 * effect within that time on other replicas and at once in this one.
 */
export function createAuthenticator(store: Store, config: TrellisConfig, apiKeys: ApiKeyAuthenticator, signer: AccessTokenSigner): Authenticator {
  const users = new Map<string, UserEntry>();

  async function authenticateAccessToken(token: string): Promise<AuthContext> {
    const { userId, tenantId } = await signer.verify(token);
    const cacheKey = `${tenantId}:${userId}`;
    const now = Date.now();
    const cached = users.get(cacheKey);
    if (cached && cached.freshUntil > now) return cached.auth;
    const user = await store.read('system', (tx) =>
      tx.get<{ role: Role; disabled_at: string | null }>('SELECT role, disabled_at FROM users WHERE tenant_id = ? AND id = ?', [tenantId, userId]),
    );
    if (!user || user.disabled_at !== null) {
      users.delete(cacheKey);
      throw new TrellisError('unauthenticated', 'The account behind this token is disabled or deleted');
    }
    const auth: AuthContext = { tenantId, scopes: new Set(roleScopes[user.role]), actor: { kind: 'user', id: userId }, role: user.role };
    if (config.apiKeyCacheMs > 0) {
      if (users.size >= cacheLimit) users.clear();
      users.set(cacheKey, { auth, freshUntil: now + config.apiKeyCacheMs });
    }
    return auth;
  }

  return {
    async authenticate(authorizationHeader) {
      if (!authorizationHeader) throw new TrellisError('unauthenticated', 'No credentials: send "Authorization: Bearer <API key or access token>"');
      const match = bearerPattern.exec(authorizationHeader);
      if (!match) throw new TrellisError('unauthenticated', 'The Authorization header must be "Bearer <API key or access token>"');
      const token = match[1] as string;
      if (token.startsWith('trl_')) return apiKeys.authenticate(token);
      if (jwtPattern.test(token)) return authenticateAccessToken(token);
      throw new TrellisError('unauthenticated', 'The bearer token is neither an API key nor an access token');
    },
    forgetUser(tenantId, userId) {
      users.delete(`${tenantId}:${userId}`);
    },
  };
}
