/**
 * @module N-Triples export: IRIs minted under a base (`<base>entity/<id>`, `<base>type/<Type>`,
 * `<base>relation-type/<TYPE>`, `<base>property/<name>`, `<base>vocab/<term>`), each relation as a direct triple plus
 * a reified statement carrying its ID, confidence, validity and properties; citations as PROV derivations.
 */
import type { ExportContext } from './export-context.js';
import type { Citation } from './export-reader.js';
import { isIri, ntIri, ntString } from './escape.js';

const rdf = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const rdfs = 'http://www.w3.org/2000/01/rdf-schema#';
const xsd = 'http://www.w3.org/2001/XMLSchema#';
const prov = 'http://www.w3.org/ns/prov#';

/** The IRIs an export mints under its base. */
export function minter(base: string) {
  const segment = (kind: string, value: string) => ntIri(`${base}${kind}/${encodeURIComponent(value)}`);
  return {
    entity: (id: string) => segment('entity', id),
    relation: (id: string) => segment('relation', id),
    evidence: (id: string) => segment('evidence', id),
    type: (type: string) => segment('type', type),
    relationType: (type: string) => segment('relation-type', type),
    property: (name: string) => segment('property', name),
    vocab: (term: string) => segment('vocab', term),
  };
}

/** A typed literal of a JSON value: integers as xsd:integer, other numbers xsd:double, booleans xsd:boolean, text plain, objects and arrays rdf:JSON. */
export function ntLiteral(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return ntString(value);
  if (typeof value === 'number') return `${ntString(String(value))}^^<${xsd}${Number.isInteger(value) ? 'integer' : 'double'}>`;
  if (typeof value === 'boolean') return `${ntString(String(value))}^^<${xsd}boolean>`;
  return `${ntString(JSON.stringify(value))}^^<${rdf}JSON>`;
}

function double(value: number): string {
  return `${ntString(String(value))}^^<${xsd}double>`;
}

function dateTime(value: string): string {
  return `${ntString(value)}^^<${xsd}dateTime>`;
}

/** The triples of one fact's citations: `<fact> prov:wasDerivedFrom <evidence>`, and the evidence's source, span, passage and extractor. */
function citationTriples(subject: string, citations: Citation[] | undefined, mint: ReturnType<typeof minter>, out: string[]): void {
  for (const citation of citations ?? []) {
    const evidence = mint.evidence(citation.evidenceId);
    out.push(`${subject} <${prov}wasDerivedFrom> ${evidence} .`);
    if (citation.uri !== null) out.push(`${evidence} ${mint.vocab('source')} ${isIri(citation.uri) ? ntIri(citation.uri) : ntString(citation.uri)} .`);
    if (citation.page !== null) out.push(`${evidence} ${mint.vocab('page')} ${ntLiteral(citation.page)} .`);
    if (citation.start !== null) out.push(`${evidence} ${mint.vocab('start')} ${ntLiteral(citation.start)} .`);
    if (citation.end !== null) out.push(`${evidence} ${mint.vocab('end')} ${ntLiteral(citation.end)} .`);
    if (citation.quote !== null) out.push(`${evidence} ${mint.vocab('quote')} ${ntString(citation.quote)} .`);
    out.push(`${evidence} ${mint.vocab('extractor')} ${ntString(citation.extractor)} .`);
  }
}

function propertyTriples(subject: string, properties: Record<string, unknown>, mint: ReturnType<typeof minter>, out: string[]): void {
  for (const name in properties) {
    const literal = ntLiteral(properties[name]);
    if (literal !== null) out.push(`${subject} ${mint.property(name)} ${literal} .`);
  }
}

/** The tenant's entities and/or relations as N-Triples. */
export async function* ntriplesChunks(context: ExportContext): AsyncGenerator<string> {
  const { what, base } = context.request;
  const mint = minter(base);
  const [label, type, confidence] = [`<${rdfs}label>`, `<${rdf}type>`, mint.vocab('confidence')];
  if (what.kind !== 'relations') {
    for await (const page of context.entities()) {
      const out: string[] = [];
      for (const entity of page.items) {
        const subject = mint.entity(entity.id);
        out.push(`${subject} ${type} ${mint.type(entity.type)} .`, `${subject} ${label} ${ntString(entity.name)} .`);
        out.push(`${subject} ${mint.vocab('key')} ${ntString(entity.key)} .`, `${subject} ${confidence} ${double(entity.confidence)} .`);
        for (const alias of entity.aliases) out.push(`${subject} ${mint.vocab('alias')} ${ntString(alias)} .`);
        propertyTriples(subject, entity.properties, mint, out);
        citationTriples(subject, page.citations?.get(entity.id), mint, out);
      }
      yield `${out.join('\n')}\n`;
    }
  }
  if (what.kind !== 'entities') {
    for await (const page of context.relations()) {
      const out: string[] = [];
      for (const relation of page.items) {
        const [from, to, predicate, statement] = [
          mint.entity(relation.from),
          mint.entity(relation.to),
          mint.relationType(relation.type),
          mint.relation(relation.id),
        ];
        out.push(`${from} ${predicate} ${to} .`);
        out.push(`${statement} ${type} <${rdf}Statement> .`, `${statement} <${rdf}subject> ${from} .`);
        out.push(`${statement} <${rdf}predicate> ${predicate} .`, `${statement} <${rdf}object> ${to} .`);
        out.push(`${statement} ${confidence} ${double(relation.confidence)} .`);
        if (relation.validFrom !== null) out.push(`${statement} ${mint.vocab('validFrom')} ${dateTime(relation.validFrom)} .`);
        if (relation.validTo !== null) out.push(`${statement} ${mint.vocab('validTo')} ${dateTime(relation.validTo)} .`);
        propertyTriples(statement, relation.properties, mint, out);
        citationTriples(statement, page.citations?.get(relation.id), mint, out);
      }
      yield `${out.join('\n')}\n`;
    }
  }
}
