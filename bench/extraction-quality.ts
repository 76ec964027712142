/**
 * @module Quality and speed of the built-in extractor and entity resolution on Re-DocRED (dev, MIT licence):
 * mention P/R/F1 per type (exact surface, case-insensitive, one per surface form per document), cluster F1
 * (a predicted entity is right when its set of surface forms equals a gold entity's), the share of gold related
 * entity pairs connected by a relation, and extraction throughput on one core.
 * Run: node --import tsx bench/extraction-quality.ts [path/to/dev_revised.json] [--split all|even|odd] [--confusion]
 * `--split even` develops on the even-numbered documents (0, 2, …) and keeps the odd ones to check that a change
 * generalises; `--confusion` prints, for names found with the right surface, which label they got against gold.
 */
import { readFileSync } from 'node:fs';
import { compileSchema, extractTexts } from '../src/ingest/extract/extract.js';
import { resolveMentions } from '../src/ingest/resolve/resolve.js';
import { defaultSchema } from '../src/ingest/schema.js';

interface GoldMention {
  name: string;
  type: string;
  sent_id: number;
  pos: [number, number];
}
interface Document {
  title: string;
  sents: string[][];
  vertexSet: GoldMention[][];
  labels: { h: number; t: number; r: string }[];
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const split = flag('--split') ?? 'all';
if (!['all', 'even', 'odd'].includes(split)) throw new Error(`--split must be all, even or odd, not ${split}`);
const file =
  args.find((arg, at) => !arg.startsWith('--') && args[at - 1] !== '--split' && args[at - 1] !== '--window') ?? '/work/shared/data/redocred/dev_revised.json';
const documents = (JSON.parse(readFileSync(file, 'utf8')) as Document[]).filter((_, index) => split === 'all' || index % 2 === (split === 'even' ? 0 : 1));
const labelOf: Record<string, string> = {
  Person: 'PER',
  Organization: 'ORG',
  Place: 'LOC',
  Date: 'TIME',
  Money: 'NUM',
  Quantity: 'NUM',
  Event: 'MISC',
  Product: 'MISC',
  Other: 'MISC',
  Project: 'MISC',
  Standard: 'MISC',
};
const labels = ['PER', 'ORG', 'LOC', 'TIME', 'NUM', 'MISC'];
// --window N: the co-occurrence window in sentences (0: every pair of a chunk), instead of the default schema's.
const window = flag('--window');
const schema = defaultSchema();
if (window !== undefined) {
  const sentences = Number(window);
  if (!Number.isInteger(sentences) || sentences < 0) throw new Error(`--window must be a whole number of sentences, not ${window}`);
  for (const type of schema.relationTypes) if (type.cooccurrence) type.cooccurrence.sentences = sentences;
}
const compiled = compileSchema(schema);
// The tokenised sentences joined with single spaces: gold names are written the same way.
const texts = documents.map((document) => document.sents.map((sentence) => sentence.join(' ')).join(' '));

const counts = new Map(labels.map((label) => [label, { tp: 0, predicted: 0, gold: 0 }]));
// Gold label → predicted label for surfaces found by both ("-" when the surface was not predicted at all).
const confusion = new Map<string, number>();
let clusterTp = 0;
let clusterPredicted = 0;
let clusterGold = 0;
let pairsGold = 0;
let pairsConnected = 0;
documents.forEach((document, index) => {
  const [extraction] = extractTexts([texts[index]!], compiled);
  const mentions = extraction!.mentions;
  const predicted = new Set(mentions.map((mention) => `${labelOf[mention.type]}\u0000${mention.text.toLowerCase()}`));
  const gold = new Set(document.vertexSet.flat().map((mention) => `${mention.type}\u0000${mention.name.toLowerCase()}`));
  for (const key of predicted) {
    const count = counts.get(key.split('\u0000')[0]!)!;
    count.predicted++;
    if (gold.has(key)) count.tp++;
  }
  for (const key of gold) counts.get(key.split('\u0000')[0]!)!.gold++;
  const predictedLabels = new Map<string, Set<string>>();
  for (const key of predicted) {
    const [label, surface] = key.split('\u0000') as [string, string];
    predictedLabels.set(surface, (predictedLabels.get(surface) ?? new Set()).add(label));
  }
  for (const key of gold) {
    const [label, surface] = key.split('\u0000') as [string, string];
    for (const got of predictedLabels.get(surface) ?? ['-']) confusion.set(`${label}\u0000${got}`, (confusion.get(`${label}\u0000${got}`) ?? 0) + 1);
  }

  const entities = resolveMentions(mentions);
  const entityOfMention = new Map<number, number>();
  entities.forEach((entity, entityIndex) => entity.members.forEach((member) => entityOfMention.set(member.mention, entityIndex)));
  const clusterKey = (surfaces: string[]): string => [...new Set(surfaces)].sort().join('\u0001');
  const goldClusters = new Set(document.vertexSet.map((vertex) => `${vertex[0]!.type}\u0000${clusterKey(vertex.map((m) => m.name.toLowerCase()))}`));
  const predictedClusters = new Set(
    entities.map((entity) => `${labelOf[entity.type]}\u0000${clusterKey(entity.members.map((member) => mentions[member.mention]!.text.toLowerCase()))}`),
  );
  clusterGold += goldClusters.size;
  clusterPredicted += predictedClusters.size;
  for (const key of predictedClusters) if (goldClusters.has(key)) clusterTp++;

  // Gold entity → the predicted entities holding one of its surface forms; connected when a relation joins them.
  const entitiesBySurface = new Map<string, Set<number>>();
  mentions.forEach((mention, mentionIndex) => {
    const surface = mention.text.toLowerCase();
    const set = entitiesBySurface.get(surface) ?? new Set<number>();
    set.add(entityOfMention.get(mentionIndex)!);
    entitiesBySurface.set(surface, set);
  });
  const edges = new Set<string>();
  for (const relation of extraction!.relations) {
    const a = entityOfMention.get(relation.from)!;
    const b = entityOfMention.get(relation.to)!;
    edges.add(`${a}:${b}`);
    edges.add(`${b}:${a}`);
  }
  const entitiesOfGold = (vertex: GoldMention[]): Set<number> =>
    new Set(vertex.flatMap((mention) => [...(entitiesBySurface.get(mention.name.toLowerCase()) ?? [])]));
  const pairs = new Set(document.labels.map((label) => `${label.h}:${label.t}`));
  for (const pair of pairs) {
    const [h, t] = pair.split(':').map(Number) as [number, number];
    pairsGold++;
    const from = entitiesOfGold(document.vertexSet[h]!);
    const to = entitiesOfGold(document.vertexSet[t]!);
    if ([...from].some((a) => [...to].some((b) => a !== b && edges.has(`${a}:${b}`)))) pairsConnected++;
  }
});

const f1 = (tp: number, predicted: number, gold: number): [number, number, number] => {
  const precision = predicted ? tp / predicted : 0;
  const recall = gold ? tp / gold : 0;
  return [precision, recall, precision + recall ? (2 * precision * recall) / (precision + recall) : 0];
};
const fixed = (value: number): string => value.toFixed(3);
console.log(`Re-DocRED dev (${split}): ${documents.length} documents, ${(texts.reduce((sum, text) => sum + text.length, 0) / 1e6).toFixed(2)} MB of text`);
console.log('type  precision  recall  F1     (mentions: exact surface, case-insensitive, unique per document)');
let tp = 0;
let predicted = 0;
let gold = 0;
for (const label of labels) {
  const count = counts.get(label)!;
  tp += count.tp;
  predicted += count.predicted;
  gold += count.gold;
  const [p, r, f] = f1(count.tp, count.predicted, count.gold);
  console.log(`${label.padEnd(5)} ${fixed(p)}      ${fixed(r)}   ${fixed(f)}`);
}
const [p, r, f] = f1(tp, predicted, gold);
console.log(`all   ${fixed(p)}      ${fixed(r)}   ${fixed(f)}`);
const [cp, cr, cf] = f1(clusterTp, clusterPredicted, clusterGold);
console.log(`clusters (resolution): precision ${fixed(cp)} recall ${fixed(cr)} F1 ${fixed(cf)}`);
console.log(`gold related pairs connected: ${pairsConnected}/${pairsGold} = ${((100 * pairsConnected) / pairsGold).toFixed(1)} %`);

if (args.includes('--confusion')) {
  console.log(`gold \\ predicted  ${[...labels, '-'].map((label) => label.padStart(5)).join(' ')}`);
  for (const label of labels)
    console.log(`${label.padEnd(18)} ${[...labels, '-'].map((got) => String(confusion.get(`${label}\u0000${got}`) ?? 0).padStart(5)).join(' ')}`);
}

const bytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
let best = Infinity;
for (let round = 0; round < 3; round++) {
  const started = process.hrtime.bigint();
  for (const text of texts) resolveMentions(extractTexts([text], compiled)[0]!.mentions);
  best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
}
console.log(`speed: extraction + resolution ${(bytes / 1e6 / best).toFixed(2)} MB/s on one core (${(bytes / 1e6).toFixed(2)} MB in ${best.toFixed(2)} s)`);
