/** @module Unit tests of the similarity core: words with placeholders, exact Jaccard, MinHash estimates and clustering. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cluster, estimate, jaccard, minhash, shingles, signatureLength, words } from './similarity.js';

describe('memory analysis similarity', () => {
  it('replaces numbers, hex numbers and UUIDs with placeholders unless asked not to', () => {
    assert.deepEqual(words('ECONNREFUSED 10.0.0.7:5432 at 0xFF12 for 01a219a8-5d6b-7000-8132-62ec3be634c4'), [
      'econnrefused',
      '_n_',
      '_n_',
      '_n_',
      '_n_',
      '_n_',
      'at',
      '_hex_',
      'for',
      '_id_',
    ]);
    assert.deepEqual(words('port 8081', false), ['port', '8081']);
  });

  it('computes exact Jaccard over word and word-pair shingles, and MinHash estimates it', () => {
    const a = shingles('the build fails on the release branch');
    const b = shingles('the build fails on the main branch');
    const exact = jaccard(a, b);
    assert.ok(exact > 0.3 && exact < 0.7, String(exact));
    assert.equal(jaccard(a, a), 1);
    assert.equal(jaccard(a, shingles('completely unrelated words here')), 0);
    const signatures = new Uint32Array(2 * signatureLength);
    minhash(a, signatures, 0);
    minhash(b, signatures, signatureLength);
    assert.ok(Math.abs(estimate(signatures, 0, 1) - exact) < 0.25);
  });

  it('clusters similar texts of a group, never across groups, and leaves singletons out', () => {
    const items = [
      { group: 'mistake', text: "TypeError Cannot read properties of undefined (reading 'id') at line 12" },
      { group: 'mistake', text: 'connect ECONNREFUSED 127.0.0.1:5432' },
      { group: 'mistake', text: "TypeError Cannot read properties of undefined (reading 'id') at line 98" },
      { group: 'note', text: "TypeError Cannot read properties of undefined (reading 'id') at line 5" },
      { group: 'mistake', text: "TypeError Cannot read properties of undefined (reading 'id') at line 7" },
    ];
    const clusters = cluster(items, { threshold: 0.5, verify: 'estimate' });
    assert.equal(clusters.length, 1);
    assert.deepEqual(clusters[0]?.members, [0, 2, 4]);
    assert.equal(clusters[0]?.representative, 0);
    assert.equal(clusters[0]?.cohesion, 1);
    assert.deepEqual(cluster(items, { threshold: 0.5, verify: 'estimate', minSize: 4 }), []);
    // Without placeholders the line numbers differ, and exact Jaccard at 0.95 keeps them apart.
    assert.deepEqual(cluster(items, { threshold: 0.95, verify: 'exact', placeholders: false }), []);
  });

  it('leaves out the shingles common to a large share of the texts, so variants of one message shape stay apart', () => {
    const names = ['order.amount', 'user.email', 'invoice.total', 'cart.coupon', 'account.phone', 'shipment.weight'];
    const items = Array.from({ length: 360 }, (_, index) => ({
      group: 'mistake',
      text: `ValidationError ${names[index % 6]} must be a string, got number ${index} in the request body of the public API`,
    }));
    const clusters = cluster(items, { threshold: 0.5, verify: 'estimate', commonShare: 0.02 });
    assert.equal(clusters.length, 6);
    for (const found of clusters) assert.ok(found.members.every((member) => member % 6 === (found.members[0] as number) % 6));
    assert.equal(cluster(items, { threshold: 0.5, verify: 'estimate' }).length, 1, 'without it, the shared shape dominates');
  });
});
