/** @module API keys at rest: the key format, creation, listing and revocation (storage only; verification is in api-key-auth.ts). */
import { TrellisError, notFound } from '../core/errors.js';
import { isId, newId, randomToken, sha256Hex } from '../core/ids.js';
import { type Tx, appendEvent, nowIso, parseJson } from '../store/index.js';
import { type ApiScope, apiScopes } from './auth-context.js';

/** An API key as the API shows it: never its secret, never its hash. */
export interface ApiKey {
  id: string;
  tenantId: string;
  name: string;
  /** The visible part of the key (`trl_<prefix>_…`), to tell keys apart. */
  prefix: string;
  scopes: ApiScope[];
  /** Who created it, as `<actor kind>:<actor id>`, or null when created by the platform itself. */
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** A freshly created key: the plaintext `key` is shown this once and never stored. */
export interface CreatedApiKey {
  key: string;
  apiKey: ApiKey;
}

/** What {@link insertApiKey} needs. */
export interface CreateApiKeyInput {
  tenantId: string;
  /** A label, 1–100 characters. */
  name: string;
  /** At least one of read, write, admin, system. */
  scopes: readonly ApiScope[];
  /** When the key stops working (ISO-8601 or Date, in the future); omitted or null for never. */
  expiresAt?: string | Date | null;
  /** Who creates it, as `<actor kind>:<actor id>`. */
  createdBy?: string | null;
}

/** `trl_` + 8 base32 characters of prefix (40 bits, unique, stored) + `_` + 32 of secret (160 bits). */
export const apiKeyPattern = /^trl_([a-z2-7]{8})_([a-z2-7]{32})$/;

/** A new random key and its prefix. */
export function generateApiKey(): { key: string; prefix: string } {
  const prefix = randomToken(8);
  return { key: `trl_${prefix}_${randomToken(32)}`, prefix };
}

/**
 * How keys are stored. A key carries 160 random bits, so a single SHA-256 is as good as a slow
 * hash against guessing, and keeps each authentication to microseconds; argon2 is for passwords,
 * which people choose and which therefore need key stretching.
 */
export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

interface ApiKeyRow {
  tenant_id: string;
  id: string;
  name: string;
  prefix: string;
  scopes: unknown;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

const columns = 'tenant_id, id, name, prefix, scopes, created_by, created_at, last_used_at, expires_at, revoked_at';

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    prefix: row.prefix,
    scopes: parseJson<ApiScope[]>(row.scopes),
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** Checks scopes: at least one, each known; returns them deduplicated in canonical order. */
export function validateScopes(scopes: readonly unknown[]): ApiScope[] {
  if (!Array.isArray(scopes) || scopes.length === 0) {
    throw new TrellisError('validation_failed', `An API key needs at least one scope of ${apiScopes.join(', ')}`, { field: 'scopes' });
  }
  for (const scope of scopes) {
    if (!apiScopes.includes(scope as ApiScope)) {
      throw new TrellisError('validation_failed', `Unknown scope ${JSON.stringify(scope)}; allowed: ${apiScopes.join(', ')}`, { field: 'scopes' });
    }
  }
  return apiScopes.filter((scope) => scopes.includes(scope));
}

function validateExpiry(expiresAt: string | Date | null | undefined): string | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  const when = expiresAt instanceof Date ? expiresAt : new Date(expiresAt);
  if (Number.isNaN(when.getTime())) throw new TrellisError('validation_failed', 'expiresAt is not a valid date-time', { field: 'expiresAt' });
  if (when.getTime() <= Date.now()) throw new TrellisError('validation_failed', 'expiresAt must be in the future', { field: 'expiresAt' });
  return when.toISOString();
}

/** Creates a key in the transaction's tenant and appends `api_key.created` (without the secret). */
export async function insertApiKey(tx: Tx, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name.length === 0 || name.length > 100) throw new TrellisError('validation_failed', 'API key name must be 1 to 100 characters', { field: 'name' });
  const scopes = validateScopes(input.scopes);
  const expiresAt = validateExpiry(input.expiresAt);
  const id = newId();
  const createdAt = nowIso();
  const createdBy = input.createdBy ?? null;
  // The prefix is unique; on the rare collision of 40 random bits, draw another.
  for (let attempt = 0; attempt < 5; attempt++) {
    const { key, prefix } = generateApiKey();
    const inserted = await tx.run(
      'INSERT INTO api_keys (tenant_id, id, name, prefix, secret_hash, scopes, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (prefix) DO NOTHING',
      [input.tenantId, id, name, prefix, hashApiKey(key), JSON.stringify(scopes), createdBy, createdAt, expiresAt],
    );
    if (inserted === 0) continue;
    const apiKey: ApiKey = { id, tenantId: input.tenantId, name, prefix, scopes, createdBy, createdAt, lastUsedAt: null, expiresAt, revokedAt: null };
    await appendEvent(tx, { type: 'api_key.created', subject: id, payload: { id, name, prefix, scopes, expiresAt, createdBy } });
    return { key, apiKey };
  }
  throw new TrellisError('internal', 'Could not draw a unique API key prefix');
}

/** Every key of a tenant, newest first, revoked ones included. */
export async function selectApiKeys(tx: Tx, tenantId: string): Promise<ApiKey[]> {
  const rows = await tx.all<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE tenant_id = ? ORDER BY created_at DESC, id DESC`, [tenantId]);
  return rows.map(toApiKey);
}

/** One key of a tenant, or undefined (also for another tenant's key ID). */
export async function findApiKey(tx: Tx, tenantId: string, keyId: string): Promise<ApiKey | undefined> {
  if (!isId(keyId)) return undefined;
  const row = await tx.get<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE tenant_id = ? AND id = ?`, [tenantId, keyId]);
  return row ? toApiKey(row) : undefined;
}

/**
 * Revokes a key of the transaction's tenant and appends `api_key.revoked`.
 * Revoking a revoked key changes nothing and emits nothing; a missing key is `not_found`.
 */
export async function revokeApiKeyRow(tx: Tx, tenantId: string, keyId: string, revokedBy: string | null): Promise<ApiKey> {
  const existing = await findApiKey(tx, tenantId, keyId);
  if (!existing) throw notFound('API key', keyId);
  if (existing.revokedAt !== null) return existing;
  const revokedAt = nowIso();
  await tx.run('UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at IS NULL', [revokedAt, tenantId, keyId]);
  await appendEvent(tx, { type: 'api_key.revoked', subject: keyId, payload: { id: keyId, name: existing.name, prefix: existing.prefix, revokedBy } });
  return { ...existing, revokedAt };
}

/** What authentication needs to know about a key, looked up by its prefix across all tenants. */
export interface ApiKeyCredential {
  tenantId: string;
  id: string;
  secretHash: string;
  scopes: ApiScope[];
  expiresAt: string | null;
  revokedAt: string | null;
}

/** The stored credential of a prefix, or undefined. `api_keys` is a platform table without row-level security. */
export async function findCredentialByPrefix(tx: Tx, prefix: string): Promise<ApiKeyCredential | undefined> {
  const row = await tx.get<{ tenant_id: string; id: string; secret_hash: string; scopes: unknown; expires_at: string | null; revoked_at: string | null }>(
    'SELECT tenant_id, id, secret_hash, scopes, expires_at, revoked_at FROM api_keys WHERE prefix = ?',
    [prefix],
  );
  if (!row) return undefined;
  return {
    tenantId: row.tenant_id,
    id: row.id,
    secretHash: row.secret_hash,
    scopes: parseJson<ApiScope[]>(row.scopes),
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** Records that a key was used now. */
export async function touchApiKey(tx: Tx, tenantId: string, keyId: string): Promise<void> {
  await tx.run('UPDATE api_keys SET last_used_at = ? WHERE tenant_id = ? AND id = ?', [nowIso(), tenantId, keyId]);
}
