/** @module Login throttling: failed logins counted per (tenant, email) and per IP in the database, with exponential lockout. */
import type { TrellisConfig } from '../../core/config.js';
import { TrellisError } from '../../core/errors.js';
import { sha256Hex } from '../../core/ids.js';
import type { Store, Tx } from '../../store/index.js';

/** The settings the throttle reads. */
export type LoginThrottleConfig = Pick<
  TrellisConfig,
  'loginMaxFailures' | 'loginMaxFailuresPerIp' | 'loginFailureWindowMs' | 'loginLockoutMs' | 'loginLockoutMaxMs'
>;

/** The counters one login attempt touches. */
export interface LoginAttempt {
  /** The tenant as the client named it (slug or ID), or its resolved ID. Unknown tenants are counted the same way. */
  tenant: string;
  email: string;
  /** Absent for callers with no address (the CLI); then only the (tenant, email) counter applies. */
  ip?: string | null;
}

interface ThrottleRow {
  key: string;
  failures: number;
  window_started_at: string;
  lockouts: number;
  locked_until: string | null;
}

/** Counters, refusals and resets of failed logins. */
export interface LoginThrottle {
  /** Throws `rate_limited` (with `retryAfterSeconds`) while either counter of the attempt is locked out. */
  check(attempt: LoginAttempt): Promise<void>;
  /** Counts a failed login on both counters in `tx`; a counter reaching its limit is locked out. */
  fail(tx: Tx, attempt: LoginAttempt): Promise<void>;
  /** A successful login clears the (tenant, email) counter; the IP counter stays, so one good account cannot launder an IP's guesses. */
  succeed(tx: Tx, attempt: LoginAttempt): Promise<void>;
}

// Keys are hashed: the table holds no emails, and every key has the same bounded length whatever the client sent.
function emailKey(attempt: LoginAttempt): string {
  return `email:${sha256Hex(`${attempt.tenant.toLowerCase()}\u0000${attempt.email}`)}`;
}

function ipKey(ip: string): string {
  return `ip:${sha256Hex(ip)}`;
}

function keysOf(attempt: LoginAttempt, config: LoginThrottleConfig): { key: string; limit: number }[] {
  const keys = [{ key: emailKey(attempt), limit: config.loginMaxFailures }];
  if (attempt.ip) keys.push({ key: ipKey(attempt.ip), limit: config.loginMaxFailuresPerIp });
  return keys;
}

/** The lockout after `lockouts` earlier ones: doubled each time, capped. */
export function lockoutMs(config: LoginThrottleConfig, lockouts: number): number {
  return Math.min(config.loginLockoutMs * 2 ** Math.min(lockouts, 30), config.loginLockoutMaxMs);
}

async function countFailure(tx: Tx, key: string, limit: number, config: LoginThrottleConfig, now: number): Promise<void> {
  const nowIso = new Date(now).toISOString();
  await tx.run('INSERT INTO login_throttle (key, failures, window_started_at, lockouts, updated_at) VALUES (?, 0, ?, 0, ?) ON CONFLICT (key) DO NOTHING', [
    key,
    nowIso,
    nowIso,
  ]);
  // FOR UPDATE serialises concurrent failures on PostgreSQL; SQLite runs one writer at a time anyway.
  const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
  const row = await tx.get<ThrottleRow>(`SELECT key, failures, window_started_at, lockouts, locked_until FROM login_throttle WHERE key = ?${lock}`, [key]);
  if (!row) return;
  let failures = Number(row.failures);
  let windowStart = Date.parse(row.window_started_at);
  let lockouts = Number(row.lockouts);
  const lockedUntil = row.locked_until ? Date.parse(row.locked_until) : null;
  if (now - windowStart > config.loginFailureWindowMs) {
    failures = 0;
    windowStart = now;
    // A key quiet for a whole window after its last lockout starts again from the shortest lockout.
    if (lockedUntil === null || now - lockedUntil > config.loginFailureWindowMs) lockouts = 0;
  }
  failures += 1;
  let newLockedUntil = lockedUntil;
  if (failures >= limit) {
    newLockedUntil = now + lockoutMs(config, lockouts);
    lockouts += 1;
    failures = 0;
    windowStart = now;
  }
  await tx.run('UPDATE login_throttle SET failures = ?, window_started_at = ?, lockouts = ?, locked_until = ?, updated_at = ? WHERE key = ?', [
    failures,
    new Date(windowStart).toISOString(),
    lockouts,
    newLockedUntil === null ? null : new Date(newLockedUntil).toISOString(),
    nowIso,
    key,
  ]);
}

/**
 * Builds the throttle over a migrated store. The counters live in the database, so every replica sees the same
 * lockouts. The answer is the same for existing and unknown users: both are counted and refused alike.
 * @example
 * await throttle.check({ tenant, email, ip });
 */
export function createLoginThrottle(store: Store, config: LoginThrottleConfig): LoginThrottle {
  return {
    async check(attempt) {
      const keys = keysOf(attempt, config).map((entry) => entry.key);
      const rows = await store.read('system', (tx) =>
        tx.all<{ locked_until: string | null }>(`SELECT locked_until FROM login_throttle WHERE key IN (${keys.map(() => '?').join(', ')})`, keys),
      );
      const now = Date.now();
      const until = Math.max(0, ...rows.map((row) => (row.locked_until ? Date.parse(row.locked_until) : 0)));
      if (until > now) {
        const retryAfterSeconds = Math.ceil((until - now) / 1000);
        throw new TrellisError('rate_limited', `Too many failed logins; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
      }
    },
    async fail(tx, attempt) {
      const now = Date.now();
      for (const { key, limit } of keysOf(attempt, config)) await countFailure(tx, key, limit, config, now);
    },
    async succeed(tx, attempt) {
      await tx.run('DELETE FROM login_throttle WHERE key = ?', [emailKey(attempt)]);
    },
  };
}
