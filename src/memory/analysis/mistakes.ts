/**
 * @module Mistake aggregation (`memory.mistakes`): per error type and per message signature, how many, how many
 * resolved, how long they took, and the solution that worked best. The job's result is the summary.
 */
import { words } from './similarity.js';
import { type AnalysisDeps, scanMemories } from './writes.js';

/** The best-proven solution of an error type. */
export interface BestSolution {
  mistakeId: string;
  solution: string;
  /** Laplace-smoothed share of feedback that said it worked; 0.5 with no feedback. */
  effectiveness: number;
  feedback: number;
}

/** One error type's figures. */
export interface ErrorTypeSummary {
  errorType: string;
  count: number;
  resolved: number;
  resolvedRatio: number;
  /** Mean of `timeToResolveMinutes` over the mistakes that give it; null when none does. */
  meanMinutesToResolve: number | null;
  bestSolution: BestSolution | null;
  /** The most frequent message signatures (the first 12 words, numbers and IDs as placeholders), at most 10. */
  signatures: { signature: string; count: number; resolved: number }[];
}

/** The job's result. */
export interface MistakeSummary {
  mistakes: number;
  errorTypes: number;
  /** The error types with most mistakes first, at most 100. */
  types: ErrorTypeSummary[];
  durationMs: number;
}

interface Tally {
  count: number;
  resolved: number;
  minutes: number;
  timed: number;
  best: BestSolution | null;
  signatures: Map<string, { count: number; resolved: number }>;
}

/** A message's signature: its first 12 words with the varying parts (numbers, IDs) as placeholders. */
export function messageSignature(message: string): string {
  return words(message).slice(0, 12).join(' ');
}

const better = (a: BestSolution, b: BestSolution | null) =>
  b === null || a.effectiveness > b.effectiveness || (a.effectiveness === b.effectiveness && a.feedback > b.feedback);

/** Aggregates the tenant's mistakes (archived ones included: they are history too). */
export async function aggregateMistakes(deps: AnalysisDeps, tenantId: string, signal: AbortSignal): Promise<MistakeSummary> {
  const started = performance.now();
  const tallies = new Map<string, Tally>();
  const mistakes = await scanMemories(
    deps.store,
    tenantId,
    ['mistake'],
    (memory) => {
      const errorType = String(memory.fields.errorType ?? 'unknown');
      let tally = tallies.get(errorType);
      if (!tally) {
        tally = { count: 0, resolved: 0, minutes: 0, timed: 0, best: null, signatures: new Map() };
        tallies.set(errorType, tally);
      }
      const resolved = memory.fields.resolved === true;
      tally.count++;
      if (resolved) tally.resolved++;
      if (typeof memory.fields.timeToResolveMinutes === 'number') {
        tally.minutes += memory.fields.timeToResolveMinutes;
        tally.timed++;
      }
      if (typeof memory.fields.solution === 'string') {
        const feedback = (memory.fields.feedback ?? {}) as { total?: number; effectiveness?: number };
        const candidate = {
          mistakeId: memory.id,
          solution: memory.fields.solution,
          effectiveness: feedback.effectiveness ?? 0.5,
          feedback: feedback.total ?? 0,
        };
        if (better(candidate, tally.best)) tally.best = candidate;
      }
      const signature = messageSignature(String(memory.fields.message ?? ''));
      const entry = tally.signatures.get(signature) ?? { count: 0, resolved: 0 };
      entry.count++;
      if (resolved) entry.resolved++;
      tally.signatures.set(signature, entry);
    },
    { archived: true, signal },
  );
  const types = [...tallies]
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .slice(0, 100)
    .map(([errorType, tally]) => ({
      errorType,
      count: tally.count,
      resolved: tally.resolved,
      resolvedRatio: Math.round((tally.resolved / tally.count) * 1000) / 1000,
      meanMinutesToResolve: tally.timed === 0 ? null : Math.round((tally.minutes / tally.timed) * 10) / 10,
      bestSolution: tally.best,
      signatures: [...tally.signatures]
        .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
        .slice(0, 10)
        .map(([signature, entry]) => ({ signature, ...entry })),
    }));
  return { mistakes, errorTypes: tallies.size, types, durationMs: Math.round(performance.now() - started) };
}
