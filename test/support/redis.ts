/** @module Test helper: the real Redis the rate-limit tests use; a test fails (never skips) when it does not answer. */
import type { Redis } from 'ioredis';
import { connectRedis, pingRedis } from '../../src/platform/limits/redis-client.js';

/** The Redis the tests use; a test fails with this message when it does not answer. */
export const testRedisUrl = process.env.TRELLIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connected client, or an error that says how to start Redis. */
export async function requireRedis(): Promise<Redis> {
  const client = connectRedis({ url: testRedisUrl, timeoutMs: 2000 });
  try {
    await pingRedis(client);
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis does not answer at ${testRedisUrl} (${(error as Error).message}); the rate-limit tests need it: ` +
        'run the tests with `npm test` / scripts/test.mjs, which start a private redis-server (apt-get install -y redis-server), or set TRELLIS_TEST_REDIS_URL',
    );
  }
  return client;
}
