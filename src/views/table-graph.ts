/**
 * @module Table → graph: the rows of datasets become entities and relations through the mapping engine's row → graph
 * step (the same `entities`/`relations` as a mapping file), every fact citing the row it came from (its source file
 * and row number) with the extractor `view:<name>`. Inside the materialisation's transaction.
 */
import { TrellisError, notFound } from '../core/errors.js';
import type { EvidenceInput, GraphWithin, RelationInput } from '../graph/index.js';
import { type DatasetHead, type FileMapping, citation, datasetHead, graphInputs, parseMapping, sourcedRows, type ValidRow } from '../ingest/mapping/index.js';
import type { Tx } from '../store/index.js';
import type { ViewDefinition } from './definitions.js';
import type { DatasetInput } from './lineage.js';

type GraphDefinition = Extract<ViewDefinition, { kind: 'graph' }>;

/** What a table → graph materialisation read and wrote. */
export interface GraphBuild {
  datasets: DatasetInput[];
  entities: number;
  relations: number;
  skipped: number;
  skippedReasons: string[];
  /** Sources of the rows cited. */
  sources: string[];
  /** `subject|source|start|end` of every citation written, so that a refresh can retract the rest. */
  citations: Set<string>;
}

/** The extractor name a view's citations carry. */
export const viewExtractor = (name: string) => `view:${name}`;

/** The key of a citation in {@link GraphBuild.citations}. */
export const citationKey = (subjectId: string, sourceId: string, start: number | null, end: number | null) => `${subjectId}|${sourceId}|${start}|${end}`;

/** Rows per graph write: each is one synchronous bulk upsert on SQLite, so small enough to keep the event loop's pauses short. */
const rowsPerBatch = 1000;

/** The mapping of each dataset, checked by the mapping-file parser against the dataset's stored columns and key. */
async function mappingsOf(tx: Tx, tenantId: string, viewName: string, definition: GraphDefinition): Promise<{ mapping: FileMapping; input: DatasetInput }[]> {
  const heads: { entry: GraphDefinition['datasets'][number]; head: DatasetHead; columns: unknown; key: unknown[] }[] = [];
  for (const entry of definition.datasets) {
    const head = await datasetHead(tx, tenantId, entry.dataset);
    if (!head) throw notFound('Dataset', entry.dataset);
    const stored = head.definition as { columns?: unknown; key?: unknown };
    if (!stored.columns || !Array.isArray(stored.key)) throw new TrellisError('unprocessable', `Dataset "${entry.dataset}" has no declared columns and key`);
    heads.push({ entry, head, columns: stored.columns, key: stored.key });
  }
  const config = parseMapping(
    JSON.stringify({
      files: heads.map(({ entry, columns, key }) => ({
        pattern: entry.dataset,
        dataset: entry.dataset,
        columns,
        key,
        entities: entry.entities,
        relations: entry.relations ?? [],
      })),
    }),
    `view ${viewName}`,
  );
  return config.files.map((mapping, index) => {
    const { head } = heads[index] as { head: DatasetHead };
    return { mapping, input: { name: head.name, id: head.id, rowCount: head.rowCount, updatedAt: head.updatedAt } };
  });
}

/** Every citation of the view carries its extractor: the rows' own and those of rows they refer to. */
function asView(evidence: EvidenceInput[] | undefined, extractor: string): EvidenceInput[] {
  return (evidence ?? []).map((item) => ({ ...item, extractor }));
}

/**
 * Writes the entities and relations the datasets' rows give. Checks every dataset and mapping first (a missing
 * dataset is not_found, a bad mapping unprocessable), so nothing is written for a bad definition.
 */
export async function buildGraph(
  tx: Tx,
  graph: GraphWithin,
  tenantId: string,
  viewName: string,
  definition: GraphDefinition,
  maxRows: number,
): Promise<GraphBuild> {
  const entries = await mappingsOf(tx, tenantId, viewName, definition);
  const total = entries.reduce((sum, { input }) => sum + input.rowCount, 0);
  if (total > maxRows) throw new TrellisError('unprocessable', `The view would read ${total} rows; a view holds at most ${maxRows} (viewMaxRows)`);
  const extractor = viewExtractor(viewName);
  const out: GraphBuild = { datasets: [], entities: 0, relations: 0, skipped: 0, skippedReasons: [], sources: [], citations: new Set() };
  const sources = new Set<string>();
  for (const { mapping, input } of entries) {
    out.datasets.push(input);
    const known = new Map<string, string>();
    for (let after: string | null = null; ;) {
      const page = await sourcedRows(tx, tenantId, input.id, after, rowsPerBatch);
      if (page.length === 0) break;
      after = page[page.length - 1]?.key ?? null;
      // Lets other requests run between batches (reads go to SQLite's reader connection meanwhile).
      await new Promise<void>((resolve) => setImmediate(resolve));
      const rows: ValidRow[] = page.map((row) => {
        sources.add(row.sourceId);
        return { key: row.key, row: row.row, values: row.values, evidence: { ...citation(row.sourceId, row.file, row.row, input.name, row.key), extractor } };
      });
      const inputs = await graphInputs(tx, tenantId, { id: page[0]?.sourceId as string, file: `dataset ${input.name}` }, mapping, rows, {
        known,
        defer: false,
      });
      for (const note of inputs.notes) {
        out.skipped++;
        if (out.skippedReasons.length < 20) out.skippedReasons.push(`${input.name} row ${note.row}: ${note.reason}`);
      }
      const entities = inputs.entities.map((entity) => ({ ...entity, evidence: asView(entity.evidence, extractor) }));
      for (const entity of entities) for (const item of entity.evidence) if (item.sourceId) sources.add(item.sourceId);
      let relationInputs: RelationInput[] = [];
      const written = await graph.upsertEntitiesAndRelations(entities, (ids) => {
        const id = (end: number | string) => (typeof end === 'number' ? (ids[end] as string) : end);
        relationInputs = inputs.relations.map(({ from, to, input: relation }) => ({
          ...relation,
          from: id(from),
          to: id(to),
          evidence: asView(relation.evidence, extractor),
        }));
        return relationInputs;
      });
      for (const [index, identity] of inputs.referenced) known.set(identity, written.entities.ids[index] as string);
      entities.forEach((entity, index) => {
        for (const item of entity.evidence)
          out.citations.add(citationKey(written.entities.ids[index] as string, item.sourceId ?? '', item.start ?? null, item.end ?? null));
      });
      relationInputs.forEach((relation, index) => {
        for (const item of relation.evidence ?? [])
          out.citations.add(citationKey(written.relations.ids[index] as string, item.sourceId ?? '', item.start ?? null, item.end ?? null));
      });
      out.entities += inputs.fromRows;
      out.relations += relationInputs.length;
    }
  }
  out.sources = [...sources].sort();
  return out;
}
