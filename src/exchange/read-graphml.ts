/**
 * @module Reads a GraphML import (from Gephi, yEd, NetworkX or Trellis) with a strict streaming XML parser. Keys map to
 * entity and relation fields by `attr.name`: a node's `label` (else `name`, else a yEd NodeLabel, else its id) is the
 * entity name, `type` its type, `key`, `aliases` and `confidence` those fields; an edge's `type` (else `label`) is the
 * relation type, `confidence`, `valid_from` and `valid_to` those fields; every other key is a property, typed by its
 * `attr.type`. A DOCTYPE is refused (no entity is ever expanded or fetched); the first well-formedness error stops the read.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import type { EntityInput, RelationInput } from '../graph/index.js';
import { propertyPrefix } from './columns.js';
import { type Digest, type ImportItem, type ReadOptions, maxItemChars, textOf } from './import-items.js';
import { graphmlJsonDesc, graphmlPropertyDesc } from './write-graphml.js';

interface Key {
  domain: string;
  name: string;
  type: string;
  /** A yEd graphics key: its value is the text of the label elements inside. */
  graphics: boolean;
  default: string | null;
  desc: string | null;
}

/** An element being read: a node or edge and the data gathered for it. */
interface Open {
  kind: 'node' | 'edge';
  line: number;
  attributes: Record<string, string>;
  data: Map<string, string>;
  /** The text of yEd label elements met inside. */
  labels: string[];
}

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/** A type made to fit the graph's pattern: characters other than letters, digits, `_`, `.` and `-` become `_`, a leading non-letter gets `T`. */
export function typeName(raw: string, fallback: string): string {
  let type = raw.trim().replace(/[^A-Za-z0-9_.-]+/g, '_');
  if (type === '') return fallback;
  if (!/^[A-Za-z]/.test(type)) type = `T${type}`;
  return type.slice(0, 64);
}

/** The property name a key stands for: a Trellis key's original name from its desc, without the reserved prefix. */
function propertyName(key: Key): string {
  if (key.desc?.startsWith(graphmlPropertyDesc)) return key.desc.slice(graphmlPropertyDesc.length);
  if (key.desc?.startsWith(graphmlJsonDesc)) return key.desc.slice(graphmlJsonDesc.length);
  return key.name.startsWith(propertyPrefix) ? key.name.slice(propertyPrefix.length) : key.name;
}

/** The JSON value a text holds, or the text when it is not JSON. */
function jsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A data value as its key's attr.type says; a string message when it does not parse. */
function typedValue(key: Key, text: string): unknown {
  switch (key.type) {
    case 'boolean': {
      const value = text.trim().toLowerCase();
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return new Error(`is not a boolean: ${JSON.stringify(text.slice(0, 40))}`);
    }
    case 'int':
    case 'long': {
      const value = text.trim();
      return /^[+-]?\d+$/.test(value) && Number.isSafeInteger(Number(value))
        ? Number(value)
        : new Error(`is not an integer: ${JSON.stringify(text.slice(0, 40))}`);
    }
    case 'float':
    case 'double': {
      const value = Number(text.trim());
      return text.trim() !== '' && Number.isFinite(value) ? value : new Error(`is not a finite number: ${JSON.stringify(text.slice(0, 40))}`);
    }
    default:
      return text;
  }
}

/** Reads a GraphML file into entity and relation items. */
export async function* readGraphml(file: string, digest: Digest, options: ReadOptions = {}): AsyncGenerator<ImportItem> {
  const defaultEntityType = options.defaultEntityType ?? 'Node';
  const defaultRelationType = options.defaultRelationType ?? 'RELATED_TO';
  const parser = new SaxesParser({ xmlns: false });
  const keys = new Map<string, Key>();
  const stack: string[] = [];
  const out: ImportItem[] = [];
  let fatal = false;
  let current: Open | null = null;
  let dataKey: string | null = null;
  let dataText = '';
  let labelDepth = 0;
  let keyBeingRead: Key | null = null;
  let keyChild: 'default' | 'desc' | null = null;
  let keyText = '';
  let seenRoot = false;

  const stop = (message: string) => {
    if (fatal) return;
    fatal = true;
    out.push({ kind: 'problem', line: parser.line, message, fatal: true });
  };
  parser.on('error', (error) => stop(`malformed XML: ${error.message.replace(/^\d+:\d+: /, '')}`));
  parser.on('doctype', () => stop('a DOCTYPE is not accepted: GraphML needs none, and its entity declarations could expand without bound or read other files'));
  parser.on('xmldecl', (declaration) => {
    if (declaration.encoding !== undefined && !/^utf-?8$/i.test(declaration.encoding))
      stop(`the file declares encoding ${declaration.encoding}; only UTF-8 is accepted`);
  });

  parser.on('opentag', (tag: SaxesTagPlain) => {
    if (fatal) return;
    const name = localName(tag.name);
    const parent = stack.at(-1);
    stack.push(name);
    const attributes = tag.attributes as Record<string, string>;
    if (!seenRoot) {
      seenRoot = true;
      if (name !== 'graphml') stop(`the root element is <${tag.name}>, not <graphml>`);
      return;
    }
    if (dataKey !== null) {
      if (name === 'NodeLabel' || name === 'EdgeLabel') labelDepth++;
      return;
    }
    if (keyBeingRead) {
      if (name === 'default' || name === 'desc') {
        keyChild = name;
        keyText = '';
      }
      return;
    }
    switch (name) {
      case 'key': {
        const id = attributes.id;
        if (parent !== 'graphml' || id === undefined) return stop('a <key> must be a child of <graphml> with an id');
        keyBeingRead = {
          domain: attributes.for ?? 'all',
          name: attributes['attr.name'] ?? id,
          type: attributes['attr.type'] ?? 'string',
          graphics: attributes['yfiles.type'] !== undefined,
          default: null,
          desc: null,
        };
        keys.set(id, keyBeingRead);
        return;
      }
      case 'node':
      case 'edge':
        current = { kind: name, line: parser.line, attributes, data: new Map(), labels: [] };
        return;
      case 'data': {
        const key = attributes.key;
        if (current === null) {
          dataKey = '';
          return;
        }
        if (key === undefined || !keys.has(key)) return stop(`<data> names key ${JSON.stringify(key ?? '')}, which no <key> declares`);
        dataKey = key;
        dataText = '';
        labelDepth = 0;
        return;
      }
      case 'hyperedge':
        return stop('hyperedges are not supported: a relation joins two entities');
      default:
        return;
    }
  });

  const onText = (text: string) => {
    if (fatal) return;
    if (keyChild !== null) keyText += text;
    else if (dataKey !== null && dataKey !== '') {
      const key = keys.get(dataKey) as Key;
      if (key.graphics) {
        if (labelDepth > 0 && current) current.labels.push(text);
      } else dataText += text;
      if (dataText.length > maxItemChars) stop(`a <data> element is longer than ${maxItemChars} characters`);
    }
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  parser.on('closetag', (tag) => {
    if (fatal) return;
    const name = localName(tag.name);
    stack.pop();
    if (dataKey !== null) {
      if (name === 'NodeLabel' || name === 'EdgeLabel') labelDepth--;
      else if (name === 'data') {
        if (current && dataKey !== '' && !(keys.get(dataKey) as Key).graphics) current.data.set(dataKey, dataText);
        dataKey = null;
      }
      return;
    }
    if (keyBeingRead) {
      if (name === 'default' && keyChild === 'default') keyBeingRead.default = keyText;
      else if (name === 'desc' && keyChild === 'desc') keyBeingRead.desc = keyText.trim();
      else if (name === 'key') keyBeingRead = null;
      keyChild = null;
      return;
    }
    if ((name === 'node' || name === 'edge') && current?.kind === name) {
      out.push(name === 'node' ? nodeItem(current) : edgeItem(current));
      current = null;
    }
  });

  /** The values of an element's data, defaults filled in, by key attr.name; or a problem. */
  function valuesOf(element: Open): { fields: Map<string, { key: Key; value: unknown }> } | ImportItem {
    const fields = new Map<string, { key: Key; value: unknown }>();
    for (const [id, key] of keys) {
      if (key.graphics || (key.domain !== element.kind && key.domain !== 'all')) continue;
      const text = element.data.get(id) ?? key.default;
      if (text === null) continue;
      const value = typedValue(key, text);
      if (value instanceof Error)
        return { kind: 'problem', line: element.line, message: `${element.kind} data ${key.name} (attr.type ${key.type}) ${value.message}` };
      fields.set(key.name.toLowerCase(), { key, value });
    }
    return { fields };
  }

  function take(fields: Map<string, { key: Key; value: unknown }>, ...names: string[]): unknown {
    for (const name of names) {
      const field = fields.get(name);
      if (field !== undefined) {
        fields.delete(name);
        return field.value;
      }
    }
    return undefined;
  }

  function properties(fields: Map<string, { key: Key; value: unknown }>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const { key, value } of fields.values())
      out[propertyName(key)] = key.desc?.startsWith(graphmlJsonDesc) && typeof value === 'string' ? jsonOr(value) : value;
    return out;
  }

  function nodeItem(element: Open): ImportItem {
    const id = element.attributes.id;
    if (id === undefined || id === '') return { kind: 'problem', line: element.line, message: 'a <node> needs an id' };
    const values = valuesOf(element);
    if (!('fields' in values)) return values;
    const { fields } = values;
    const label = take(fields, 'label', 'name');
    const type = take(fields, 'type');
    const input: EntityInput = {
      type: typeName(type === undefined ? '' : String(type), defaultEntityType),
      name: label !== undefined && String(label).trim() !== '' ? String(label) : element.labels.join('').trim() || id,
    };
    const key = take(fields, 'key');
    if (typeof key === 'string' && key.trim() !== '') input.key = key;
    const aliases = fields.get('aliases');
    if (aliases && typeof aliases.value === 'string') {
      try {
        const list: unknown = JSON.parse(aliases.value);
        if (Array.isArray(list) && list.every((alias) => typeof alias === 'string')) {
          input.aliases = list as string[];
          fields.delete('aliases');
        }
      } catch {
        // not a list written by an export: kept as a property
      }
    }
    const confidence = fields.get('confidence');
    if (confidence && typeof confidence.value === 'number' && confidence.value >= 0 && confidence.value <= 1) {
      input.confidence = confidence.value;
      fields.delete('confidence');
    }
    fields.delete('citations');
    input.properties = properties(fields);
    return { kind: 'entity', line: element.line, ref: id, input };
  }

  function edgeItem(element: Open): ImportItem {
    const { source, target } = element.attributes;
    if (!source || !target) return { kind: 'problem', line: element.line, message: 'an <edge> needs a source and a target' };
    const values = valuesOf(element);
    if (!('fields' in values)) return values;
    const { fields } = values;
    const type = take(fields, 'type', 'label');
    const input: Omit<RelationInput, 'from' | 'to'> = {
      type: typeName(type === undefined ? element.labels.join('') : String(type), defaultRelationType),
    };
    const confidence = fields.get('confidence');
    if (confidence && typeof confidence.value === 'number' && confidence.value >= 0 && confidence.value <= 1) {
      input.confidence = confidence.value;
      fields.delete('confidence');
    }
    const validFrom = take(fields, 'valid_from', 'validfrom');
    const validTo = take(fields, 'valid_to', 'validto');
    if (validFrom !== undefined && validFrom !== '') input.validFrom = String(validFrom);
    if (validTo !== undefined && validTo !== '') input.validTo = String(validTo);
    fields.delete('citations');
    input.properties = properties(fields);
    return { kind: 'relation', line: element.line, from: source, to: target, input };
  }

  for await (const chunk of textOf(file, digest)) {
    parser.write(chunk);
    yield* out.splice(0);
    if (fatal) return;
  }
  parser.close();
  yield* out.splice(0);
  if (!fatal && !seenRoot) yield { kind: 'problem', line: parser.line, message: 'the file holds no XML element', fatal: true };
}
