/** @module Tests of entity resolution: normalisation, partial names, acronyms, fuzzy matches and type separation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acronymOf, normaliseName } from './normalise.js';
import { resolveMentions } from './resolve.js';

test('normalisation: NFKC, case, punctuation and honorifics', () => {
  assert.equal(normaliseName('Dr. Jane  Smith, Jr.'), 'jane smith');
  assert.equal(normaliseName('ＡＣＭＥ Corp.'), 'acme corp');
  assert.equal(acronymOf('International Business Machines'), 'ibm');
});

test('"Barack Obama", "Obama" and "Mr. Obama" merge within Person, each merge with its rule and score', () => {
  const [obama, ...rest] = resolveMentions([
    { type: 'Person', text: 'Obama' },
    { type: 'Person', text: 'Barack Obama' },
    { type: 'Person', text: 'Mr. Obama' },
  ]);
  assert.equal(rest.length, 0);
  assert.equal(obama!.name, 'Barack Obama');
  assert.deepEqual(
    obama!.members.map((m) => [m.mention, m.explanation.rule, m.explanation.score]),
    [
      [0, 'partial-name', 0.9],
      [1, 'first', 1],
      [2, 'normalised', 1],
    ],
  );
});

test('never merges across types, even with the same name', () => {
  const entities = resolveMentions([
    { type: 'Person', text: 'Washington' },
    { type: 'Place', text: 'Washington' },
    { type: 'Person', text: 'George Washington' },
  ]);
  assert.deepEqual(entities.map((e) => [e.type, e.name, e.members.length]).sort(), [
    ['Person', 'George Washington', 2],
    ['Place', 'Washington', 1],
  ]);
});

test('acronym "IBM" joins "International Business Machines"; an ambiguous surname joins nobody', () => {
  const entities = resolveMentions([
    { type: 'Organization', text: 'International Business Machines' },
    { type: 'Organization', text: 'IBM' },
    { type: 'Person', text: 'John Smith' },
    { type: 'Person', text: 'Mary Smith' },
    { type: 'Person', text: 'Smith' },
  ]);
  const ibm = entities.find((e) => e.name === 'International Business Machines')!;
  assert.deepEqual(ibm.members[1]!.explanation, { rule: 'acronym', score: 0.9, matched: 'International Business Machines' });
  assert.ok(entities.some((e) => e.name === 'Smith' && e.members.length === 1));
});

test('fuzzy merge above the threshold, explained with its score; below it, none', () => {
  const entities = resolveMentions([
    { type: 'Organization', text: 'Microsoft Corporation' },
    { type: 'Organization', text: 'Microsoft Corporaton' },
    { type: 'Organization', text: 'Macrohard Limited' },
  ]);
  assert.equal(entities.length, 2);
  const merged = entities[0]!.members[1]!.explanation;
  assert.equal(merged.rule, 'fuzzy');
  assert.ok(merged.score >= 0.93 && merged.score < 1);
});
