import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuse, rrfK } from './fusion.js';

test('an item two signals agree on outranks each signal’s lone top hit', () => {
  const fused = fuse([
    {
      signal: 'text',
      items: [
        { kind: 'passage', id: 'a', score: 9 },
        { kind: 'passage', id: 'shared', score: 5 },
      ],
    },
    {
      signal: 'vector',
      items: [
        { kind: 'passage', id: 'b', score: 0.9 },
        { kind: 'passage', id: 'shared', score: 0.8 },
      ],
    },
  ]);
  assert.deepEqual(
    fused.map((item) => item.id),
    ['shared', 'a', 'b'],
  );
  const shared = fused[0];
  assert.equal(shared?.score, 2 / (rrfK + 2));
  assert.deepEqual(shared?.signals, { text: { rank: 2, score: 5 }, vector: { rank: 2, score: 0.8 } });
});

test('ranks count within a kind, so entities and passages of one list each start at rank 1', () => {
  const fused = fuse([
    {
      signal: 'text',
      items: [
        { kind: 'passage', id: 'p1', score: 3 },
        { kind: 'passage', id: 'p2', score: 2 },
        { kind: 'entity', id: 'e1', score: 1 },
      ],
    },
  ]);
  const entity = fused.find((item) => item.id === 'e1');
  assert.equal(entity?.signals.text?.rank, 1);
  assert.equal(entity?.score, 1 / (rrfK + 1));
});

test('ties keep a deterministic order and a repeated item counts once per signal', () => {
  const lists = [
    {
      signal: 'text' as const,
      items: [
        { kind: 'entity' as const, id: 'y', score: 1 },
        { kind: 'entity' as const, id: 'y', score: 0.5 },
      ],
    },
    { signal: 'graph' as const, items: [{ kind: 'entity' as const, id: 'x', score: 1 }] },
  ];
  const first = fuse(lists);
  assert.deepEqual(
    first.map((item) => item.id),
    ['x', 'y'],
  );
  assert.equal(first[1]?.score, 1 / (rrfK + 1));
  assert.deepEqual(fuse(lists), first);
});

test('weights scale a signal’s contribution', () => {
  const fused = fuse([
    { signal: 'text', items: [{ kind: 'passage', id: 'a', score: 1 }] },
    { signal: 'vector', items: [{ kind: 'passage', id: 'b', score: 1 }], weight: 2 },
  ]);
  assert.equal(fused[0]?.id, 'b');
  assert.equal(fused[0]?.score, 2 / (rrfK + 1));
});
