import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBatchSizer } from './batch-size.js';

describe('createBatchSizer', () => {
  it('grows while commits are faster than the target band, at most doubling, up to max', () => {
    const sizer = createBatchSizer({ initial: 10, max: 64, targetMs: [100, 250] });
    sizer.record(10, 10);
    assert.equal(sizer.size, 20);
    sizer.record(20, 150);
    assert.equal(sizer.size, 20, 'inside the band: unchanged');
    for (let step = 0; step < 10; step++) sizer.record(sizer.size, 1);
    assert.equal(sizer.size, 64);
  });

  it('shrinks in proportion when commits are slower than the band, at most halving, down to min', () => {
    const sizer = createBatchSizer({ initial: 100, min: 4, targetMs: [100, 250] });
    sizer.record(100, 350);
    assert.equal(sizer.size, 50, '175 / 350 = 0.5');
    sizer.record(50, 300);
    assert.equal(sizer.size, 29, 'floor(50 × 175 / 300)');
    for (let step = 0; step < 10; step++) sizer.record(sizer.size, 10_000);
    assert.equal(sizer.size, 4);
  });

  it('a short final batch does not grow the size', () => {
    const sizer = createBatchSizer({ initial: 32 });
    sizer.record(3, 1);
    assert.equal(sizer.size, 32);
  });

  it('settles inside the band for a store whose latency is proportional to the batch', () => {
    const sizer = createBatchSizer({ initial: 8 });
    const msPerChunk = 1.5;
    for (let step = 0; step < 20; step++) sizer.record(sizer.size, sizer.size * msPerChunk);
    const latency = sizer.size * msPerChunk;
    assert.ok(latency >= 100 && latency <= 250, `latency ${latency} ms at size ${sizer.size}`);
  });
});
