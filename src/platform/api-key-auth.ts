/** @module API key verification with an in-memory cache, so an authenticated read costs no query and no slow hash. */
import type { TrellisConfig } from '../core/config.js';
import { TrellisError } from '../core/errors.js';
import { digestsEqual } from '../core/ids.js';
import type { Store } from '../store/index.js';
import { apiKeyPattern, findCredentialByPrefix, hashApiKey, touchApiKey } from './api-keys.js';
import type { AuthContext } from './auth-context.js';

/** Verifies API keys; {@link ApiKeyAuthenticator.forget} drops a key from the cache (on revoke). */
export interface ApiKeyAuthenticator {
  /** The identity of a key; throws `unauthenticated` for a malformed, unknown, wrong, revoked or expired key. */
  authenticate(key: string): Promise<AuthContext>;
  /** Drops a key from this process's cache at once. Other replicas notice within `apiKeyCacheMs`. */
  forget(keyId: string): void;
}

interface CacheEntry {
  auth: AuthContext;
  keyId: string;
  /** When this entry must be looked up again (ms since epoch). */
  freshUntil: number;
  /** When the key itself expires (ms since epoch), or Infinity. */
  keyExpiresAt: number;
}

/** Keys verified in the last `apiKeyCacheMs` are held at most this many at once. */
const cacheLimit = 10_000;
/** `last_used_at` is written at most once per key per this many ms, so reads stay reads. */
const touchIntervalMs = 60_000;

function rejected(detail: string): TrellisError {
  return new TrellisError('unauthenticated', detail);
}

/**
 * Builds the verifier. The cache is keyed by the whole presented key, so a wrong secret with a right prefix never
 * hits an entry, and a hit costs one map lookup — no SHA-256 per request (a few microseconds of every authenticated
 * read). The key text is in this process's memory while the request is anyway; the cache holds it at most
 * `apiKeyCacheMs` longer. A miss hashes the key and compares digests in constant time as before.
 */
export function createApiKeyAuthenticator(store: Store, config: TrellisConfig): ApiKeyAuthenticator {
  const cache = new Map<string, CacheEntry>();
  const lastTouched = new Map<string, number>();

  function touchLater(tenantId: string, keyId: string, now: number): void {
    const previous = lastTouched.get(keyId);
    if (previous !== undefined && now - previous < touchIntervalMs) return;
    if (lastTouched.size >= cacheLimit) lastTouched.clear();
    lastTouched.set(keyId, now);
    // Not awaited: the request must not wait for a write. A failure only loses a timestamp.
    store.transaction({ tenantId }, (tx) => touchApiKey(tx, tenantId, keyId)).catch(() => undefined);
  }

  async function lookUp(key: string, digest: string, now: number): Promise<CacheEntry> {
    const prefix = (apiKeyPattern.exec(key) as RegExpExecArray)[1] as string;
    const credential = await store.read('system', (tx) => findCredentialByPrefix(tx, prefix));
    if (!credential || !digestsEqual(credential.secretHash, digest)) throw rejected('The API key is not valid');
    if (credential.revokedAt !== null) throw rejected('The API key has been revoked');
    const keyExpiresAt = credential.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(credential.expiresAt);
    if (keyExpiresAt <= now) throw rejected('The API key has expired');
    const auth: AuthContext = {
      tenantId: credential.tenantId,
      scopes: new Set(credential.scopes),
      actor: { kind: 'api_key', id: credential.id },
      role: null,
    };
    return { auth, keyId: credential.id, freshUntil: now + config.apiKeyCacheMs, keyExpiresAt };
  }

  return {
    async authenticate(key) {
      if (!apiKeyPattern.test(key)) throw rejected('The API key is malformed; expected trl_<prefix>_<secret>');
      const now = Date.now();
      let entry = cache.get(key);
      if (entry === undefined || entry.freshUntil <= now) {
        cache.delete(key);
        entry = await lookUp(key, hashApiKey(key), now);
        if (config.apiKeyCacheMs > 0) {
          // Map order is insertion order: evict the oldest entry when full.
          if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value as string);
          cache.set(key, entry);
        }
      } else if (entry.keyExpiresAt <= now) {
        cache.delete(key);
        throw rejected('The API key has expired');
      }
      touchLater(entry.auth.tenantId, entry.keyId, now);
      return entry.auth;
    },
    forget(keyId) {
      for (const [cached, entry] of cache) if (entry.keyId === keyId) cache.delete(cached);
    },
  };
}
