/**
 * @module Decision review reminders (`memory.review`): accepted decisions with no outcome recorded, older than the
 * review period, get a `decision.review_due` event once per period (the last reminder is kept in the decision's
 * recorded field `reviewRemindedAt`).
 */
import { findMemory, setStatusAndFields } from '../rows.js';
import { type AnalysisDeps, type ScannedMemory, emit, scanMemories } from './writes.js';

/** The job's result. */
export interface ReviewRun {
  reviewAfterDays: number;
  /** Accepted decisions without an outcome. */
  open: number;
  /** The decisions reminded in this run, at most 100 listed; `reminded` counts them all. */
  due: { id: string; title: string | null; ageDays: number }[];
  reminded: number;
}

const day = 86_400_000;

/** Emits `decision.review_due` for each accepted decision, without an outcome, recorded `days` ago or more and not reminded within `days`. */
export async function remindReviews(deps: AnalysisDeps, tenantId: string, days: number, signal: AbortSignal): Promise<ReviewRun> {
  const now = deps.now();
  const cutoff = now.getTime() - days * day;
  const candidates: ScannedMemory[] = [];
  let open = 0;
  await scanMemories(
    deps.store,
    tenantId,
    ['decision'],
    (decision) => {
      if (decision.status !== 'accepted' || decision.fields.outcome !== undefined) return;
      open++;
      const reminded = typeof decision.fields.reviewRemindedAt === 'string' ? Date.parse(decision.fields.reviewRemindedAt) : Number.NEGATIVE_INFINITY;
      if (Date.parse(decision.createdAt) <= cutoff && reminded <= cutoff) candidates.push(decision);
    },
    { signal },
  );
  const run: ReviewRun = { reviewAfterDays: days, open, due: [], reminded: 0 };
  for (const candidate of candidates) {
    signal.throwIfAborted();
    const reminded = await deps.store.transaction({ tenantId }, async (tx) => {
      // Read again under a lock: an outcome recorded since the scan ends the reminders.
      const decision = await findMemory(tx, tenantId, candidate.id, { lock: true });
      if (
        !decision ||
        decision.status !== 'accepted' ||
        decision.fields.outcome !== undefined ||
        decision.fields.reviewRemindedAt !== candidate.fields.reviewRemindedAt
      )
        return false;
      const at = now.toISOString();
      await setStatusAndFields(tx, tenantId, decision.id, decision.status, { ...decision.fields, reviewRemindedAt: at }, at);
      const ageDays = Math.floor((now.getTime() - Date.parse(decision.createdAt)) / day);
      await emit(tx, deps.graph, tenantId, [
        {
          type: 'memory.updated',
          subject: decision.id,
          payload: { id: decision.id, kind: 'decision', changed: ['reviewRemindedAt'], status: decision.status },
        },
        {
          type: 'decision.review_due',
          subject: decision.id,
          payload: { id: decision.id, title: decision.title, chosen: decision.fields.chosen, ageDays, reviewAfterDays: days, reason: 'no outcome recorded' },
        },
      ]);
      if (run.due.length < 100) run.due.push({ id: decision.id, title: decision.title, ageDays });
      return true;
    });
    if (reminded) run.reminded++;
  }
  return run;
}
