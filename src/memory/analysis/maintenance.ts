/**
 * @module Daily memory maintenance (`memory.maintenance`): near-duplicate notes and mistakes merged into one,
 * importance decayed by level with age, and stale low-importance memories archived; every change with its events.
 */
import { type Importance, type MemoryKind, importanceLevels } from '../kinds.js';
import { clusterInWorker } from './cluster.js';
import type { ClusterItem } from './similarity.js';
import { type AnalysisDeps, type ScannedMemory, archiveMemory, decayMemory, mergeDuplicates, scanMemories } from './writes.js';

/** Settings of one run, from the job's payload. */
export interface MaintenanceSettings {
  /** Jaccard similarity of word and word-pair shingles at which two memories of a kind are duplicates. @default 0.9 */
  duplicateThreshold: number;
  /** Days unchanged after which an ephemeral memory is archived. @default 7 */
  ephemeralDays: number;
  /** Days unchanged after which a low-importance memory is archived. @default 90 */
  lowDays: number;
  /** Days unchanged after which a normal memory decays to low. @default 180 */
  normalDays: number;
}

/** The job's result. */
export interface MaintenanceRun {
  merged: number;
  archived: number;
  decayed: number;
  /** At most 100 of each listed. */
  merges: { keptId: string; removedIds: string[] }[];
  archivedIds: string[];
  decayedIds: string[];
  durationMs: number;
}

const day = 86_400_000;
const listed = 100;
/** Changes per transaction in the decay pass. */
const batch = 200;

/** The text duplicates are compared by: every content field, so two mistakes with different solutions stay two. */
function duplicateText(memory: ScannedMemory): string {
  const fields = memory.kind === 'mistake' ? ['errorType', 'message', 'context', 'solution'] : ['text'];
  return [memory.title, ...fields.map((name) => memory.fields[name])].filter((part): part is string => typeof part === 'string').join('\n');
}

const rank = (importance: Importance) => importanceLevels.indexOf(importance);

/** Runs the three passes: merge, then decay and archive. */
export async function maintainMemories(deps: AnalysisDeps, tenantId: string, settings: MaintenanceSettings, signal: AbortSignal): Promise<MaintenanceRun> {
  const started = performance.now();
  const run: MaintenanceRun = { merged: 0, archived: 0, decayed: 0, merges: [], archivedIds: [], decayedIds: [], durationMs: 0 };

  // Merge: notes and mistakes only; decisions carry a status and supersession links, sessions own memories.
  const mergeable: readonly MemoryKind[] = ['note', 'mistake'];
  const memories: ScannedMemory[] = [];
  const items: ClusterItem[] = [];
  await scanMemories(
    deps.store,
    tenantId,
    mergeable,
    (memory) => {
      memories.push(memory);
      items.push({ group: memory.kind, text: duplicateText(memory) });
    },
    { signal },
  );
  const clusters = await clusterInWorker(items, { threshold: settings.duplicateThreshold, minSize: 2, verify: 'exact', placeholders: false }, signal);
  for (const cluster of clusters) {
    signal.throwIfAborted();
    // The most important member stays, the oldest among equals (members are in ID order: creation order).
    const members = cluster.members.map((member) => memories[member] as ScannedMemory);
    const keeper = members.reduce((best, memory) => (rank(memory.importance) < rank(best.importance) ? memory : best));
    const removed = await mergeDuplicates(
      deps,
      tenantId,
      keeper.id,
      members.filter((memory) => memory !== keeper).map((memory) => memory.id),
    );
    if (removed.length === 0) continue;
    run.merged += removed.length;
    if (run.merges.length < listed) run.merges.push({ keptId: keeper.id, removedIds: removed });
  }

  // Decay and archive by importance and time unchanged; decisions keep their lifecycle, critical and high never decay.
  const now = deps.now().getTime();
  const due: { memory: ScannedMemory; action: 'archive' | 'decay'; reason: string }[] = [];
  await scanMemories(
    deps.store,
    tenantId,
    ['note', 'mistake', 'pattern', 'session'],
    (memory) => {
      const idleDays = (now - Date.parse(memory.updatedAt)) / day;
      if (memory.importance === 'ephemeral' && idleDays >= settings.ephemeralDays)
        due.push({ memory, action: 'archive', reason: `ephemeral, unchanged for ${settings.ephemeralDays} days` });
      else if (memory.importance === 'low' && idleDays >= settings.lowDays)
        due.push({ memory, action: 'archive', reason: `low importance, unchanged for ${settings.lowDays} days` });
      else if (memory.importance === 'normal' && idleDays >= settings.normalDays)
        due.push({ memory, action: 'decay', reason: `unchanged for ${settings.normalDays} days` });
    },
    { signal },
  );
  for (let start = 0; start < due.length; start += batch) {
    signal.throwIfAborted();
    await deps.store.transaction({ tenantId }, async (tx) => {
      for (const { memory, action, reason } of due.slice(start, start + batch)) {
        if (action === 'archive') {
          if (!(await archiveMemory(tx, deps, tenantId, memory, reason))) continue;
          run.archived++;
          if (run.archivedIds.length < listed) run.archivedIds.push(memory.id);
        } else {
          if ((await decayMemory(tx, deps, tenantId, memory, reason)) === null) continue;
          run.decayed++;
          if (run.decayedIds.length < listed) run.decayedIds.push(memory.id);
        }
      }
    });
  }
  run.durationMs = Math.round(performance.now() - started);
  return run;
}
