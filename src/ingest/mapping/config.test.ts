import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrellisError } from '../../core/errors.js';
import { coerce } from './coerce.js';
import { parseMapping } from './config.js';
import { globToRegExp, planFiles } from './glob.js';

const valid = `files:
  - pattern: "teams*.csv"
    dataset: teams
    columns:
      id: { type: string, required: true }
      name: string
    key: id
    entities:
      - { type: Team, name: name }
  - pattern: "people/*.csv"
    dataset: people
    required: false
    columns:
      id: integer
      first: string
      last: string
      team: string
    key: [id]
    entities:
      - { type: Person, name: "{first} {last}" }
    relations:
      - { type: BELONGS_TO, from: Person, to: { dataset: teams, key: team } }
`;

function failsAt(text: string, line: number, pattern: RegExp) {
  assert.throws(
    () => parseMapping(text, 'mapping.yaml'),
    (error: unknown) => {
      assert.ok(error instanceof TrellisError, String(error));
      assert.match(error.message, new RegExp(`^mapping\\.yaml:${line}: `));
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('mapping files', () => {
  it('parses entries, templates and cross-dataset references', () => {
    const config = parseMapping(valid, 'mapping.yaml');
    assert.equal(config.files.length, 2);
    const people = config.files[1];
    assert.equal(people?.required, false);
    assert.deepEqual(people?.key, ['id']);
    assert.deepEqual(people?.entities[0]?.name.parts, [{ column: 'first' }, ' ', { column: 'last' }]);
    const to = people?.relations[0]?.to;
    assert.equal(to?.kind === 'dataset' && to.target?.entity.type, 'Team');
    assert.equal(people?.location, 'mapping.yaml:10');
  });

  it('names the file and YAML line of each mistake', () => {
    failsAt('files:\n  - pattern: "a.csv"\n    dataset: [unclosed\n', 4, /./);
    failsAt(valid.replace('id: integer', 'id: int'), 14, /type must be one of/);
    failsAt(valid.replace('key: [id]', 'key: [nope]'), 18, /key column "nope" is not declared/);
    failsAt(valid.replace('name: "{first} {last}"', 'name: "{first} {middle}"'), 20, /column "middle"/);
    failsAt(valid.replace('to: { dataset: teams', 'to: { dataset: squads'), 22, /dataset "squads" is not mapped/);
    failsAt(valid.replace('from: Person', 'from: Human'), 22, /"Human" is not an entity mapping/);
    failsAt(valid.replace('    dataset: people\n', '    dataset: people\n    colour: blue\n'), 12, /unknown field "colour"/);
    failsAt('files: []\n', 1, /non-empty list/);
    failsAt('files:\n  - pattern: a.csv\n    pattern: b.csv\n', 3, /./);
  });
});

describe('file plan', () => {
  const config = parseMapping(valid, 'mapping.yaml');

  it('matches globs on relative paths', () => {
    assert.ok(globToRegExp('data/**/*.csv').test('data/2024/q1/x.csv'));
    assert.ok(globToRegExp('data/**/*.csv').test('data/x.csv'));
    assert.ok(!globToRegExp('*.csv').test('sub/x.csv'));
    assert.ok(globToRegExp('{a,b}-?.csv').test('b-1.csv'));
  });

  it('orders referenced datasets first', () => {
    const plan = planFiles(config, ['people/p.csv', 'teams.csv']);
    assert.deepEqual(
      plan.map((item) => item.file),
      ['teams.csv', 'people/p.csv'],
    );
  });

  it('refuses a file no pattern matches, naming it', () => {
    assert.throws(() => planFiles(config, ['teams.csv', 'projects.csv']), /no mapping for projects\.csv/);
  });

  it('refuses a required mapping that matches no file', () => {
    assert.throws(() => planFiles(config, ['people/p.csv']), /no file matches required mapping "teams\*\.csv" \(dataset teams, mapping\.yaml:2\)/);
  });
});

describe('cell coercion', () => {
  it('accepts well-formed values and rejects the rest with a reason', () => {
    assert.deepEqual(coerce(' 42 ', 'integer'), { ok: true, value: 42 });
    assert.equal(coerce('4.2', 'integer').ok, false);
    assert.deepEqual(coerce('1e3', 'number'), { ok: true, value: 1000 });
    assert.equal(coerce('12abc', 'number').ok, false);
    assert.deepEqual(coerce('Yes', 'boolean'), { ok: true, value: true });
    assert.deepEqual(coerce('2024-02-29', 'date'), { ok: true, value: '2024-02-29' });
    assert.equal(coerce('2023-02-29', 'date').ok, false);
    assert.deepEqual(coerce('2024-01-02T03:04:05+01:00', 'datetime'), { ok: true, value: '2024-01-02T02:04:05.000Z' });
    assert.equal(coerce('yesterday', 'datetime').ok, false);
  });
});
