import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrellisError } from '../../core/errors.js';
import { type TextQuery, maxQueryLength, maxQueryWords, parseTextQuery } from './query.js';
import { ftsPhrase } from './fts.js';
import { prefixTsquery } from './postgres.js';
import { fold } from './tokens.js';

/** Each term as its folded words, with `*` for a prefix. */
function shape(query: TextQuery): { terms: string[]; excluded: string[] } {
  const show = (term: TextQuery['terms'][number]) => `${term.folded.join(' ')}${term.prefix ? '*' : ''}`;
  return { terms: query.terms.map(show), excluded: query.excluded.map(show) };
}

function badRequest(error: unknown): boolean {
  return error instanceof TrellisError && error.code === 'bad_request' && error.status === 400;
}

describe('parseTextQuery', () => {
  it('splits words, keeps "quoted phrases", -exclusions and prefix* terms', () => {
    assert.deepEqual(shape(parseTextQuery('zürich "Central Bank" -bitcoin infla* -"crypto asset"')), {
      terms: ['zurich', 'central bank', 'infla*'],
      excluded: ['bitcoin', 'crypto asset'],
    });
  });

  it('reads operators and syntax characters as plain words or separators, never as operators', () => {
    assert.deepEqual(shape(parseTextQuery('cats AND dogs OR NOT NEAR(a b) ^c:d (e) {f} +g')), {
      terms: ['cats', 'and', 'dogs', 'or', 'not', 'near a', 'b', 'c d', 'e', 'f', 'g'],
      excluded: [],
    });
    assert.deepEqual(shape(parseTextQuery("e-mail U.S.A. don't")), { terms: ['e mail', 'u s a', 'don t'], excluded: [] });
  });

  it('accepts odd quotes: an unclosed quote runs to the end, an empty one is nothing', () => {
    assert.deepEqual(shape(parseTextQuery('"new york')), { terms: ['new york'], excluded: [] });
    assert.deepEqual(shape(parseTextQuery('"" a"b"c """')), { terms: ['a', 'b', 'c'], excluded: [] });
    assert.deepEqual(shape(parseTextQuery("it's O'Neil")), { terms: ['it s', 'o neil'], excluded: [] });
  });

  it('drops repeated terms and keeps the first spelling', () => {
    const query = parseTextQuery('Zürich zurich ZURICH zurich*');
    assert.deepEqual(shape(query), { terms: ['zurich', 'zurich*'], excluded: [] });
    assert.deepEqual(query.terms[0]?.words, ['Zürich']);
  });

  it('folds case and diacritics, precomposed or combining, and keeps other scripts whole', () => {
    assert.equal(fold('ZÜRICH'), 'zurich');
    assert.equal(fold('Zu\u0308rich'), 'zurich');
    assert.equal(fold('Łódź'), 'łodz');
    assert.deepEqual(shape(parseTextQuery('हिन्दी भाषा שלום')), { terms: ['हिन्दी', 'भाषा', 'שלום'], excluded: [] });
  });

  it('matches words of scripts written without spaces as prefixes', () => {
    assert.deepEqual(shape(parseTextQuery('東京 서울 กรุงเทพ paris')), { terms: ['東京*', '서울*', 'กรุงเทพ*', 'paris'], excluded: [] });
  });

  it('treats NUL and other control characters as spaces, and unpaired surrogates as separators', () => {
    assert.deepEqual(shape(parseTextQuery('a\u0000b\u0007c\td')), { terms: ['a', 'b', 'c', 'd'], excluded: [] });
    assert.deepEqual(shape(parseTextQuery('x\ud800y')), { terms: ['x y'], excluded: [] }, 'U+FFFD inside a word, like punctuation');
  });

  it('parses a query with no searchable word to no terms', () => {
    for (const text of ['!!!', '😀 🎉', '-', '"" ""', '* ^ ( )', '-only -exclusions']) {
      assert.equal(parseTextQuery(text).terms.length, 0, text);
    }
  });

  it('rejects an empty, blank, over-long or over-wordy query, or one that is not text, with bad_request', () => {
    for (const input of ['', '   ', '\t\n', '\u0000', 42, null, undefined, ['a'], { q: 'a' }])
      assert.throws(() => parseTextQuery(input), badRequest, String(input));
    assert.throws(() => parseTextQuery('a'.repeat(maxQueryLength + 1)), badRequest);
    assert.doesNotThrow(() => parseTextQuery('a'.repeat(maxQueryLength)));
    assert.throws(() => parseTextQuery(Array.from({ length: maxQueryWords + 1 }, (_, index) => `w${index}`).join(' ')), badRequest);
    assert.throws(() => parseTextQuery(`"${Array.from({ length: maxQueryWords + 1 }, () => 'w').join(' ')}"`), badRequest, 'phrase words count');
    assert.doesNotThrow(() => parseTextQuery(Array.from({ length: maxQueryWords }, (_, index) => `w${index}`).join(' ')));
  });

  it('builds engine syntax only from quoted words', () => {
    const query = parseTextQuery(`'; DROP TABLE chunks; -- "x" OR 1=1 infla* -"a b"`);
    assert.deepEqual(query.terms.map(ftsPhrase), ['"DROP"', '"TABLE"', '"chunks"', '"x"', '"OR"', '"1 1"', '"infla" *']);
    assert.deepEqual(
      query.terms.map((term) => term.text),
      ['DROP', 'TABLE', 'chunks;', 'x', 'OR', '1=1', 'infla'],
      'PostgreSQL gets each term as a parameter of phraseto_tsquery, which reads no operators',
    );
    assert.equal(prefixTsquery(query.terms[6] as TextQuery['terms'][number]), "'infla':*");
    assert.equal(prefixTsquery(parseTextQuery("o'neil*").terms[0] as TextQuery['terms'][number]), "'o' <-> 'neil':*");
  });
});
