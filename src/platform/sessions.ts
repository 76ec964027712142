/** @module Sessions for people: login with a password, rotating refresh tokens with reuse detection, logout. */
import type { TrellisConfig } from '../core/config.js';
import { TrellisError, type ErrorCode } from '../core/errors.js';
import { newId, randomToken, sha256Hex } from '../core/ids.js';
import { type Store, type Tx, nowIso } from '../store/index.js';
import type { AccessTokenSigner } from './access-tokens.js';
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
   * disabled account all answer `invalid_credentials`, in about the same time.
   * @example
   * const tokens = await platform.sessions.login({ tenant: 'default', email: 'ada@example.com', password });
   */
  login(input: LoginInput): Promise<TokenPair>;
  /**
   * Exchanges a refresh token for new tokens; the old refresh token is used up. Presenting a
   * used one again revokes its whole family and fails with `refresh_token_reused`.
   */
  refresh(refreshToken: string): Promise<TokenPair>;
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

  return {
    async login(input) {
      const refused = new TrellisError('invalid_credentials', 'The tenant, email or password is wrong');
      const password = typeof input.password === 'string' ? input.password : '';
      const email = typeof input.email === 'string' ? normaliseEmail(input.email) : '';
      const found = await store.read('system', async (tx) => {
        const tenant = typeof input.tenant === 'string' ? await findTenant(tx, input.tenant) : undefined;
        if (!tenant) return undefined;
        return tx.get<{ tenant_id: string; id: string; password_hash: string; role: Role; disabled_at: string | null }>(
          'SELECT tenant_id, id, password_hash, role, disabled_at FROM users WHERE tenant_id = ? AND email = ?',
          [tenant.id, email],
        );
      });
      if (!found) {
        await verifyDecoyPassword(password);
        throw refused;
      }
      const matches = await verifyPassword(found.password_hash, password);
      if (!matches || found.disabled_at !== null) throw refused;
      const refreshToken = await store.transaction({ tenantId: found.tenant_id }, (tx) => insertRefreshToken(tx, config, found.tenant_id, found.id, newId()));
      return issue(found.tenant_id, found.id, found.role, refreshToken);
    },

    async refresh(refreshToken) {
      if (typeof refreshToken !== 'string' || !refreshTokenPattern.test(refreshToken)) {
        throw new TrellisError('invalid_credentials', 'The refresh token is not valid');
      }
      // Failures that revoke must still commit, so the transaction returns them instead of throwing.
      const outcome = await store.transaction('system', async (tx): Promise<RefreshOutcome> => {
        const row = await findRefreshToken(tx, refreshToken);
        if (!row) return { error: 'invalid_credentials', detail: 'The refresh token is not valid' };
        if (row.used_at !== null) {
          await revokeFamily(tx, row.tenant_id, row.family_id);
          return { error: 'refresh_token_reused', detail: 'The refresh token was already used; the session is revoked' };
        }
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
        if (claimed === 0) {
          await revokeFamily(tx, row.tenant_id, row.family_id);
          return { error: 'refresh_token_reused', detail: 'The refresh token was already used; the session is revoked' };
        }
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
