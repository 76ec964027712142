/** @module Tests of the built-in extractor: recogniser, schema patterns, gazetteers, relations, and the worker pool. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSchema, parseSchema } from '../schema.js';
import type { ChunkDraft } from '../types.js';
import { buildAutomaton, findAll } from './aho-corasick.js';
import { createBuiltinExtractor } from './builtin-extractor.js';
import { compileSchema, extractTexts } from './extract.js';
import { createExtractorPool } from './pool.js';

const compiled = compileSchema(defaultSchema());
const extractOne = (text: string) => extractTexts([text], compiled)[0]!;

test('finds "Jane Smith" after "Dr." as a Person with exact offsets and a title rule (the honorific is a cue, not part of the name)', () => {
  const text = 'Yesterday Dr. Jane Smith opened the lab.';
  const mention = extractOne(text).mentions.find((m) => m.type === 'Person');
  assert.deepEqual(mention && { text: mention.text, start: mention.start, end: mention.end, rule: mention.rule }, {
    text: 'Jane Smith',
    start: 14,
    end: 24,
    rule: 'ner:title',
  });
  assert.equal(text.slice(mention!.start, mention!.end), mention!.text);
  assert.ok(mention!.confidence > 0 && mention!.confidence <= 1);
});

test('finds "AACE-101" as a Standard by the schema pattern', () => {
  const { mentions } = extractOne('Cost estimates follow AACE-101 and ISO 9001 for audits.');
  const standards = mentions.filter((m) => m.type === 'Standard').map((m) => [m.text, m.rule]);
  assert.deepEqual(standards, [
    ['AACE-101', 'pattern:standard-code'],
    ['ISO 9001', 'pattern:standard-code'],
  ]);
});

test('dates, money, places and organisations by cue', () => {
  const { mentions } = extractOne('On 13 March 1963 the University of Toronto paid $3 million to a firm in France.');
  const found = Object.fromEntries(mentions.map((m) => [m.text, m.type]));
  assert.equal(found['13 March 1963'], 'Date');
  assert.equal(found['University of Toronto'], 'Organization');
  assert.equal(found['$3 million'], 'Money');
  assert.equal(found['France'], 'Place');
});

test('document-level propagation: a surname alone is the person named in full earlier', () => {
  const { mentions } = extractOne('Barack Obama visited Berlin. Later, Obama spoke to reporters.');
  const obama = mentions.filter((m) => m.text === 'Obama');
  assert.equal(obama.length, 1);
  assert.equal(obama[0]!.type, 'Person');
  assert.equal(obama[0]!.rule, 'ner:partial-name');
});

test('Aho–Corasick reports overlapping patterns, and the gazetteer keeps the longest whole-word match', () => {
  const automaton = buildAutomaton(['New York', 'York', 'New York Times'], false);
  const matches = findAll(automaton, 'the New York Times').map((m) => [m.pattern, m.start, m.end]);
  assert.deepEqual(matches.sort(), [
    [0, 4, 12],
    [1, 8, 12],
    [2, 4, 18],
  ]);
  const schema = parseSchema(
    [
      'entities:',
      '  Product:',
      '    description: Products',
      '    gazetteerIgnoreCase: true',
      '    gazetteer:',
      '      - name: Widget Pro',
      '        aliases: [WP-9]',
      '      - Widget',
    ].join('\n'),
  );
  const { mentions } = extractTexts(['We sold a widget pro and a WP-9, not Widgetry.'], compileSchema(schema))[0]!;
  assert.deepEqual(
    mentions.map((m) => [m.text, m.rule]),
    [
      ['widget pro', 'gazetteer:Widget Pro'],
      ['WP-9', 'gazetteer:Widget Pro'],
    ],
  );
});

test('relations: a pattern finds WORKS_FOR, co-occurrence links every pair with a weight', () => {
  const text = 'Jane Smith works for Acme Corporation. Acme Corporation is based in Ohio.';
  const { mentions, relations } = extractOne(text);
  const named = relations.map((r) => [r.type, mentions[r.from]!.text, mentions[r.to]!.text]);
  assert.ok(named.some(([type, from, to]) => type === 'WORKS_FOR' && from === 'Jane Smith' && to === 'Acme Corporation'));
  const cooccurs = relations.filter((r) => r.type === 'CO_OCCURS_WITH');
  const pairs = new Set(cooccurs.map((r) => [mentions[r.from]!.text, mentions[r.to]!.text].sort().join('|')));
  assert.ok(pairs.has('Jane Smith|Ohio'));
  for (const relation of relations) assert.ok(relation.confidence > 0 && relation.confidence <= 1 && relation.rule);
});

test('the worker pool returns the same extractions as inline extraction', async () => {
  const chunks: ChunkDraft[] = ['Dr. Jane Smith joined Acme Corporation in London in 2019.', 'Smith later moved to Paris, France, under AACE-101.'].map(
    (text, ordinal) => ({ ordinal, text, start: 0, end: text.length }),
  );
  const context = { document: { kind: 'txt' as const, metadata: {} } };
  const inline = await createBuiltinExtractor(defaultSchema()).extract(chunks, context);
  const pool = createExtractorPool(defaultSchema(), 2);
  try {
    const pooled = await Promise.all([pool.extract(chunks, context), pool.extract(chunks, context)]);
    assert.deepEqual(pooled[0], inline);
    assert.deepEqual(pooled[1], inline);
  } finally {
    await pool.close();
  }
});

const typesOf = (text: string): Record<string, string> => Object.fromEntries(extractOne(text).mentions.map((m) => [m.text, m.type]));

test('a kind noun before or after a name gives its type: "the band X", "X is a village", "X, an actor"', () => {
  const found = typesOf('The band Zorblax toured with singer Mira Tolvane. Velmora is a village in the hills. Orrin Hask, an actor, came too.');
  assert.equal(found['Zorblax'], 'Organization');
  assert.equal(found['Mira Tolvane'], 'Person');
  assert.equal(found['Velmora'], 'Place');
  assert.equal(found['Orrin Hask'], 'Person');
});

test('life dates in brackets make a person; a year in brackets after a title makes a work', () => {
  const found = typesOf('Dren Kolvath ( born 4 May 1970 ) wrote Quiet Copper Days ( 1999 ) and met Ulla Brenk ( 1901 – 1975 ).');
  assert.equal(found['Dren Kolvath'], 'Person');
  assert.equal(found['Ulla Brenk'], 'Person');
  assert.equal(found['Quiet Copper Days'], 'Other');
});

test('two capitalised words with no cue are not taken for a person', () => {
  const { mentions } = extractOne('Later that year Silver Harbor Lights was shown again.');
  assert.ok(!mentions.some((m) => m.type === 'Person'), JSON.stringify(mentions));
});

test('a quoted title is one name, whatever it holds; a quoted nickname stays inside the person name', () => {
  const found = typesOf('She recorded " Paper Moon Over Dallas " in 1999 with Wilhelm " Willi " Brandtner ( born 1950 ).');
  assert.equal(found['Paper Moon Over Dallas'], 'Other');
  assert.equal(found['Dallas'], undefined);
  assert.equal(found['Wilhelm " Willi " Brandtner'], 'Person');
});

test('coordinated names share the label of their strong members; telling verbs and club words count', () => {
  const found = typesOf('He played for Dravik FC, Lomberg and Tessaly United before he retired.');
  assert.equal(found['Dravik FC'], 'Organization');
  assert.equal(found['Lomberg'], 'Organization');
  assert.equal(found['Tessaly United'], 'Organization');
});

test("an acronym in brackets takes its expansion's type; after lower-case words it is no name", () => {
  const found = typesOf('The Northern Grain Council ( NGC ) met in a census designated place ( CDP ) near the coast.');
  assert.equal(found['Northern Grain Council'], 'Organization');
  assert.equal(found['NGC'], 'Organization');
  assert.equal(found['CDP'], undefined);
});

test('names keep their inner "and" and hyphen but not the possessive: "Fish and Wildlife Service", "Burne - Jones", "Obama\'s"', () => {
  const found = typesOf("Barack Obama's aide left the Fish and Wildlife Service for a post with Edward Burne - Jones ( born 1833 ).");
  assert.equal(found['Fish and Wildlife Service'], 'Organization');
  assert.equal(found['Edward Burne - Jones'], 'Person');
  assert.equal(found['Barack Obama'], 'Person');
  assert.equal(found["Barack Obama's"], undefined);
});

test('offices and titles are cues, not part of the name: "Chief Executive Officer of Velcor Corporation", "King of Norway"', () => {
  const found = typesOf('She became Chief Executive Officer of Velcor Corporation and met the King of Norway.');
  assert.equal(found['Velcor Corporation'], 'Organization');
  assert.equal(found['Norway'], 'Place');
  assert.ok(!Object.keys(found).some((name) => name.includes('Chief') || name.startsWith('of ')), JSON.stringify(found));
});

test('an appositive in brackets types the name; a connector does not join a weekday ("Washington, D.C. on Monday")', () => {
  const found = typesOf('We met in Washington, D.C. on Monday to sign with Globex (a company based in Ohio).');
  assert.equal(found['Globex'], 'Organization');
  assert.equal(found['D.C.'], 'Place');
  assert.ok(!Object.keys(found).some((name) => name.includes('Monday')), JSON.stringify(found));
});

test('a preposition framed by a telling word a few words back makes an organisation: "made 120 appearances for X"', () => {
  const found = typesOf('He made 120 appearances for Dravenholt and later was a professor at Kestrel Hollins.');
  assert.equal(found['Dravenholt'], 'Organization');
  assert.equal(found['Kestrel Hollins'], 'Organization');
});

test('a second complement of an institution\'s "of" stays in its name, a known place does not: "Ministry of Trade and Industry"', () => {
  const found = typesOf('He joined the Ministry of Trade and Industry, then taught at the University of Oxford and Cambridge.');
  assert.equal(found['Ministry of Trade and Industry'], 'Organization');
  assert.equal(found['University of Oxford'], 'Organization');
  assert.equal(found['Cambridge'], 'Place');
});

test('a company suffix with its full stop ends the name; widely known organisations are found by name: "Zorvex Inc.", "Lufthansa"', () => {
  const { mentions } = extractOne('The sensors were made by Zorvex Inc. Brindle Labs later sold them to Lufthansa and Purdue.');
  const found = Object.fromEntries(mentions.map((m) => [m.text, m.type]));
  assert.equal(found['Zorvex Inc.'], 'Organization');
  assert.ok(!mentions.some((m) => m.text.includes('Inc. Brindle')));
  assert.equal(found['Lufthansa'], 'Organization');
  assert.equal(found['Purdue'], 'Organization');
  const { mentions: withComma } = extractOne('She joined Kelvane Co., Ltd. in 2004.');
  assert.ok(withComma.some((m) => m.text === 'Kelvane Co., Ltd.' && m.type === 'Organization'));
});

test('"Department of" a subject is a ministry, "Department of" a known place a territory', () => {
  const { mentions } = extractOne('He joined the Department of Fisheries in 1990 and later moved to the Department of Paris.');
  const found = Object.fromEntries(mentions.map((m) => [m.text, m.type]));
  assert.equal(found['Department of Fisheries'], 'Organization');
  assert.equal(found['Department of Paris'], 'Place');
});

test('a known organisation followed by offices is the organisation: "NATO Deputy Secretary General"', () => {
  const { mentions } = extractOne('In 2012 she was appointed NATO Deputy Secretary General by the council.');
  assert.ok(mentions.some((m) => m.text === 'NATO' && m.type === 'Organization'));
  assert.ok(!mentions.some((m) => m.text.startsWith('NATO ')));
});
