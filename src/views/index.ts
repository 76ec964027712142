/**
 * @module Views: named, stored definitions that derive a dataset from the graph (nodes, edges, joined edges) or graph
 * facts from datasets, materialised atomically with their lineage, refreshed on demand, and the citations behind
 * every derived row. The public door of the views module.
 */
import { TrellisError, notFound } from '../core/errors.js';
import type { TrellisConfig } from '../core/config.js';
import type { Evidence, GraphService } from '../graph/index.js';
import { type DatasetHead, datasetHead, deleteDataset, sourcedRow } from '../ingest/mapping/index.js';
import type { EventService } from '../platform/events/index.js';
import { type JobService, PermanentFailure } from '../platform/jobs/index.js';
import { type Store, type Tx, appendEvent } from '../store/index.js';
import { type ViewDefinition, checkViewName, parseViewDefinition } from './definitions.js';
import type { MetricsProvider } from './graph-table.js';
import { type DatasetInput, type InputChanges, graphChangedSince } from './lineage.js';
import { type FactChanges, type Materialised, type RowChanges, isTableView, lastSeq, materialise, viewSourceUri } from './materialise.js';
import { definitionHash } from './definitions.js';
import { viewExtractor } from './table-graph.js';
import { type RowEmbeddings, embedRowTexts, readRowTexts } from './to-vectors.js';
import { type View, deleteViewRow, findView, insertView, listViews, recordMaterialised, setViewStatus } from './view-rows.js';

export type { View, ViewStatus } from './view-rows.js';
export type { Lineage, InputChanges } from './lineage.js';
export type { MetricsProvider, MetricValues } from './graph-table.js';
export type { RowChanges, FactChanges } from './materialise.js';
export type { RowEmbeddings } from './to-vectors.js';
export { analyticsMetrics } from './metrics.js';
export { ViewDefinitionSchema, parseViewDefinition, viewNamePattern, type ViewDefinition, type ViewKind } from './definitions.js';

/** Job type of a view materialised in the background: payload `{ name, mode: 'create' | 'refresh' }`. */
export const viewJobType = 'views.materialise';

/** What creating a view answered: the view, and the job when it is materialised in the background. */
export interface CreatedView {
  view: View;
  job: { id: string } | null;
}

/** What a refresh answered. */
export interface RefreshReport {
  view: View;
  /** Whether the inputs changed since the last materialisation (before this refresh re-derived them). */
  inputsChanged: boolean;
  changes: InputChanges;
  /** For table views: rows added, removed, changed and unchanged. */
  rows?: RowChanges;
  /** For graph views: facts written, citations retracted, facts removed with their last citation. */
  facts?: FactChanges;
  /** The lineage before this refresh. */
  previous: View['lineage'];
  /** Set when the refresh was queued as a job instead (a big view); the other fields then describe the inputs only. */
  job: { id: string } | null;
}

/** The citations behind one dataset row. */
export interface RowEvidence {
  dataset: string;
  key: string;
  /** Where the row itself comes from: its source (a file, or `view://<name>`) and row number. */
  row: { sourceId: string; uri: string; title: string | null; number: number };
  /** The view that derived the dataset, if one did. */
  derivedFrom: { view: string; kind: string } | null;
  /** The graph facts the row was derived from, each with its evidence (at most 100 per fact). */
  subjects: { kind: 'entity' | 'relation'; role: 'row' | 'from' | 'to'; id: string; exists: boolean; evidence: Evidence[] }[];
}

/** The views of every tenant. */
export interface ViewService {
  /** Creates a view and materialises it: at once, or as a job when its inputs hold more than `viewInlineMaxRows` rows (`inline` forces at once). */
  create(tenantId: string, name: string, definition: ViewDefinition, options?: { inline?: boolean }): Promise<CreatedView>;
  list(tenantId: string): Promise<View[]>;
  get(tenantId: string, name: string): Promise<View>;
  /** Re-derives a view from its inputs now and reports whether they had changed. */
  refresh(tenantId: string, name: string, options?: { inline?: boolean }): Promise<RefreshReport>;
  /** Deletes a view with its dataset and source; a graph view's citations are retracted (facts left without any go). */
  delete(tenantId: string, name: string): Promise<void>;
  /** The citations behind a row of any dataset: a derived row's graph facts with their evidence, an ingested row's file and row. */
  rowEvidence(tenantId: string, dataset: string, key: string): Promise<RowEvidence>;
}

/** What the views module needs. */
export interface ViewServiceDeps {
  store: Store;
  graph: GraphService;
  events: EventService;
  jobs: JobService;
  config: Pick<TrellisConfig, 'viewInlineMaxRows' | 'viewMaxRows'>;
  /** PageRank and community columns; null until the graph-analytics service is plugged in (see docs/views.md). */
  metrics?: MetricsProvider | null;
  /** The embedding service, for vectors views; without it they are refused. */
  embeddings?: RowEmbeddings | null;
}

function conflictOnDuplicate(error: unknown, name: string): never {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? '';
  if (code === '23505' || /UNIQUE constraint failed: views/.test(message))
    throw new TrellisError('conflict', `A view named "${name}" already exists`, { name });
  throw error;
}

/** How many rows a view reads: entities or relations of its types, or its datasets' rows. */
async function inputSize(tx: Tx, graph: GraphService, tenantId: string, definition: ViewDefinition): Promise<number> {
  const sum = (counts: Map<string, number>) => [...counts.values()].reduce((total, count) => total + count, 0);
  const within = graph.within(tx, tenantId);
  if (definition.kind === 'nodes') return sum(await within.countEntityTypes(definition.entityTypes));
  if (definition.kind === 'edges' || definition.kind === 'edge_join') return sum(await within.countRelationTypes(definition.relationTypes));
  const names = definition.kind === 'graph' ? definition.datasets.map((entry) => entry.dataset) : [definition.dataset];
  let total = 0;
  for (const name of names) total += (await datasetHead(tx, tenantId, name))?.rowCount ?? 0;
  return total;
}

const compare = (head: DatasetHead | undefined) => (head ? { rowCount: head.rowCount, updatedAt: head.updatedAt } : null);

/**
 * Builds the views service and registers its job type.
 * @example
 * const views = createViewService({ store, graph, events, jobs, config });
 * await views.create(tenantId, 'people', { kind: 'nodes', entityTypes: ['Person'], properties: ['age'], metrics: ['degree'] });
 */
export function createViewService(deps: ViewServiceDeps): ViewService {
  const { store, graph, events, jobs, config } = deps;
  const context = { graph, metrics: deps.metrics ?? null, maxRows: config.viewMaxRows };
  const scope = (tenantId: string) => ({ tenantId });

  const requireView = async (tx: Tx, tenantId: string, name: string) => {
    const view = await findView(tx, tenantId, name);
    if (!view) throw notFound('View', name);
    return view;
  };

  /** What changed in a view's inputs since its lineage was recorded. */
  async function inputChanges(tenantId: string, view: View): Promise<InputChanges> {
    const lineage = view.lineage;
    if (!lineage) return { changed: true, graph: true, datasets: [] };
    // Table views read the graph; graph and vectors views read datasets only.
    const graphChanged = isTableView(view) ? await graphChangedSince(store, events, tenantId, lineage.writtenSeq) : false;
    const datasets: InputChanges['datasets'] = [];
    for (const input of lineage.inputs.datasets ?? ([] as DatasetInput[])) {
      const now = compare(await store.read(scope(tenantId), (tx) => datasetHead(tx, tenantId, input.name)));
      if (!now || now.rowCount !== input.rowCount || now.updatedAt !== input.updatedAt)
        datasets.push({ name: input.name, before: { rowCount: input.rowCount, updatedAt: input.updatedAt }, now });
    }
    return { changed: graphChanged || datasets.length > 0, graph: graphChanged, datasets };
  }

  /**
   * A vectors view: the texts are read, embedded and stored through the embedding service (outside any long
   * transaction: embedding is slow), then the view and its lineage are recorded in one transaction. A failure leaves no
   * view; vectors already stored by an earlier slice of 10,000 rows stay (each is a correct vector of its row).
   */
  async function runVectors(tenantId: string, name: string, options: { definition?: ViewDefinition; strict: boolean; event: string }) {
    const embeddings = deps.embeddings;
    if (!embeddings) throw new TrellisError('unprocessable', 'A vectors view needs the embedding service, which this server was built without');
    const definition = options.definition ?? (await service.get(tenantId, name)).definition;
    if (definition.kind !== 'vectors') throw new Error('not a vectors view');
    const check = async (tx: Tx) => {
      if (options.definition && (await findView(tx, tenantId, name))) throw new TrellisError('conflict', `A view named "${name}" already exists`, { name });
      const rival = (await listViews(tx, tenantId)).find(
        (other) => other.name !== name && other.definition.kind === 'vectors' && other.definition.dataset === definition.dataset,
      );
      if (rival)
        throw new TrellisError('conflict', `View "${rival.name}" already embeds dataset "${definition.dataset}" (a row has one vector)`, { view: rival.name });
    };
    const texts = await store.read(scope(tenantId), async (tx) => {
      await check(tx);
      return readRowTexts(tx, tenantId, definition, { strict: options.strict, maxRows: config.viewMaxRows });
    });
    const written = await embedRowTexts(embeddings, tenantId, texts.head.id, texts.rows);
    return store
      .transaction(scope(tenantId), async (tx) => {
        await check(tx);
        const view = options.definition ? await insertView(tx, tenantId, name, options.definition) : await requireView(tx, tenantId, name);
        const [seq] = await appendEvent(tx, { type: options.event, subject: view.id, payload: { name, kind: view.kind } });
        graph.within(tx, tenantId).noteEvents([seq as number]);
        const lineage = {
          kind: view.kind,
          definitionHash: definitionHash(definition),
          materialisedAt: new Date().toISOString(),
          graphVersion: (seq as number) - 1,
          writtenSeq: await lastSeq(tx, tenantId),
          inputs: {
            datasets: [{ name: texts.head.name, id: texts.head.id, rowCount: texts.head.rowCount, updatedAt: texts.head.updatedAt }],
            embedder: embeddings.embedderId(),
          },
          output: { vectors: written, emptyRows: texts.empty, columns: definition.columns },
        };
        await recordMaterialised(tx, tenantId, view.id, { datasetId: texts.head.id, sourceId: null, lineage });
        return { view: await requireView(tx, tenantId, name), done: { lineage } as Materialised };
      })
      .catch((error: unknown) => conflictOnDuplicate(error, name));
  }

  /** Runs a materialisation in its own transaction; a failure leaves nothing of it. */
  async function run(
    tenantId: string,
    name: string,
    options: { definition?: ViewDefinition; strict: boolean; event: string },
  ): Promise<{ view: View; done: Materialised }> {
    const kind = options.definition?.kind ?? (await service.get(tenantId, name)).kind;
    if (kind === 'vectors') return runVectors(tenantId, name, options);
    return store
      .transaction(scope(tenantId), async (tx) => {
        let view: View;
        if (options.definition) {
          if (await findView(tx, tenantId, name)) throw new TrellisError('conflict', `A view named "${name}" already exists`, { name });
          view = await insertView(tx, tenantId, name, options.definition);
        } else view = await requireView(tx, tenantId, name);
        const done = await materialise(tx, tenantId, view, context, { type: options.event, strict: options.strict });
        return { view: await requireView(tx, tenantId, name), done };
      })
      .catch((error: unknown) => conflictOnDuplicate(error, name));
  }

  jobs.register(
    viewJobType,
    async (job) => {
      const tenantId = job.tenantId as string;
      const { name, mode } = job.payload as { name: string; mode: 'create' | 'refresh' };
      try {
        const first = mode === 'create';
        const { done } = await run(tenantId, name, { strict: first, event: first ? 'view.materialised' : 'view.refreshed' }).catch(async (error: unknown) => {
          // A first materialisation that fails leaves the view failed, with why; a refresh keeps the last good output.
          await store.transaction(scope(tenantId), (tx) =>
            setViewStatus(tx, tenantId, (job.payload as { id: string }).id, first ? 'failed' : 'ready', { error: (error as Error).message }),
          );
          throw error;
        });
        return { name, lineage: done.lineage, rows: done.rows ?? null, facts: done.facts ?? null };
      } catch (error) {
        if (error instanceof TrellisError && error.status < 500) throw new PermanentFailure(error.message, { cause: error });
        throw error;
      }
    },
    { retry: { maxAttempts: 3 } },
  );

  /** Queues a materialisation job in `tx` and marks the view pending. */
  async function queue(tx: Tx, tenantId: string, view: View, mode: 'create' | 'refresh'): Promise<{ id: string }> {
    const { id } = await jobs.enqueue(tx, { type: viewJobType, tenantId, payload: { name: view.name, id: view.id, mode } });
    await setViewStatus(tx, tenantId, view.id, 'pending', { jobId: id, error: view.error });
    return { id };
  }

  const service: ViewService = {
    async create(tenantId, name, given, options = {}) {
      checkViewName(name);
      const definition = parseViewDefinition(given);
      const size = await store.read(scope(tenantId), (tx) => inputSize(tx, graph, tenantId, definition));
      if (options.inline || size <= config.viewInlineMaxRows)
        return { view: (await run(tenantId, name, { definition, strict: true, event: 'view.created' })).view, job: null };
      return store
        .transaction(scope(tenantId), async (tx) => {
          if (await findView(tx, tenantId, name)) throw new TrellisError('conflict', `A view named "${name}" already exists`, { name });
          const view = await insertView(tx, tenantId, name, definition);
          graph
            .within(tx, tenantId)
            .noteEvents(await appendEvent(tx, { type: 'view.created', subject: view.id, payload: { name, kind: definition.kind, queued: true } }));
          const job = await queue(tx, tenantId, view, 'create');
          return { view: await requireView(tx, tenantId, name), job };
        })
        .catch((error: unknown) => conflictOnDuplicate(error, name));
    },

    list: (tenantId) => store.read(scope(tenantId), (tx) => listViews(tx, tenantId)),

    get: (tenantId, name) => store.read(scope(tenantId), (tx) => requireView(tx, tenantId, name)),

    async refresh(tenantId, name, options = {}) {
      const before = await service.get(tenantId, name);
      const changes = await inputChanges(tenantId, before);
      const size = await store.read(scope(tenantId), (tx) => inputSize(tx, graph, tenantId, before.definition));
      if (!options.inline && size > config.viewInlineMaxRows) {
        const job = await store.transaction(scope(tenantId), async (tx) => queue(tx, tenantId, await requireView(tx, tenantId, name), 'refresh'));
        return { view: await service.get(tenantId, name), inputsChanged: changes.changed, changes, previous: before.lineage, job };
      }
      const { view, done } = await run(tenantId, name, { strict: false, event: 'view.refreshed' });
      return {
        view,
        inputsChanged: changes.changed,
        changes,
        ...(done.rows ? { rows: done.rows } : {}),
        ...(done.facts ? { facts: done.facts } : {}),
        previous: before.lineage,
        job: null,
      };
    },

    async delete(tenantId, name) {
      await store.transaction(scope(tenantId), async (tx) => {
        const view = await requireView(tx, tenantId, name);
        const within = graph.within(tx, tenantId);
        within.noteEvents(await appendEvent(tx, { type: 'view.deleted', subject: view.id, payload: { name, kind: view.kind } }));
        if (isTableView(view)) {
          const dataset = await datasetHead(tx, tenantId, name);
          if (dataset && (dataset.definition as { view?: { name?: string } }).view?.name === name) await deleteDataset(tx, tenantId, dataset.id);
          const source = await within.findSourceByUri(viewSourceUri(name));
          if (source) await within.deleteSource(source.id);
        }
        if (view.kind === 'graph') await within.retractCitations(viewExtractor(name), view.lineage?.output.sources ?? [], () => false);
        await deleteViewRow(tx, tenantId, view.id);
      });
    },

    async rowEvidence(tenantId, dataset, key) {
      const found = await store.read(scope(tenantId), async (tx) => {
        const head = await datasetHead(tx, tenantId, dataset);
        if (!head) throw notFound('Dataset', dataset);
        const row = await sourcedRow(tx, tenantId, head.id, key);
        if (!row) throw notFound('Row', key);
        return { head, row };
      });
      const { head, row } = found;
      const derived = (head.definition as { view?: { name: string; kind: string } }).view ?? null;
      const subjects: RowEvidence['subjects'] = [];
      if (derived?.kind === 'nodes') subjects.push({ kind: 'entity', role: 'row', id: row.key, exists: false, evidence: [] });
      if (derived?.kind === 'edges' || derived?.kind === 'edge_join') {
        subjects.push({ kind: 'relation', role: 'row', id: row.key, exists: false, evidence: [] });
        for (const role of ['from', 'to'] as const) {
          const id = row.values[`${role}_id`];
          if (typeof id === 'string') subjects.push({ kind: 'entity', role, id, exists: false, evidence: [] });
        }
      }
      if (subjects.length > 0) {
        // Every fact keeps at least one citation, so a subject without any no longer exists (refresh the view).
        const citations = await graph.citations(
          tenantId,
          subjects.map((subject) => subject.id),
          100,
        );
        for (const subject of subjects) {
          subject.evidence = citations.get(subject.id) ?? [];
          subject.exists = subject.evidence.length > 0;
        }
      }
      return {
        dataset: head.name,
        key: row.key,
        row: { sourceId: row.sourceId, uri: row.uri, title: row.title, number: row.row },
        derivedFrom: derived ? { view: derived.name, kind: derived.kind } : null,
        subjects,
      };
    },
  };
  return service;
}
