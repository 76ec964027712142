/**
 * @module Lineage: what a materialisation read (the tenant's version, the input datasets' row counts and update times,
 * analytics parameters) and wrote, and whether those inputs have changed since.
 */
import { type EventService, parseEventFilter } from '../platform/events/index.js';
import type { Store } from '../store/index.js';
import type { ViewKind } from './definitions.js';

/** An input dataset as a materialisation read it. */
export interface DatasetInput {
  name: string;
  id: string;
  rowCount: number;
  updatedAt: string;
}

/** The record of one materialisation. */
export interface Lineage {
  kind: ViewKind;
  /** Hash of the definition materialised (definitions.ts). */
  definitionHash: string;
  materialisedAt: string;
  /** The tenant's event sequence the graph was read at: every write up to it is in the output, none after. */
  graphVersion: number;
  /** The last event sequence this materialisation wrote; a later graph event means the graph changed since. */
  writtenSeq: number;
  inputs: {
    /** Graph inputs: entities or relations of each type read. */
    entityTypes?: Record<string, number>;
    relationTypes?: Record<string, number>;
    datasets?: DatasetInput[];
    /** Parameters of the analytics a metric came from, by metric, with the version the analytics ran at. */
    analytics?: Record<string, Record<string, unknown>>;
    /** The embedder a vectors view's vectors were made with. */
    embedder?: string;
  };
  output: {
    dataset?: string;
    rows?: number;
    columns?: string[];
    entities?: number;
    relations?: number;
    /** Parts of rows that gave no entity or relation (an empty name, an unresolved reference), with the first reasons. */
    skipped?: number;
    skippedReasons?: string[];
    /** Sources whose rows the facts cite (table → graph), so a refresh or delete can retract what is no longer derived. */
    sources?: string[];
    /** Row vectors written (vectors views), and rows without text in the chosen columns. */
    vectors?: number;
    emptyRows?: number;
  };
}

/** How the inputs of a view compare with its lineage. */
export interface InputChanges {
  changed: boolean;
  /** Whether graph facts changed after `writtenSeq` (graph → table views). */
  graph: boolean;
  /** Input datasets whose row count or update time differ. */
  datasets: { name: string; before: { rowCount: number; updatedAt: string } | null; now: { rowCount: number; updatedAt: string } | null }[];
}

/**
 * Event types that change graph facts. A source deletion that removes facts appends their `entity.deleted` and
 * `relation.deleted` events too; one that only retracts evidence changes no row of a view.
 */
const graphEvents = parseEventFilter('entity.*,relation.*', undefined);

/** Whether an entity or relation event was committed after `seq` (conservatively true when retention deleted events after it). */
export async function graphChangedSince(store: Store, events: EventService, tenantId: string, seq: number): Promise<boolean> {
  if ((await store.version(tenantId)) <= seq) return false;
  const cursor = await events.checkCursor(tenantId, seq);
  if (cursor.expiredFloor !== null) return true;
  const page = await events.list(tenantId, { after: seq, filter: graphEvents, limit: 1 });
  return page.items.length > 0;
}
