/**
 * @module Test helper: reads exports back with real parsers and checks their structure — GraphML and GEXF with a strict
 * XML parser against the rules of their schemas, CSV with csv-parse, N-Triples with N3.js, and Cypher with a lexer
 * for its literals, names and comments that evaluates the `UNWIND` lists.
 */
import assert from 'node:assert/strict';
import { parse as parseCsvText } from 'csv-parse/sync';
// @ts-expect-error N3.js 2 ships no type declarations
import { Parser as N3Parser } from 'n3';
import { SaxesParser, type SaxesTagPlain } from 'saxes';

/** An element tree, small enough for test exports. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Parses XML strictly (saxes: well-formedness, no DTD); throws on the first error. */
export function parseXml(xml: string): XmlElement {
  const parser = new SaxesParser({ xmlns: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on('doctype', () => assert.fail('an export must not carry a DOCTYPE'));
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const element: XmlElement = { name: tag.name, attributes: tag.attributes as Record<string, string>, children: [], text: '' };
    stack.at(-1)?.children.push(element);
    root ??= element;
    stack.push(element);
  });
  parser.on('text', (text) => {
    const top = stack.at(-1);
    if (top) top.text += text;
    else assert.match(text, /^\s*$/, 'text outside the root element');
  });
  parser.on('closetag', () => stack.pop());
  parser.write(xml).close();
  assert.ok(root, 'no root element');
  return root;
}

const nmtoken = /^[\p{L}\p{Mn}\p{Mc}\p{Nd}\p{Nl}._:\-\u00B7\u0300-\u036F\u203F-\u2040]+$/u;

/** Parses a typed GraphML/GEXF value, failing when the text is not of the type. */
function typed(type: string, text: string, where: string): unknown {
  switch (type) {
    case 'boolean':
      assert.match(text, /^(true|false)$/, `${where}: not a boolean: ${text}`);
      return text === 'true';
    case 'int':
    case 'integer':
    case 'long':
      assert.match(text, /^-?\d+$/, `${where}: not an integer: ${text}`);
      return Number(text);
    case 'float':
    case 'double':
      assert.match(text, /^(-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF|-INF|NaN)$/, `${where}: not an xs:double: ${text}`);
      return Number(text);
    default:
      return text;
  }
}

/** A graph read back from a file: nodes and edges with their attributes by name. */
export interface ParsedGraph {
  nodes: Map<string, Record<string, unknown>>;
  edges: { id: string; source: string; target: string; attributes: Record<string, unknown> }[];
  /** Declared attributes by domain and name: their type, and for GraphML the key's desc. */
  declared: Map<string, { type: string; desc?: string }>;
}

/**
 * Checks a GraphML document against the GraphML 1.0 structure and attributes schemas (element order, key ids, `for`
 * domains, `attr.type` values, NMTOKEN names and ids, data referring to declared keys of the right domain, values of
 * the declared type, unique node ids, edges between declared nodes) and reads it.
 */
export function readGraphml(xml: string): ParsedGraph {
  const root = parseXml(xml);
  assert.equal(root.name, 'graphml');
  assert.equal(root.attributes.xmlns, 'http://graphml.graphdrawing.org/xmlns');
  const keys = new Map<string, { domain: string; name: string; type: string; desc?: string }>();
  const declared = new Map<string, { type: string; desc?: string }>();
  let graphSeen = false;
  let graph: XmlElement | undefined;
  for (const child of root.children) {
    if (child.name === 'key') {
      assert.ok(!graphSeen, '<key> after <graph>');
      const { id, for: domain = 'all' } = child.attributes;
      const name = child.attributes['attr.name'] as string;
      const type = child.attributes['attr.type'] as string;
      assert.ok(id && nmtoken.test(id), `key id ${id}`);
      assert.ok(!keys.has(id), `duplicate key id ${id}`);
      assert.ok(['node', 'edge', 'graph', 'all'].includes(domain), `key for=${domain}`);
      assert.ok(['boolean', 'int', 'long', 'float', 'double', 'string'].includes(type), `attr.type ${type}`);
      assert.ok(nmtoken.test(name), `attr.name ${JSON.stringify(name)} is not an NMTOKEN`);
      assert.ok(
        child.children.every((grand) => grand.name === 'desc' || grand.name === 'default'),
        'key children',
      );
      const desc = child.children.find((grand) => grand.name === 'desc')?.text;
      assert.ok(!declared.has(`${domain}:${name}`), `attr.name ${name} declared twice for ${domain}`);
      keys.set(id, { domain, name, type, ...(desc === undefined ? {} : { desc }) });
      declared.set(`${domain}:${name}`, { type, ...(desc === undefined ? {} : { desc }) });
    } else if (child.name === 'graph') {
      assert.ok(!graphSeen, 'two graphs');
      graphSeen = true;
      graph = child;
    } else assert.fail(`unexpected <${child.name}> in <graphml>`);
  }
  assert.ok(graph, 'no <graph>');
  assert.ok(['directed', 'undirected'].includes(graph.attributes.edgedefault ?? ''), 'edgedefault');
  const read = (element: XmlElement, domain: 'node' | 'edge') => {
    const attributes: Record<string, unknown> = {};
    for (const data of element.children) {
      assert.equal(data.name, 'data', `<${data.name}> in <${domain}>`);
      assert.equal(data.children.length, 0, 'data holds text only');
      const key = keys.get(data.attributes.key ?? '');
      assert.ok(key, `data key ${data.attributes.key} is not declared`);
      assert.ok(key.domain === domain || key.domain === 'all', `data key ${data.attributes.key} is for ${key.domain}, used in ${domain}`);
      assert.ok(!(key.name in attributes), `two data of ${key.name} in one ${domain}`);
      attributes[key.name] = typed(key.type, data.text, `${domain} ${element.attributes.id} ${key.name}`);
    }
    return attributes;
  };
  const nodes = new Map<string, Record<string, unknown>>();
  const edges: ParsedGraph['edges'] = [];
  for (const element of graph.children) {
    const id = element.attributes.id ?? '';
    if (element.name === 'node') {
      assert.ok(nmtoken.test(id), `node id ${id}`);
      assert.ok(!nodes.has(id), `duplicate node ${id}`);
      nodes.set(id, read(element, 'node'));
    } else if (element.name === 'edge') {
      edges.push({ id, source: element.attributes.source ?? '', target: element.attributes.target ?? '', attributes: read(element, 'edge') });
    } else assert.fail(`unexpected <${element.name}> in <graph>`);
  }
  for (const edge of edges) assert.ok(nodes.has(edge.source) && nodes.has(edge.target), `edge ${edge.id} between undeclared nodes`);
  return { nodes, edges, declared };
}

/** Checks a GEXF 1.3 document's structure (namespace, version, attribute declarations before use, typed values, edges between declared nodes) and reads it. */
export function readGexf(xml: string): ParsedGraph {
  const root = parseXml(xml);
  assert.equal(root.name, 'gexf');
  assert.equal(root.attributes.xmlns, 'http://gexf.net/1.3');
  assert.equal(root.attributes.version, '1.3');
  const graph = root.children.find((child) => child.name === 'graph');
  assert.ok(graph, 'no <graph>');
  assert.ok(['directed', 'undirected', 'mutual'].includes(graph.attributes.defaultedgetype ?? ''), 'defaultedgetype');
  const attributes = new Map<string, { title: string; type: string }>();
  const declared = new Map<string, { type: string }>();
  const order = graph.children.map((child) => child.name);
  assert.deepEqual(
    order.filter((name) => name !== 'attributes'),
    order.includes('edges') ? ['nodes', 'edges'] : ['nodes'],
  );
  assert.ok(order.lastIndexOf('attributes') < order.indexOf('nodes'), 'attributes after nodes');
  for (const block of graph.children.filter((child) => child.name === 'attributes')) {
    const domain = block.attributes.class as string;
    assert.ok(domain === 'node' || domain === 'edge', `attributes class ${domain}`);
    for (const attribute of block.children) {
      const { id, title, type } = attribute.attributes as Record<string, string>;
      assert.ok(['integer', 'long', 'double', 'float', 'boolean', 'string'].includes(type ?? ''), `attribute type ${type}`);
      assert.ok(!attributes.has(`${domain}:${id}`), `duplicate attribute ${id}`);
      attributes.set(`${domain}:${id}`, { title: title as string, type: type as string });
      declared.set(`${domain}:${title}`, { type: type as string });
    }
  }
  const values = (element: XmlElement, domain: string) => {
    const out: Record<string, unknown> = {};
    for (const block of element.children) {
      assert.equal(block.name, 'attvalues');
      for (const value of block.children) {
        const attribute = attributes.get(`${domain}:${value.attributes.for}`);
        assert.ok(attribute, `attvalue for undeclared ${domain} attribute ${value.attributes.for}`);
        out[attribute.title] = typed(attribute.type, value.attributes.value ?? '', `${domain} ${element.attributes.id}`);
      }
    }
    return out;
  };
  const nodes = new Map<string, Record<string, unknown>>();
  for (const node of graph.children.find((child) => child.name === 'nodes')?.children ?? []) {
    assert.equal(node.name, 'node');
    const id = node.attributes.id as string;
    assert.ok(!nodes.has(id), `duplicate node ${id}`);
    nodes.set(id, { label: node.attributes.label, ...values(node, 'node') });
  }
  const edges: ParsedGraph['edges'] = [];
  for (const edge of graph.children.find((child) => child.name === 'edges')?.children ?? []) {
    assert.equal(edge.name, 'edge');
    const { id = '', source = '', target = '', label, kind, weight } = edge.attributes;
    assert.ok(nodes.has(source) && nodes.has(target), `edge ${id} between undeclared nodes`);
    typed('double', weight ?? '1', `edge ${id} weight`);
    edges.push({ id, source, target, attributes: { label, kind, ...values(edge, 'edge') } });
  }
  return { nodes, edges, declared };
}

/** Parses CSV per RFC 4180 (strict quoting, equal column counts) into records by header. */
export function readCsv(text: string): { header: string[]; records: Record<string, string>[] } {
  const rows = parseCsvText(text, { bom: true, relax_quotes: false, relax_column_count: false, skip_empty_lines: false }) as string[][];
  const [header, ...rest] = rows;
  assert.ok(header, 'no header');
  return { header, records: rest.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index] as string]))) };
}

/** A parsed triple: subject, predicate, object (IRIs as values, literals as their value with datatype). */
export interface Triple {
  subject: string;
  predicate: string;
  object: { iri: string } | { value: string; datatype: string };
}

/** Parses N-Triples strictly with N3.js. */
export function readNTriples(text: string): Triple[] {
  const quads = new N3Parser({ format: 'N-Triples' }).parse(text) as {
    subject: { value: string };
    predicate: { value: string };
    object: { termType: string; value: string; datatype?: { value: string } };
  }[];
  return quads.map((quad) => ({
    subject: quad.subject.value,
    predicate: quad.predicate.value,
    object: quad.object.termType === 'NamedNode' ? { iri: quad.object.value } : { value: quad.object.value, datatype: quad.object.datatype?.value ?? '' },
  }));
}

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'name'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'word'; value: string }
  | { kind: 'punct'; value: string };

const escapes: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };

/**
 * Splits Cypher into tokens per the openCypher lexical grammar for what exports use: string literals in either quote
 * with their escapes, backtick names with doubled backticks, comments, numbers, words and punctuation. Throws on an
 * unterminated literal or an unknown escape.
 */
export function lexCypher(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at] as string;
    if (/\s/.test(char)) at++;
    else if (text.startsWith('//', at)) at = text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at);
    else if (char === "'" || char === '"') {
      let value = '';
      at++;
      for (;;) {
        assert.ok(at < text.length, 'unterminated string literal');
        const next = text[at] as string;
        if (next === char) break;
        if (next === '\\') {
          const escape = text[at + 1] as string;
          if (escape === 'u') {
            value += String.fromCharCode(Number.parseInt(text.slice(at + 2, at + 6), 16));
            at += 6;
          } else {
            assert.ok(escape in escapes, `unknown escape \\${escape}`);
            value += escapes[escape];
            at += 2;
          }
        } else {
          value += next;
          at++;
        }
      }
      at++;
      tokens.push({ kind: 'string', value });
    } else if (char === '`') {
      let value = '';
      at++;
      for (;;) {
        assert.ok(at < text.length, 'unterminated backtick name');
        if (text[at] === '`') {
          if (text[at + 1] === '`') {
            value += '`';
            at += 2;
            continue;
          }
          break;
        }
        value += text[at];
        at++;
      }
      at++;
      tokens.push({ kind: 'name', value });
    } else if (/[0-9-]/.test(char) && /[0-9]/.test(text[char === '-' ? at + 1 : at] ?? '')) {
      const match = /^-?\d+(\.\d+)?([eE]-?\d+)?/.exec(text.slice(at)) as RegExpExecArray;
      tokens.push({ kind: 'number', value: Number(match[0]) });
      at += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(at)) as RegExpExecArray;
      tokens.push({ kind: 'word', value: match[0] });
      at += match[0].length;
    } else {
      tokens.push({ kind: 'punct', value: char });
      at++;
    }
  }
  return tokens;
}

/** A statement of an export script: its clause words and names outside literals, and the evaluated UNWIND list. */
export interface CypherStatement {
  words: string[];
  names: string[];
  rows: Record<string, unknown>[];
}

/** Lexes a script and evaluates each `UNWIND [...] AS row` list of literal maps. */
export function readCypher(text: string): CypherStatement[] {
  const tokens = lexCypher(text);
  const statements: CypherStatement[] = [];
  let at = 0;
  const value = (): unknown => {
    const token = tokens[at++] as Token;
    if (token.kind === 'punct' && token.value === '[') {
      const list: unknown[] = [];
      while (!(tokens[at]?.kind === 'punct' && tokens[at]?.value === ']')) {
        list.push(value());
        if (tokens[at]?.kind === 'punct' && tokens[at]?.value === ',') at++;
      }
      at++;
      return list;
    }
    if (token.kind === 'punct' && token.value === '{') {
      const map: Record<string, unknown> = {};
      while (!(tokens[at]?.kind === 'punct' && tokens[at]?.value === '}')) {
        const key = tokens[at++] as Token;
        assert.ok(key.kind === 'word' || key.kind === 'name', `map key ${JSON.stringify(key)}`);
        assert.deepEqual(tokens[at++], { kind: 'punct', value: ':' });
        map[key.value as string] = value();
        if (tokens[at]?.kind === 'punct' && tokens[at]?.value === ',') at++;
      }
      at++;
      return map;
    }
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'word' && (token.value === 'true' || token.value === 'false')) return token.value === 'true';
    if (token.kind === 'word' && token.value === 'null') return null;
    return assert.fail(`unexpected ${JSON.stringify(token)} in a literal`);
  };
  let current: CypherStatement = { words: [], names: [], rows: [] };
  while (at < tokens.length) {
    const token = tokens[at] as Token;
    if (token.kind === 'punct' && token.value === ';') {
      statements.push(current);
      current = { words: [], names: [], rows: [] };
      at++;
    } else if (token.kind === 'word' && token.value === 'UNWIND') {
      current.words.push('UNWIND');
      at++;
      current.rows = value() as Record<string, unknown>[];
    } else {
      if (token.kind === 'word') current.words.push(token.value);
      if (token.kind === 'name') current.names.push(token.value);
      at++;
    }
  }
  assert.equal(current.words.length, 0, 'a statement without its closing semicolon');
  return statements;
}
