/** @module The PostgreSQL statements that put tenant tables under forced row-level security, shared by the migrations. */

/**
 * Enables and forces row-level security on each table with the `tenant_isolation` policy: a row is visible and
 * writable only when its `tenant_id` equals the session's `app.tenant_id` (unset: no rows). The text is part of
 * each migration's checksum, so it must never change; a new policy needs a new migration.
 */
export function forcedRowLevelSecurity(tables: readonly string[]): string {
  return tables
    .map(
      (table) => `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ${table}
  USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);`,
    )
    .join('\n');
}
