import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTextQuery } from './query.js';
import { highlightText, passageSnippet } from './snippet.js';

const terms = (text: string) => parseTextQuery(text).terms;

/** The highlighted parts of a snippet, to read the ranges at a glance. */
function marked(result: { snippet: string; highlights: readonly (readonly [number, number])[] }): string[] {
  return result.highlights.map(([start, end]) => result.snippet.slice(start, end));
}

describe('passage snippets', () => {
  it('returns a short passage whole with every match highlighted, diacritics and case folded', () => {
    const result = passageSnippet('Banks in Zürich and ZURICH; zurich-based.', terms('zurich banks'));
    assert.equal(result.snippet, 'Banks in Zürich and ZURICH; zurich-based.');
    assert.deepEqual(result.highlights, [
      [0, 5],
      [9, 15],
      [20, 26],
      [28, 34],
    ]);
  });

  it('cuts a long passage around the densest matches, at word boundaries, with exact ranges inside the snippet', () => {
    const filler = (word: string, count: number) => Array.from({ length: count }, () => word).join(' ');
    const text = `${filler('alpha', 40)} central bank ${filler('beta', 10)} the central bank of Zürich raised rates ${filler('gamma', 60)} bank`;
    const result = passageSnippet(text, terms('"central bank" zurich'));
    assert.equal(
      result.snippet,
      'alpha alpha alpha alpha alpha alpha alpha alpha alpha central bank beta beta beta beta beta beta beta beta beta beta the central bank of Zürich raised rates gamma gamma gamma gamma gamma gamma gamma',
    );
    assert.ok(text.includes(result.snippet), 'an exact substring');
    assert.deepEqual(result.highlights, [
      [54, 66],
      [121, 133],
      [137, 143],
    ]);
    assert.deepEqual(marked(result), ['central bank', 'central bank', 'Zürich'], 'the window with both terms, not the lone "bank" at the end');
  });

  it('highlights prefixes and phrases and never an excluded term', () => {
    const result = passageSnippet('Inflation, inflated prices and deflation in New York (new-york).', terms('infla* "new york" -deflation'));
    assert.deepEqual(marked(result), ['Inflation', 'inflated', 'New York', 'new-york']);
  });

  it('starts at the beginning when nothing matches, still cut at a word boundary', () => {
    const text = `${'word '.repeat(100)}end`;
    const result = passageSnippet(text, terms('absent'));
    assert.deepEqual(result.highlights, []);
    assert.ok(result.snippet.length <= 200 && result.snippet.endsWith('word'));
  });

  it('never splits a surrogate pair, even in text without spaces', () => {
    const text = `${'𝒜'.repeat(150)}target${'𝒜'.repeat(150)}`;
    const result = passageSnippet(text, terms('target'));
    assert.ok(result.snippet.isWellFormed());
    assert.deepEqual(marked(result), [], 'no word boundary around target inside a run of letters: the run is one word');
  });

  it('highlights the matched words of an entity name', () => {
    assert.deepEqual(highlightText('Zürcher Kantonalbank (ZKB)', terms('zurcher zkb')), [
      [0, 7],
      [22, 25],
    ]);
  });
});
