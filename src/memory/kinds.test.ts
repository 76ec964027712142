import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrellisError } from '../core/errors.js';
import { checkTransition, contentHash, effectiveness, prepareMemory, searchText } from './kinds.js';
import { mapLegacyFields } from './legacy-fields.js';

describe('memory kinds', () => {
  it('maps decision_title, chosen_solution and snake_case names, and refuses a field named both ways', () => {
    assert.deepEqual(mapLegacyFields({ kind: 'decision', decision_title: 'T', chosen_solution: 'A', session_id: null }), {
      body: { kind: 'decision', title: 'T', chosen: 'A', sessionId: null },
      mapped: [
        { legacy: 'decision_title', current: 'title' },
        { legacy: 'chosen_solution', current: 'chosen' },
        { legacy: 'session_id', current: 'sessionId' },
      ],
    });
    assert.deepEqual(mapLegacyFields({ kind: 'note', text: 'x', some_field: 1 }).mapped, [], 'unknown snake_case names are left for validation');
    assert.throws(
      () => mapLegacyFields({ title: 'a', decision_title: 'b' }),
      (error: unknown) => error instanceof TrellisError && error.code === 'validation_failed',
    );
  });

  it('allows exactly the decision transitions of the design', () => {
    const allowed = ['proposed>accepted', 'proposed>superseded', 'accepted>superseded', 'accepted>reverted'];
    for (const from of ['proposed', 'accepted', 'superseded', 'reverted'])
      for (const to of ['proposed', 'accepted', 'superseded', 'reverted']) {
        const ok = from === to || allowed.includes(`${from}>${to}`);
        if (ok) checkTransition(from, to);
        else
          assert.throws(
            () => checkTransition(from, to),
            (error: unknown) => error instanceof TrellisError && error.code === 'conflict',
            `${from}>${to}`,
          );
      }
  });

  it('hashes content, not spacing, metadata or kind-foreign fields', () => {
    const a = prepareMemory({ kind: 'note', text: 'Backups  run\nat 02:00', tags: ['a'], importance: 'high' });
    const b = prepareMemory({ kind: 'note', text: ' Backups run at 02:00 ', tags: ['b'] });
    assert.equal(a.contentHash, b.contentHash);
    assert.notEqual(a.contentHash, prepareMemory({ kind: 'pattern', description: 'Backups run at 02:00' }).contentHash);
    assert.notEqual(a.contentHash, contentHash('note', 'A title', a.fields));
    assert.equal('e\u0301'.normalize('NFC'), 'é');
    assert.equal(contentHash('note', null, { text: 'caf\u00e9' }), contentHash('note', null, { text: 'cafe\u0301' }));
  });

  it('builds the body and the search text from the kind fields', () => {
    const decision = prepareMemory({
      kind: 'decision',
      title: 'Queue',
      chosen: 'SKIP LOCKED',
      reasoning: 'No extra server',
      alternatives: [{ option: 'Redis', pros: ['fast'] }],
    });
    assert.equal(decision.body, 'No extra server');
    assert.equal(decision.status, 'proposed');
    assert.equal(searchText(decision.title, decision.fields), 'Queue\nSKIP LOCKED\nRedis\nfast\nNo extra server');
  });

  it('smooths effectiveness: one half with no reports, never 0 or 1', () => {
    assert.equal(effectiveness(0, 0), 0.5);
    assert.equal(effectiveness(1, 1), 2 / 3);
    assert.equal(effectiveness(0, 1), 1 / 3);
    assert.equal(effectiveness(9, 10), 10 / 12);
  });

  it('reports every problem of a body at once', () => {
    try {
      prepareMemory({ kind: 'decision', confidence: 3, extra: true });
      assert.fail('accepted');
    } catch (error) {
      assert.ok(error instanceof TrellisError);
      const paths = ((error.details?.errors ?? []) as { path: string }[]).map((issue) => issue.path).sort();
      assert.deepEqual(paths, ['body/chosen', 'body/confidence', 'body/extra', 'body/title']);
    }
  });
});
