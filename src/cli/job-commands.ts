/** @module CLI commands for the job queue and cron schedules, acting on the store directly as its operator. */
import type { Command } from 'commander';
import { TrellisError } from '../core/errors.js';
import { isId } from '../core/ids.js';
import { type Job, type JobStatus, type Schedule, jobStatuses } from '../platform/jobs/index.js';
import { globals, tenantOf, withServices } from './context.js';
import { emit, limitFlag, table } from './output.js';

function jobId(value: string): string {
  if (!isId(value)) throw new TrellisError('bad_request', `A job ID is a UUID; got ${JSON.stringify(value)}`);
  return value;
}

function scheduleId(value: string): string {
  if (!isId(value)) throw new TrellisError('bad_request', `A schedule ID is a UUID; got ${JSON.stringify(value)}`);
  return value;
}

function describeJob(job: Job): string {
  return [
    `job ${job.id} (${job.type}) ${job.status}`,
    `tenant: ${job.tenantId ?? 'platform'}`,
    `attempts: ${job.attempts}${job.maxAttempts === null ? '' : ` of ${job.maxAttempts}`}`,
    `run at: ${job.runAt}`,
    ...(job.lastError ? [`last error: ${job.lastError}`] : []),
    ...(job.result !== null ? [`result: ${JSON.stringify(job.result)}`] : []),
    ...(job.cancelRequested && job.status === 'running' ? ['cancellation requested; the worker stops it at its next heartbeat'] : []),
  ].join('\n');
}

function scheduleRows(list: Schedule[]): string {
  return table(
    ['ID', 'NAME', 'CRON', 'TIMEZONE', 'TYPE', 'PAUSED', 'NEXT RUN', 'LAST RUN'],
    list.map((item) => [item.id, item.name, item.cron, item.timezone, item.type, item.paused ? 'yes' : 'no', item.nextRunAt, item.lastRunAt]),
  );
}

/** Registers `jobs list|get|cancel|retry` and `schedules list|pause|resume|trigger`. */
export function registerJobCommands(program: Command): void {
  const jobs = program.command('jobs').description('inspect and manage background jobs');
  jobs
    .command('list')
    .description('list jobs, newest first')
    .option('--tenant <slug|id>', 'only this tenant’s jobs (default: every job)')
    .option('--status <status>', `one of ${jobStatuses.join(', ')}`)
    .option('--type <type>', 'only this job type')
    .option('--limit <n>', 'at most this many (1–500)', '50')
    .option('--cursor <cursor>', 'the next page, from a previous --json answer')
    .action(async (flags: { tenant?: string; status?: string; type?: string; limit: string; cursor?: string }, command: Command) => {
      const options = globals(command);
      if (flags.status !== undefined && !jobStatuses.includes(flags.status as JobStatus)) {
        throw new TrellisError('bad_request', `--status must be one of ${jobStatuses.join(', ')}; got ${JSON.stringify(flags.status)}`);
      }
      const limit = limitFlag(flags.limit, 500);
      await withServices(options, async (services) => {
        const tenantId = flags.tenant === undefined ? undefined : await tenantOf(services, flags.tenant);
        const page = await services.jobs.list({ tenantId, status: flags.status as JobStatus | undefined, type: flags.type, limit, cursor: flags.cursor });
        emit(options.json ?? false, page, () =>
          [
            table(
              ['ID', 'TYPE', 'STATUS', 'ATTEMPTS', 'TENANT', 'RUN AT', 'LAST ERROR'],
              page.items.map((job) => [job.id, job.type, job.status, job.attempts, job.tenantId ?? 'platform', job.runAt, job.lastError?.slice(0, 60)]),
            ),
            ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
          ].join('\n'),
        );
      });
    });
  for (const [name, description] of [
    ['get', 'show one job'],
    ['cancel', 'cancel a job (a running one stops at its worker’s next heartbeat)'],
    ['retry', 'run a dead or failed job again now, with a fresh attempt budget'],
  ] as const) {
    jobs
      .command(`${name} <id>`)
      .description(description)
      .action(async (id: string, _flags, command: Command) => {
        const options = globals(command);
        const checked = jobId(id);
        await withServices(options, async (services) => {
          const job =
            name === 'get' ? await services.jobs.get(checked) : name === 'cancel' ? await services.jobs.cancel(checked) : await services.jobs.retry(checked);
          emit(options.json ?? false, job, () => describeJob(job));
        });
      });
  }

  const schedules = program.command('schedules').description('inspect and manage cron schedules');
  schedules
    .command('list')
    .description('list schedules')
    .option('--tenant <slug|id>', 'only this tenant’s schedules (default: every schedule)')
    .action(async (flags: { tenant?: string }, command: Command) => {
      const options = globals(command);
      await withServices(options, async (services) => {
        const tenantId = flags.tenant === undefined ? undefined : await tenantOf(services, flags.tenant);
        const page = await services.jobs.schedules.list(tenantId, { limit: 500 });
        emit(options.json ?? false, page.items, () => scheduleRows(page.items));
      });
    });
  for (const [name, description] of [
    ['pause', 'pause a schedule'],
    ['resume', 'resume a schedule from its next slot after now'],
    ['trigger', 'enqueue a run of a schedule now'],
  ] as const) {
    schedules
      .command(`${name} <id>`)
      .description(description)
      .action(async (id: string, _flags, command: Command) => {
        const options = globals(command);
        const checked = scheduleId(id);
        await withServices(options, async (services) => {
          if (name === 'trigger') {
            const { schedule, jobId: enqueued } = await services.jobs.schedules.trigger(checked);
            emit(options.json ?? false, { schedule, jobId: enqueued }, () => `schedule ${schedule.name} triggered: job ${enqueued}`);
            return;
          }
          const schedule = await services.jobs.schedules[name](checked);
          emit(options.json ?? false, schedule, () => scheduleRows([schedule]));
        });
      });
  }
}
