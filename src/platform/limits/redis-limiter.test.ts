/** @module The Redis limiter against a real Redis (the test run's private redis-server; fails, never skips, when none answers): same arithmetic as memory, atomic under concurrency. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { randomToken } from '../../core/ids.js';
import { ratePolicy } from './gcra.js';
import { requireRedis, testRedisUrl } from '../../../test/support/redis.js';
import { connectRedis, pingRedis } from './redis-client.js';
import { createRedisLimiter } from './redis-limiter.js';

describe('Redis limiter', () => {
  let client: Redis;
  let prefix: string;
  before(async () => {
    client = await requireRedis();
    prefix = `trellis-test-${randomToken(8)}:`;
  });
  after(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  });

  it('admits the burst, then refuses with Retry-After, remaining and reset like the in-memory limiter', async () => {
    const limiter = createRedisLimiter(client, prefix);
    const policy = ratePolicy('key', 1, 3);
    const outcomes = [];
    for (let index = 0; index < 4; index++) outcomes.push(await limiter.check([policy], ['k1']));
    assert.deepEqual(
      outcomes.map((outcome) => outcome.allowed),
      [true, true, true, false],
    );
    assert.deepEqual(
      outcomes.map((outcome) => outcome.remaining[0]),
      [2, 1, 0, 0],
    );
    const refused = outcomes[3] as (typeof outcomes)[number];
    assert.ok(refused.retryAfterMs > 900 && refused.retryAfterMs <= 1000, `retry after ${refused.retryAfterMs} ms`);
    assert.ok((refused.resetMs[0] as number) > 2900 && (refused.resetMs[0] as number) <= 3000);
    const stored = await client.pttl(`${prefix}rl:key:k1`);
    assert.ok(stored > 0, 'the bucket key expires once it would be full again');
  });

  it('is atomic: 50 concurrent checks from two clients admit exactly the burst', async () => {
    const second = connectRedis({ url: testRedisUrl, timeoutMs: 2000 });
    await pingRedis(second);
    try {
      const policy = ratePolicy('key', 0.01, 20);
      const limiters = [createRedisLimiter(client, prefix), createRedisLimiter(second, prefix)];
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, index) => (limiters[index % 2] as (typeof limiters)[number]).check([policy], ['shared'])),
      );
      assert.equal(outcomes.filter((outcome) => outcome.allowed).length, 20);
    } finally {
      second.disconnect();
    }
  });

  it('checks several policies in one script: a refusal by the tenant policy leaves the key bucket untouched', async () => {
    const limiter = createRedisLimiter(client, prefix);
    const key = ratePolicy('key', 0.01, 5);
    const tenant = ratePolicy('tenant', 0.01, 2);
    assert.equal((await limiter.check([key, tenant], ['k2', 't2'])).allowed, true);
    assert.equal((await limiter.check([key, tenant], ['k3', 't2'])).allowed, true);
    const refused = await limiter.check([key, tenant], ['k2', 't2']);
    assert.equal(refused.allowed, false);
    assert.deepEqual(refused.remaining, [4, 0]);
  });
});
