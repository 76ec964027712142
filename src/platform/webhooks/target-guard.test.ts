/** @module Unit tests of the SSRF guard: which addresses and URLs are refused under each setting. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrellisError } from '../../core/errors.js';
import { checkUrl, refusalReason, resolveTarget } from './target-guard.js';

const refused = [
  '127.0.0.1',
  '127.8.9.10',
  '10.1.2.3',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '169.254.169.254',
  '169.254.1.1',
  '100.64.0.1',
  '0.0.0.0',
  '224.0.0.1',
  '255.255.255.255',
  '::1',
  '::',
  'fe80::1',
  'fc00::1',
  'fd00:ec2::254',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:169.254.169.254',
  '64:ff9b::a9fe:a9fe',
  'ff02::1',
];
const allowed = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'];

describe('webhook target guard', () => {
  it('refuses private, loopback, link-local, metadata and reserved addresses by default', () => {
    for (const address of refused) assert.notEqual(refusalReason(address, 'off'), null, address);
    for (const address of allowed) assert.equal(refusalReason(address, 'off'), null, address);
  });

  it('"loopback" allows only loopback; "on" allows everything', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) assert.equal(refusalReason(address, 'loopback'), null, address);
    for (const address of ['10.0.0.1', '169.254.169.254', '192.168.0.1', 'fe80::1']) assert.notEqual(refusalReason(address, 'loopback'), null, address);
    for (const address of refused) assert.equal(refusalReason(address, 'on'), null, address);
  });

  it('rejects malformed URLs, other schemes and credentials as validation errors', () => {
    for (const url of [
      'not a url',
      'ftp://example.com/x',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'gopher://example.com',
      'http://user:pw@example.com/',
      `https://example.com/${'a'.repeat(2100)}`,
    ]) {
      assert.throws(
        () => checkUrl(url, 'off'),
        (error: unknown) => error instanceof TrellisError && error.code === 'validation_failed',
        url,
      );
    }
  });

  it('refuses IP-literal URLs in blocked ranges, in every spelling', () => {
    for (const url of [
      'http://127.0.0.1:8080/',
      'http://[::1]/',
      'http://169.254.169.254/latest/meta-data/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://[::ffff:127.0.0.1]/',
      'http://10.0.0.1/',
    ]) {
      assert.throws(
        () => checkUrl(url, 'off'),
        (error: unknown) => error instanceof TrellisError && error.code === 'webhook_target_refused',
        url,
      );
    }
    assert.equal(checkUrl('https://93.184.216.34/hook', 'off').hostname, '93.184.216.34');
  });

  it('resolves names and refuses them when any address is blocked (localhost), answered from /etc/hosts, so no test asks a name server', async () => {
    await assert.rejects(
      resolveTarget(new URL('http://localhost:9/'), 'off'),
      (error: unknown) => error instanceof TrellisError && error.code === 'webhook_target_refused',
    );
    const local = await resolveTarget(new URL('http://localhost:9/'), 'loopback');
    assert.ok(['127.0.0.1', '::1'].includes(local.address));
  });
});
