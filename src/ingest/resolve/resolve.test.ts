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

test('a short organisation name joins the one longer name that only adds organisation words or a place', () => {
  const entities = resolveMentions([
    { type: 'Organization', text: 'Velcor Corporation' },
    { type: 'Organization', text: 'Velcor' },
    { type: 'Organization', text: 'Atlanta Hawks' },
    { type: 'Organization', text: 'Hawks' },
  ]);
  assert.deepEqual(entities.map((e) => [e.name, e.members.length, e.members.at(-1)!.explanation.rule]).sort(), [
    ['Atlanta Hawks', 2, 'partial-name'],
    ['Velcor Corporation', 2, 'partial-name'],
  ]);
});

test('a person named by first names joins the one longer name that starts with them or has them first and last', () => {
  const entities = resolveMentions([
    { type: 'Person', text: 'Jefferson Madeira da Silva' },
    { type: 'Person', text: 'Jefferson Madeira' },
    { type: 'Person', text: 'Jane Ann Smith' },
    { type: 'Person', text: 'Jane Smith' },
  ]);
  assert.deepEqual(entities.map((e) => [e.name, e.members.length]).sort(), [
    ['Jane Ann Smith', 2],
    ['Jefferson Madeira da Silva', 2],
  ]);
});

test('no fuzzy merge across numbers, word endings or a differing word; acronyms skip small words', () => {
  const entities = resolveMentions([
    { type: 'Place', text: 'Canada' },
    { type: 'Place', text: 'Canadian' },
    { type: 'Product', text: 'Boeing 747' },
    { type: 'Product', text: 'Boeing 777' },
    { type: 'Event', text: 'Battle of Chiari' },
    { type: 'Event', text: 'Battle of Carpi' },
    { type: 'Organization', text: 'Council on Foreign Relations' },
    { type: 'Organization', text: 'CFR' },
  ]);
  assert.equal(entities.length, 7);
  assert.equal(entities.find((e) => e.name === 'Council on Foreign Relations')!.members.length, 2);
});
