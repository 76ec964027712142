/** @module Stream tokens: short-lived, HMAC-signed credentials for the stream routes, because a browser's EventSource cannot send headers. */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { TrellisError } from '../../core/errors.js';
import { isId } from '../../core/ids.js';
import type { Store } from '../../store/index.js';
import { type ApiScope, type AuthContext, apiScopes } from '../auth-context.js';

/** Issues and verifies stream tokens. */
export interface StreamTokens {
  /** A token bound to the caller's tenant, actor and `read` scope (when the caller has it), valid for `ttlSeconds`. */
  issue(auth: AuthContext): Promise<{ token: string; expiresAt: string }>;
  /** The identity of a valid token; `unauthenticated` or `token_expired` otherwise. */
  verify(token: string): Promise<AuthContext>;
}

/** Key of the generated signing secret in the `settings` table (shared by every replica). */
export const streamTokenSecretSetting = 'stream_token_secret';
const prefix = 'tst_';
const tokenPattern = /^tst_([A-Za-z0-9_-]{1,600})\.([A-Za-z0-9_-]{43})$/;

interface Claims {
  /** tenant */
  t: string;
  /** scopes */
  s: ApiScope[];
  /** actor kind and id */
  k: AuthContext['actor']['kind'];
  a: string;
  /** expiry, seconds since the epoch */
  e: number;
}

async function loadSecret(store: Store): Promise<Buffer> {
  const value = await store.transaction('system', async (tx) => {
    await tx.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [
      streamTokenSecretSetting,
      randomBytes(32).toString('base64url'),
    ]);
    return (await tx.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [streamTokenSecretSetting]))?.value;
  });
  if (!value) throw new TrellisError('internal', 'The stream token secret could not be stored');
  return Buffer.from(value, 'base64url');
}

function invalid(): TrellisError {
  return new TrellisError('unauthenticated', 'The stream token is not valid');
}

/**
 * Builds the issuer. Tokens are stateless (any replica verifies them with the shared secret) and cannot be
 * revoked: they live `ttlSeconds` (about a minute), only long enough to open a stream.
 */
export function createStreamTokens(store: Store, ttlSeconds: number): StreamTokens {
  let secret: Promise<Buffer> | undefined;
  const key = (): Promise<Buffer> => {
    secret ??= loadSecret(store).catch((error: unknown) => {
      secret = undefined;
      throw error;
    });
    return secret;
  };
  const sign = async (body: string): Promise<string> =>
    createHmac('sha256', await key())
      .update(body)
      .digest('base64url');

  return {
    async issue(auth) {
      const expires = Math.floor(Date.now() / 1000) + ttlSeconds;
      // A token in a URL may end up in logs, so it carries no more than the stream routes need.
      const claims: Claims = { t: auth.tenantId, s: auth.scopes.has('read') ? ['read'] : [], k: auth.actor.kind, a: auth.actor.id, e: expires };
      const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return { token: `${prefix}${body}.${await sign(body)}`, expiresAt: new Date(expires * 1000).toISOString() };
    },
    async verify(token) {
      const match = tokenPattern.exec(token);
      if (!match) throw invalid();
      const [, body, signature] = match as unknown as [string, string, string];
      const expected = Buffer.from(await sign(body));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
      let claims: Claims;
      try {
        claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Claims;
      } catch {
        throw invalid();
      }
      if (typeof claims.e !== 'number' || !isId(claims.t) || !Array.isArray(claims.s) || !claims.s.every((scope) => apiScopes.includes(scope))) throw invalid();
      if (claims.e * 1000 <= Date.now()) throw new TrellisError('token_expired', 'The stream token has expired; ask POST /events/stream-tokens for a new one');
      return { tenantId: claims.t, scopes: new Set(claims.s), actor: { kind: claims.k, id: String(claims.a) }, role: null };
    },
  };
}
