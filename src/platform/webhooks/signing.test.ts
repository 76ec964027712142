/** @module Unit tests of webhook signing against the standardwebhooks reference implementation, as a receiver verifies. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { generateSecret, secretKey, secretPattern, sign, signatureHeader } from './signing.js';

describe('webhook signing', () => {
  it('issues whsec_ secrets of 32 random bytes, each different', () => {
    const first = generateSecret();
    const second = generateSecret();
    assert.match(first, secretPattern);
    assert.equal(secretKey(first).length, 32);
    assert.notEqual(first, second);
  });

  it('signs exactly as the standardwebhooks package does, and the package verifies it', () => {
    const secret = generateSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'entity.created', data: { id: 'x', name: 'Zoë ✓' } });
    const ours = sign(secret, 'msg_1', timestamp, body);
    assert.equal(ours, new Webhook(secret).sign('msg_1', new Date(timestamp * 1000), body));
    const verified = new Webhook(secret).verify(body, { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': ours });
    assert.deepEqual(verified, JSON.parse(body));
  });

  it('a header with two signatures verifies under either secret and fails under a third', () => {
    const current = generateSecret();
    const previous = generateSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const body = '{"type":"ping"}';
    const header = signatureHeader([current, previous], 'msg_2', timestamp, body);
    assert.equal(header.split(' ').length, 2);
    const headers = { 'webhook-id': 'msg_2', 'webhook-timestamp': String(timestamp), 'webhook-signature': header };
    assert.doesNotThrow(() => new Webhook(current).verify(body, headers));
    assert.doesNotThrow(() => new Webhook(previous).verify(body, headers));
    assert.throws(() => new Webhook(generateSecret()).verify(body, headers));
  });

  it('a changed body, id or timestamp no longer verifies', () => {
    const secret = generateSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = sign(secret, 'msg_3', timestamp, '{"a":1}');
    const verify = (body: string, id: string, ts: number) =>
      new Webhook(secret).verify(body, { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature });
    assert.throws(() => verify('{"a":2}', 'msg_3', timestamp));
    assert.throws(() => verify('{"a":1}', 'msg_4', timestamp));
    assert.throws(() => verify('{"a":1}', 'msg_3', timestamp + 1));
  });
});
