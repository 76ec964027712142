/** @module Migration 0008: datasets from mapped structured files, their rows with provenance, and the quarantine of rows that failed validation. */
import type { Migration } from '../migrate.js';
import { forcedRowLevelSecurity } from './row-level-security.js';

// dataset_rows and quarantine reference their source with ON DELETE CASCADE, so deleting a source (which the graph
// service does after retracting the source's evidence) removes the rows it brought and their quarantine entries in
// the same transaction, without the graph module knowing these tables. `datasets.source_id` is only the source of
// the latest ingest (a dataset may span many files), so it has no foreign key.
const sqlite = `
CREATE TABLE datasets (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  source_id TEXT,
  definition TEXT NOT NULL,
  row_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, name)
) WITHOUT ROWID;
CREATE TABLE dataset_rows (
  tenant_id TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  row_key TEXT NOT NULL,
  row_number INTEGER NOT NULL,
  values_json TEXT NOT NULL,
  source_id TEXT NOT NULL,
  PRIMARY KEY (tenant_id, dataset_id, row_key),
  FOREIGN KEY (tenant_id, source_id) REFERENCES sources (tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX dataset_rows_by_source ON dataset_rows (tenant_id, source_id, row_number);
CREATE TABLE quarantine (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  source_id TEXT NOT NULL,
  dataset_id TEXT,
  file TEXT NOT NULL,
  row_number INTEGER NOT NULL,
  column_name TEXT,
  reason TEXT NOT NULL,
  raw_values TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, source_id) REFERENCES sources (tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX quarantine_by_source ON quarantine (tenant_id, source_id, row_number);
`;

const postgres = `
CREATE TABLE datasets (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  name text NOT NULL,
  source_id uuid,
  definition jsonb NOT NULL,
  row_count bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, name)
);
CREATE TABLE dataset_rows (
  tenant_id uuid NOT NULL,
  dataset_id uuid NOT NULL,
  row_key text NOT NULL,
  row_number integer NOT NULL,
  values_json jsonb NOT NULL,
  source_id uuid NOT NULL,
  PRIMARY KEY (tenant_id, dataset_id, row_key),
  FOREIGN KEY (tenant_id, source_id) REFERENCES sources (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX dataset_rows_by_source ON dataset_rows (tenant_id, source_id, row_number);
CREATE TABLE quarantine (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  source_id uuid NOT NULL,
  dataset_id uuid,
  file text NOT NULL,
  row_number integer NOT NULL,
  column_name text,
  reason text NOT NULL,
  raw_values jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, source_id) REFERENCES sources (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX quarantine_by_source ON quarantine (tenant_id, source_id, row_number);
${forcedRowLevelSecurity(['datasets', 'dataset_rows', 'quarantine'])}
`;

/** Datasets, dataset rows and the quarantine. */
export const migration: Migration = { id: '0008-datasets', sqlite, postgres };
