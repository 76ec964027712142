/** @module The worker's SQL: claiming due jobs under a lease, heartbeats, settling an attempt, and reclaiming expired leases. */
import type { Scope, SqlValue, Store, Tx } from '../../store/index.js';
import { appendEvent } from '../../store/outbox.js';
import { nowIso } from '../../store/values.js';
import { type JobRow, json, jobColumns, toJob } from './job-rows.js';
import type { Job, JobStatus } from './types.js';

/** A claimed attempt: the job and the lease token that guards every later write of this attempt. */
export interface Claim {
  job: Job;
  /** `locked_by` of the row while this attempt holds it; a write with another token changes nothing. */
  token: string;
}

/**
 * Runs work that is one write statement. On PostgreSQL a lone statement is atomic and commits by itself, so it runs
 * on a pooled connection in autocommit (through `store.read`, which only sets the tenant): two round trips instead of
 * BEGIN, set_config, the statement and COMMIT. On SQLite it is an ordinary write transaction.
 */
function oneStatement<T>(store: Store, scope: Scope, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return store.dialect === 'postgres' ? store.read(scope, fn) : store.transaction(scope, fn);
}

/**
 * Claims up to `limit` due jobs of the given types, oldest first within priority. PostgreSQL skips rows another
 * worker is claiming (`FOR UPDATE SKIP LOCKED`); SQLite has one writer, so the write transaction is the lock.
 * The claim counts as an attempt.
 */
export async function claimJobs(store: Store, types: readonly string[], limit: number, leaseMs: number, token: string): Promise<Job[]> {
  if (types.length === 0 || limit <= 0) return [];
  const now = new Date();
  const nowText = now.toISOString();
  const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
  return oneStatement(store, 'system', async (tx) => {
    const set = `status = 'running', attempts = attempts + 1, lease_until = ?, locked_by = ?, started_at = ?, updated_at = ?`;
    const rows =
      tx.dialect === 'sqlite'
        ? await tx.all<JobRow>(
            `UPDATE jobs SET ${set} WHERE id IN (
               SELECT id FROM jobs WHERE status IN ('queued','failed') AND run_at <= ? AND type IN (SELECT value FROM json_each(?))
               ORDER BY priority DESC, run_at, id LIMIT ?)
             RETURNING ${jobColumns}`,
            [leaseUntil, token, nowText, nowText, nowText, JSON.stringify(types), limit],
          )
        : await tx.all<JobRow>(
            `WITH next AS (
               SELECT id FROM jobs WHERE status IN ('queued','failed') AND run_at <= ? AND type = ANY(?::text[])
               ORDER BY priority DESC, run_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
             UPDATE jobs SET ${set} FROM next WHERE jobs.id = next.id
             RETURNING ${jobColumns
               .split(', ')
               .map((column) => `jobs.${column}`)
               .join(', ')}`,
            [nowText, types as unknown as SqlValue, limit, leaseUntil, token, nowText, nowText],
          );
    return rows.map((row) => toJob(row, tx.dialect));
  });
}

/**
 * Extends the leases of the given attempts and answers which of them were asked to cancel meanwhile (by another
 * process) or are no longer this worker's (reclaimed after a lease expired).
 */
export async function extendLeases(
  store: Store,
  claims: readonly { id: string; token: string }[],
  leaseMs: number,
): Promise<{ cancelled: string[]; lost: string[] }> {
  if (claims.length === 0) return { cancelled: [], lost: [] };
  const leaseUntil = new Date(Date.now() + leaseMs).toISOString();
  return store.transaction('system', async (tx) => {
    const cancelled: string[] = [];
    const lost: string[] = [];
    for (const claim of claims) {
      const row = await tx.get<{ cancel_requested: unknown }>(
        `UPDATE jobs SET lease_until = ? WHERE id = ? AND locked_by = ? AND status = 'running' RETURNING cancel_requested`,
        [leaseUntil, claim.id, claim.token],
      );
      if (!row) lost.push(claim.id);
      else if (row.cancel_requested === true || row.cancel_requested === 1) cancelled.push(claim.id);
    }
    return { cancelled, lost };
  });
}

/** How an attempt ends, as written to its row. */
export interface Settlement {
  status: Extract<JobStatus, 'succeeded' | 'failed' | 'queued' | 'dead' | 'cancelled'>;
  result?: unknown;
  error?: string;
  /** For `failed` and `queued`: when the next attempt is due. */
  runAt?: string;
  /** The last progress value not yet written (throttled). */
  progress?: unknown;
  /** The event to append for a tenant job, if any. */
  event?: { type: string; payload: Record<string, unknown> };
  /** Settle only if the lease has run out by now (reclaiming a dead worker's job, which a late heartbeat may have saved). */
  onlyIfExpired?: boolean;
}

/**
 * Writes the end of an attempt if this attempt still holds the job (same token, still running); a tenant job's event
 * goes into the same transaction. Answers whether it did: false means the lease was lost and someone else owns the job.
 */
export async function settleJob(store: Store, job: Job, token: string, settlement: Settlement, onCommit: () => void): Promise<boolean> {
  const scope = job.tenantId ? { tenantId: job.tenantId } : ('system' as const);
  return store.transaction(scope, async (tx) => {
    const now = nowIso();
    const terminal = settlement.status === 'succeeded' || settlement.status === 'dead' || settlement.status === 'cancelled';
    const params: SqlValue[] = [
      settlement.status,
      settlement.result === undefined ? null : JSON.stringify(settlement.result),
      settlement.progress === undefined ? null : JSON.stringify(settlement.progress),
      settlement.error ?? null,
      settlement.runAt ?? job.runAt,
      terminal ? now : null,
      now,
      job.id,
      token,
    ];
    const changed = await tx.run(
      `UPDATE jobs SET status = ?, result = ${json(tx)}, progress = COALESCE(${json(tx)}, progress), last_error = COALESCE(?, last_error), run_at = ?,
         finished_at = ?, updated_at = ?, lease_until = NULL, locked_by = NULL
       WHERE id = ? AND locked_by = ? AND status = 'running'${settlement.onlyIfExpired ? ' AND lease_until < ?' : ''}`,
      settlement.onlyIfExpired ? [...params, now] : params,
    );
    if (changed !== 1) return false;
    if (job.tenantId && settlement.event) await appendEvent(tx, { type: settlement.event.type, subject: job.id, payload: settlement.event.payload });
    tx.afterCommit(onCommit);
    return true;
  });
}

/** One attempt's end, for {@link settleJobs}. */
export interface PendingSettlement {
  job: Job;
  token: string;
  settlement: Settlement;
  onCommit: () => void;
}

/**
 * Writes the ends of many attempts: one transaction per tenant whose jobs append events (their events go in it) and
 * one for the rest, with one UPDATE for the whole group on PostgreSQL (`unnest`). Same guard as {@link settleJob}
 * per job; answers the IDs written.
 */
export async function settleJobs(store: Store, items: readonly PendingSettlement[]): Promise<Set<string>> {
  const groups = new Map<string, PendingSettlement[]>();
  for (const item of items) {
    const key = item.job.tenantId && item.settlement.event ? item.job.tenantId : '';
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const written = new Set<string>();
  for (const [tenantId, group] of groups) {
    // A group without events is one UPDATE on PostgreSQL: no transaction needed around it.
    const run = tenantId
      ? <T>(fn: (tx: Tx) => Promise<T>) => store.transaction({ tenantId }, fn)
      : <T>(fn: (tx: Tx) => Promise<T>) => oneStatement(store, 'system', fn);
    await run(async (tx) => {
      const now = nowIso();
      const row = (item: PendingSettlement) => {
        const { settlement } = item;
        const terminal = settlement.status === 'succeeded' || settlement.status === 'dead' || settlement.status === 'cancelled';
        return {
          id: item.job.id,
          token: item.token,
          status: settlement.status,
          result: settlement.result === undefined ? null : JSON.stringify(settlement.result),
          progress: settlement.progress === undefined ? null : JSON.stringify(settlement.progress),
          error: settlement.error ?? null,
          runAt: settlement.runAt ?? item.job.runAt,
          finishedAt: terminal ? now : null,
        };
      };
      const rows = group.map(row);
      const changed = new Set<string>();
      if (tx.dialect === 'postgres') {
        const column = (pick: (value: ReturnType<typeof row>) => unknown) => rows.map(pick) as unknown as SqlValue;
        const updated = await tx.all<{ id: string }>(
          `UPDATE jobs SET status = s.status, result = s.result::jsonb, progress = COALESCE(s.progress::jsonb, jobs.progress),
             last_error = COALESCE(s.error, jobs.last_error), run_at = s.run_at, finished_at = s.finished_at, updated_at = ?,
             lease_until = NULL, locked_by = NULL
           FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[])
             AS s(id, token, status, result, progress, error, run_at, finished_at)
           WHERE jobs.id = s.id AND jobs.locked_by = s.token AND jobs.status = 'running'
           RETURNING jobs.id`,
          [
            now,
            column((r) => r.id),
            column((r) => r.token),
            column((r) => r.status),
            column((r) => r.result),
            column((r) => r.progress),
            column((r) => r.error),
            column((r) => r.runAt),
            column((r) => r.finishedAt),
          ],
        );
        for (const { id } of updated) changed.add(String(id));
      } else {
        for (const r of rows) {
          const count = await tx.run(
            `UPDATE jobs SET status = ?, result = ?, progress = COALESCE(?, progress), last_error = COALESCE(?, last_error), run_at = ?,
               finished_at = ?, updated_at = ?, lease_until = NULL, locked_by = NULL
             WHERE id = ? AND locked_by = ? AND status = 'running'`,
            [r.status, r.result, r.progress, r.error, r.runAt, r.finishedAt, now, r.id, r.token],
          );
          if (count === 1) changed.add(r.id);
        }
      }
      for (const item of group) {
        if (!changed.has(item.job.id)) continue;
        written.add(item.job.id);
        if (item.job.tenantId && item.settlement.event)
          await appendEvent(tx, { type: item.settlement.event.type, subject: item.job.id, payload: item.settlement.event.payload });
        tx.afterCommit(item.onCommit);
      }
    });
  }
  return written;
}

/** Writes a progress value of a running attempt, with its `job.progress` event for a tenant job. */
export async function writeProgress(store: Store, job: Job, token: string, value: unknown): Promise<void> {
  const scope = job.tenantId ? { tenantId: job.tenantId } : ('system' as const);
  await store.transaction(scope, async (tx) => {
    const changed = await tx.run(`UPDATE jobs SET progress = ${json(tx)}, updated_at = ? WHERE id = ? AND locked_by = ? AND status = 'running'`, [
      JSON.stringify(value),
      nowIso(),
      job.id,
      token,
    ]);
    if (changed === 1 && job.tenantId)
      await appendEvent(tx, { type: 'job.progress', subject: job.id, payload: { jobId: job.id, type: job.type, progress: value } });
  });
}

/**
 * Gives jobs back without counting the attempt (a worker shutting down): they become claimable at once.
 * Only rows this worker still holds are touched.
 */
export async function releaseJobs(store: Store, claims: readonly { id: string; token: string }[]): Promise<void> {
  if (claims.length === 0) return;
  await store.transaction('system', async (tx) => {
    for (const claim of claims) {
      await tx.run(
        `UPDATE jobs SET status = 'queued', attempts = attempts - 1, lease_until = NULL, locked_by = NULL, updated_at = ?
         WHERE id = ? AND locked_by = ? AND status = 'running'`,
        [nowIso(), claim.id, claim.token],
      );
    }
  });
}

/** Running jobs whose lease ran out (their process died or stalled), with the token of the attempt that held them. */
export async function selectExpired(store: Store, limit: number): Promise<Claim[]> {
  return store.read('system', async (tx) => {
    const rows = await tx.all<JobRow & { locked_by: string }>(
      `SELECT ${jobColumns}, locked_by FROM jobs WHERE status = 'running' AND lease_until < ? ORDER BY lease_until LIMIT ?`,
      [nowIso(), limit],
    );
    return rows.map((row) => ({ job: toJob(row, tx.dialect), token: String(row.locked_by) }));
  });
}

/**
 * Unfinished jobs by state, for the `trellis_jobs` gauge. Counts only queued, failed and running rows, which the
 * partial indexes `jobs_ready` and `jobs_leases` cover, so the cost follows the backlog, not the table's history.
 */
export async function countActiveJobs(store: Store): Promise<Record<string, number>> {
  const rows = await store.read('system', (tx) =>
    tx.all<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM jobs WHERE status IN ('queued','failed','running') GROUP BY status"),
  );
  const counts: Record<string, number> = { queued: 0, failed: 0, running: 0 };
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}
