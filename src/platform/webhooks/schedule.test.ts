/** @module Unit tests of the retry timing: the schedule, its jitter bounds, and Retry-After. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextDelay, parseRetryAfter, retryDelay } from './schedule.js';

const standard = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

describe('webhook retry schedule', () => {
  it('follows the schedule exactly without jitter, and ends after the last entry', () => {
    const policy = { schedule: standard, jitterPercent: 0 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((made) => nextDelay(policy, made)),
      standard.slice(1),
    );
    assert.equal(nextDelay(policy, 8), null);
  });

  it('keeps jitter within ±half the percentage of the delay', () => {
    const policy = { schedule: standard, jitterPercent: 20 };
    assert.equal(
      nextDelay(policy, 1, () => 0),
      4_500,
    );
    assert.equal(
      nextDelay(policy, 1, () => 0.999999),
      5_500,
    );
    for (let i = 0; i < 200; i++) {
      const delay = nextDelay(policy, 2) as number;
      assert.ok(delay >= 270_000 && delay <= 330_000, `${delay}`);
    }
  });

  it('reads Retry-After as seconds or an HTTP date, and ignores nonsense', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), 60_000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter('-5', now), null);
    assert.equal(parseRetryAfter(undefined, now), null);
  });

  it('lets Retry-After replace the scheduled delay, capped at a day, and never revive a finished schedule', () => {
    const policy = { schedule: standard, jitterPercent: 0 };
    assert.equal(retryDelay(policy, 1, 60_000), 60_000);
    assert.equal(retryDelay(policy, 1, 365 * 86_400_000), 86_400_000);
    assert.equal(retryDelay(policy, 1, null), 5_000);
    assert.equal(retryDelay(policy, 8, 1_000), null);
  });
});
