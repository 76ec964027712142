/** @module Rate limits' public door: the policies from configuration, the limiter (memory or Redis), outage handling and readiness. */
import type { Redis } from 'ioredis';
import type { TrellisConfig } from '../../core/config.js';
import { TrellisError } from '../../core/errors.js';
import { rateLimitStoreErrors, rateLimitStoreUp } from '../observability/metrics-registry.js';
import { type RateOutcome, type RatePolicy, ratePolicy } from './gcra.js';
import { type Limiter, createMemoryLimiter } from './memory-limiter.js';
import { connectRedis, pingRedis, redactRedisUrl } from './redis-client.js';
import { createRedisLimiter } from './redis-limiter.js';

export { type RateOutcome, type RatePolicy, gcraStep, ratePolicy } from './gcra.js';
export { type Limiter, createMemoryLimiter } from './memory-limiter.js';
export { createRedisLimiter } from './redis-limiter.js';
export { connectRedis, pingRedis, redactRedisUrl } from './redis-client.js';

/** Where outage messages go (the server's pino logger). */
export interface LimitsLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/** One readiness check, as /ready shows it. */
export interface DependencyCheck {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
  /** False when the server keeps serving without this dependency (Redis failing open). */
  critical: boolean;
}

/** The rate-limit service of one process. */
export interface LimitsService {
  /** False when `rateLimit` is "off": no hook is installed at all. */
  readonly enabled: boolean;
  readonly policies: { readonly key: RatePolicy; readonly tenant: RatePolicy; readonly expensive: RatePolicy };
  /** "memory" or "redis". */
  readonly backend: 'memory' | 'redis';
  /**
   * Checks one request. Synchronous in memory. With Redis: null when Redis failed and limits fail open; throws
   * `rate_limit_unavailable` when they fail closed. Each outage is logged once (and its end once) and every failed
   * check is counted in `trellis_rate_limit_redis_errors_total`.
   */
  check(policies: readonly RatePolicy[], ids: readonly string[]): RateOutcome | Promise<RateOutcome | null>;
  /** Sends outage messages to this logger (the server's). */
  useLogger(logger: LimitsLogger): void;
  /** The Redis check for /ready; null without Redis. */
  readiness(): Promise<DependencyCheck | null>;
  /** Connects to Redis (without failing when it is down: the first requests then fail open or closed). */
  start(): Promise<void>;
  close(): Promise<void>;
  /** {@link start} and {@link close} as the server's background work. */
  readonly background: { readonly name: string; start(): Promise<void>; stop(): Promise<void> };
}

const silent: LimitsLogger = { warn() {}, info() {} };

/**
 * Builds the limits from configuration: in memory, or in Redis when `redisUrl` is set.
 * @example
 * const limits = createLimits(config);
 * const outcome = await limits.check([limits.policies.key], [keyId]);
 */
export function createLimits(config: TrellisConfig): LimitsService {
  const policies = {
    key: ratePolicy('key', config.rateLimitKeyRate, config.rateLimitKeyBurst),
    tenant: ratePolicy('tenant', config.rateLimitTenantRate, config.rateLimitTenantBurst),
    expensive: ratePolicy('expensive', config.rateLimitExpensiveRate, config.rateLimitExpensiveBurst),
  };
  const enabled = config.rateLimit === 'on';
  let logger = silent;
  let redis: Redis | null = null;
  let limiter: Limiter;
  if (enabled && config.redisUrl) {
    redis = connectRedis({ url: config.redisUrl, timeoutMs: config.redisTimeoutMs });
    limiter = createRedisLimiter(redis, config.redisKeyPrefix);
    rateLimitStoreUp.set(1);
  } else {
    limiter = createMemoryLimiter();
  }
  const where = config.redisUrl ? redactRedisUrl(config.redisUrl) : '';
  const mode = config.rateLimitRedisFailure;
  let down = false;

  const succeeded = (outcome: RateOutcome): RateOutcome => {
    if (down) {
      down = false;
      rateLimitStoreUp.set(1);
      logger.info({ redis: where }, 'Redis answers again: rate limits are enforced again');
    }
    return outcome;
  };
  const failed = (error: unknown): null => {
    rateLimitStoreErrors.labels(mode).inc();
    if (!down) {
      down = true;
      rateLimitStoreUp.set(0);
      logger.warn(
        { redis: where, err: error },
        mode === 'open'
          ? 'Redis does not answer: serving requests WITHOUT rate limits until it does (TRELLIS_RATE_LIMIT_REDIS_FAILURE=open)'
          : 'Redis does not answer: refusing rate-limited requests with 503 until it does (TRELLIS_RATE_LIMIT_REDIS_FAILURE=closed)',
      );
    }
    if (mode === 'closed') {
      throw new TrellisError('rate_limit_unavailable', 'Rate limits cannot be checked because Redis does not answer; try again shortly');
    }
    return null;
  };

  async function start(): Promise<void> {
    if (redis === null || redis.status !== 'wait') return;
    await redis.connect().catch(() => {});
  }
  async function close(): Promise<void> {
    await limiter.close();
  }

  return {
    enabled,
    policies,
    backend: redis ? 'redis' : 'memory',
    check(list, ids) {
      if (redis === null) return limiter.check(list, ids);
      return (limiter.check(list, ids) as Promise<RateOutcome>).then(succeeded, failed);
    },
    useLogger(next) {
      logger = next;
    },
    async readiness() {
      if (redis === null) return null;
      const started = performance.now();
      try {
        const ms = await pingRedis(redis);
        return { name: 'redis', ok: true, ms, detail: `rate limits at ${where}`, critical: mode === 'closed' };
      } catch (error) {
        return {
          name: 'redis',
          ok: false,
          ms: performance.now() - started,
          detail: `${where}: ${(error as Error).message}; rate limits fail ${mode}`,
          critical: mode === 'closed',
        };
      }
    },
    start,
    close,
    background: { name: 'rate-limits', start, stop: close },
  };
}
