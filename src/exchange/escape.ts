/** @module Escaping for every export format: XML text and attributes, CSV cells, Cypher literals and names, N-Triples literals and IRIs. */

/**
 * Characters XML 1.0 does not allow in a document (C0 controls other than tab, LF and CR; U+FFFE and U+FFFF). Stored
 * text may hold them (only U+0000 is refused at write time); an export replaces each with U+FFFD, so the document
 * stays well-formed and the loss is visible where it happened. Unpaired surrogates are replaced the same way.
 */
const notXml = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const xmlTextSpecial = /[&<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const xmlAttributeSpecial = /[&<>"\t\n\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function wellFormed(value: string): string {
  return value.isWellFormed() ? value : value.toWellFormed();
}

/**
 * Text content of an XML element: `&`, `<`, `>` as entities, CR as `&#13;` (a parser would turn a raw CR into LF),
 * characters XML 1.0 forbids as U+FFFD.
 * @example
 * xmlText('a < b & "c"') // 'a &lt; b &amp; "c"'
 */
export function xmlText(value: string): string {
  const text = wellFormed(value);
  if (!xmlTextSpecial.test(text)) return text;
  return text.replace(notXml, '\uFFFD').replace(/[&<>\r]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : char === '>' ? '&gt;' : '&#13;'));
}

const attributeEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

/**
 * An XML attribute value for double quotes: as {@link xmlText}, plus `"`, and tab, LF and CR as character references
 * (attribute-value normalisation would turn them into spaces).
 */
export function xmlAttribute(value: string): string {
  const text = wellFormed(value);
  if (!xmlAttributeSpecial.test(text)) return text;
  return text.replace(notXml, '\uFFFD').replace(/[&<>"\t\n\r]/g, (char) => attributeEntities[char] as string);
}

// XML 1.0 (fifth edition) NameStartChar and NameChar, for NMTOKEN attributes (GraphML key names).
const nameStart =
  ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const notNameChar = new RegExp(`[^${nameStart}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]`, 'gu');

/** A string made into an XML NMTOKEN: every character a name may not hold becomes `_` (an empty string becomes `_`). */
export function nmtoken(value: string): string {
  const token = wellFormed(value).replace(notNameChar, '_');
  return token === '' ? '_' : token;
}

/** Cells a spreadsheet would read as a formula: starting with `=`, `+`, `-`, `@`, tab or CR (OWASP's list). */
const formulaStart = /^[=+\-@\t\r]/;
const csvSpecial = /[",\r\n]/;

/**
 * One CSV cell per RFC 4180: quoted when it holds a comma, quote, CR or LF, with quotes doubled. With `safe`, a text
 * cell that a spreadsheet would run as a formula gets a leading `'` (and is then always quoted).
 * @example
 * csvCell('say "hi", then go') // '"say ""hi"", then go"'
 * csvCell('=1+1', true) // '"\'=1+1"'
 */
export function csvCell(value: string, safe = false): string {
  let text = value;
  if (safe && formulaStart.test(text)) text = `'${text}`;
  else if (!csvSpecial.test(text)) return text;
  return `"${text.replaceAll('"', '""')}"`;
}

const cypherEscapes: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function unicodeEscape(char: string): string {
  return `\\u${(char.codePointAt(0) as number).toString(16).padStart(4, '0')}`;
}

/**
 * A Cypher string literal in single quotes: backslash, quote and control characters escaped, so no content can end
 * the literal.
 * @example
 * cypherString(`"}) DETACH DELETE n //`) // `'"}) DETACH DELETE n //'`
 */
export function cypherString(value: string): string {
  return `'${wellFormed(value).replace(/[\\'\u0000-\u001F\u007F]/g, (char) => cypherEscapes[char] ?? unicodeEscape(char))}'`;
}

/** A Cypher name (label, relationship type, map key) in backticks, with backticks doubled. */
export function cypherName(value: string): string {
  return `\`${wellFormed(value).replaceAll('`', '``')}\``;
}

/** A map key: bare when it is a plain identifier, else quoted by {@link cypherName}. */
export function cypherKey(value: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(value) ? value : cypherName(value);
}

/**
 * A Cypher number literal: integers as they are, other numbers with a decimal point or exponent (Cypher writes `1e21`,
 * not `1e+21`); `float` forces a decimal point on an integral value.
 */
export function cypherNumber(value: number, float = false): string {
  const text = String(value).replace('e+', 'e');
  return float && Number.isInteger(value) && !text.includes('e') ? `${text}.0` : text;
}

const ntEscapes: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/**
 * An N-Triples string literal (the lexical form in double quotes) as canonical N-Triples writes it: `"`, `\` and the
 * controls with short escapes as ECHAR, the other C0 controls and DEL as UCHAR.
 */
export function ntString(value: string): string {
  return `"${wellFormed(value).replace(/[\\"\u0000-\u001F\u007F]/g, (char) => ntEscapes[char] ?? `\\u${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`)}"`;
}

/** Characters an N-Triples IRIREF may not hold: controls, space and `<>"{}|^\``. */
const notIri = /[\u0000-\u0020<>"{}|^`\\]/;

/** Whether a string can be written as an N-Triples IRI: absolute (a scheme) and without forbidden characters. */
export function isIri(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) && !notIri.test(value) && value.isWellFormed();
}

/** An IRI reference `<…>`; the caller has checked it with {@link isIri} or built it from a checked base and encoded segments. */
export function ntIri(value: string): string {
  return `<${value}>`;
}
