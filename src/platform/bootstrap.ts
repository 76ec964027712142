/** @module First start: on a store without tenants, create the `default` tenant and its first admin key. */
import { newId } from '../core/ids.js';
import type { Store } from '../store/index.js';
import { insertApiKey } from './api-keys.js';
import { recordAudit } from './audit/index.js';
import type { ApiScope } from './auth-context.js';
import { insertTenant } from './tenants.js';

/** What bootstrap created, or null when the store already had a tenant. */
export interface BootstrapResult {
  created: {
    tenantId: string;
    tenantSlug: string;
    /** The plaintext admin key; shown once, never stored. */
    apiKey: string;
    keyId: string;
  } | null;
}

/** Slug of the tenant a first start creates (and that dev mode acts as). */
export const defaultTenantSlug = 'default';
/** Name of the key a first start creates. */
export const bootstrapKeyName = 'bootstrap admin';
const bootstrapScopes: ApiScope[] = ['read', 'write', 'admin', 'system'];

/**
 * Creates the default tenant and an admin key with every scope when there is no tenant yet.
 * Safe when several processes start at once: the unique slug lets one win; the others get null.
 */
export async function bootstrap(store: Store): Promise<BootstrapResult> {
  const tenantId = newId();
  const created = await store.transaction({ tenantId }, async (tx) => {
    const any = await tx.get('SELECT id FROM tenants LIMIT 1');
    if (any) return null;
    const tenant = await insertTenant(tx, { slug: defaultTenantSlug, name: 'Default' });
    if (!tenant) return null;
    const { key, apiKey } = await insertApiKey(tx, { tenantId, name: bootstrapKeyName, scopes: bootstrapScopes, createdBy: 'system:bootstrap' });
    const system = { kind: 'system', id: 'bootstrap' } as const;
    await recordAudit(tx, { action: 'tenant.created', actor: system, target: { kind: 'tenant', id: tenantId }, details: { slug: tenant.slug } });
    await recordAudit(tx, {
      action: 'api_key.created',
      actor: system,
      target: { kind: 'api_key', id: apiKey.id },
      details: { name: apiKey.name, scopes: apiKey.scopes },
    });
    return { tenantId, tenantSlug: tenant.slug, apiKey: key, keyId: apiKey.id };
  });
  return { created };
}
