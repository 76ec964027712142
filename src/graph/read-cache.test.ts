/** @module Unit tests of the read cache: version stamps, least-recently-used eviction and the byte budget. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReadCache } from './read-cache.js';

describe('read cache', () => {
  it('answers only at the version the body was read at', () => {
    const cache = createReadCache(1 << 20);
    cache.set('t1', 'a', 7, '{"v":7}');
    assert.equal(cache.get('t1', 'a', 7), '{"v":7}');
    assert.equal(cache.get('t1', 'a', 8), undefined, 'a newer tenant version invalidates');
    assert.equal(cache.get('t1', 'a', 6), undefined);
    assert.deepEqual({ hits: cache.stats().hits, misses: cache.stats().misses }, { hits: 1, misses: 2 });
  });

  it('keeps tenants apart even for the same ID', () => {
    const cache = createReadCache(1 << 20);
    cache.set('t1', 'a', 1, 'one');
    assert.equal(cache.get('t2', 'a', 1), undefined);
  });

  it('replaces the body of a key instead of keeping two', () => {
    const cache = createReadCache(1 << 20);
    cache.set('t1', 'a', 1, 'old');
    cache.set('t1', 'a', 2, 'new');
    assert.equal(cache.stats().entries, 1);
    assert.equal(cache.get('t1', 'a', 2), 'new');
  });

  it('evicts the least recently used answers to stay within its budget', () => {
    const body = 'x'.repeat(840); // 1,000 bytes with the per-entry overhead
    const cache = createReadCache(8000);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const id of ids) cache.set('t', id, 1, body);
    assert.equal(cache.stats().entries, 8);
    assert.ok(cache.get('t', 'a', 1), 'a is used, so b becomes the oldest');
    cache.set('t', 'i', 1, body);
    assert.equal(cache.get('t', 'b', 1), undefined, 'the least recently used went');
    for (const id of ['a', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) assert.ok(cache.get('t', id, 1), `${id} kept`);
    assert.ok(cache.stats().bytes <= 8000);
  });

  it('does not keep a body larger than an eighth of the budget, but returns it', () => {
    const cache = createReadCache(8000);
    const big = 'y'.repeat(2000);
    assert.equal(cache.set('t', 'a', 1, big), big);
    assert.equal(cache.stats().entries, 0);
  });

  it('is disabled by a budget of 0', () => {
    const cache = createReadCache(0);
    assert.equal(cache.set('t', 'a', 1, 'body'), 'body');
    assert.equal(cache.get('t', 'a', 1), undefined);
    assert.equal(cache.stats().entries, 0);
  });
});
