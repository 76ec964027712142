/** @module Migration 0006: webhook endpoints, their deliveries and attempts, the dispatch cursor, and the due queue. */
import type { Migration } from '../migrate.js';
import { forcedRowLevelSecurity } from './row-level-security.js';

/** Webhook tables that hold tenant data and so carry row-level security on PostgreSQL. */
export const webhookTenantTables = ['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts', 'webhook_cursors'];

// webhook_due is an operational table (like a job queue): the delivery worker claims due rows across tenants
// before it knows the tenant, so it has no row-level security; it holds only IDs and times, never payloads.
const sqlite = `
CREATE TABLE webhook_endpoints (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  url TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  event_types TEXT NOT NULL DEFAULT '[]',
  enabled INTEGER NOT NULL,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_until TEXT,
  from_seq INTEGER NOT NULL,
  failing_since TEXT,
  disabled_reason TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;
CREATE TABLE webhook_deliveries (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  event_seq INTEGER,
  event_type TEXT NOT NULL,
  message_id TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','succeeded','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_status_code INTEGER,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, endpoint_id, event_seq)
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (tenant_id, endpoint_id, id);
CREATE TABLE webhook_attempts (
  tenant_id TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  trigger TEXT NOT NULL,
  started_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  response_body TEXT,
  PRIMARY KEY (tenant_id, delivery_id, attempt)
) WITHOUT ROWID;
CREATE TABLE webhook_cursors (
  tenant_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL
);
CREATE TABLE webhook_due (
  tenant_id TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  due_at INTEGER NOT NULL,
  manual INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, delivery_id)
) WITHOUT ROWID;
CREATE INDEX webhook_due_by_time ON webhook_due (due_at);
`;

const postgres = `
CREATE TABLE webhook_endpoints (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  url text NOT NULL,
  description text NOT NULL DEFAULT '',
  event_types jsonb NOT NULL DEFAULT '[]',
  enabled boolean NOT NULL,
  secret text NOT NULL,
  previous_secret text,
  previous_secret_until timestamptz,
  from_seq bigint NOT NULL,
  failing_since timestamptz,
  disabled_reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE TABLE webhook_deliveries (
  tenant_id uuid NOT NULL,
  id uuid NOT NULL,
  endpoint_id uuid NOT NULL,
  event_seq bigint,
  event_type text NOT NULL,
  message_id text NOT NULL,
  body text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending','succeeded','failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, endpoint_id, event_seq)
);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (tenant_id, endpoint_id, id);
CREATE TABLE webhook_attempts (
  tenant_id uuid NOT NULL,
  delivery_id uuid NOT NULL,
  attempt integer NOT NULL,
  trigger text NOT NULL,
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  status_code integer,
  error text,
  response_body text,
  PRIMARY KEY (tenant_id, delivery_id, attempt)
);
CREATE TABLE webhook_cursors (
  tenant_id uuid PRIMARY KEY,
  seq bigint NOT NULL
);
CREATE TABLE webhook_due (
  tenant_id uuid NOT NULL,
  delivery_id uuid NOT NULL,
  due_at bigint NOT NULL,
  manual integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, delivery_id)
);
CREATE INDEX webhook_due_by_time ON webhook_due (due_at);
${forcedRowLevelSecurity(webhookTenantTables)}
`;

export const migration: Migration = { id: '0006-webhooks', sqlite, postgres };
