/** @module Configuration: one typed object built from TRELLIS_* variables and an optional trellis.yaml, validated at start. */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TrellisError } from './errors.js';

/** The whole configuration of a Trellis process. */
export interface TrellisConfig {
  /** Interface the server binds to. @default "127.0.0.1" */
  host: string;
  /** TCP port of the HTTP server; 0 picks a free one. @default 7420 */
  port: number;
  /** Folder for the SQLite database, the first-start admin key and other local files. @default "./data" */
  dataDir: string;
  /** PostgreSQL URL (`postgres://…`); when unset the embedded SQLite store is used. @default undefined */
  databaseUrl: string | undefined;
  /** Role the PostgreSQL driver switches to (`SET ROLE`) so that row-level security applies; "" disables. @default "trellis_app" */
  databaseRole: string;
  /** Largest PostgreSQL connection pool. @default 10 */
  databasePoolSize: number;
  /** pino log level. @default "info" */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body for ordinary routes, in bytes. @default 1048576 */
  bodyLimit: number;
  /** Largest accepted request body for bulk routes, in bytes. @default 33554432 */
  bulkBodyLimit: number;
  /** Origins allowed by CORS; "*" allows any; empty allows none. @default [] */
  corsOrigins: string[];
  /** "on" requires credentials on every data route; "off" is a dev mode allowed only on loopback. @default "on" */
  auth: 'on' | 'off';
  /** HMAC secret for JWT access tokens; generated and stored in the database when unset. @default undefined */
  jwtSecret: string | undefined;
  /** Lifetime of a JWT access token, in seconds. @default 900 */
  accessTokenTtl: number;
  /** Lifetime of a refresh token, in seconds. @default 2592000 (30 days) */
  refreshTokenTtl: number;
  /** How long a verified API key is trusted from memory before it is looked up again, in ms. @default 5000 */
  apiKeyCacheMs: number;
  /** "on" answers graph traversals from a per-tenant in-memory projection, built on a tenant's first traversal; "off" always uses SQL. @default "on" */
  graphProjection: 'on' | 'off';
  /** Tenants with more relations than this are never projected (their traversals use SQL). @default 20000000 */
  graphProjectionMaxRelations: number;
}

type Parser<T> = (raw: unknown) => T;

interface Setting<K extends keyof TrellisConfig> {
  env: string;
  yaml: string;
  default: TrellisConfig[K];
  allowed: string;
  parse: Parser<TrellisConfig[K]>;
}

class BadValue extends Error {}

const integer =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(value) || value < min || value > max) throw new BadValue();
    return value;
  };

const text: Parser<string> = (raw) => {
  if (typeof raw !== 'string' && typeof raw !== 'number') throw new BadValue();
  return String(raw);
};

const optionalText: Parser<string | undefined> = (raw) => {
  const value = text(raw).trim();
  return value === '' ? undefined : value;
};

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) => {
    const value = typeof raw === 'boolean' ? (raw ? 'on' : 'off') : text(raw).trim().toLowerCase();
    if (!values.includes(value as T)) throw new BadValue();
    return value as T;
  };

const list: Parser<string[]> = (raw) => {
  if (Array.isArray(raw)) return raw.map((item) => text(item).trim()).filter(Boolean);
  return text(raw)
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
};

const databaseUrl: Parser<string | undefined> = (raw) => {
  const value = optionalText(raw);
  if (value === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(value)) throw new BadValue();
  return value;
};

const settings: { [K in keyof TrellisConfig]: Setting<K> } = {
  host: {
    env: 'TRELLIS_HOST',
    yaml: 'host',
    default: '127.0.0.1',
    allowed: 'an IP address or host name',
    parse: (raw) => {
      const value = text(raw).trim();
      if (!/^[A-Za-z0-9.:_-]+$/.test(value)) throw new BadValue();
      return value;
    },
  },
  port: { env: 'TRELLIS_PORT', yaml: 'port', default: 7420, allowed: 'an integer from 0 to 65535', parse: integer(0, 65535) },
  dataDir: {
    env: 'TRELLIS_DATA_DIR',
    yaml: 'dataDir',
    default: './data',
    allowed: 'a folder path',
    parse: (raw) => {
      const value = text(raw).trim();
      if (value === '') throw new BadValue();
      return value;
    },
  },
  databaseUrl: {
    env: 'TRELLIS_DATABASE_URL',
    yaml: 'databaseUrl',
    default: undefined,
    allowed: 'a postgres:// or postgresql:// URL, or empty for SQLite',
    parse: databaseUrl,
  },
  databaseRole: {
    env: 'TRELLIS_DATABASE_ROLE',
    yaml: 'databaseRole',
    default: 'trellis_app',
    allowed: 'a PostgreSQL role name or empty',
    parse: (raw) => {
      const value = text(raw).trim();
      if (value !== '' && !/^[a-z_][a-z0-9_]{0,62}$/.test(value)) throw new BadValue();
      return value;
    },
  },
  databasePoolSize: { env: 'TRELLIS_DATABASE_POOL_SIZE', yaml: 'databasePoolSize', default: 10, allowed: 'an integer from 1 to 1000', parse: integer(1, 1000) },
  logLevel: {
    env: 'TRELLIS_LOG_LEVEL',
    yaml: 'logLevel',
    default: 'info',
    allowed: 'fatal, error, warn, info, debug, trace or silent',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
  bodyLimit: {
    env: 'TRELLIS_BODY_LIMIT',
    yaml: 'bodyLimit',
    default: 1024 * 1024,
    allowed: 'bytes, an integer from 1024 to 1073741824',
    parse: integer(1024, 1024 ** 3),
  },
  bulkBodyLimit: {
    env: 'TRELLIS_BULK_BODY_LIMIT',
    yaml: 'bulkBodyLimit',
    default: 32 * 1024 * 1024,
    allowed: 'bytes, an integer from 1024 to 1073741824',
    parse: integer(1024, 1024 ** 3),
  },
  corsOrigins: { env: 'TRELLIS_CORS_ORIGINS', yaml: 'corsOrigins', default: [], allowed: 'a comma-separated list of origins, or *', parse: list },
  auth: { env: 'TRELLIS_AUTH', yaml: 'auth', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  jwtSecret: {
    env: 'TRELLIS_JWT_SECRET',
    yaml: 'jwtSecret',
    default: undefined,
    allowed: 'a string of at least 32 characters',
    parse: (raw) => {
      const value = optionalText(raw);
      if (value !== undefined && value.length < 32) throw new BadValue();
      return value;
    },
  },
  accessTokenTtl: {
    env: 'TRELLIS_ACCESS_TOKEN_TTL',
    yaml: 'accessTokenTtl',
    default: 900,
    allowed: 'seconds, an integer from 10 to 86400',
    parse: integer(10, 86400),
  },
  refreshTokenTtl: {
    env: 'TRELLIS_REFRESH_TOKEN_TTL',
    yaml: 'refreshTokenTtl',
    default: 30 * 86400,
    allowed: 'seconds, an integer from 60 to 31536000',
    parse: integer(60, 365 * 86400),
  },
  graphProjection: { env: 'TRELLIS_GRAPH_PROJECTION', yaml: 'graphProjection', default: 'on', allowed: 'on or off', parse: oneOf('on', 'off') },
  graphProjectionMaxRelations: {
    env: 'TRELLIS_GRAPH_PROJECTION_MAX_RELATIONS',
    yaml: 'graphProjectionMaxRelations',
    default: 20_000_000,
    allowed: 'an integer from 0 to 1000000000',
    parse: integer(0, 1_000_000_000),
  },
  apiKeyCacheMs: {
    env: 'TRELLIS_API_KEY_CACHE_MS',
    yaml: 'apiKeyCacheMs',
    default: 5000,
    allowed: 'milliseconds, an integer from 0 to 600000',
    parse: integer(0, 600_000),
  },
};

/** Options for {@link loadConfig}; both default to the real process. */
export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of the YAML file; `TRELLIS_CONFIG` or `./trellis.yaml` when it exists. */
  file?: string;
  /** Values that win over everything (used by the CLI's flags and by tests). */
  overrides?: Partial<TrellisConfig>;
}

/**
 * Builds and validates the configuration: defaults, then trellis.yaml, then TRELLIS_* variables, then overrides.
 * A bad value throws a `config_invalid` error naming the key, the value and what is allowed.
 * @example
 * const config = loadConfig({ env: { TRELLIS_PORT: '8080' } });
 */
export function loadConfig(options: LoadConfigOptions = {}): TrellisConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.TRELLIS_CONFIG ?? (existsSync('trellis.yaml') ? 'trellis.yaml' : undefined);
  const fromFile = file === undefined ? {} : readYaml(file);
  const known = new Set(Object.values(settings).map((setting) => setting.yaml));
  for (const key of Object.keys(fromFile)) {
    if (!known.has(key)) {
      throw new TrellisError('config_invalid', `Unknown key "${key}" in ${file}; allowed keys: ${[...known].join(', ')}`, { key, file });
    }
  }
  const config: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(settings) as [keyof TrellisConfig, Setting<keyof TrellisConfig>][]) {
    let value: unknown = setting.default;
    let origin = '';
    let raw: unknown;
    if (setting.yaml in fromFile) {
      raw = fromFile[setting.yaml];
      origin = `${setting.yaml} in ${file}`;
    }
    if (env[setting.env] !== undefined) {
      raw = env[setting.env];
      origin = setting.env;
    }
    if (origin !== '') {
      try {
        value = setting.parse(raw);
      } catch {
        throw new TrellisError('config_invalid', `Invalid configuration: ${origin}=${JSON.stringify(raw)}; expected ${setting.allowed}`, {
          key: origin,
          value: raw,
          allowed: setting.allowed,
        });
      }
    }
    config[name] = value;
  }
  Object.assign(config, options.overrides);
  const result = config as unknown as TrellisConfig;
  if (result.auth === 'off' && !isLoopback(result.host)) {
    throw new TrellisError(
      'config_invalid',
      `Invalid configuration: TRELLIS_AUTH=off is allowed only when TRELLIS_HOST is a loopback address, not ${JSON.stringify(result.host)}`,
      { key: 'TRELLIS_AUTH', value: 'off', allowed: 'on, or off with a loopback host' },
    );
  }
  return result;
}

function readYaml(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TrellisError('config_invalid', `Cannot read ${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TrellisError('config_invalid', `${file} must hold a mapping of keys to values`, { file });
  }
  return parsed as Record<string, unknown>;
}

/** Whether a host string names the loopback interface. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Path of the SQLite database file for a configuration. */
export function sqlitePath(config: TrellisConfig): string {
  return path.resolve(config.dataDir, 'trellis.db');
}
