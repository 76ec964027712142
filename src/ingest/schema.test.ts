/** @module Tests of the extraction schema loader and its JSON Schema. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrellisError } from '../core/errors.js';
import { defaultSchema, parseSchema } from './schema.js';

function problemsOf(text: string): string {
  try {
    parseSchema(text, 'bad.yaml');
  } catch (error) {
    assert.ok(error instanceof TrellisError);
    assert.equal(error.code, 'schema_invalid');
    return error.message;
  }
  assert.fail('the schema was accepted');
}

test('the default schema loads with the types the issue asks for', () => {
  const schema = defaultSchema();
  const entities = schema.entityTypes.map((type) => type.name);
  for (const name of ['Person', 'Organization', 'Place', 'Date', 'Money', 'Project', 'Standard', 'Product', 'Event']) assert.ok(entities.includes(name), name);
  const relations = schema.relationTypes.map((type) => type.name);
  for (const name of ['WORKS_FOR', 'MANAGES', 'LOCATED_IN', 'PART_OF', 'MENTIONS', 'CO_OCCURS_WITH']) assert.ok(relations.includes(name), name);
  assert.ok(schema.relationTypes.find((type) => type.name === 'CO_OCCURS_WITH')?.cooccurrence);
});

test('a relation referring to an unknown entity type is reported with its line and column', () => {
  const text = [
    'entities:',
    '  Person:',
    '    description: A human',
    'relations:',
    '  KNOWS:',
    '    description: knows',
    '    from: [Person]',
    '    to: [Persn]',
  ].join('\n');
  assert.match(problemsOf(text), /bad\.yaml:8:10: to refers to unknown entity type "Persn"/);
});

test('every problem is listed, each with its place: unknown keys, bad regex, missing description, bad ner label', () => {
  const text = [
    'entities:',
    '  Person:',
    '    ner: [human]',
    '    patterns:',
    '      - name: broken',
    "        regex: '(unclosed'",
    '  Org:',
    '    description: x',
    '    colour: red',
  ].join('\n');
  const message = problemsOf(text);
  assert.match(message, /bad\.yaml:2:3: missing "description"/);
  assert.match(message, /bad\.yaml:3:11: unknown ner label "human"/);
  assert.match(message, /bad\.yaml:6:16: invalid regular expression/);
  assert.match(message, /bad\.yaml:9:5: unknown key "colour"/);
});

test('a YAML syntax error names the file, line and column from the parser', () => {
  assert.match(problemsOf('entities:\n  Person: [a\n'), /bad\.yaml:3:1: /);
});
