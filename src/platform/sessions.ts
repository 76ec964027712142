/** @module Sessions for people: login with a password, rotating refresh tokens with reuse detection, logout. */
import type { TrellisConfig } from '../core/config.js';
import { TrellisError, type ErrorCode } from '../core/errors.js';
import { newId, randomToken, sha256Hex } from '../core/ids.js';
import { type Store, type Tx, nowIso } from '../store/index.js';
import type { AccessTokenSigner } from './access-tokens.js';
import { type AuditOrigin, recordAudit } from './audit/index.js';
import { type LoginAttempt, createLoginThrottle } from './audit/login-throttle.js';
import { type Role, roleScopes } from './auth-context.js';
import { verifyDecoyPassword, verifyPassword } from './passwords.js';
import { findTenant } from './tenants.js';
import { normaliseEmail } from './users.js';

/** What `login` takes. */
export interface LoginInput {
  /** The tenant's slug or ID. */
  tenant: string;
  email: string;
  password: string;
}

/** The tokens of a session (OAuth 2 token response shape). */
export interface TokenPair {
  /** JWT for `Authorization: Bearer …`. */
  accessToken: string;
  /** Opaque `trr_…` token; single use: each refresh returns a new one. */
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  tokenType: 'Bearer';
}

/** Login, refresh and logout. */
export interface SessionService {
  /**
   * Checks a password and opens a session. A wrong password, an unknown email or tenant and a
   * disabled account all answer `invalid_credentials`, in about the same time. Failures are counted per
   * (tenant, email) and per `origin.ip`; past the limits every attempt answers `rate_limited` until the lockout ends,
   * whether or not the user exists. Logins and failed logins are audited.
   * @example
   * const tokens = await platform.sessions.login({ tenant: 'default', email: 'ada@example.com', password });
   */
  login(input: LoginInput, origin?: AuditOrigin): Promise<TokenPair>;
  /**
   * Exchanges a refresh token for new tokens; the old refresh token is used up. Presenting a
   * used one again revokes its whole family and fails with `refresh_token_reused` (audited).
   */
  refresh(refreshToken: string, origin?: AuditOrigin): Promise<TokenPair>;
  /** Revokes the session (the refresh token's whole family). Unknown tokens are ignored. */
  logout(refreshToken: string): Promise<void>;
}

/** `trr_` + 52 base32 characters (260 random bits). */
export const refreshTokenPattern = /^trr_[a-z2-7]{52}$/;

function newRefreshToken(): string {
  return `trr_${randomToken(52)}`;
}

interface RefreshRow {
  tenant_id: string;
  id: string;
  user_id: string;
  family_id: string;
  expires_at: string;
  used_at: string | null;
  revoked_at: string | null;
}

async function insertRefreshToken(tx: Tx, config: TrellisConfig, tenantId: string, userId: string, familyId: string): Promise<string> {
  const token = newRefreshToken();
  const now = Date.now();
  await tx.run('INSERT INTO refresh_tokens (tenant_id, id, user_id, family_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
    tenantId,
    newId(),
    userId,
    familyId,
    sha256Hex(token),
    new Date(now).toISOString(),
    new Date(now + config.refreshTokenTtl * 1000).toISOString(),
  ]);
  return token;
}

async function revokeFamily(tx: Tx, tenantId: string, familyId: string): Promise<void> {
  await tx.run('UPDATE refresh_tokens SET revoked_at = ? WHERE tenant_id = ? AND family_id = ? AND revoked_at IS NULL', [nowIso(), tenantId, familyId]);
}

async function findRefreshToken(tx: Tx, token: string): Promise<RefreshRow | undefined> {
  return tx.get<RefreshRow>('SELECT tenant_id, id, user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = ?', [
    sha256Hex(token),
  ]);
}

type RefreshOutcome = { ok: { tenantId: string; userId: string; role: Role; refreshToken: string } } | { error: ErrorCode; detail: string };

/** Builds the session service over the store and the access-token signer. */
export function createSessionService(store: Store, config: TrellisConfig, signer: AccessTokenSigner): SessionService {
  async function issue(tenantId: string, userId: string, role: Role, refreshToken: string): Promise<TokenPair> {
    const accessToken = await signer.sign({ userId, tenantId, role, scopes: roleScopes[role] });
    return { accessToken, refreshToken, expiresIn: config.accessTokenTtl, tokenType: 'Bearer' };
  }

  const throttle = createLoginThrottle(store, config);

  /** Counts the failure and audits it (for a known tenant) in a transaction of its own: the login itself fails. */
  async function loginFailed(attempt: LoginAttempt, tenantId: string | undefined, userId: string | null, reason: string, origin?: AuditOrigin): Promise<never> {
    await store.transaction('system', async (tx) => {
      await throttle.fail(tx, attempt);
      if (tenantId) {
        await recordAudit(tx, {
          tenantId,
          action: 'auth.login_failed',
          actor: { kind: 'anonymous', id: null },
          target: userId ? { kind: 'user', id: userId } : undefined,
          origin,
          details: { email: attempt.email, reason },
        });
      }
    });
    throw new TrellisError('invalid_credentials', 'The tenant, email or password is wrong');
  }

  return {
    async login(input, origin) {
      const password = typeof input.password === 'string' ? input.password : '';
      const email = typeof input.email === 'string' ? normaliseEmail(input.email) : '';
      const { tenantId, found } = await store.read('system', async (tx) => {
        const tenant = typeof input.tenant === 'string' ? await findTenant(tx, input.tenant) : undefined;
        if (!tenant) return { tenantId: undefined, found: undefined };
        const user = await tx.get<{ tenant_id: string; id: string; password_hash: string; role: Role; disabled_at: string | null }>(
          'SELECT tenant_id, id, password_hash, role, disabled_at FROM users WHERE tenant_id = ? AND email = ?',
          [tenant.id, email],
        );
        return { tenantId: tenant.id, found: user };
      });
      // Counted by the resolved tenant ID, so naming a tenant by slug and by ID shares one budget.
      const attempt: LoginAttempt = { tenant: tenantId ?? String(input.tenant), email, ip: origin?.ip ?? null };
      await throttle.check(attempt);
      if (!found) {
        await verifyDecoyPassword(password);
        return loginFailed(attempt, tenantId, null, 'unknown_user', origin);
      }
      const matches = await verifyPassword(found.password_hash, password);
      if (!matches) return loginFailed(attempt, tenantId, found.id, 'wrong_password', origin);
      if (found.disabled_at !== null) return loginFailed(attempt, tenantId, found.id, 'disabled', origin);
      const refreshToken = await store.transaction({ tenantId: found.tenant_id }, async (tx) => {
        await throttle.succeed(tx, attempt);
        await recordAudit(tx, { action: 'auth.login', actor: { kind: 'user', id: found.id }, target: { kind: 'user', id: found.id }, origin });
        return insertRefreshToken(tx, config, found.tenant_id, found.id, newId());
      });
      return issue(found.tenant_id, found.id, found.role, refreshToken);
    },

    async refresh(refreshToken, origin) {
      if (typeof refreshToken !== 'string' || !refreshTokenPattern.test(refreshToken)) {
        throw new TrellisError('invalid_credentials', 'The refresh token is not valid');
      }
      // Failures that revoke must still commit, so the transaction returns them instead of throwing.
      const outcome = await store.transaction('system', async (tx): Promise<RefreshOutcome> => {
        const row = await findRefreshToken(tx, refreshToken);
        if (!row) return { error: 'invalid_credentials', detail: 'The refresh token is not valid' };
        const reused = async (): Promise<RefreshOutcome> => {
          await revokeFamily(tx, row.tenant_id, row.family_id);
          await recordAudit(tx, {
            tenantId: row.tenant_id,
            action: 'auth.refresh_token_reused',
            actor: { kind: 'anonymous', id: null },
            target: { kind: 'user', id: row.user_id },
            origin,
            details: { familyId: row.family_id },
          });
          return { error: 'refresh_token_reused', detail: 'The refresh token was already used; the session is revoked' };
        };
        if (row.used_at !== null) return reused();
        if (row.revoked_at !== null) return { error: 'invalid_credentials', detail: 'The refresh token has been revoked' };
        if (Date.parse(row.expires_at) <= Date.now()) return { error: 'token_expired', detail: 'The refresh token has expired; log in again' };
        const user = await tx.get<{ role: Role; disabled_at: string | null }>('SELECT role, disabled_at FROM users WHERE tenant_id = ? AND id = ?', [
          row.tenant_id,
          row.user_id,
        ]);
        if (!user || user.disabled_at !== null) {
          await revokeFamily(tx, row.tenant_id, row.family_id);
          return { error: 'invalid_credentials', detail: 'The account is disabled or deleted' };
        }
        // The condition makes the claim atomic: of two concurrent refreshes, one wins and the other is reuse.
        const claimed = await tx.run('UPDATE refresh_tokens SET used_at = ? WHERE tenant_id = ? AND id = ? AND used_at IS NULL AND revoked_at IS NULL', [
          nowIso(),
          row.tenant_id,
          row.id,
        ]);
        if (claimed === 0) return reused();
        const next = await insertRefreshToken(tx, config, row.tenant_id, row.user_id, row.family_id);
        return { ok: { tenantId: row.tenant_id, userId: row.user_id, role: user.role, refreshToken: next } };
      });
      if ('error' in outcome) throw new TrellisError(outcome.error, outcome.detail);
      return issue(outcome.ok.tenantId, outcome.ok.userId, outcome.ok.role, outcome.ok.refreshToken);
    },

    async logout(refreshToken) {
      if (typeof refreshToken !== 'string' || !refreshTokenPattern.test(refreshToken)) return;
      await store.transaction('system', async (tx) => {
        const row = await findRefreshToken(tx, refreshToken);
        if (row) await revokeFamily(tx, row.tenant_id, row.family_id);
      });
    },
  };
}
