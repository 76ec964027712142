/** @module Migration 0007: webhook attempts move onto the job queue; `webhook_due` is emptied into `webhooks.deliver` jobs and dropped. */
import type { Migration } from '../migrate.js';

// Each row of webhook_due becomes the job of the delivery's next attempt, due when the row was (a row leased by a
// process that was mid-attempt is due when that lease ends, as before). The job's payload and idempotency key name
// the attempt number (attempts made + 1), as src/platform/webhooks/deliveries.ts `attemptJob` writes them, so a
// redelivery finds it and the attempt is never queued twice. Applied migrations are never edited: 0006 still
// creates webhook_due; this one removes it.
const sqlite = `
INSERT INTO jobs (id, tenant_id, type, payload, status, priority, attempts, run_at, idempotency_key, created_at, updated_at)
SELECT
  lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' ||
    substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))),
  d.tenant_id,
  'webhooks.deliver',
  json_object('deliveryId', d.id, 'attempt', d.attempts + 1, 'manual', json(CASE WHEN due.manual = 1 THEN 'true' ELSE 'false' END)),
  'queued',
  0,
  0,
  strftime('%Y-%m-%dT%H:%M:%fZ', due.due_at / 1000.0, 'unixepoch'),
  d.id || ':' || (d.attempts + 1) || CASE WHEN due.manual = 1 THEN ':manual' ELSE '' END,
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
  strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM webhook_due due JOIN webhook_deliveries d ON d.tenant_id = due.tenant_id AND d.id = due.delivery_id
WHERE true
ON CONFLICT DO NOTHING;
DROP TABLE webhook_due;
`;

// webhook_deliveries has forced row-level security, which binds its owner (the migrating role) too: lifted for the
// copy and restored in the same transaction.
const postgres = `
ALTER TABLE webhook_deliveries NO FORCE ROW LEVEL SECURITY;
INSERT INTO jobs (id, tenant_id, type, payload, status, priority, attempts, run_at, idempotency_key, created_at, updated_at)
SELECT
  gen_random_uuid(),
  d.tenant_id,
  'webhooks.deliver',
  jsonb_build_object('deliveryId', d.id, 'attempt', d.attempts + 1, 'manual', due.manual = 1),
  'queued',
  0,
  0,
  to_timestamp(due.due_at / 1000.0),
  d.id::text || ':' || (d.attempts + 1) || CASE WHEN due.manual = 1 THEN ':manual' ELSE '' END,
  now(),
  now()
FROM webhook_due due JOIN webhook_deliveries d ON d.tenant_id = due.tenant_id AND d.id = due.delivery_id
ON CONFLICT DO NOTHING;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
DROP TABLE webhook_due;
`;

export const migration: Migration = { id: '0007-webhooks-on-jobs', sqlite, postgres };
