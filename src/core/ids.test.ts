import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isId, newId } from './ids.js';

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newId', () => {
  it('makes distinct UUIDv7s that sort in creation order, past 4,096 in one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    assert.equal(new Set(ids).size, ids.length);
    for (let index = 1; index < ids.length; index++) assert.ok((ids[index - 1] as string) < (ids[index] as string), `${ids[index - 1]} < ${ids[index]}`);
    for (const id of ids) {
      assert.match(id, uuidV7);
      assert.ok(isId(id));
    }
  });

  it('carries the current time in its first 48 bits', () => {
    const before = Date.now();
    const id = newId();
    const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    // The counter may have borrowed a few milliseconds ahead after a burst; never behind.
    assert.ok(ms >= before && ms < Date.now() + 1000, `${ms} from ${before}`);
  });
});
