import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { TrellisError } from '../../core/errors.js';
import { collect, tempFile } from '../../../test/support/ingest-fixtures.js';
import { openRows } from './index.js';
import { headerNames } from './rows.js';

const failed = (pattern: RegExp) => (error: unknown) => error instanceof TrellisError && error.code === 'ingest_parse_failed' && pattern.test(error.message);

describe('csv rows', () => {
  it('uses the header row, numbers rows from the file (header = 1) and handles quotes, BOM and CRLF', async () => {
    const file = tempFile('p.csv', '\uFEFFname,city\r\n"Lovelace, Ada",London\r\n"Say ""hi""\nthere",Paris\r\n');
    assert.deepEqual(await collect(openRows(file, 'csv')), [
      { row: 2, values: { name: 'Lovelace, Ada', city: 'London' } },
      { row: 3, values: { name: 'Say "hi"\nthere', city: 'Paris' } },
    ]);
  });

  it('yields ragged rows with an error naming file and row, and goes on', async () => {
    const rows = await collect(openRows(tempFile('r.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n'), 'csv'));
    assert.deepEqual(
      rows.map((row) => [row.row, row.error]),
      [
        [2, undefined],
        [3, 'r.csv: row 3: row has 2 fields, the header has 3'],
        [4, 'r.csv: row 4: row has 4 fields, the header has 3'],
        [5, undefined],
      ],
    );
    assert.deepEqual(rows[2]!.values, { a: '6', b: '7', c: '8', column_4: '9' });
  });

  it('ends with a clear error on broken quoting and on invalid UTF-8', async () => {
    await assert.rejects(collect(openRows(tempFile('q.csv', 'a,b\n"open,1\n'), 'csv')), failed(/^q\.csv: (line \d+: )?malformed CSV/));
    await assert.rejects(
      collect(openRows(tempFile('u.csv', Buffer.from([0x61, 0x0a, 0x62, 0xff])), 'csv')),
      failed(/^u\.csv: byte 3: invalid UTF-8 at byte 3/),
    );
  });

  it('makes header names unique and non-empty', () => {
    assert.deepEqual(headerNames(['id', '', 'id', null]), ['id', 'column_2', 'id_2', 'column_4']);
  });
});

describe('json and jsonl rows', () => {
  it('reads an array of objects; a non-object element is a row error', async () => {
    const rows = await collect(openRows(tempFile('a.json', '[{"id":1,"tags":["x"]}, 7, {"id":2}]'), 'json'));
    assert.deepEqual(rows, [
      { row: 1, values: { id: 1, tags: ['x'] } },
      { row: 2, values: { value: 7 }, error: 'a.json: row 2: element is a number, not an object' },
      { row: 3, values: { id: 2 } },
    ]);
  });

  it('names line and column of invalid JSON', async () => {
    await assert.rejects(collect(openRows(tempFile('b.json', '[\n  {"id": 1},\n  {"id": }\n]'), 'json')), failed(/^b\.json: line 3, column \d+: invalid JSON/));
  });

  it('reads jsonl line by line; a bad line is a row error with its line number, not the end', async () => {
    const rows = await collect(openRows(tempFile('c.jsonl', '{"a":1}\n\n{"a":\n[1,2]\n{"a":3}'), 'jsonl'));
    assert.deepEqual(
      rows.map((row) => [row.row, row.values, row.error?.replace(/invalid JSON: .*/, 'invalid JSON')]),
      [
        [1, { a: 1 }, undefined],
        [3, {}, 'c.jsonl: line 3: invalid JSON'],
        [4, {}, 'c.jsonl: line 4: line is not a JSON object'],
        [5, { a: 3 }, undefined],
      ],
    );
  });

  it('skips an over-long jsonl line as a row error', async () => {
    const rows = await collect(openRows(tempFile('d.jsonl', `{"a":"${'x'.repeat(200)}"}\n{"a":2}\n`), 'jsonl', { maxLineChars: 100 }));
    assert.deepEqual(
      rows.map((row) => [row.row, row.error]),
      [
        [1, 'd.jsonl: line 1: line longer than 100 characters'],
        [2, undefined],
      ],
    );
  });
});

describe('xlsx rows', () => {
  async function workbook(): Promise<string> {
    const book = new ExcelJS.Workbook();
    const people = book.addWorksheet('People');
    people.addRow(['name', 'born', 'active', 'score', 'double']);
    people.addRow(['Ada', new Date(Date.UTC(1815, 11, 10)), true, 3.5, { formula: 'D2*2', result: 7 }]);
    people.addRow(['Alan', new Date(Date.UTC(1912, 5, 23)), false, 4, { formula: 'D3*2', result: 8 }, 'extra']);
    const other = book.addWorksheet('Other');
    other.addRow(['k']);
    other.addRow(['v']);
    const file = tempFile('book.xlsx', '');
    await book.xlsx.writeFile(file);
    return file;
  }

  it('reads every sheet with typed cells: numbers, ISO dates, booleans, formula results', async () => {
    const rows = await collect(openRows(await workbook(), 'xlsx'));
    assert.deepEqual(rows[0], { row: 2, sheet: 'People', values: { name: 'Ada', born: '1815-12-10T00:00:00.000Z', active: true, score: 3.5, double: 7 } });
    assert.equal(rows[1]!.error, 'book.xlsx: sheet "People", row 3: a value in column 6, beyond the header\'s 5 columns');
    assert.deepEqual(rows[2], { row: 2, sheet: 'Other', values: { k: 'v' } });
  });

  it('reads only the chosen sheet', async () => {
    const rows = await collect(openRows(await workbook(), 'xlsx', { sheet: 'Other' }));
    assert.deepEqual(rows, [{ row: 2, sheet: 'Other', values: { k: 'v' } }]);
  });

  it('refuses a truncated workbook with a clear error', async () => {
    const { readFileSync } = await import('node:fs');
    const whole = readFileSync(await workbook());
    await assert.rejects(
      collect(openRows(tempFile('cut.xlsx', whole.subarray(0, Math.floor(whole.length / 2))), 'xlsx')),
      failed(/^cut\.xlsx: .*corrupt or truncated xlsx/),
    );
  });
});
