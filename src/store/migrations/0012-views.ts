/** @module Migration 0012: views, the stored definitions that derive datasets from the graph (and graph facts from datasets), with their lineage. */
import type { Migration } from '../migrate.js';
import { forcedRowLevelSecurity } from './row-level-security.js';

// A view's output dataset is an ordinary dataset (datasets, dataset_rows) whose rows cite the view's own source
// (`view://<name>`); `dataset_id` and `source_id` point at them without foreign keys, because the views module
// removes all three in one transaction and a dataset may be read without its view. `lineage` is the record of the
// last materialisation: the tenant version the graph was read at, the input datasets' row counts and update times,
// and what was written. `status`: ready, pending (a job is materialising it) or failed (`error` says why).
const sqlite = `
CREATE TABLE views (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  definition TEXT NOT NULL,
  status TEXT NOT NULL,
  dataset_id TEXT,
  source_id TEXT,
  lineage TEXT,
  error TEXT,
  job_id TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  materialised_at TEXT,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, name)
) WITHOUT ROWID;
`;

const postgres = `
CREATE TABLE views (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  name text NOT NULL,
  kind text NOT NULL,
  definition jsonb NOT NULL,
  status text NOT NULL,
  dataset_id uuid,
  source_id uuid,
  lineage jsonb,
  error text,
  job_id uuid,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  materialised_at timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, name)
);
${forcedRowLevelSecurity(['views'])}
`;

/** Views and their lineage. */
export const migration: Migration = { id: '0012-views', sqlite, postgres };
