/**
 * @module Graph → table: the rows of a nodes, edges or joined-edge view, read from the graph inside the
 * materialisation's transaction. A row's key is the entity or relation ID, which is also how its citations are found.
 */
import { TrellisError } from '../core/errors.js';
import { type GraphWithin, type ScannedEntity, type ScannedRelation, checkPropertyFilter, compileFilter } from '../graph/index.js';
import type { ColumnDefinition, ColumnType } from '../ingest/mapping/index.js';
import { type NodeMetric, type ViewDefinition, edgeColumns, nodeColumns } from './definitions.js';

type TableDefinition = Extract<ViewDefinition, { kind: 'nodes' | 'edges' | 'edge_join' }>;

/** Per-entity values of a graph-analytics metric (PageRank, community), with what produced them. */
export interface MetricValues {
  values: Map<string, number>;
  /** The parameters and the tenant version the analytics ran with (recorded in the lineage). */
  parameters: Record<string, unknown>;
}

/**
 * Where analytics metrics come from. The graph-analytics service plugs in here (see docs/views.md); without it, a
 * view asking for `pagerank` or `community` is refused.
 */
export interface MetricsProvider {
  /** Values of `metric` for the tenant's entities, with the view's parameters for it (`metricParams`). */
  compute(tenantId: string, metric: 'pagerank' | 'community', params?: Record<string, unknown>): Promise<MetricValues>;
}

/** The rows of a table view, ready for `replaceDerivedDataset`, and what was read. */
export interface TableRows {
  columns: Record<string, ColumnDefinition>;
  keys: string[];
  rows: number[];
  values: string[];
  entityTypes?: Record<string, number>;
  relationTypes?: Record<string, number>;
  analytics?: Record<string, Record<string, unknown>>;
}

/** Options of {@link buildTable}. */
export interface BuildTableOptions {
  tenantId: string;
  /** Refuse types and properties no entity or relation has (on create); a refresh writes null columns instead. */
  strict: boolean;
  maxRows: number;
  metrics: MetricsProvider | null;
}

const pageSize = 5000;

/** Lets other requests run between pages (reads go to SQLite's reader connection meanwhile). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Infers a column's declared type from the values written to it. */
class ColumnTypes {
  private readonly seen = new Map<string, Set<ColumnType>>();

  note(column: string, value: unknown): void {
    if (value === null || value === undefined) return;
    const type: ColumnType = typeof value === 'boolean' ? 'boolean' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : 'string';
    let set = this.seen.get(column);
    if (!set) this.seen.set(column, (set = new Set()));
    set.add(type);
  }

  /** integer when every value is one, number for numbers, boolean, else string (text, or mixed, lists and objects kept as they are). */
  of(column: string): ColumnType {
    const set = this.seen.get(column);
    if (!set || set.size === 0) return 'string';
    if (set.size === 1) return [...set][0] as ColumnType;
    if ([...set].every((type) => type === 'integer' || type === 'number')) return 'number';
    return 'string';
  }
}

function refuseUnknown(what: string, asked: readonly string[], counts: Map<string, number>): void {
  const missing = asked.filter((name) => !counts.has(name));
  if (missing.length > 0)
    throw new TrellisError('bad_request', `Unknown ${what}: ${missing.join(', ')} (the graph has none of ${missing.length === 1 ? 'it' : 'them'})`);
}

function refuseUnseen(what: string, holder: string, asked: readonly string[], seen: Set<string>): void {
  const missing = asked.filter((name) => !seen.has(name));
  if (missing.length > 0)
    throw new TrellisError(
      'bad_request',
      `Unknown ${what}: ${missing.join(', ')} (no ${holder} of the chosen types carries ${missing.length === 1 ? 'it' : 'them'})`,
    );
}

function checkSize(total: number, maxRows: number): void {
  if (total > maxRows) throw new TrellisError('unprocessable', `The view would have ${total} rows; a view holds at most ${maxRows} (viewMaxRows)`);
}

function noteProperties(seen: Set<string>, properties: Record<string, unknown>, wanted: readonly string[]): void {
  for (const name of wanted) if (Object.hasOwn(properties, name)) seen.add(name);
}

const propertyOf = (properties: Record<string, unknown>, name: string) => (Object.hasOwn(properties, name) ? properties[name] : null);

/**
 * The rows of a table view over the graph as `graph` (bound to the materialisation's transaction) sees it.
 * @example
 * const table = await buildTable(services.graph.within(tx, tenantId), { kind: 'nodes', entityTypes: ['Person'] }, options);
 */
export async function buildTable(graph: GraphWithin, definition: TableDefinition, options: BuildTableOptions): Promise<TableRows> {
  return definition.kind === 'nodes' ? buildNodes(graph, definition, options) : buildEdges(graph, definition, options);
}

async function buildNodes(graph: GraphWithin, definition: Extract<TableDefinition, { kind: 'nodes' }>, options: BuildTableOptions): Promise<TableRows> {
  const counts = await graph.countEntityTypes(definition.entityTypes);
  if (options.strict) refuseUnknown('entity types', definition.entityTypes, counts);
  checkSize(
    [...counts.values()].reduce((sum, count) => sum + count, 0),
    options.maxRows,
  );
  const wanted = definition.properties ?? [];
  const metrics = definition.metrics ?? [];
  const analyticsValues = new Map<NodeMetric, Map<string, number>>();
  const analytics: Record<string, Record<string, unknown>> = {};
  for (const metric of metrics) {
    if (metric !== 'pagerank' && metric !== 'community') continue;
    if (!options.metrics)
      throw new TrellisError(
        'unprocessable',
        `The metric ${metric} needs the graph-analytics service, which this server does not have; use degree, in_degree or out_degree`,
      );
    const computed = await options.metrics.compute(options.tenantId, metric, definition.metricParams?.[metric]);
    analyticsValues.set(metric, computed.values);
    analytics[metric] = computed.parameters;
  }
  const filter = definition.where ? compileFilter(checkPropertyFilter(definition.where)) : null;
  const types = new ColumnTypes();
  const seen = new Set<string>();
  const out: TableRows = { columns: {}, keys: [], rows: [], values: [], entityTypes: Object.fromEntries(counts) };
  // Type by type (in name order), each in ID order: one range of the type index per page.
  const pages = async function* () {
    for (const type of [...definition.entityTypes].sort()) {
      for (let after: string | null = null; ;) {
        const page: ScannedEntity[] = await graph.entitiesOfType(type, after, pageSize);
        if (page.length === 0) break;
        after = (page[page.length - 1] as ScannedEntity).id;
        yield page;
        await yieldToEventLoop();
      }
    }
  };
  for await (const page of pages()) {
    for (const entity of page) noteProperties(seen, entity.properties, wanted);
    const kept = filter ? page.filter((entity) => filter.test(entity.properties)) : page;
    const degrees = metrics.some((metric) => metric.endsWith('degree')) ? await graph.degrees(kept.map((entity) => entity.seq)) : null;
    for (const entity of kept) {
      const values: Record<string, unknown> = { id: entity.id, type: entity.type, name: entity.name };
      for (const name of wanted) values[name] = propertyOf(entity.properties, name);
      const degree = degrees?.get(entity.seq);
      for (const metric of metrics) {
        if (metric === 'degree') values.degree = (degree?.in ?? 0) + (degree?.out ?? 0);
        else if (metric === 'in_degree') values.in_degree = degree?.in ?? 0;
        else if (metric === 'out_degree') values.out_degree = degree?.out ?? 0;
        else values[metric] = analyticsValues.get(metric)?.get(entity.id) ?? null;
      }
      for (const [column, value] of Object.entries(values)) types.note(column, value);
      out.keys.push(entity.id);
      out.rows.push(out.keys.length);
      out.values.push(JSON.stringify(values));
    }
  }
  if (options.strict) refuseUnseen('entity properties', 'entity', wanted, seen);
  const fixed = Object.fromEntries(nodeColumns.map((column) => [column, { type: 'string' as const, required: true }]));
  out.columns = { ...fixed, ...Object.fromEntries([...wanted, ...metrics].map((column) => [column, { type: types.of(column), required: false }])) };
  if (Object.keys(analytics).length > 0) out.analytics = analytics;
  return out;
}

async function buildEdges(
  graph: GraphWithin,
  definition: Extract<TableDefinition, { kind: 'edges' | 'edge_join' }>,
  options: BuildTableOptions,
): Promise<TableRows> {
  const counts = await graph.countRelationTypes(definition.relationTypes);
  if (options.strict) refuseUnknown('relation types', definition.relationTypes, counts);
  checkSize(
    [...counts.values()].reduce((sum, count) => sum + count, 0),
    options.maxRows,
  );
  const wanted = definition.properties ?? [];
  const fromWanted = definition.kind === 'edge_join' ? (definition.fromProperties ?? []) : [];
  const toWanted = definition.kind === 'edge_join' ? (definition.toProperties ?? []) : [];
  const types = new ColumnTypes();
  const seen = { relation: new Set<string>(), from: new Set<string>(), to: new Set<string>() };
  const out: TableRows = { columns: {}, keys: [], rows: [], values: [], relationTypes: Object.fromEntries(counts) };
  for (let after: string | null = null; ;) {
    const page: ScannedRelation[] = await graph.relationsOfTypes(definition.relationTypes, after, pageSize);
    if (page.length === 0) break;
    after = (page[page.length - 1] as ScannedRelation).id;
    await yieldToEventLoop();
    const ends = await graph.entitiesBySeq(page.flatMap((relation) => [relation.fromSeq, relation.toSeq]));
    for (const relation of page) {
      const [from, to] = [ends.get(relation.fromSeq), ends.get(relation.toSeq)];
      if (!from || !to) continue;
      noteProperties(seen.relation, relation.properties, wanted);
      noteProperties(seen.from, from.properties, fromWanted);
      noteProperties(seen.to, to.properties, toWanted);
      const values: Record<string, unknown> = {
        id: relation.id,
        type: relation.type,
        from_id: from.id,
        from_type: from.type,
        from_name: from.name,
        to_id: to.id,
        to_type: to.type,
        to_name: to.name,
      };
      for (const name of wanted) values[name] = propertyOf(relation.properties, name);
      for (const name of fromWanted) values[`from_${name}`] = propertyOf(from.properties, name);
      for (const name of toWanted) values[`to_${name}`] = propertyOf(to.properties, name);
      for (const [column, value] of Object.entries(values)) types.note(column, value);
      out.keys.push(relation.id);
      out.rows.push(out.keys.length);
      out.values.push(JSON.stringify(values));
    }
  }
  if (options.strict) {
    refuseUnseen('relation properties', 'relation', wanted, seen.relation);
    refuseUnseen('start-entity properties', 'start entity of a relation', fromWanted, seen.from);
    refuseUnseen('end-entity properties', 'end entity of a relation', toWanted, seen.to);
  }
  const fixed = Object.fromEntries(edgeColumns.map((column) => [column, { type: 'string' as const, required: true }]));
  const optional = [...wanted, ...fromWanted.map((name) => `from_${name}`), ...toWanted.map((name) => `to_${name}`)];
  out.columns = { ...fixed, ...Object.fromEntries(optional.map((column) => [column, { type: types.of(column), required: false }])) };
  return out;
}
