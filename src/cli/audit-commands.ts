/** @module CLI commands for the audit log and backups: `audit list`, `audit prune`, `backup FILE`, `restore FILE [--force]`. */
import type { Command } from 'commander';
import { TrellisError } from '../core/errors.js';
import { backupStore, restoreStore } from '../store/backup.js';
import { configFrom, globals, tenantOf, withServices } from './context.js';
import { emit, limitFlag, table } from './output.js';

function summary(report: Awaited<ReturnType<typeof backupStore>>, seconds: number): string {
  const rows = report.manifest.tables.reduce((sum, entry) => sum + entry.rows, 0);
  return [
    `${report.manifest.dialect} backup, format ${report.manifest.version}, migrations ${report.manifest.migrations.join(', ')}`,
    table(
      ['TABLE', 'ROWS', 'SHA-256'],
      report.manifest.tables.map((entry) => [entry.table, entry.rows, entry.sha256.slice(0, 16)]),
    ),
    `${rows} rows in ${report.manifest.tables.length} tables, ${seconds.toFixed(2)} s`,
  ].join('\n');
}

/** Registers `audit list`, `audit prune`, `backup` and `restore`. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('read the audit log (append-only)');
  audit
    .command('list')
    .description('audit rows of a tenant, newest first')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .option('--action <action>', 'exact action, or a prefix ending in * (api_key.*)')
    .option('--actor <kind:id>', 'actor, as kind:id or a bare ID')
    .option('--target <kind:id>', 'target, as kind:id or a bare ID')
    .option('--since <iso-date>', 'rows at or after this time')
    .option('--until <iso-date>', 'rows before this time')
    .option('--limit <n>', 'rows per page, 1 to 500', '100')
    .option('--cursor <cursor>', 'nextCursor of the previous page')
    .action(
      async (
        flags: { tenant?: string; action?: string; actor?: string; target?: string; since?: string; until?: string; limit: string; cursor?: string },
        command: Command,
      ) => {
        const options = globals(command);
        const limit = limitFlag(flags.limit, 500);
        await withServices(options, async (services) => {
          const tenantId = await tenantOf(services, flags.tenant);
          const { tenant: _tenant, limit: _limit, ...filter } = flags;
          const page = await services.audit.list(tenantId, { ...filter, limit });
          emit(options.json ?? false, page, () =>
            [
              table(
                ['TIME', 'ACTION', 'ACTOR', 'TARGET', 'IP'],
                page.items.map((item) => [
                  item.occurredAt,
                  item.action,
                  `${item.actor.kind}${item.actor.id ? `:${item.actor.id}` : ''}`,
                  item.target ? `${item.target.kind}:${item.target.id ?? ''}` : '',
                  item.ip ?? '',
                ]),
              ),
              page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
            ]
              .filter(Boolean)
              .join('\n'),
          );
        });
      },
    );
  audit
    .command('prune')
    .description('delete a tenant’s audit rows older than a number of days (retention)')
    .option('--tenant <slug|id>', 'tenant (default: default)')
    .requiredOption('--older-than-days <days>', 'keep rows younger than this')
    .action(async (flags: { tenant?: string; olderThanDays: string }, command: Command) => {
      const options = globals(command);
      const days = Number(flags.olderThanDays);
      if (!Number.isInteger(days) || days < 1)
        throw new TrellisError('bad_request', `--older-than-days must be a positive integer; got ${JSON.stringify(flags.olderThanDays)}`);
      await withServices(options, async (services) => {
        const tenantId = await tenantOf(services, flags.tenant);
        const deleted = await services.audit.prune(tenantId, new Date(Date.now() - days * 86_400_000));
        emit(options.json ?? false, { deleted }, () => `${deleted} audit rows older than ${days} days deleted`);
      });
    });

  program
    .command('backup <file>')
    .description('write a consistent backup of the store to FILE (safe while a server runs)')
    .action(async (file: string, _flags, command: Command) => {
      const options = globals(command);
      const started = performance.now();
      const report = await backupStore(configFrom(options), file);
      const seconds = (performance.now() - started) / 1000;
      emit(
        options.json ?? false,
        { file, bytes: report.archiveBytes, seconds, manifest: report.manifest },
        () => `${file}: ${report.archiveBytes} bytes\n${summary(report, seconds)}`,
      );
    });

  program
    .command('restore <file>')
    .description('restore FILE into the store (empty unless --force); verifies counts and checksums; stop the server first')
    .option('--force', 'replace a store that already holds data')
    .action(async (file: string, flags: { force?: boolean }, command: Command) => {
      const options = globals(command);
      const started = performance.now();
      const report = await restoreStore(configFrom(options), file, { force: flags.force === true });
      const seconds = (performance.now() - started) / 1000;
      emit(options.json ?? false, { file, seconds, manifest: report.manifest }, () => `restored ${file}, verified\n${summary(report, seconds)}`);
    });
}
