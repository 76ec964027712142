/** @module JWT access tokens (HS256): the signing secret shared by every replica, signing and verification. */
import { randomBytes } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { TrellisConfig } from '../core/config.js';
import { TrellisError } from '../core/errors.js';
import { isId, newId } from '../core/ids.js';
import type { Store } from '../store/index.js';
import { type ApiScope, type Role, roles } from './auth-context.js';

/** The claims Trellis puts in an access token besides the registered ones. */
export interface AccessClaims {
  /** The user ID (`sub`). */
  userId: string;
  /** The tenant ID (`tid`). */
  tenantId: string;
  role: Role;
  scopes: readonly ApiScope[];
}

/** Signs and verifies access tokens. */
export interface AccessTokenSigner {
  /** A signed token that expires after `accessTokenTtl` seconds. */
  sign(claims: AccessClaims): Promise<string>;
  /** The user and tenant of a valid token; throws `token_expired` or `unauthenticated`. */
  verify(token: string): Promise<{ userId: string; tenantId: string }>;
}

const issuer = 'trellis';
/** Key of the generated secret in the `settings` table. */
export const jwtSecretSetting = 'jwt_secret';

/**
 * The HMAC secret: `config.jwtSecret`, or else 48 random bytes stored once in `settings` so that
 * every replica signs with the same one (the first writer wins a race; the others read its value).
 */
async function loadSecret(store: Store, config: TrellisConfig): Promise<Uint8Array> {
  if (config.jwtSecret) return new TextEncoder().encode(config.jwtSecret);
  const value = await store.transaction('system', async (tx) => {
    await tx.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [jwtSecretSetting, randomBytes(48).toString('base64url')]);
    const row = await tx.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [jwtSecretSetting]);
    return row?.value;
  });
  if (!value) throw new TrellisError('internal', 'The JWT secret could not be stored');
  return new TextEncoder().encode(value);
}

/** Builds the signer; the secret is loaded on first use and then held in memory. */
export function createAccessTokenSigner(store: Store, config: TrellisConfig): AccessTokenSigner {
  let secret: Promise<Uint8Array> | undefined;
  const key = (): Promise<Uint8Array> => {
    secret ??= loadSecret(store, config).catch((error: unknown) => {
      secret = undefined;
      throw error;
    });
    return secret;
  };

  return {
    async sign(claims) {
      if (!roles.includes(claims.role)) throw new Error(`Unknown role ${claims.role}`);
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ tid: claims.tenantId, role: claims.role, scope: claims.scopes.join(' ') })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(claims.userId)
        .setIssuer(issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + config.accessTokenTtl)
        .setJti(newId())
        .sign(await key());
    },
    async verify(token) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, await key(), { issuer, algorithms: ['HS256'], requiredClaims: ['sub', 'exp', 'iat'] }));
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw new TrellisError('token_expired', 'The access token has expired');
        if (error instanceof TrellisError) throw error;
        throw new TrellisError('unauthenticated', 'The access token is not valid');
      }
      const { sub, tid } = payload;
      if (typeof sub !== 'string' || typeof tid !== 'string' || !isId(sub) || !isId(tid)) {
        throw new TrellisError('unauthenticated', 'The access token is not valid');
      }
      return { userId: sub, tenantId: tid };
    },
  };
}
