/** @module `trellis doctor`: checks configuration, store connectivity, migrations, disk space and Redis, each with a remedy. */
import { mkdirSync, statfsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { TrellisConfig } from '../core/config.js';
import { connectRedis, pingRedis, redactRedisUrl } from '../platform/limits/index.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/index.js';
import { configFrom, globals } from './context.js';
import { emit, exitCodes } from './output.js';

/** One check's outcome. */
export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** What to do when it is not ok. */
  hint?: string;
}

const minimumFreeBytes = 1024 ** 3;

function diskCheck(config: TrellisConfig): Check {
  const dir = path.resolve(config.dataDir);
  try {
    mkdirSync(dir, { recursive: true });
    const stats = statfsSync(dir);
    const free = stats.bavail * stats.bsize;
    const gib = (free / 1024 ** 3).toFixed(1);
    if (free < minimumFreeBytes)
      return {
        name: 'disk',
        status: 'warn',
        detail: `${gib} GiB free in ${dir}`,
        hint: 'Free space or point TRELLIS_DATA_DIR at a larger disk; SQLite needs room to grow and to checkpoint.',
      };
    return { name: 'disk', status: 'ok', detail: `${gib} GiB free in ${dir}` };
  } catch (error) {
    return { name: 'disk', status: 'fail', detail: `${dir}: ${(error as Error).message}`, hint: 'Make TRELLIS_DATA_DIR a folder this user can write.' };
  }
}

async function storeChecks(config: TrellisConfig): Promise<Check[]> {
  let store: Store;
  try {
    store = openStore(config);
  } catch (error) {
    return [{ name: 'store', status: 'fail', detail: (error as Error).message, hint: 'Check TRELLIS_DATABASE_URL or TRELLIS_DATA_DIR.' }];
  }
  const checks: Check[] = [];
  try {
    const ms = await store.ping();
    checks.push({ name: 'store', status: 'ok', detail: `${store.dialect} at ${store.location} answers in ${ms.toFixed(1)} ms` });
    const states = await store.migrationStatus();
    const pending = states.filter((state) => state.appliedAt === null);
    checks.push(
      pending.length === 0
        ? { name: 'migrations', status: 'ok', detail: `${states.length} applied` }
        : {
            name: 'migrations',
            status: 'warn',
            detail: `pending: ${pending.map((state) => state.id).join(', ')}`,
            hint: 'Run `trellis migrate` (the server also migrates at start).',
          },
    );
  } catch (error) {
    checks.push({
      name: 'store',
      status: 'fail',
      detail: (error as Error).message,
      hint:
        store.dialect === 'postgres'
          ? 'Is PostgreSQL running and does TRELLIS_DATABASE_URL name a database this user may use?'
          : 'Is the data folder readable and the file a Trellis database?',
    });
  } finally {
    await store.close().catch(() => undefined);
  }
  return checks;
}

/** Redis, when rate limits use it: does it answer PING, and how fast. */
async function redisCheck(config: TrellisConfig): Promise<Check | null> {
  if (!config.redisUrl || config.rateLimit === 'off') return null;
  const where = redactRedisUrl(config.redisUrl);
  const client = connectRedis({ url: config.redisUrl, timeoutMs: Math.max(config.redisTimeoutMs, 2000) });
  try {
    const ms = await pingRedis(client);
    return { name: 'redis', status: 'ok', detail: `${where} answers in ${ms.toFixed(1)} ms (rate limits)` };
  } catch (error) {
    const open = config.rateLimitRedisFailure === 'open';
    return {
      name: 'redis',
      status: open ? 'warn' : 'fail',
      detail: `${where} does not answer (${(error as Error).message}); rate limits fail ${open ? 'open (requests served unlimited)' : 'closed (requests refused with 503)'}`,
      hint: 'Start Redis (e.g. `redis-server --daemonize yes --bind 127.0.0.1 --port 6379`) or fix TRELLIS_REDIS_URL; unset it to keep rate limits in memory on a single node.',
    };
  } finally {
    client.disconnect();
  }
}

/** Runs every check. */
export async function runChecks(options: ReturnType<typeof globals>): Promise<Check[]> {
  let config: TrellisConfig;
  try {
    config = configFrom(options);
  } catch (error) {
    return [
      {
        name: 'config',
        status: 'fail',
        detail: (error as Error).message,
        hint: 'Fix the named key in the environment or trellis.yaml; see docs/configuration.md.',
      },
    ];
  }
  const checks: Check[] = [
    { name: 'config', status: 'ok', detail: `${config.databaseUrl ? 'postgres' : 'sqlite'} store, listen ${config.host}:${config.port}, auth ${config.auth}` },
  ];
  if (config.auth === 'off')
    checks.push({
      name: 'auth',
      status: 'warn',
      detail: 'authentication is off (dev mode, loopback only)',
      hint: 'Unset TRELLIS_AUTH before exposing the server.',
    });
  checks.push(diskCheck(config));
  checks.push(...(await storeChecks(config)));
  const redis = await redisCheck(config);
  if (redis) checks.push(redis);
  return checks;
}

/** Registers `doctor`. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check configuration, store connectivity, migrations and disk space')
    .action(async (_flags, command: Command) => {
      const options = globals(command);
      const checks = await runChecks(options);
      const marks = { ok: '✓', warn: '!', fail: '✗' } as const;
      emit(options.json ?? false, { ok: checks.every((check) => check.status !== 'fail'), checks }, () =>
        checks
          .map((check) => `${marks[check.status]} ${check.name.padEnd(11)} ${check.detail}${check.hint && check.status !== 'ok' ? `\n  → ${check.hint}` : ''}`)
          .join('\n'),
      );
      if (checks.some((check) => check.status === 'fail')) process.exitCode = exitCodes.unavailable;
    });
}
