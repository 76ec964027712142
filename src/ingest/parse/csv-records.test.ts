import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvSyntaxError, csvRecords } from './csv-records.js';

/** The records of a text fed in pieces cut at every `step` characters (1 = one character at a time). */
function records(text: string, step = text.length || 1, delimiter = ',', max = 1 << 20): string[][] {
  const tokenizer = csvRecords(delimiter, max);
  const out: string[][] = [];
  for (let start = 0; start < text.length; start += step) out.push(...tokenizer.push(text.slice(start, start + step)));
  out.push(...tokenizer.end());
  return out;
}

const syntaxError = (pattern: RegExp, line: number) => (error: unknown) =>
  error instanceof CsvSyntaxError && pattern.test(error.message) && error.line === line;

describe('csv records', () => {
  const cases: [string, string, string[][]][] = [
    [
      'LF, CRLF and CR line ends, a last line without one',
      'a,b\nc,d\r\ne,f\rg,h',
      [
        ['a', 'b'],
        ['c', 'd'],
        ['e', 'f'],
        ['g', 'h'],
      ],
    ],
    ['empty lines skipped; a line of spaces or of one delimiter is a record', 'a\n\n\r\n  \n,\n', [['a'], ['  '], ['', '']]],
    ['quotes: delimiters, line ends and doubled quotes inside', 'x,"a,b","c\r\nd","say ""hi"""\n', [['x', 'a,b', 'c\r\nd', 'say "hi"']]],
    ['empty fields and a quoted empty field', ',"",\n""\n', [['', '', ''], ['']]],
    ['a trailing delimiter gives an empty last field', 'a,b,\n', [['a', 'b', '']]],
    ['injection text is just text', `"'); DROP TABLE x; --",=1+1\n`, [[`'); DROP TABLE x; --`, '=1+1']]],
  ];
  for (const [name, text, expected] of cases) {
    it(`${name}, whole and cut into pieces of 1, 2 and 3 characters`, () => {
      for (const step of [text.length, 1, 2, 3]) assert.deepEqual(records(text, step), expected, `pieces of ${step}`);
    });
  }

  it('takes another one-character delimiter and refuses a longer one or a quote', () => {
    assert.deepEqual(records('a;b\t\n1;2\n', 2, ';'), [
      ['a', 'b\t'],
      ['1', '2'],
    ]);
    assert.deepEqual(records('a\tb\n', 1, '\t'), [['a', 'b']]);
    assert.throws(() => csvRecords('::', 10), TypeError);
    assert.throws(() => csvRecords('"', 10), TypeError);
  });

  it('names the line of broken quoting, of an unclosed quote and of a runaway record', () => {
    assert.throws(() => records('a,b\nc,d"e\n'), syntaxError(/quote inside an unquoted field/, 2));
    assert.throws(() => records('a\n"b"c\n'), syntaxError(/text after a closing quote/, 2));
    assert.throws(() => records('a\n"multi\nline\nopen', 1), syntaxError(/not closed/, 4));
    assert.throws(() => records(`a\n"${'x'.repeat(50)}\n`, 7, ',', 20), syntaxError(/longer than 20 characters/, 2));
  });

  it('keeps a 2 MiB field whole across read blocks', () => {
    const huge = 'y'.repeat(2 * 1024 * 1024);
    assert.deepEqual(records(`id,text\n1,"${huge}"\n2,${huge}\n`, 65536, ',', 1 << 24), [
      ['id', 'text'],
      ['1', huge],
      ['2', huge],
    ]);
  });
});
