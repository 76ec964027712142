/**
 * @module Pattern detection (`memory.patterns`): clusters a tenant's similar mistakes, notes and decisions (MinHash
 * over word shingles, in a worker thread) and keeps one `pattern` memory per cluster, created or updated, never
 * duplicated, each write with `pattern.detected`.
 */
import { createHash } from 'node:crypto';
import { type MemoryKind, limits } from '../kinds.js';
import { clusterInWorker } from './cluster.js';
import type { Cluster, ClusterItem } from './similarity.js';
import { words } from './similarity.js';
import { type AnalysisDeps, type PatternDraft, analysisAuthor, savePattern, scanMemories } from './writes.js';

/** Settings of one run, from the job's payload. */
export interface PatternSettings {
  /** Memories a cluster needs to become a pattern. @default 3 */
  minSupport: number;
  /** Estimated Jaccard similarity (of word and word-pair shingles) at which two memories join a cluster. @default 0.5 */
  threshold: number;
  /** Shingles in more than this share of the memories (and in at least 100) do not count (see similarity.ts). @default 0.02 */
  commonShare: number;
  /** Patterns written per run at most, largest clusters first. @default 1000 */
  maxPatterns: number;
}

/** What a run did: the job's result. */
export interface PatternRun {
  scanned: Record<string, number>;
  clusters: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** The patterns written (created or updated), at most 100, largest first. */
  patterns: { id: string; occurrences: number; confidence: number; new: boolean }[];
  /** Why patterns were skipped, at most 20. */
  skippedReasons: string[];
  clusterMs: number;
  durationMs: number;
}

/** The kinds that patterns are found among; each clusters only with its own kind. */
const analysedKinds: readonly MemoryKind[] = ['mistake', 'note', 'decision'];
const listed = 100;

/** The text a memory is compared by: a mistake's error type and message; a note's title and text; a decision's title, context and choice. */
function textOf(kind: MemoryKind, title: string | null, fields: Record<string, unknown>): string {
  const parts = kind === 'mistake' ? [fields.errorType, fields.message] : kind === 'note' ? [title, fields.text] : [title, fields.context, fields.chosen];
  return parts.filter((part): part is string => typeof part === 'string').join('\n');
}

const shorten = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
};

/** A stored pattern of an earlier run. */
interface KnownPattern {
  id: string;
  signature: string | null;
  supporting: Set<string>;
  occurrences: number;
  confidence: number;
}

/**
 * The confidence of a cluster: its cohesion (mean estimated similarity of its members to its oldest member) times
 * n / (n + 2), so two or three similar memories are a weak pattern and dozens a strong one.
 */
export function patternConfidence(cohesion: number, occurrences: number): number {
  return Math.round(cohesion * (occurrences / (occurrences + 2)) * 1000) / 1000;
}

/**
 * What a run's input comes down to: how many memories of the analysed kinds (patterns included) the tenant has, the
 * latest change among them, and the settings. Equal to the last run's: nothing to do. Taken before a run reads, so
 * a memory written during the run changes the next run's.
 */
export async function patternsFingerprint(store: AnalysisDeps['store'], tenantId: string, settings: PatternSettings): Promise<string> {
  const row = await store.read({ tenantId }, (tx) =>
    tx.get<{ n: number | string; latest: string | Date | null }>(
      "SELECT count(*) AS n, max(updated_at) AS latest FROM memories WHERE tenant_id = ? AND kind IN ('mistake', 'note', 'decision', 'pattern')",
      [tenantId],
    ),
  );
  const latest = row?.latest ? new Date(row.latest).toISOString() : 'none';
  return `${Number(row?.n ?? 0)}:${latest}:${settings.minSupport}:${settings.threshold}:${settings.commonShare}:${settings.maxPatterns}`;
}

/** Finds the patterns of a tenant and writes them; see docs/memory.md, "Analysis". */
export async function detectPatterns(
  deps: AnalysisDeps,
  tenantId: string,
  settings: PatternSettings,
  progress: (value: Record<string, unknown>) => void,
  signal: AbortSignal,
): Promise<PatternRun> {
  const started = performance.now();
  const ids: string[] = [];
  const labels: string[] = [];
  const items: ClusterItem[] = [];
  const scanned: Record<string, number> = { mistake: 0, note: 0, decision: 0 };
  const known: KnownPattern[] = [];
  await scanMemories(
    deps.store,
    tenantId,
    [...analysedKinds, 'pattern'],
    (memory) => {
      if (memory.kind === 'pattern') {
        if (memory.author === analysisAuthor)
          known.push({
            id: memory.id,
            signature: typeof memory.fields.signature === 'string' ? memory.fields.signature : null,
            supporting: new Set((memory.fields.supportingIds as string[] | undefined) ?? []),
            occurrences: Number(memory.fields.occurrences ?? 0),
            confidence: Number(memory.fields.confidence ?? 0),
          });
        return;
      }
      const text = textOf(memory.kind, memory.title, memory.fields);
      if (text.trim() === '') return;
      scanned[memory.kind] = (scanned[memory.kind] ?? 0) + 1;
      ids.push(memory.id);
      labels.push(memory.kind === 'mistake' ? String(memory.fields.errorType) : memory.kind);
      items.push({ group: memory.kind, text });
    },
    { signal },
  );
  progress({ phase: 'clustering', memories: items.length });
  const clusterStarted = performance.now();
  const clusters = (
    await clusterInWorker(items, { threshold: settings.threshold, minSize: settings.minSupport, verify: 'estimate', commonShare: settings.commonShare }, signal)
  ).slice(0, settings.maxPatterns);
  const clusterMs = Math.round(performance.now() - clusterStarted);

  const bySignature = new Map(known.filter((pattern) => pattern.signature !== null).map((pattern) => [pattern.signature as string, pattern]));
  const bySupporting = new Map<string, KnownPattern[]>();
  for (const pattern of known)
    for (const id of pattern.supporting) {
      const list = bySupporting.get(id);
      if (list) list.push(pattern);
      else bySupporting.set(id, [pattern]);
    }
  const claimed = new Set<string>();
  /** The stored pattern a cluster continues: the same signature, or one whose supporting memories are mostly in it. */
  const match = (signature: string, members: readonly string[]): KnownPattern | undefined => {
    const same = bySignature.get(signature);
    if (same && !claimed.has(same.id)) return same;
    const overlap = new Map<KnownPattern, number>();
    for (const id of members) for (const pattern of bySupporting.get(id) ?? []) overlap.set(pattern, (overlap.get(pattern) ?? 0) + 1);
    let best: KnownPattern | undefined;
    let bestCount = 0;
    for (const [pattern, count] of overlap)
      if (!claimed.has(pattern.id) && count * 2 >= pattern.supporting.size && count > bestCount) {
        best = pattern;
        bestCount = count;
      }
    return best;
  };

  const run: PatternRun = {
    scanned,
    clusters: clusters.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    patterns: [],
    skippedReasons: [],
    clusterMs,
    durationMs: 0,
  };
  for (const [index, cluster] of clusters.entries()) {
    signal.throwIfAborted();
    const draft = draftOf(cluster, ids, labels, items);
    const members = cluster.members.map((member) => ids[member] as string);
    const previous = match(draft.signature, members);
    if (previous) claimed.add(previous.id);
    if (previous && unchanged(previous, draft)) {
      run.unchanged++;
      continue;
    }
    const written = await savePattern(deps, tenantId, draft, previous?.id ?? null);
    if (written.id === null) {
      run.skipped++;
      if (run.skippedReasons.length < 20) run.skippedReasons.push(written.reason);
      continue;
    }
    if (written.outcome === 'created') run.created++;
    else run.updated++;
    if (run.patterns.length < listed)
      run.patterns.push({ id: written.id, occurrences: draft.occurrences, confidence: draft.confidence, new: written.outcome === 'created' });
    if (index % 50 === 0) progress({ phase: 'writing', done: index, of: clusters.length });
  }
  run.durationMs = Math.round(performance.now() - started);
  return run;
}

function unchanged(previous: KnownPattern, draft: PatternDraft): boolean {
  return (
    previous.occurrences === draft.occurrences &&
    Math.abs(previous.confidence - draft.confidence) < 0.005 &&
    previous.supporting.size === draft.supportingIds.length &&
    draft.supportingIds.every((id) => previous.supporting.has(id))
  );
}

/** The pattern a cluster makes: titled by its most common error type (or kind) and its oldest member's text. */
function draftOf(cluster: Cluster, ids: readonly string[], labels: readonly string[], items: readonly ClusterItem[]): PatternDraft {
  const representative = items[cluster.representative] as ClusterItem;
  const counts = new Map<string, number>();
  for (const member of cluster.members) counts.set(labels[member] as string, (counts.get(labels[member] as string) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const occurrences = cluster.members.length;
  const of = representative.group;
  const example = of === 'mistake' ? representative.text.split('\n').slice(1).join(' ') : representative.text;
  const title =
    of === 'mistake' ? `Recurring ${shorten(ranked[0]?.[0] ?? 'error', 100)}: ${shorten(example, 160)}` : `Recurring ${of}s: ${shorten(example, 160)}`;
  const breakdown =
    of === 'mistake'
      ? ` Error types: ${ranked
          .slice(0, 5)
          .map(([label, count]) => `${shorten(label, 60)} ×${count}`)
          .join(', ')}.`
      : '';
  return {
    title,
    description: `${occurrences} ${of}s with similar text (cohesion ${cluster.cohesion.toFixed(2)}), e.g. “${shorten(example, 400)}”.${breakdown}`,
    supportingIds: cluster.members.slice(0, limits.listItems).map((member) => ids[member] as string),
    occurrences,
    confidence: patternConfidence(cluster.cohesion, occurrences),
    signature: createHash('sha256')
      .update(`${of}\n${words(representative.text).join(' ')}`)
      .digest('hex')
      .slice(0, 32),
    of,
  };
}
