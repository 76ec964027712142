/**
 * @module Materialisation: one transaction that reads the view's inputs at one tenant version and writes its output
 * (a dataset, or graph facts) and its lineage — or, when anything fails, nothing at all.
 */
import { TrellisError } from '../core/errors.js';
import type { GraphService, GraphWithin } from '../graph/index.js';
import { type DerivedDefinition, datasetHead, replaceDerivedDataset, sourcedRows } from '../ingest/mapping/index.js';
import { type Tx, appendEvent, nowIso } from '../store/index.js';
import { type ViewDefinition, definitionHash, tableKinds } from './definitions.js';
import { type MetricsProvider, buildTable } from './graph-table.js';
import type { Lineage } from './lineage.js';
import { buildGraph, citationKey, viewExtractor } from './table-graph.js';
import { type View, recordMaterialised } from './view-rows.js';

/** How the rows of a table view changed in a refresh. */
export interface RowChanges {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
}

/** How the facts of a graph view changed in a refresh. */
export interface FactChanges {
  entities: number;
  relations: number;
  retractedCitations: number;
  deletedEntities: number;
  deletedRelations: number;
}

/** What one materialisation did. */
export interface Materialised {
  lineage: Lineage;
  rows?: RowChanges;
  facts?: FactChanges;
}

/** What materialisation needs. */
export interface MaterialiseContext {
  graph: GraphService;
  metrics: MetricsProvider | null;
  maxRows: number;
}

/** The URI of the source a view's rows cite. */
export const viewSourceUri = (name: string) => `view://${name}`;

/** JSON with keys sorted, to compare values read back from either store. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
    .join(',')}}`;
}

async function viewSource(graph: GraphWithin, view: View): Promise<string> {
  const uri = viewSourceUri(view.name);
  const found = await graph.findSourceByUri(uri);
  if (found) return found.id;
  return (await graph.createSource({ uri, kind: 'view', title: `view ${view.name}`, metadata: { view: view.name, kind: view.kind }, status: 'derived' })).id;
}

/** The tenant's last event sequence as this transaction sees it. */
export async function lastSeq(tx: Tx, tenantId: string): Promise<number> {
  const row = await tx.get<{ seq: number }>('SELECT seq FROM event_counters WHERE tenant_id = ?', [tenantId]);
  return Number(row?.seq ?? 0);
}

/**
 * Materialises `view` inside `tx`: appends `event` first — its counter update holds every other writer of the tenant
 * until this transaction ends, so the graph read below is the tenant's state at `graphVersion` (on SQLite the write
 * transaction is exclusive anyway) — then builds and writes the output and records the lineage. `strict` refuses
 * types and properties the graph does not have (on create). Throws, rolling everything back, when the inputs are bad.
 */
export async function materialise(
  tx: Tx,
  tenantId: string,
  view: View,
  context: MaterialiseContext,
  event: { type: string; strict: boolean },
): Promise<Materialised> {
  const [seq] = await appendEvent(tx, { type: event.type, subject: view.id, payload: { name: view.name, kind: view.kind } });
  const graph = context.graph.within(tx, tenantId);
  graph.noteEvents([seq as number]);
  const graphVersion = (seq as number) - 1;
  const definition: ViewDefinition = view.definition;
  const base = { kind: view.kind, definitionHash: definitionHash(definition), materialisedAt: nowIso(), graphVersion };
  if (definition.kind === 'nodes' || definition.kind === 'edges' || definition.kind === 'edge_join') {
    const existing = await datasetHead(tx, tenantId, view.name);
    const owner = (existing?.definition as { view?: { name?: string } } | undefined)?.view?.name;
    if (existing && owner !== view.name)
      throw new TrellisError('conflict', `A dataset named "${view.name}" already exists and is not this view's; choose another view name`, { name: view.name });
    const table = await buildTable(graph, definition, { tenantId, strict: event.strict, maxRows: context.maxRows, metrics: context.metrics });
    const rows = existing ? await compareRows(tx, tenantId, existing.id, table.keys, table.values) : undefined;
    const sourceId = await viewSource(graph, view);
    const datasetDefinition: DerivedDefinition = { columns: table.columns, key: ['id'], gazetteer: null, view: { name: view.name, kind: view.kind } };
    const datasetId = await replaceDerivedDataset(tx, tenantId, { name: view.name, sourceId, definition: datasetDefinition, rows: table });
    const lineage: Lineage = {
      ...base,
      writtenSeq: await lastSeq(tx, tenantId),
      inputs: {
        ...(table.entityTypes ? { entityTypes: table.entityTypes } : {}),
        ...(table.relationTypes ? { relationTypes: table.relationTypes } : {}),
        ...(table.analytics ? { analytics: table.analytics } : {}),
      },
      output: { dataset: view.name, rows: table.keys.length, columns: Object.keys(table.columns) },
    };
    await recordMaterialised(tx, tenantId, view.id, { datasetId, sourceId, lineage });
    return { lineage, ...(rows ? { rows } : {}) };
  }
  if (definition.kind === 'graph') {
    const built = await buildGraph(tx, graph, tenantId, view.name, definition, context.maxRows);
    const previous = view.lineage?.output.sources ?? [];
    const retraction = await graph.retractCitations(viewExtractor(view.name), [...new Set([...previous, ...built.sources])], (citation) =>
      built.citations.has(citationKey(citation.subjectId, citation.sourceId, citation.start, citation.end)),
    );
    const lineage: Lineage = {
      ...base,
      writtenSeq: await lastSeq(tx, tenantId),
      inputs: { datasets: built.datasets },
      output: {
        entities: built.entities,
        relations: built.relations,
        skipped: built.skipped,
        skippedReasons: built.skippedReasons,
        sources: built.sources,
      },
    };
    await recordMaterialised(tx, tenantId, view.id, { datasetId: null, sourceId: null, lineage });
    return {
      lineage,
      facts: {
        entities: built.entities,
        relations: built.relations,
        retractedCitations: retraction.retracted,
        deletedEntities: retraction.deletedEntities.length,
        deletedRelations: retraction.deletedRelations.length,
      },
    };
  }
  // Vectors views embed outside any long transaction (runVectors in index.ts); they never come here.
  throw new Error(`A ${definition.kind} view is not materialised in one transaction`);
}

/** Compares a table's new rows with those stored, by key and value. */
async function compareRows(tx: Tx, tenantId: string, datasetId: string, keys: readonly string[], values: readonly string[]): Promise<RowChanges> {
  const fresh = new Map<string, string>();
  keys.forEach((key, index) => fresh.set(key, values[index] as string));
  const changes: RowChanges = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  let seen = 0;
  for (let after: string | null = null; ;) {
    const page = await sourcedRows(tx, tenantId, datasetId, after, 5000);
    if (page.length === 0) break;
    after = page[page.length - 1]?.key ?? null;
    // SQLite's reads resolve at once: without a macrotask turn the whole comparison would run as one block.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const row of page) {
      const next = fresh.get(row.key);
      if (next === undefined) changes.removed++;
      else {
        seen++;
        if (canonical(JSON.parse(next)) === canonical(row.values)) changes.unchanged++;
        else changes.changed++;
      }
    }
  }
  changes.added = fresh.size - seen;
  return changes;
}

/** Whether a view's output is a dataset. */
export const isTableView = (view: Pick<View, 'kind'>) => tableKinds.includes(view.kind);
