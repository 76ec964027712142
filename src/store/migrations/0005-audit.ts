/** @module Migration 0005: the audit log (tenant data, row-level security) and login throttling counters (platform table). */
import { forcedRowLevelSecurity } from './row-level-security.js';
import type { Migration } from '../migrate.js';

// Audit rows are append-only: a trigger refuses UPDATE on both dialects, so not even a bug in Trellis can rewrite
// history. DELETE stays possible for retention pruning (`trellis audit prune`), which no HTTP route exposes.
// login_throttle is a platform table without RLS: a login is throttled before (and whether or not) its tenant and
// user are known, and per-IP counters belong to no tenant. Its key is `email:<tenant>:<email>` or `ip:<address>`.
const sqlite = `
CREATE TABLE audit_log (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id TEXT,
  action TEXT NOT NULL,
  target_kind TEXT,
  target_id TEXT,
  ip TEXT,
  user_agent TEXT,
  request_id TEXT,
  details TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE INDEX audit_log_by_actor ON audit_log (tenant_id, actor_id, id);
CREATE INDEX audit_log_by_target ON audit_log (tenant_id, target_id, id);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log rows cannot be changed');
END;
CREATE TABLE login_throttle (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_started_at TEXT NOT NULL,
  lockouts INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
`;

const postgres = `
CREATE TABLE audit_log (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  occurred_at timestamptz NOT NULL,
  actor_kind text NOT NULL,
  actor_id text,
  action text NOT NULL,
  target_kind text,
  target_id text,
  ip text,
  user_agent text,
  request_id text,
  details jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_by_actor ON audit_log (tenant_id, actor_id, id);
CREATE INDEX audit_log_by_target ON audit_log (tenant_id, target_id, id);
CREATE FUNCTION trellis_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit_log rows cannot be changed';
END
$fn$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION trellis_audit_append_only();
${forcedRowLevelSecurity(['audit_log'])}
CREATE TABLE login_throttle (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  window_started_at timestamptz NOT NULL,
  lockouts integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  updated_at timestamptz NOT NULL
);
`;

export const migration: Migration = { id: '0005-audit', sqlite, postgres };
