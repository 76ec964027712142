/** @module Escaping for every export format: nothing a value holds can end its literal, and what a format cannot hold is replaced visibly. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvCell, cypherKey, cypherName, cypherNumber, cypherString, isIri, nmtoken, ntString, xmlAttribute, xmlText } from './escape.js';

describe('escaping', () => {
  it('XML text escapes markup and CR, and replaces characters XML 1.0 forbids (and unpaired surrogates) with U+FFFD', () => {
    assert.equal(xmlText('</node><script>&amp;'), '&lt;/node&gt;&lt;script&gt;&amp;amp;');
    assert.equal(xmlText('a\r\nb\tc'), 'a&#13;\nb\tc');
    assert.equal(xmlText('bell\u0007 \uFFFE \uFFFF \uD800x'), 'bell\uFFFD \uFFFD \uFFFD \uFFFDx');
    assert.equal(xmlText('🚀 Zürich'), '🚀 Zürich');
  });

  it('XML attributes also escape the quote and keep tab, LF and CR as character references', () => {
    assert.equal(xmlAttribute('"a"\t\n\r<b>'), '&quot;a&quot;&#9;&#10;&#13;&lt;b&gt;');
  });

  it('NMTOKENs keep name characters and turn the rest into underscores', () => {
    assert.equal(nmtoken('home town'), 'home_town');
    assert.equal(nmtoken('role:title.v-2'), 'role:title.v-2');
    assert.equal(nmtoken('größe'), 'größe');
    assert.equal(nmtoken(''), '_');
  });

  it('CSV quotes only when needed, doubles quotes, and with safe neutralises formula starts', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
    assert.equal(csvCell('=1+1'), '=1+1');
    for (const start of ['=', '+', '-', '@', '\t', '\r']) assert.equal(csvCell(`${start}cmd`, true), `"'${start}cmd"`);
    assert.equal(csvCell('safe text', true), 'safe text');
  });

  it('Cypher strings escape quote, backslash and controls; names double backticks; numbers are Cypher literals', () => {
    assert.equal(cypherString(`"}) DETACH DELETE n //`), `'"}) DETACH DELETE n //'`);
    assert.equal(cypherString("x'}) MATCH (m) DELETE m //"), "'x\\'}) MATCH (m) DELETE m //'");
    assert.equal(cypherString('a\\b\nc\u0001'), "'a\\\\b\\nc\\u0001'");
    assert.equal(cypherName('we`ird'), '`we``ird`');
    assert.equal(cypherKey('plain_key'), 'plain_key');
    assert.equal(cypherKey('home town'), '`home town`');
    assert.equal(cypherNumber(1e21), '1e21');
    assert.equal(cypherNumber(1, true), '1.0');
    assert.equal(cypherNumber(0.5, true), '0.5');
  });

  it('N-Triples literals escape quote, backslash and controls (UCHAR in upper-case hex); IRIs are checked', () => {
    assert.equal(ntString('"> <urn:x> .'), '"\\"> <urn:x> ."');
    assert.equal(ntString('a\\b\n\u0007\u007F'), '"a\\\\b\\n\\u0007\\u007F"');
    assert.equal(ntString('\u001b'), '"\\u001B"');
    assert.ok(isIri('https://example.org/a#b'));
    assert.ok(!isIri('no scheme'));
    assert.ok(!isIri('urn:x y'));
    assert.ok(!isIri('urn:x>'));
  });
});
