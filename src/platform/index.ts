/** @module The platform's public door: tenants, users, API keys, sessions and authentication, for the HTTP routes and the CLI. */
import type { TrellisConfig } from '../core/config.js';
import { TrellisError, notFound } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Store, Tx } from '../store/index.js';
import { createAccessTokenSigner } from './access-tokens.js';
import { createApiKeyAuthenticator } from './api-key-auth.js';
import {
  type ApiKey,
  type CreateApiKeyInput,
  type CreatedApiKey,
  findApiKey,
  insertApiKey,
  revokeApiKeyRow,
  selectApiKeys,
  validateScopes,
} from './api-keys.js';
import { type AuditActor, type AuditEntry, type AuditOrigin, auditActor, recordAudit } from './audit/index.js';
import type { AuthContext } from './auth-context.js';
import { createAuthenticator } from './authenticate.js';
import { type BootstrapResult, bootstrap } from './bootstrap.js';
import { hashPassword, validatePassword } from './passwords.js';
import { type SessionService, createSessionService } from './sessions.js';
import { type CreateTenantInput, type Tenant, insertTenantOrFail, requireTenant, selectTenants, validateTenantInput } from './tenants.js';
import {
  type CreateUserInput,
  type UpdateUserInput,
  type User,
  deleteUserRow,
  findUser,
  insertUser,
  selectUsers,
  updateUserRow,
  validateNewUser,
} from './users.js';

export type { AccessClaims } from './access-tokens.js';
export type { ApiKey, CreateApiKeyInput, CreatedApiKey } from './api-keys.js';
export { type ApiScope, type AuthContext, type Role, type RouteAccess, apiScopes, roleScopes, roles } from './auth-context.js';
export type { BootstrapResult } from './bootstrap.js';
export type { LoginInput, SessionService, TokenPair } from './sessions.js';
export type { CreateTenantInput, Tenant } from './tenants.js';
export type { CreateUserInput, UpdateUserInput, User } from './users.js';

/**
 * An optional `actor` is the identity a call acts for (the request's {@link AuthContext}); its
 * scopes and role bound what it may grant. Calls without an actor act for the server's operator
 * (the CLI), who may do anything.
 */
export type Actor = AuthContext | undefined;

/** Tenants. Creating one needs the `system` scope over HTTP. */
export interface TenantService {
  /** Creates a tenant; a taken slug is `conflict`. Emits `tenant.created`. */
  create(input: CreateTenantInput): Promise<Tenant>;
  /** Creates a tenant and, in the same transaction, an admin key (read, write, admin) for it. */
  createWithAdminKey(input: CreateTenantInput & { keyName?: string }, actor?: Actor, origin?: AuditOrigin): Promise<{ tenant: Tenant } & CreatedApiKey>;
  /** Every tenant, oldest first. */
  list(): Promise<Tenant[]>;
  /** A tenant by ID or slug; throws `not_found`. */
  get(idOrSlug: string): Promise<Tenant>;
}

/** API keys of a tenant. */
export interface ApiKeyService {
  /**
   * Creates a key and returns its plaintext once. An actor cannot grant scopes it lacks (`forbidden`).
   * Emits `api_key.created`.
   * @example
   * const { key, apiKey } = await platform.apiKeys.create({ tenantId, name: 'ci', scopes: ['read'] });
   */
  create(input: CreateApiKeyInput, actor?: Actor, origin?: AuditOrigin): Promise<CreatedApiKey>;
  /** Every key of the tenant (revoked ones too), without secrets or hashes. */
  list(tenantId: string): Promise<ApiKey[]>;
  /** One key of the tenant; another tenant's key is `not_found`. */
  get(tenantId: string, keyId: string): Promise<ApiKey>;
  /** Revokes a key: it fails authentication at once in this process. Emits `api_key.revoked`. */
  revoke(tenantId: string, keyId: string, actor?: Actor, origin?: AuditOrigin): Promise<ApiKey>;
}

/** People of a tenant. Only owners grant, revoke, disable or delete owners; a tenant keeps one active owner. */
export interface UserService {
  /** Creates a user (password hashed with argon2id); a taken email is `conflict`. Emits `user.created`. */
  create(input: CreateUserInput, actor?: Actor, origin?: AuditOrigin): Promise<User>;
  /** Every user of the tenant, by email. */
  list(tenantId: string): Promise<User[]>;
  /** One user of the tenant; another tenant's user is `not_found`. */
  get(tenantId: string, userId: string): Promise<User>;
  /** Changes role, name or disabled; disabling revokes the user's sessions. Emits `user.updated`. */
  update(tenantId: string, userId: string, changes: UpdateUserInput, actor?: Actor, origin?: AuditOrigin): Promise<User>;
  /** Deletes a user and their sessions. Emits `user.deleted`. */
  delete(tenantId: string, userId: string, actor?: Actor, origin?: AuditOrigin): Promise<void>;
}

/**
 * Every change below is audited in its own transaction (`recordAudit`); `origin` (IP, user agent, request ID) comes
 * from the HTTP request and is absent for the CLI.
 */
/** The platform's service API. */
export interface PlatformService {
  /** On a store with no tenant, creates tenant `default` and a key with every scope; otherwise `{ created: null }`. */
  bootstrap(): Promise<BootstrapResult>;
  /**
   * The identity behind an `Authorization` header: `Bearer trl_…` (API key) or `Bearer <JWT>`.
   * Throws `unauthenticated` (or `token_expired`) otherwise.
   */
  authenticate(authorizationHeader: string | undefined): Promise<AuthContext>;
  /** The identity of an API key; cached for `apiKeyCacheMs`, so repeated calls touch no database. */
  authenticateApiKey(key: string): Promise<AuthContext>;
  tenants: TenantService;
  apiKeys: ApiKeyService;
  users: UserService;
  sessions: SessionService;
}

function actorLabel(actor: Actor): string | null {
  return actor ? `${actor.actor.kind}:${actor.actor.id}` : null;
}

function keyCreated(created: CreatedApiKey, actor: AuditActor, origin: AuditOrigin | undefined): AuditEntry {
  const { apiKey } = created;
  return { action: 'api_key.created', actor, target: { kind: 'api_key', id: apiKey.id }, origin, details: { name: apiKey.name, scopes: apiKey.scopes } };
}

/** A role change is its own action (`user.role_changed`), the one reviewers look for; other changes are `user.updated`. */
async function recordUserUpdate(tx: Tx, before: User, after: User, actor: AuditActor, origin: AuditOrigin | undefined): Promise<void> {
  const target = { kind: 'user', id: after.id };
  if (before.role !== after.role) {
    await recordAudit(tx, { action: 'user.role_changed', actor, target, origin, details: { email: after.email, from: before.role, to: after.role } });
  }
  const changed: Record<string, unknown> = {};
  if (before.name !== after.name) changed.name = after.name;
  if (before.disabled !== after.disabled) changed.disabled = after.disabled;
  if (Object.keys(changed).length > 0)
    await recordAudit(tx, { action: 'user.updated', actor, target, origin, details: { email: after.email, changes: changed } });
}

/**
 * Builds the platform service over an open, migrated store.
 * @example
 * const platform = createPlatformService(store, loadConfig());
 * const { created } = await platform.bootstrap();
 * if (created) console.log(`admin key: ${created.apiKey}`);
 */
export function createPlatformService(store: Store, config: TrellisConfig): PlatformService {
  const apiKeyAuth = createApiKeyAuthenticator(store, config);
  const signer = createAccessTokenSigner(store, config);
  const authenticator = createAuthenticator(store, config, apiKeyAuth, signer);

  // Methods are async so that validation failures reject rather than throw synchronously.
  const tenants: TenantService = {
    async create(input) {
      const valid = validateTenantInput(input);
      return store.transaction({ tenantId: newId() }, async (tx) => {
        const tenant = await insertTenantOrFail(tx, valid);
        await recordAudit(tx, { action: 'tenant.created', target: { kind: 'tenant', id: tenant.id }, details: { slug: tenant.slug } });
        return tenant;
      });
    },
    async createWithAdminKey(input, actor, origin) {
      const valid = validateTenantInput(input);
      const tenantId = newId();
      return store.transaction({ tenantId }, async (tx) => {
        const tenant = await insertTenantOrFail(tx, valid);
        const created = await insertApiKey(tx, {
          tenantId,
          name: input.keyName ?? 'tenant admin',
          scopes: ['read', 'write', 'admin'],
          createdBy: actorLabel(actor),
        });
        const by = auditActor(actor);
        await recordAudit(tx, { action: 'tenant.created', actor: by, target: { kind: 'tenant', id: tenant.id }, origin, details: { slug: tenant.slug } });
        await recordAudit(tx, keyCreated(created, by, origin));
        return { tenant, ...created };
      });
    },
    list: () => store.read('system', selectTenants),
    get: (idOrSlug) => store.read('system', (tx) => requireTenant(tx, idOrSlug)),
  };

  const apiKeys: ApiKeyService = {
    async create(input, actor, origin) {
      const scopes = validateScopes(input.scopes);
      const missing = actor ? scopes.filter((scope) => !actor.scopes.has(scope)) : [];
      if (missing.length > 0) throw new TrellisError('forbidden', `Cannot grant scopes the caller lacks: ${missing.join(', ')}`, { scopes: missing });
      const createdBy = input.createdBy ?? actorLabel(actor);
      return store.transaction({ tenantId: input.tenantId }, async (tx) => {
        await requireTenant(tx, input.tenantId);
        const created = await insertApiKey(tx, { ...input, scopes, createdBy });
        await recordAudit(tx, keyCreated(created, auditActor(actor), origin));
        return created;
      });
    },
    list: (tenantId) => store.read({ tenantId }, (tx) => selectApiKeys(tx, tenantId)),
    async get(tenantId, keyId) {
      const key = await store.read({ tenantId }, (tx) => findApiKey(tx, tenantId, keyId));
      if (!key) throw notFound('API key', keyId);
      return key;
    },
    async revoke(tenantId, keyId, actor, origin) {
      const key = await store.transaction({ tenantId }, async (tx) => {
        const revoked = await revokeApiKeyRow(tx, tenantId, keyId, actorLabel(actor));
        await recordAudit(tx, {
          action: 'api_key.revoked',
          actor: auditActor(actor),
          target: { kind: 'api_key', id: keyId },
          origin,
          details: { name: revoked.name },
        });
        return revoked;
      });
      apiKeyAuth.forget(keyId);
      return key;
    },
  };

  const users: UserService = {
    async create(input, actor, origin) {
      // Cheap checks first: a bad email must not cost an argon2 hash.
      validateNewUser(input);
      validatePassword(input.password);
      const passwordHash = await hashPassword(input.password);
      return store.transaction({ tenantId: input.tenantId }, async (tx) => {
        const user = await insertUser(tx, input, passwordHash, actor);
        await recordAudit(tx, {
          action: 'user.created',
          actor: auditActor(actor),
          target: { kind: 'user', id: user.id },
          origin,
          details: { email: user.email, role: user.role },
        });
        return user;
      });
    },
    list: (tenantId) => store.read({ tenantId }, (tx) => selectUsers(tx, tenantId)),
    async get(tenantId, userId) {
      const user = await store.read({ tenantId }, (tx) => findUser(tx, tenantId, userId));
      if (!user) throw notFound('User', userId);
      return user;
    },
    async update(tenantId, userId, changes, actor, origin) {
      const user = await store.transaction({ tenantId }, async (tx) => {
        const before = await findUser(tx, tenantId, userId);
        const after = await updateUserRow(tx, tenantId, userId, changes, actor);
        if (before) await recordUserUpdate(tx, before, after, auditActor(actor), origin);
        return after;
      });
      authenticator.forgetUser(tenantId, userId);
      return user;
    },
    async delete(tenantId, userId, actor, origin) {
      await store.transaction({ tenantId }, async (tx) => {
        const user = await findUser(tx, tenantId, userId);
        await deleteUserRow(tx, tenantId, userId, actor);
        await recordAudit(tx, {
          action: 'user.deleted',
          actor: auditActor(actor),
          target: { kind: 'user', id: userId },
          origin,
          details: { email: user?.email, role: user?.role },
        });
      });
      authenticator.forgetUser(tenantId, userId);
    },
  };

  return {
    bootstrap: () => bootstrap(store),
    authenticate: (header) => authenticator.authenticate(header),
    authenticateApiKey: (key) => apiKeyAuth.authenticate(key),
    tenants,
    apiKeys,
    users,
    sessions: createSessionService(store, config, signer),
  };
}
