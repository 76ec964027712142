/** @module Migration 0003: the job queue and cron schedules (operational platform tables, no row-level security). */
import type { Migration } from '../migrate.js';

// Jobs and schedules are operational tables, like pg-boss's: the worker claims across tenants (and platform jobs
// have no tenant), so they carry tenant_id as a column and no RLS; only src/platform/jobs touches them, always
// filtering by tenant for tenant-facing reads. An idempotency key is unique per (tenant, type); a platform job's
// tenant is '' in the key so that NULLs do not make every key distinct.
const sqlite = `
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued','running','failed','succeeded','dead','cancelled')),
  priority INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER,
  run_at TEXT NOT NULL,
  lease_until TEXT,
  locked_by TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  schedule_id TEXT,
  progress TEXT,
  result TEXT,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
) WITHOUT ROWID;
CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, id) WHERE status IN ('queued','failed');
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_by_tenant ON jobs (tenant_id, id);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE UNIQUE INDEX jobs_idempotency ON jobs (COALESCE(tenant_id, ''), type, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  tenant_id TEXT,
  name TEXT NOT NULL,
  cron TEXT NOT NULL,
  timezone TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  paused INTEGER NOT NULL DEFAULT 0,
  next_run_at TEXT,
  last_run_at TEXT,
  last_job_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX schedules_name ON schedules (COALESCE(tenant_id, ''), name);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE paused = 0;
CREATE INDEX schedules_by_tenant ON schedules (tenant_id, id);
`;

const postgres = `
CREATE TABLE jobs (
  id uuid PRIMARY KEY,
  tenant_id uuid,
  type text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('queued','running','failed','succeeded','dead','cancelled')),
  priority integer NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer,
  run_at timestamptz NOT NULL,
  lease_until timestamptz,
  locked_by text,
  cancel_requested boolean NOT NULL DEFAULT false,
  idempotency_key text,
  schedule_id uuid,
  progress jsonb,
  result jsonb,
  last_error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, id) WHERE status IN ('queued','failed');
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_by_tenant ON jobs (tenant_id, id);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE UNIQUE INDEX jobs_idempotency ON jobs (COALESCE(tenant_id::text, ''), type, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TABLE schedules (
  id uuid PRIMARY KEY,
  tenant_id uuid,
  name text NOT NULL,
  cron text NOT NULL,
  timezone text NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  paused boolean NOT NULL DEFAULT false,
  next_run_at timestamptz,
  last_run_at timestamptz,
  last_job_id uuid,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX schedules_name ON schedules (COALESCE(tenant_id::text, ''), name);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE NOT paused;
CREATE INDEX schedules_by_tenant ON schedules (tenant_id, id);
`;

export const migration: Migration = { id: '0003-jobs', sqlite, postgres };
