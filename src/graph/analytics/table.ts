/**
 * @module An analytics result as a ranked table: columns (rank, entity, type, name, the algorithm's values) and rows
 * made on demand from the worker's typed arrays, so a million-row result costs no objects until rows are asked for.
 */
import { uuidAt } from '../projection-data.js';
import type { EntityLabels, WorkerAnswer } from './analytics-worker.js';
import type { RunSummary } from './compute.js';
import type { Algorithm, Params } from './params.js';

/** A column of the result table. */
export interface AnalyticsColumn {
  name: string;
  type: 'integer' | 'number' | 'string';
  description: string;
}

/** A cell: text (IDs, names) or a number. */
export type AnalyticsValue = string | number;

/** What write-back did. */
export interface WriteBackSummary {
  property: string;
  /** Entities whose property was written. */
  updated: number;
  /** Entities of the snapshot deleted before their value was written (skipped). */
  missing: number;
  milliseconds: number;
}

/** A finished run: its parameters, facts, and the ranked table. */
export interface AnalyticsResult<A extends Algorithm = Algorithm> {
  algorithm: A;
  /** The parameters with defaults applied. */
  params: Params[A];
  /** The tenant's event sequence the graph was read at: the result describes the graph at that version. */
  version: number;
  /** Entities (rows) and relations in the analysed subgraph. */
  entities: number;
  relations: number;
  /** Algorithm facts: converged/iterations/delta (pagerank), exact/sampledSources (betweenness), components, communities/modularity … */
  summary: RunSummary;
  milliseconds: { read: number; compute: number; total: number };
  columns: AnalyticsColumn[];
  rowCount: number;
  /** Rows in rank order as arrays aligned with `columns`; rows `offset … offset + limit`. */
  rows(offset?: number, limit?: number): AnalyticsValue[][];
  /** The same rows as objects keyed by column name. */
  records(offset?: number, limit?: number): Record<string, AnalyticsValue>[];
  /** The entity ID and main value of every row, for write-back. */
  mainValues(): { ids: string[]; values: Float64Array };
  writtenBack: WriteBackSummary | null;
}

/** A page of a result as JSON: everything but the methods, with the rows as objects. */
export interface AnalyticsPage {
  algorithm: Algorithm;
  params: Params[Algorithm];
  version: number;
  entities: number;
  relations: number;
  summary: RunSummary;
  milliseconds: { read: number; compute: number; total: number };
  columns: AnalyticsColumn[];
  total: number;
  offset: number;
  rows: Record<string, AnalyticsValue>[];
  /** Offset of the next page, or null at the end. */
  nextOffset: number | null;
  writtenBack: WriteBackSummary | null;
}

const labelColumns: AnalyticsColumn[] = [
  { name: 'rank', type: 'integer', description: 'Position in the ranking, from 1' },
  { name: 'entityId', type: 'string', description: 'The entity' },
  { name: 'entityType', type: 'string', description: "The entity's type" },
  { name: 'name', type: 'string', description: "The entity's name" },
];

/** The value columns of each algorithm, main value first (what ranks and is written back). */
export const valueColumns: Record<Algorithm, AnalyticsColumn[]> = {
  pagerank: [{ name: 'pagerank', type: 'number', description: 'PageRank score; the scores sum to 1' }],
  degree: [
    { name: 'degree', type: 'integer', description: 'The degree asked for (mode: in, out or total)' },
    { name: 'inDegree', type: 'integer', description: 'Relations ending at the entity' },
    { name: 'outDegree', type: 'integer', description: 'Relations starting at the entity' },
  ],
  betweenness: [{ name: 'betweenness', type: 'number', description: 'Betweenness centrality (normalised unless normalized: false)' }],
  components: [
    { name: 'component', type: 'integer', description: 'Component number: 0 is the largest' },
    { name: 'componentSize', type: 'integer', description: 'Entities in the component' },
  ],
  communities: [
    { name: 'community', type: 'integer', description: 'Community number: 0 is the largest' },
    { name: 'communitySize', type: 'integer', description: 'Entities in the community' },
  ],
};

function labeller(labels: EntityLabels) {
  const names = Buffer.from(labels.nameBytes.buffer, labels.nameBytes.byteOffset, labels.nameBytes.byteLength);
  return {
    id: (entity: number) => uuidAt(labels.entityIds, entity * 16),
    type: (entity: number) => labels.entityTypeNames[labels.entityTypes[entity] as number] as string,
    name: (entity: number) => names.toString('utf8', labels.nameOffsets[entity], labels.nameOffsets[entity + 1]),
  };
}

/** The result of a worker's answer. */
export function resultOf<A extends Algorithm>(algorithm: A, params: Params[A], answer: WorkerAnswer, totalMilliseconds: number): AnalyticsResult<A> {
  const label = labeller(answer.labels);
  const values = valueColumns[algorithm].map((column) => answer.values[column.name] as Float64Array);
  const columns = [...labelColumns, ...valueColumns[algorithm]];
  const rowCount = answer.order.length;
  const window = (offset = 0, limit = rowCount): [number, number] => {
    const first = Math.max(0, Math.min(rowCount, Math.floor(offset)));
    return [first, Math.max(first, Math.min(rowCount, first + Math.floor(limit)))];
  };
  const rows = (offset?: number, limit?: number): AnalyticsValue[][] => {
    const [first, end] = window(offset, limit);
    const out: AnalyticsValue[][] = [];
    for (let row = first; row < end; row++) {
      const entity = answer.order[row] as number;
      out.push([row + 1, label.id(entity), label.type(entity), label.name(entity), ...values.map((column) => column[row] as number)]);
    }
    return out;
  };
  return {
    algorithm,
    params,
    version: answer.version,
    entities: answer.entities,
    relations: answer.relations,
    summary: answer.summary,
    milliseconds: { read: answer.readMilliseconds, compute: answer.computeMilliseconds, total: totalMilliseconds },
    columns,
    rowCount,
    rows,
    records: (offset, limit) =>
      rows(offset, limit).map((row) => Object.fromEntries(columns.map((column, index) => [column.name, row[index] as AnalyticsValue]))),
    mainValues: () => ({ ids: Array.from(answer.order, (entity) => label.id(entity)), values: values[0] as Float64Array }),
    writtenBack: null,
  };
}

/** A page of a result as JSON. */
export function pageOf(result: AnalyticsResult, offset: number, limit: number): AnalyticsPage {
  const rows = result.records(offset, limit);
  const end = offset + rows.length;
  return {
    algorithm: result.algorithm,
    params: result.params,
    version: result.version,
    entities: result.entities,
    relations: result.relations,
    summary: result.summary,
    milliseconds: result.milliseconds,
    columns: result.columns,
    total: result.rowCount,
    offset,
    rows,
    nextOffset: end < result.rowCount ? end : null,
    writtenBack: result.writtenBack,
  };
}
