/** @module CLI commands for administration: migrate, tenants and API keys. */
import type { Command } from 'commander';
import { TrellisError } from '../core/errors.js';
import { type ApiScope, apiScopes } from '../platform/index.js';
import { openStore } from '../store/index.js';
import { configFrom, globals, tenantOf, withServices } from './context.js';
import { emit, table } from './output.js';

function parseScopes(value: string): ApiScope[] {
  const scopes = value
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  const bad = scopes.find((scope) => !apiScopes.includes(scope as ApiScope));
  if (bad || scopes.length === 0)
    throw new TrellisError('bad_request', `--scopes must be a comma-separated list of ${apiScopes.join(', ')}; got ${JSON.stringify(value)}`);
  return scopes as ApiScope[];
}

/** Registers `migrate`, `tenants …` and `keys …`. */
export function registerAdminCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async (_options, command: Command) => {
      const options = globals(command);
      const store = openStore(configFrom(options));
      try {
        const report = await store.migrate();
        emit(options.json ?? false, { store: store.location, dialect: store.dialect, ...report }, () =>
          [
            `store: ${store.dialect} ${store.location}`,
            `applied: ${report.applied.join(', ') || 'none'}`,
            `already applied: ${report.alreadyApplied.length}`,
          ].join('\n'),
        );
      } finally {
        await store.close();
      }
    });

  const tenants = program.command('tenants').description('manage tenants');
  tenants
    .command('create <slug>')
    .description('create a tenant and an admin API key for it (shown once)')
    .option('--name <name>', 'display name (default: the slug)')
    .action(async (slug: string, flags: { name?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const created = await services.platform.tenants.createWithAdminKey({ slug, name: flags.name ?? slug });
        emit(options.json ?? false, { tenant: created.tenant, key: created.key, keyId: created.apiKey.id }, () =>
          [`tenant ${created.tenant.slug} (${created.tenant.id}) created`, `admin key (shown once): ${created.key}`].join('\n'),
        );
      });
    });
  tenants
    .command('list')
    .description('list tenants')
    .action(async (_flags, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const list = await services.platform.tenants.list();
        emit(options.json ?? false, list, () =>
          table(
            ['ID', 'SLUG', 'NAME', 'CREATED'],
            list.map((tenant) => [tenant.id, tenant.slug, tenant.name, tenant.createdAt]),
          ),
        );
      });
    });

  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .description('create an API key (the key is shown once)')
    .requiredOption('--name <name>', 'label of the key')
    .option('--scopes <list>', `comma-separated: ${apiScopes.join(', ')}`, 'read')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--expires <iso-date>', 'expiry time')
    .action(async (flags: { name: string; scopes: string; tenant?: string; expires?: string }, command: Command) => {
      const options = globals(command);
      const scopes = parseScopes(flags.scopes);
      await withServices(options, async (services) => {
        const tenantId = await tenantOf(services, flags.tenant);
        const created = await services.platform.apiKeys.create({ tenantId, name: flags.name, scopes, expiresAt: flags.expires ?? null, createdBy: 'cli' });
        emit(options.json ?? false, { key: created.key, ...created.apiKey }, () =>
          [`key ${created.apiKey.id} created with scopes ${scopes.join(', ')}`, `key (shown once): ${created.key}`].join('\n'),
        );
      });
    });
  keys
    .command('list')
    .description('list API keys of a tenant (never their secrets)')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(async (flags: { tenant?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const list = await services.platform.apiKeys.list(await tenantOf(services, flags.tenant));
        emit(options.json ?? false, list, () =>
          table(
            ['ID', 'PREFIX', 'NAME', 'SCOPES', 'LAST USED', 'STATUS'],
            list.map((key) => [key.id, key.prefix, key.name, key.scopes.join(','), key.lastUsedAt, key.revokedAt ? 'revoked' : 'active']),
          ),
        );
      });
    });
  keys
    .command('revoke <id>')
    .description('revoke an API key')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .action(async (id: string, flags: { tenant?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const key = await services.platform.apiKeys.revoke(await tenantOf(services, flags.tenant), id);
        emit(options.json ?? false, key, () => `key ${key.id} (${key.prefix}) revoked at ${key.revokedAt}`);
      });
    });
}
