/** @module GCRA arithmetic and the in-memory limiter: bursts, sustained rate, multi-policy admission, sweeping. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gcraStep, ratePolicy } from './gcra.js';
import { createMemoryLimiter } from './memory-limiter.js';

describe('GCRA', () => {
  it('admits exactly the burst at one instant, then refuses with the wait until one interval has passed', () => {
    const policy = ratePolicy('key', 10, 5);
    const tats: (number | undefined)[] = [undefined];
    const remaining: number[] = [];
    for (let index = 0; index < 5; index++) {
      const outcome = gcraStep([policy], tats, 1000);
      assert.equal(outcome.allowed, true);
      remaining.push(outcome.remaining[0] as number);
    }
    assert.deepEqual(remaining, [4, 3, 2, 1, 0]);
    const refused = gcraStep([policy], tats, 1000);
    assert.equal(refused.allowed, false);
    assert.equal(refused.remaining[0], 0);
    assert.equal(refused.retryAfterMs, 100);
    assert.equal(refused.resetMs[0], 500);
    // One interval later exactly one more request passes.
    assert.equal(gcraStep([policy], tats, 1100).allowed, true);
    assert.equal(gcraStep([policy], tats, 1100).allowed, false);
  });

  it('refills at the sustained rate: after idling a whole window the full burst is back', () => {
    const policy = ratePolicy('key', 100, 200);
    const tats: (number | undefined)[] = [undefined];
    for (let index = 0; index < 200; index++) assert.equal(gcraStep([policy], tats, 0).allowed, true);
    assert.equal(gcraStep([policy], tats, 0).allowed, false);
    assert.equal(gcraStep([policy], tats, 2000).remaining[0], 199);
  });

  it('a request refused by one policy costs the other policies nothing', () => {
    const key = ratePolicy('key', 1, 1);
    const tenant = ratePolicy('tenant', 1, 3);
    const tats: (number | undefined)[] = [undefined, undefined];
    assert.equal(gcraStep([key, tenant], tats, 0).allowed, true);
    const refused = gcraStep([key, tenant], tats, 0);
    assert.equal(refused.allowed, false);
    assert.deepEqual(refused.remaining, [0, 2]);
    assert.equal(refused.retryAfterMs, 1000);
  });

  it('describes policies for the RateLimit-Policy header: q is the burst, w the refill window in whole seconds', () => {
    assert.deepEqual(ratePolicy('key', 100, 200).windowSeconds, 2);
    assert.deepEqual(ratePolicy('slow', 0.5, 1).windowSeconds, 2);
    assert.deepEqual(ratePolicy('fast', 1000, 10).windowSeconds, 1);
    assert.throws(() => ratePolicy('bad', 0, 1), RangeError);
    assert.throws(() => ratePolicy('bad', 1, 0.5), RangeError);
  });
});

describe('in-memory limiter', () => {
  it('keeps separate buckets per id and per policy', () => {
    let now = 0;
    const limiter = createMemoryLimiter(() => now);
    const key = ratePolicy('key', 1, 2);
    const tenant = ratePolicy('tenant', 1, 3);
    const check = (keyId: string) => limiter.check([key, tenant], [keyId, 't1']) as ReturnType<typeof gcraStep>;
    assert.equal(check('a').allowed, true);
    assert.equal(check('a').allowed, true);
    assert.equal(check('a').allowed, false, 'key a has used its burst of 2');
    assert.equal(check('b').allowed, true, 'key b has its own bucket');
    const tenantSpent = check('c');
    assert.equal(tenantSpent.allowed, false, 'the tenant bucket (3) is spent by a, a and b');
    assert.deepEqual(tenantSpent.remaining, [2, 0]);
    now = 1000;
    assert.equal(check('c').allowed, true);
  });

  it('forgets buckets that have refilled once it holds more than 10,000', () => {
    let now = 0;
    const limiter = createMemoryLimiter(() => now);
    const policy = ratePolicy('key', 1000, 1);
    for (let index = 0; index < 10_001; index++) limiter.check([policy], [`k${index}`]);
    assert.equal(limiter.size(), 10_001);
    now = 10_000;
    limiter.check([policy], ['fresh']);
    assert.equal(limiter.size(), 1);
  });
});
