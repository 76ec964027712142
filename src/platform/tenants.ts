/** @module Tenants: the organisations that own all data; created, listed and looked up by ID or slug. */
import { TrellisError, notFound } from '../core/errors.js';
import { isId } from '../core/ids.js';
import { type Tx, appendEvent, nowIso } from '../store/index.js';

/** A tenant as the API shows it. */
export interface Tenant {
  id: string;
  /** URL-safe unique handle, e.g. `default` or `acme-research`. */
  slug: string;
  name: string;
  createdAt: string;
}

/** What {@link insertTenant} needs. */
export interface CreateTenantInput {
  /** Lower-case letters, digits and dashes, 2–63 characters, starting with a letter or digit. */
  slug: string;
  /** Display name, 1–200 characters. */
  name: string;
}

/** The rule every tenant slug follows. */
export const tenantSlugPattern = /^[a-z0-9][a-z0-9-]{1,62}$/;

interface TenantRow {
  id: string;
  slug: string;
  name: string;
  created_at: string;
}

const columns = 'id, slug, name, created_at';

function toTenant(row: TenantRow): Tenant {
  return { id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at };
}

/** Checks and normalises a tenant's slug and name; throws `validation_failed` naming the bad field. */
export function validateTenantInput(input: CreateTenantInput): CreateTenantInput {
  if (typeof input.slug !== 'string' || !tenantSlugPattern.test(input.slug)) {
    throw new TrellisError('validation_failed', `Tenant slug ${JSON.stringify(input.slug)} must match ${tenantSlugPattern.source}`, { field: 'slug' });
  }
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name.length === 0 || name.length > 200) {
    throw new TrellisError('validation_failed', 'Tenant name must be 1 to 200 characters', { field: 'name' });
  }
  return { slug: input.slug, name };
}

/**
 * Inserts a tenant whose ID is the transaction's tenant scope, and appends `tenant.created`.
 * Returns null when the slug is taken (the caller decides whether that is a conflict).
 */
export async function insertTenant(tx: Tx, input: CreateTenantInput): Promise<Tenant | null> {
  const id = tx.tenantId;
  if (!id) throw new Error('insertTenant needs a transaction scoped to the new tenant');
  const { slug, name } = validateTenantInput(input);
  const createdAt = nowIso();
  // ON CONFLICT keeps a PostgreSQL transaction usable when two creators race for one slug.
  const inserted = await tx.run('INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING', [
    id,
    slug,
    name,
    createdAt,
  ]);
  if (inserted === 0) return null;
  const tenant = { id, slug, name, createdAt };
  await appendEvent(tx, { type: 'tenant.created', subject: id, payload: { id, slug, name } });
  return tenant;
}

/** Like {@link insertTenant}, but a taken slug is a `conflict` error. */
export async function insertTenantOrFail(tx: Tx, input: CreateTenantInput): Promise<Tenant> {
  const tenant = await insertTenant(tx, input);
  if (!tenant) throw new TrellisError('conflict', `A tenant with slug ${JSON.stringify(input.slug)} already exists`, { field: 'slug' });
  return tenant;
}

/** Every tenant, oldest first. */
export async function selectTenants(tx: Tx): Promise<Tenant[]> {
  const rows = await tx.all<TenantRow>(`SELECT ${columns} FROM tenants ORDER BY created_at, id`);
  return rows.map(toTenant);
}

/** A tenant by ID or slug, or undefined. */
export async function findTenant(tx: Tx, idOrSlug: string): Promise<Tenant | undefined> {
  // IDs are UUID columns on PostgreSQL: never compare one with a string that is not a UUID.
  const row = isId(idOrSlug)
    ? await tx.get<TenantRow>(`SELECT ${columns} FROM tenants WHERE id = ?`, [idOrSlug])
    : await tx.get<TenantRow>(`SELECT ${columns} FROM tenants WHERE slug = ?`, [idOrSlug]);
  return row ? toTenant(row) : undefined;
}

/** A tenant by ID or slug; throws `not_found`. */
export async function requireTenant(tx: Tx, idOrSlug: string): Promise<Tenant> {
  const tenant = await findTenant(tx, idOrSlug);
  if (!tenant) throw notFound('Tenant', idOrSlug);
  return tenant;
}

/**
 * Serialises changes that depend on a tenant-wide count (such as "keep at least one owner").
 * PostgreSQL locks the tenant row until commit; SQLite write transactions are already serial.
 */
export async function lockTenant(tx: Tx, tenantId: string): Promise<void> {
  if (tx.dialect === 'postgres') await tx.get('SELECT id FROM tenants WHERE id = ? FOR UPDATE', [tenantId]);
}
