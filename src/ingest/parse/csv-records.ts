/** @module A streaming CSV tokenizer over decoded text: RFC 4180 quoting, LF, CRLF or CR line ends, empty lines skipped. */

/** Why the text is not CSV, and the line (1-based) where that was found. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/** Feeds text in pieces and takes the records completed so far; `end()` completes the last one. */
export interface CsvRecords {
  push(text: string): string[][];
  end(): string[][];
}

const quote = 34;
const lineFeed = 10;
const carriageReturn = 13;

// Where the tokenizer is: at the start of a field, inside an unquoted field, inside a quoted one, just after a quote
// inside a quoted field (the next character decides: a second quote, or the field's end), or after a CR (an LF
// following it belongs to the same line end).
const fieldStart = 0;
const unquoted = 1;
const quoted = 2;
const quoteInQuoted = 3;
const afterCr = 4;

/**
 * A CSV tokenizer: fields separated by a one-character `delimiter`; a field starting with `"` is quoted (`""` is a
 * quote inside it, and it may span lines); records end at LF, CRLF or CR; lines with nothing on them are skipped.
 * Text decoded once and sliced, instead of csv-parse's bytes → text per field (which cost over half the reader's
 * time). A quote inside an unquoted field, text after a closing quote, an unclosed quote at the end, or a record
 * longer than `maxRecordChars` throw {@link CsvSyntaxError} with the line.
 * @example
 * const records = csvRecords(',', 1 << 24);
 * for (const record of [...records.push('a,b\n1,'), ...records.push('2\n'), ...records.end()]) console.log(record);
 */
export function csvRecords(delimiter: string, maxRecordChars: number): CsvRecords {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new TypeError(`the CSV delimiter must be one character other than a quote or a line end, not ${JSON.stringify(delimiter)}`);
  }
  const separator = delimiter.charCodeAt(0);
  let state = fieldStart;
  let record: string[] = [];
  let field = '';
  // Whether the current line has anything on it (an empty line is skipped), and the record's length so far.
  let started = false;
  let recordChars = 0;
  let line = 1;

  const countLines = (text: string, from: number, to: number) => {
    for (let index = text.indexOf('\n', from); index >= 0 && index < to; index = text.indexOf('\n', index + 1)) line++;
    // A CR not followed by LF is a line end too (inside a quoted field it is text, but still a line of the file).
    for (let index = text.indexOf('\r', from); index >= 0 && index < to; index = text.indexOf('\r', index + 1)) {
      if (text.charCodeAt(index + 1) !== lineFeed) line++;
    }
  };
  const grow = (chars: number) => {
    recordChars += chars;
    if (recordChars > maxRecordChars) throw new CsvSyntaxError(`a record is longer than ${maxRecordChars} characters (a quote not closed?)`, line);
  };

  const push = (text: string): string[][] => {
    const out: string[][] = [];
    const length = text.length;
    let index = 0;
    const endRecord = () => {
      record.push(field);
      out.push(record);
      record = [];
      field = '';
      started = false;
      recordChars = 0;
    };
    while (index < length) {
      if (state === quoted) {
        const close = text.indexOf('"', index);
        const to = close < 0 ? length : close;
        grow(to - index);
        countLines(text, index, to);
        field += text.slice(index, to);
        if (close < 0) return out;
        index = close + 1;
        state = quoteInQuoted;
        continue;
      }
      const code = text.charCodeAt(index);
      if (state === quoteInQuoted) {
        if (code === quote) {
          field += '"';
          state = quoted;
          index++;
        } else if (code === separator) {
          record.push(field);
          field = '';
          state = fieldStart;
          index++;
        } else if (code === lineFeed || code === carriageReturn) {
          endRecord();
          line++;
          state = code === carriageReturn ? afterCr : fieldStart;
          index++;
        } else {
          throw new CsvSyntaxError(`text after a closing quote (${JSON.stringify(text.slice(index, index + 10))}) instead of a delimiter or a line end`, line);
        }
        continue;
      }
      if (state === afterCr) {
        state = fieldStart;
        if (code === lineFeed) index++;
        continue;
      }
      if (state === fieldStart && code === quote) {
        started = true;
        state = quoted;
        index++;
        continue;
      }
      // An unquoted field: up to the next delimiter, line end or (an error) quote.
      let end = index;
      while (end < length) {
        const next = text.charCodeAt(end);
        if (next === separator || next === lineFeed || next === carriageReturn || next === quote) break;
        end++;
      }
      if (end > index) {
        grow(end - index);
        field += text.slice(index, end);
        started = true;
        state = unquoted;
      }
      if (end === length) return out;
      const stop = text.charCodeAt(end);
      index = end + 1;
      if (stop === quote) throw new CsvSyntaxError(`a quote inside an unquoted field (after ${JSON.stringify(field.slice(-20))})`, line);
      if (stop === separator) {
        record.push(field);
        field = '';
        started = true;
        state = fieldStart;
        continue;
      }
      if (started) endRecord();
      line++;
      state = stop === carriageReturn ? afterCr : fieldStart;
    }
    return out;
  };

  return {
    push,
    end(): string[][] {
      if (state === quoted) throw new CsvSyntaxError('a quote is not closed at the end of the file', line);
      if (!started && record.length === 0 && field === '') return [];
      const last = [...record, field];
      record = [];
      field = '';
      started = false;
      return [last];
    },
  };
}
