/** @module Test and bench helper for ingestion: generated English-like documents with people, organisations, places and dates, and a fingerprint of a tenant's graph. */
import { createHash } from 'node:crypto';
import type { Store } from '../../src/store/index.js';
import { seededRandom } from '../../src/core/random.js';

const people = [
  'Alice Johnson',
  'Robert Miller',
  'Maria Garcia',
  'James Wilson',
  'Linda Chen',
  'David Brown',
  'Sarah Davis',
  'Thomas Moore',
  'Emma Taylor',
  'Michael Clark',
];
const organisations = [
  'Acme Corporation',
  'Globex Inc.',
  'Initech Ltd',
  'Umbrella Corporation',
  'Stark Industries',
  'Wayne Enterprises',
  'Hooli Inc.',
  'Vandelay Industries',
];
const places = ['London', 'Paris', 'Berlin', 'Madrid', 'Rome', 'Vienna', 'Boston', 'Chicago', 'Toronto', 'Sydney'];
const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** The seeded generator (mulberry32) the corpus is drawn with. */
export const random = seededRandom;

const filler = [
  'The quarterly report was reviewed by the board and the results were better than expected.',
  'Most of the staff agreed that the new process saved time, although some questions remained open.',
  'After a long discussion the committee decided to postpone the decision until more data was available.',
  'Costs rose slightly over the period, mainly because of higher prices for energy and materials.',
  'The team spent several weeks testing the system before it was released to a wider group of users.',
  'Several customers asked for better documentation and a simpler way to export their records.',
  'It was not clear at first whether the plan would work, but the early results were encouraging.',
  'Training sessions were held every week, and attendance grew steadily throughout the year.',
];

/** One sentence: two in three are plain prose, the others name a few people, organisations, places or dates. */
export function sentence(next: () => number): string {
  if (next() < 0.67) return filler[Math.floor(next() * filler.length)] as string;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const date = `${pick(months)} ${1 + Math.floor(next() * 28)}, ${1990 + Math.floor(next() * 34)}`;
  const templates = [
    () => `${pick(people)} works for ${pick(organisations)} in ${pick(places)}.`,
    () => `On ${date}, ${pick(organisations)} opened an office in ${pick(places)}.`,
    () => `${pick(people)} met ${pick(people)} in ${pick(places)} on ${date}.`,
    () => `${pick(people)} joined ${pick(organisations)} as a senior engineer in ${date.split(' ').slice(-1)[0]}.`,
    () => `The quarterly report was reviewed by the board and the results were better than expected.`,
    () => `${pick(organisations)} is based in ${pick(places)}, and its staff travel often.`,
  ];
  return pick(templates)();
}

/** Paragraphs of generated text, about `characters` long. */
export function generateText(seed: number, characters: number): string {
  const next = random(seed);
  const paragraphs: string[] = [];
  let length = 0;
  while (length < characters) {
    const count = 3 + Math.floor(next() * 5);
    const paragraph = Array.from({ length: count }, () => sentence(next)).join(' ');
    paragraphs.push(paragraph);
    length += paragraph.length + 2;
  }
  return paragraphs.join('\n\n');
}

/** What a tenant's graph holds, by identities that do not depend on generated IDs, and a checksum of it all. */
export interface GraphFingerprint {
  entities: number;
  relations: number;
  evidence: number;
  aliases: number;
  sources: number;
  checksum: string;
}

/**
 * The graph's identities: entities (type, key, name), aliases, relations (endpoint identities and type), evidence
 * (subject identity, source URI, offsets, extractor) and ingested sources (URI, hash, status). Two graphs with the same
 * fingerprint hold the same facts with the same provenance.
 */
export async function graphFingerprint(store: Store, tenantId: string): Promise<GraphFingerprint> {
  return store.read({ tenantId }, async (tx) => {
    const entities = await tx.all<{ id: string; type: string; canonical_key: string; name: string }>(
      'SELECT id, type, canonical_key, name FROM entities WHERE tenant_id = ?',
      [tenantId],
    );
    const identity = new Map(entities.map((row) => [String(row.id), `${row.type}|${row.canonical_key}`]));
    const relations = await tx.all<{ id: string; type: string; from_id: string; to_id: string }>(
      `SELECT r.id, r.type, f.id AS from_id, t.id AS to_id FROM relations r
       JOIN entities f ON f.tenant_id = r.tenant_id AND f.seq = r.from_seq JOIN entities t ON t.tenant_id = r.tenant_id AND t.seq = r.to_seq WHERE r.tenant_id = ?`,
      [tenantId],
    );
    for (const row of relations) identity.set(String(row.id), `${identity.get(String(row.from_id))}-[${row.type}]->${identity.get(String(row.to_id))}`);
    const aliases = await tx.all<{ entity_id: string; alias: string }>('SELECT entity_id, alias FROM entity_aliases WHERE tenant_id = ?', [tenantId]);
    const evidence = await tx.all<{ subject_id: string; uri: string | null; start_offset: number | null; end_offset: number | null; extractor: string }>(
      `SELECT e.subject_id, s.uri, e.start_offset, e.end_offset, e.extractor FROM evidence e LEFT JOIN sources s ON s.tenant_id = e.tenant_id AND s.id = e.source_id WHERE e.tenant_id = ?`,
      [tenantId],
    );
    const sources = await tx.all<{ uri: string; content_hash: string | null; status: string }>(
      'SELECT uri, content_hash, status FROM sources WHERE tenant_id = ?',
      [tenantId],
    );
    const lines = [
      ...entities.map((row) => `E ${row.type}|${row.canonical_key}|${row.name}`),
      ...relations.map((row) => `R ${identity.get(String(row.id))}`),
      ...aliases.map((row) => `A ${identity.get(String(row.entity_id))}|${row.alias}`),
      ...evidence.map((row) => `V ${identity.get(String(row.subject_id))}|${row.uri}|${row.start_offset}|${row.end_offset}|${row.extractor}`),
      ...sources.map((row) => `S ${row.uri}|${row.content_hash}|${row.status}`),
    ].sort();
    return {
      entities: entities.length,
      relations: relations.length,
      evidence: evidence.length,
      aliases: aliases.length,
      sources: sources.length,
      checksum: createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16),
    };
  });
}
