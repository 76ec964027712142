/**
 * @module GraphML export (GraphML 1.0 with the attributes extension): every attribute declared as a `<key>` with its
 * `attr.type` before the graph, then the entities as nodes and the relations as directed edges.
 */
import { type PropertyColumn, columnText } from './columns.js';
import { type ExportContext, citationsJson } from './export-context.js';
import { nmtoken, xmlAttribute, xmlText } from './escape.js';

/** Marks a key whose property name had to change to be an NMTOKEN: the `<desc>` holds the name as it is in the graph. */
export const graphmlPropertyDesc = 'trellis:property ';
/**
 * Marks a key whose values are not all text (objects, arrays or a mix of kinds): every value of it is written as JSON
 * (text in quotes too), so an import parses each back exactly. The `<desc>` holds the property name after the marker.
 */
export const graphmlJsonDesc = 'trellis:json-property ';

/** Node attributes every export declares (attr.name), besides the properties. */
export const graphmlNodeFixed = ['type', 'label', 'name', 'key', 'aliases', 'confidence', 'citations'];
/** Edge attributes every export declares, besides the properties; `label` holds the relation type. */
export const graphmlEdgeFixed = ['label', 'type', 'confidence', 'valid_from', 'valid_to', 'citations'];

interface Key {
  id: string;
  xml: string;
}

function keyXml(id: string, domain: 'node' | 'edge', name: string, type: string, desc?: string): string {
  const body = desc === undefined ? '/>' : `><desc>${xmlText(desc)}</desc></key>`;
  return `  <key id="${id}" for="${domain}" attr.name="${xmlAttribute(name)}" attr.type="${type}"${body}\n`;
}

/** Declares the property keys of one domain, numbering on from `next`; names that are not NMTOKENs are made so (and kept in `<desc>`). */
function propertyKeys(domain: 'node' | 'edge', columns: PropertyColumn[], taken: Set<string>, next: () => string): Key[] {
  return columns.map((column) => {
    let name = nmtoken(column.name);
    for (let suffix = 2; taken.has(name); suffix++) name = `${nmtoken(column.name)}_${suffix}`;
    taken.add(name);
    const id = next();
    const desc = column.json ? `${graphmlJsonDesc}${column.name}` : name === column.name ? undefined : `${graphmlPropertyDesc}${column.name}`;
    return { id, xml: keyXml(id, domain, name, column.type, desc) };
  });
}

/** A property's text: as its column's type says, or JSON for a column that holds objects or arrays. */
function valueText(column: PropertyColumn, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return column.json ? JSON.stringify(value) : columnText(column, value);
}

function data(key: string, text: string | null): string {
  return text === null ? '' : `<data key="${key}">${xmlText(text)}</data>`;
}

/** The GraphML document of the tenant's entities (and, for what=graph, its relations), chunk by chunk. */
export async function* graphmlChunks(context: ExportContext): AsyncGenerator<string> {
  const withEdges = context.request.what.kind === 'graph';
  const citations = context.request.citations > 0;
  const nodeColumns = await context.columns('entities', graphmlNodeFixed);
  const edgeColumns = withEdges ? await context.columns('relations', graphmlEdgeFixed) : [];
  let counter = 0;
  const next = () => `d${counter++}`;
  const [nType, nLabel, nKey, nAliases, nConfidence] = [next(), next(), next(), next(), next()];
  const nCitations = citations ? next() : '';
  let head =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n' +
    keyXml(nType, 'node', 'type', 'string') +
    keyXml(nLabel, 'node', 'label', 'string') +
    keyXml(nKey, 'node', 'key', 'string') +
    keyXml(nAliases, 'node', 'aliases', 'string') +
    keyXml(nConfidence, 'node', 'confidence', 'double') +
    (citations ? keyXml(nCitations, 'node', 'citations', 'string') : '');
  const nodeKeys = propertyKeys('node', nodeColumns, new Set(graphmlNodeFixed), next);
  head += nodeKeys.map((key) => key.xml).join('');
  const edgeIds = withEdges ? { label: next(), confidence: next(), validFrom: next(), validTo: next(), citations: citations ? next() : '' } : null;
  let edgeKeys: Key[] = [];
  if (edgeIds) {
    head +=
      keyXml(edgeIds.label, 'edge', 'label', 'string') +
      keyXml(edgeIds.confidence, 'edge', 'confidence', 'double') +
      keyXml(edgeIds.validFrom, 'edge', 'valid_from', 'string') +
      keyXml(edgeIds.validTo, 'edge', 'valid_to', 'string') +
      (citations ? keyXml(edgeIds.citations, 'edge', 'citations', 'string') : '');
    edgeKeys = propertyKeys('edge', edgeColumns, new Set(graphmlEdgeFixed), next);
    head += edgeKeys.map((key) => key.xml).join('');
  }
  yield `${head}  <graph id="G" edgedefault="directed">\n`;

  for await (const page of context.entities()) {
    const out: string[] = [];
    for (const entity of page.items) {
      let xml = `    <node id="${entity.id}">${data(nType, entity.type)}${data(nLabel, entity.name)}${data(nKey, entity.key)}`;
      if (entity.aliases.length > 0) xml += data(nAliases, JSON.stringify(entity.aliases));
      xml += data(nConfidence, String(entity.confidence));
      if (citations) xml += data(nCitations, citationsJson(page, entity.id));
      for (let index = 0; index < nodeColumns.length; index++) {
        const column = nodeColumns[index] as PropertyColumn;
        xml += data((nodeKeys[index] as Key).id, valueText(column, entity.properties[column.property]));
      }
      out.push(`${xml}</node>\n`);
    }
    yield out.join('');
  }
  if (edgeIds) {
    for await (const page of context.relations()) {
      const out: string[] = [];
      for (const relation of page.items) {
        let xml = `    <edge id="${relation.id}" source="${relation.from}" target="${relation.to}">${data(edgeIds.label, relation.type)}${data(edgeIds.confidence, String(relation.confidence))}`;
        xml += data(edgeIds.validFrom, relation.validFrom) + data(edgeIds.validTo, relation.validTo);
        if (citations) xml += data(edgeIds.citations, citationsJson(page, relation.id));
        for (let index = 0; index < edgeColumns.length; index++) {
          const column = edgeColumns[index] as PropertyColumn;
          xml += data((edgeKeys[index] as Key).id, valueText(column, relation.properties[column.property]));
        }
        out.push(`${xml}</edge>\n`);
      }
      yield out.join('');
    }
  }
  yield '  </graph>\n</graphml>\n';
}
