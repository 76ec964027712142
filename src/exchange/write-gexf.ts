/**
 * @module GEXF 1.3 export (Gephi): entities as nodes labelled with their names, relations as directed edges labelled
 * (and `kind`-ed) with their types and weighted by confidence; type, key, aliases, confidence and every property as
 * declared attributes.
 */
import { type ColumnType, type PropertyColumn, columnText } from './columns.js';
import { type ExportContext, citationsJson } from './export-context.js';
import { xmlAttribute } from './escape.js';

/** Node attributes every export declares, besides the properties. */
export const gexfNodeFixed = ['type', 'key', 'aliases', 'confidence', 'citations'];
/** Edge attributes every export declares, besides the properties. */
export const gexfEdgeFixed = ['type', 'confidence', 'valid_from', 'valid_to', 'citations'];

const gexfTypes: Record<ColumnType, string> = { long: 'long', double: 'double', boolean: 'boolean', string: 'string' };

function attribute(id: string, title: string, type: string): string {
  return `      <attribute id="${id}" title="${xmlAttribute(title)}" type="${type}"/>\n`;
}

function value(id: string, text: string | null): string {
  return text === null ? '' : `<attvalue for="${id}" value="${xmlAttribute(text)}"/>`;
}

function attvalues(values: string): string {
  return values === '' ? '' : `<attvalues>${values}</attvalues>`;
}

/** The GEXF document of the tenant's entities (and, for what=graph, its relations), chunk by chunk. */
export async function* gexfChunks(context: ExportContext): AsyncGenerator<string> {
  const withEdges = context.request.what.kind === 'graph';
  const citations = context.request.citations > 0;
  const nodeColumns = await context.columns('entities', gexfNodeFixed);
  const edgeColumns = withEdges ? await context.columns('relations', gexfEdgeFixed) : [];
  const fixedNode = citations ? gexfNodeFixed : gexfNodeFixed.slice(0, -1);
  const fixedEdge = citations ? gexfEdgeFixed : gexfEdgeFixed.slice(0, -1);
  const nodeIds = nodeColumns.map((_, index) => `n${fixedNode.length + index}`);
  const edgeIds = edgeColumns.map((_, index) => `e${fixedEdge.length + index}`);
  let head =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n' +
    `  <meta lastmodifieddate="${context.startedAt.slice(0, 10)}"><creator>Trellis</creator><description>${context.request.what.kind} of tenant ${context.tenantId}</description></meta>\n` +
    '  <graph defaultedgetype="directed" mode="static">\n    <attributes class="node">\n';
  const fixedTypes: Record<string, string> = { confidence: 'double' };
  fixedNode.forEach((title, index) => (head += attribute(`n${index}`, title, fixedTypes[title] ?? 'string')));
  nodeColumns.forEach((column, index) => (head += attribute(nodeIds[index] as string, column.name, gexfTypes[column.type])));
  head += '    </attributes>\n';
  if (withEdges) {
    head += '    <attributes class="edge">\n';
    fixedEdge.forEach((title, index) => (head += attribute(`e${index}`, title, fixedTypes[title] ?? 'string')));
    edgeColumns.forEach((column, index) => (head += attribute(edgeIds[index] as string, column.name, gexfTypes[column.type])));
    head += '    </attributes>\n';
  }
  yield `${head}    <nodes>\n`;

  for await (const page of context.entities()) {
    const out: string[] = [];
    for (const entity of page.items) {
      let values = value('n0', entity.type) + value('n1', entity.key) + value('n2', entity.aliases.length > 0 ? JSON.stringify(entity.aliases) : null);
      values += value('n3', String(entity.confidence));
      if (citations) values += value('n4', citationsJson(page, entity.id));
      for (let index = 0; index < nodeColumns.length; index++) {
        const column = nodeColumns[index] as PropertyColumn;
        values += value(nodeIds[index] as string, columnText(column, entity.properties[column.property]));
      }
      out.push(`      <node id="${entity.id}" label="${xmlAttribute(entity.name)}">${attvalues(values)}</node>\n`);
    }
    yield out.join('');
  }
  yield '    </nodes>\n';
  if (withEdges) {
    yield '    <edges>\n';
    for await (const page of context.relations()) {
      const out: string[] = [];
      for (const relation of page.items) {
        let values = value('e0', relation.type) + value('e1', String(relation.confidence)) + value('e2', relation.validFrom) + value('e3', relation.validTo);
        if (citations) values += value('e4', citationsJson(page, relation.id));
        for (let index = 0; index < edgeColumns.length; index++) {
          const column = edgeColumns[index] as PropertyColumn;
          values += value(edgeIds[index] as string, columnText(column, relation.properties[column.property]));
        }
        const type = xmlAttribute(relation.type);
        out.push(
          `      <edge id="${relation.id}" source="${relation.from}" target="${relation.to}" label="${type}" kind="${type}" weight="${relation.confidence}">${attvalues(values)}</edge>\n`,
        );
      }
      yield out.join('');
    }
    yield '    </edges>\n';
  }
  yield '  </graph>\n</gexf>\n';
}
