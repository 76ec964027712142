/** @module Users: the people of a tenant, their roles, and the owner rules (only owners manage owners; one must remain). */
import { TrellisError, notFound } from '../core/errors.js';
import { isId, newId } from '../core/ids.js';
import { type Tx, appendEvent, nowIso } from '../store/index.js';
import { type AuthContext, type Role, roles } from './auth-context.js';
import { lockTenant, requireTenant } from './tenants.js';

/** A user as the API shows it (never the password hash). */
export interface User {
  id: string;
  tenantId: string;
  /** Lower-case; unique within the tenant. */
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a new user needs. */
export interface CreateUserInput {
  tenantId: string;
  email: string;
  /** Display name, 1–200 characters. */
  name: string;
  /** 12 to 1024 characters; stored as an argon2id hash. */
  password: string;
  role: Role;
}

/** Changes to a user; omitted fields stay as they are. */
export interface UpdateUserInput {
  role?: Role;
  name?: string;
  /** true disables the account (no login, no refresh, access tokens refused); false enables it again. */
  disabled?: boolean;
}

interface UserRow {
  tenant_id: string;
  id: string;
  email: string;
  name: string;
  role: Role;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
}

const columns = 'tenant_id, id, email, name, role, created_at, updated_at, disabled_at';

function toUser(row: UserRow): User {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabled_at !== null,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trims and lower-cases an email address. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Checks and normalises an email address; throws `validation_failed`. */
export function validateEmail(email: unknown): string {
  const value = typeof email === 'string' ? normaliseEmail(email) : '';
  if (value.length > 254 || !emailPattern.test(value))
    throw new TrellisError('validation_failed', `${JSON.stringify(email)} is not an email address`, { field: 'email' });
  return value;
}

function validateName(name: unknown): string {
  const value = typeof name === 'string' ? name.trim() : '';
  if (value.length === 0 || value.length > 200) throw new TrellisError('validation_failed', 'A user name must be 1 to 200 characters', { field: 'name' });
  return value;
}

function validateRole(role: unknown): Role {
  if (!roles.includes(role as Role))
    throw new TrellisError('validation_failed', `Unknown role ${JSON.stringify(role)}; allowed: ${roles.join(', ')}`, { field: 'role' });
  return role as Role;
}

/**
 * Whether an actor may grant, revoke, disable or delete the owner role: an owner's session, a key
 * with the `system` scope (the server's operator), dev mode, or no actor at all (the CLI, which
 * already holds the database).
 */
export function actsAsOwner(actor: AuthContext | undefined): boolean {
  return actor === undefined || actor.role === 'owner' || actor.scopes.has('system') || actor.actor.kind === 'dev';
}

async function activeOwnerIds(tx: Tx, tenantId: string): Promise<string[]> {
  const rows = await tx.all<{ id: string }>("SELECT id FROM users WHERE tenant_id = ? AND role = 'owner' AND disabled_at IS NULL", [tenantId]);
  return rows.map((row) => row.id);
}

/**
 * Refuses owner changes by non-owners. Before a tenant has its first owner, its admins may appoint
 * one (otherwise a tenant created with only an admin key could never get an owner).
 */
async function requireOwnerAuthority(tx: Tx, tenantId: string, actor: AuthContext | undefined, what: string): Promise<void> {
  if (actsAsOwner(actor)) return;
  if ((await activeOwnerIds(tx, tenantId)).length === 0) return;
  throw new TrellisError('forbidden', `Only an owner may ${what}`);
}

/** The stored row of a user, or undefined (also for another tenant's user ID). */
export async function findUser(tx: Tx, tenantId: string, userId: string): Promise<User | undefined> {
  if (!isId(userId)) return undefined;
  const row = await tx.get<UserRow>(`SELECT ${columns} FROM users WHERE tenant_id = ? AND id = ?`, [tenantId, userId]);
  return row ? toUser(row) : undefined;
}

async function requireUser(tx: Tx, tenantId: string, userId: string): Promise<User> {
  const user = await findUser(tx, tenantId, userId);
  if (!user) throw notFound('User', userId);
  return user;
}

/** Every user of a tenant, by email. */
export async function selectUsers(tx: Tx, tenantId: string): Promise<User[]> {
  const rows = await tx.all<UserRow>(`SELECT ${columns} FROM users WHERE tenant_id = ? ORDER BY email`, [tenantId]);
  return rows.map(toUser);
}

/** Checks a new user's fields; throws `validation_failed` naming the first bad field. */
export function validateNewUser(input: CreateUserInput): { email: string; name: string; role: Role } {
  return { email: validateEmail(input.email), name: validateName(input.name), role: validateRole(input.role) };
}

/** Inserts a user (password already hashed) and appends `user.created`. A taken email is a `conflict`. */
export async function insertUser(tx: Tx, input: CreateUserInput, passwordHash: string, actor: AuthContext | undefined): Promise<User> {
  const { email, name, role } = validateNewUser(input);
  await requireTenant(tx, input.tenantId);
  if (role === 'owner') {
    await lockTenant(tx, input.tenantId);
    await requireOwnerAuthority(tx, input.tenantId, actor, 'create an owner');
  }
  const id = newId();
  const now = nowIso();
  const inserted = await tx.run(
    'INSERT INTO users (tenant_id, id, email, name, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, email) DO NOTHING',
    [input.tenantId, id, email, name, passwordHash, role, now, now],
  );
  if (inserted === 0) throw new TrellisError('conflict', `A user with email ${JSON.stringify(email)} already exists in this tenant`, { field: 'email' });
  await appendEvent(tx, { type: 'user.created', subject: id, payload: { id, email, name, role } });
  return { id, tenantId: input.tenantId, email, name, role, disabled: false, disabledAt: null, createdAt: now, updatedAt: now };
}

/** Refuses a change that would leave a tenant that has an active owner without one. */
async function keepOneOwner(tx: Tx, user: User): Promise<void> {
  const others = (await activeOwnerIds(tx, user.tenantId)).filter((id) => id !== user.id);
  if (others.length === 0) throw new TrellisError('unprocessable', 'A tenant must keep at least one active owner; appoint another owner first');
}

/** Applies changes to a user under the owner rules and appends `user.updated` with the changed fields. */
export async function updateUserRow(tx: Tx, tenantId: string, userId: string, changes: UpdateUserInput, actor: AuthContext | undefined): Promise<User> {
  const user = await requireUser(tx, tenantId, userId);
  const role = changes.role === undefined ? user.role : validateRole(changes.role);
  const name = changes.name === undefined ? user.name : validateName(changes.name);
  const disabled = changes.disabled === undefined ? user.disabled : changes.disabled === true;
  const roleChanges = role !== user.role && (role === 'owner' || user.role === 'owner');
  const ownerAccessChanges = user.role === 'owner' && disabled !== user.disabled;
  if (roleChanges || ownerAccessChanges) {
    await lockTenant(tx, tenantId);
    await requireOwnerAuthority(tx, tenantId, actor, role === 'owner' && user.role !== 'owner' ? 'grant the owner role' : 'change an owner');
  }
  const wasActiveOwner = user.role === 'owner' && !user.disabled;
  if (wasActiveOwner && (role !== 'owner' || disabled)) await keepOneOwner(tx, user);
  const changed: Record<string, unknown> = {};
  if (role !== user.role) changed.role = role;
  if (name !== user.name) changed.name = name;
  if (disabled !== user.disabled) changed.disabled = disabled;
  if (Object.keys(changed).length === 0) return user;
  const now = nowIso();
  const disabledAt = disabled ? (user.disabledAt ?? now) : null;
  await tx.run('UPDATE users SET role = ?, name = ?, disabled_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ?', [
    role,
    name,
    disabledAt,
    now,
    tenantId,
    userId,
  ]);
  // A disabled account keeps no sessions.
  if (disabled) await tx.run('UPDATE refresh_tokens SET revoked_at = ? WHERE tenant_id = ? AND user_id = ? AND revoked_at IS NULL', [now, tenantId, userId]);
  await appendEvent(tx, { type: 'user.updated', subject: userId, payload: { id: userId, email: user.email, changes: changed } });
  return { ...user, role, name, disabled, disabledAt, updatedAt: now };
}

/** Deletes a user and their refresh tokens under the owner rules; appends `user.deleted`. */
export async function deleteUserRow(tx: Tx, tenantId: string, userId: string, actor: AuthContext | undefined): Promise<void> {
  const user = await requireUser(tx, tenantId, userId);
  if (user.role === 'owner') {
    await lockTenant(tx, tenantId);
    await requireOwnerAuthority(tx, tenantId, actor, 'delete an owner');
    if (!user.disabled) await keepOneOwner(tx, user);
  }
  await tx.run('DELETE FROM refresh_tokens WHERE tenant_id = ? AND user_id = ?', [tenantId, userId]);
  await tx.run('DELETE FROM users WHERE tenant_id = ? AND id = ?', [tenantId, userId]);
  await appendEvent(tx, { type: 'user.deleted', subject: userId, payload: { id: userId, email: user.email, role: user.role } });
}
