/** @module The Redis connection shared by the rate limiter, readiness and `trellis doctor`: fails fast instead of queueing. */
import { Redis } from 'ioredis';

/** Options of {@link connectRedis}. */
export interface RedisConnectOptions {
  url: string;
  /** A command slower than this fails (the request then fails open or closed), in ms. */
  timeoutMs: number;
}

/**
 * Opens a client that never queues commands while disconnected and never retries one: a request must not wait
 * for Redis to come back, it fails open or closed at once. The connection itself keeps reconnecting in the
 * background (backing off to 2 s), so limits resume as soon as Redis answers again.
 */
export function connectRedis(options: RedisConnectOptions): Redis {
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.timeoutMs,
    connectTimeout: Math.max(1000, options.timeoutMs),
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  // Errors surface on the commands that fail; an unhandled 'error' event would crash the process.
  client.on('error', () => {});
  return client;
}

/** Round-trip time of a PING in milliseconds; throws when Redis does not answer. */
export async function pingRedis(client: Redis): Promise<number> {
  if (client.status === 'wait' || client.status === 'end') await client.connect();
  const started = performance.now();
  const answer = await client.ping();
  if (answer !== 'PONG') throw new Error(`Redis answered PING with ${JSON.stringify(answer)}`);
  return performance.now() - started;
}

/** A URL without its password, for logs and readiness details. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparseable URL)';
  }
}
