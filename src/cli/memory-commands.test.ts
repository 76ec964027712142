/** @module Unit tests of the memory CLI helpers' defaults: the error type `trellis error` takes from a message. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorTypeOf } from './memory-commands.js';

describe('errorTypeOf', () => {
  it('takes a leading error name, dotted class name or upper-case code; anything else is Error', () => {
    const cases: [string, string][] = [
      ['TypeError: Cannot read properties of undefined', 'TypeError'],
      ['java.io.IOException: Broken pipe', 'java.io.IOException'],
      ['SQLITE_BUSY: database is locked', 'SQLITE_BUSY'],
      ['ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'],
      ['  RangeError', 'RangeError'],
      ['the build hangs on CI', 'Error'],
      ['TypeErrors everywhere', 'Error'],
      ['HTTP 500 from the upstream', 'Error'],
      ["'; DROP TABLE memories;--", 'Error'],
      ['', 'Error'],
    ];
    for (const [message, expected] of cases) assert.equal(errorTypeOf(message), expected, message);
  });
});
