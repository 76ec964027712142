import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { englishSentences, sentenceSplitter } from './sentences.js';

const split = (text: string) => englishSentences(text).map((span) => text.slice(span.start, span.end));

describe('englishSentences', () => {
  it('ends sentences at . ! ? … with closing quotes and brackets, keeping the trailing whitespace', () => {
    assert.deepEqual(split('One. Two! Three? "Four." (Five.) Six… Seven'), ['One. ', 'Two! ', 'Three? ', '"Four." ', '(Five.) ', 'Six… ', 'Seven']);
  });

  it('does not end a sentence at abbreviations, initials, initialisms or decimal numbers', () => {
    assert.deepEqual(split('Dr. Jane Smith met Mr. J. R. Ewing of the U.S. Army on Jan. 5. It cost $3.5 million.'), [
      'Dr. Jane Smith met Mr. J. R. Ewing of the U.S. Army on Jan. 5. ',
      'It cost $3.5 million.',
    ]);
  });

  it('goes on when the next word starts in lower case, with a digit or with , ; :', () => {
    assert.deepEqual(split('See e.g. the table. Vol. 3 is out. Ends here. then more.'), ['See e.g. the table. ', 'Vol. 3 is out. ', 'Ends here. then more.']);
  });

  it('ends a sentence at every blank line, even without punctuation or before lower case', () => {
    assert.deepEqual(split('Heading\n\nbody text.\n  \nnext line\nsame sentence'), ['Heading\n\n', 'body text.\n  \n', 'next line\nsame sentence']);
  });

  it('covers the text with contiguous spans on any input', () => {
    for (const text of ['', ' ', '...', '. . .', 'a.b.c', '\n\n\n', 'Mr.', 'x. Y', '?!?! A', 'U.S.', 'Zoë. Ünï. 😀. 数据。']) {
      const spans = englishSentences(text);
      let at = 0;
      for (const span of spans) {
        assert.equal(span.start, at, JSON.stringify(text));
        assert.ok(span.end > span.start, JSON.stringify(text));
        at = span.end;
      }
      assert.equal(at, text.length, JSON.stringify(text));
    }
  });

  it('uses Intl.Segmenter for other locales', () => {
    const split = sentenceSplitter('ja');
    const text = '今日は晴れです。明日は雨です。';
    assert.deepEqual(
      split(text).map((span) => text.slice(span.start, span.end)),
      ['今日は晴れです。', '明日は雨です。'],
    );
    assert.equal(sentenceSplitter('en-GB'), englishSentences);
  });
});
