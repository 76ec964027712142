/** @module Tests of the retry policy, the semaphore and the grounding of answers in chunk text. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locateAll, sentenceSpan } from './locate.js';
import { isRetryableStatus, retryAfterMs, retryDelay } from './retry.js';
import { createSemaphore } from './semaphore.js';

const policy = { maxRetries: 5, baseMs: 100, capMs: 1000, maxRetryAfterMs: 60_000 };

describe('retry policy', () => {
  it('draws full jitter below min(cap, base · 2^retry)', () => {
    assert.equal(
      retryDelay(policy, 0, undefined, () => 0.999),
      99,
    );
    assert.equal(
      retryDelay(policy, 3, undefined, () => 0.5),
      400,
    );
    assert.equal(
      retryDelay(policy, 10, undefined, () => 0.999),
      999,
    );
    assert.equal(
      retryDelay(policy, 2, undefined, () => 0),
      0,
    );
  });

  it('never waits less than Retry-After', () => {
    assert.equal(
      retryDelay(policy, 0, 1000, () => 0.5),
      1000,
    );
    assert.equal(
      retryDelay(policy, 10, 10, () => 0.5),
      500,
    );
  });

  it('reads retry-after-ms, Retry-After seconds and HTTP dates', () => {
    const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
    assert.equal(retryAfterMs(headers({ 'retry-after-ms': '250.5', 'retry-after': '9' })), 251);
    assert.equal(retryAfterMs(headers({ 'retry-after': '2' })), 2000);
    assert.equal(retryAfterMs(headers({ 'retry-after': new Date(10_000).toUTCString() }), 4000), 6000);
    assert.equal(retryAfterMs(headers({ 'retry-after': 'soon' })), undefined);
    assert.equal(retryAfterMs(headers({})), undefined);
  });

  it('retries 408, 409, 429 and 5xx, never 400, 401, 403, 404', () => {
    assert.deepEqual([408, 409, 429, 500, 502, 503, 504].map(isRetryableStatus), [true, true, true, true, true, true, true]);
    assert.deepEqual([400, 401, 403, 404, 422].map(isRetryableStatus), [false, false, false, false, false]);
  });
});

describe('semaphore', () => {
  it('runs at most `limit` tasks at once and hands slots over in order', async () => {
    const gate = createSemaphore(2);
    let active = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        gate.run(async () => {
          active += 1;
          most = Math.max(most, active);
          await new Promise((resolve) => setTimeout(resolve, 5));
          order.push(index);
          active -= 1;
        }),
      ),
    );
    assert.equal(most, 2);
    assert.equal(order.length, 8);
  });

  it('drops a waiter whose signal aborts', async () => {
    const gate = createSemaphore(1);
    let release!: () => void;
    const first = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const second = gate.run(async () => 'ran', controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(second, /stop/);
    release();
    await first;
    assert.equal(await gate.run(async () => 'free'), 'free');
  });
});

describe('grounding', () => {
  it('finds exact-case occurrences first, on word boundaries', () => {
    assert.deepEqual(
      locateAll('Al met Alice; al and Al.', 'Al').map((span) => [span.start, span.exact]),
      [
        [0, true],
        [21, true],
      ],
    );
  });

  it('falls back to ignoring case, and finds nothing that is not there', () => {
    assert.deepEqual(
      locateAll('ACME Corp said', 'Acme corp').map((span) => [span.start, span.end, span.exact]),
      [[0, 9, false]],
    );
    assert.deepEqual(locateAll('ACME Corp said', 'Globex'), []);
  });

  it('spans the sentence holding both ends', () => {
    const text = 'First one. Ada met Bob in Paris. Last.';
    const span = sentenceSpan(text, text.indexOf('Ada'), text.indexOf('Bob') + 3);
    assert.equal(text.slice(span.start, span.end), 'Ada met Bob in Paris.');
  });
});
