/** @module PostgreSQL backups in-process: COPY of every table in one REPEATABLE READ snapshot, restored with COPY FROM in one transaction. */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { TrellisError } from '../core/errors.js';
import {
  type BackupHeader,
  type BackupManifest,
  type TableSummary,
  backupFormatVersion,
  checkHeader,
  frameJson,
  invalidArchive,
  openArchiveWriter,
  readArchive,
} from './backup-archive.js';
import { type CopyIn, copyIn, copyOut } from './backup-postgres-copy.js';
import type { BackupReport } from './backup-sqlite.js';
import { describeUrl } from './postgres.js';

const frameBytes = 1024 * 1024;
const newline = 0x0a;

// Text output that depends on session settings is pinned, so a dump and its re-dump after restore hash alike.
const pinnedSettings = "SET LOCAL TIME ZONE 'UTC'; SET LOCAL datestyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'";

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

interface TableShape {
  table: string;
  columns: string[];
  key: string[];
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new TrellisError('store_unavailable', `Cannot connect to PostgreSQL at ${describeUrl(url)}: ${(error as Error).message}`, undefined, {
      cause: error,
    });
  }
  // Row-level security would silently hide other tenants' rows from a dump, so only a role that bypasses it may run one
  // (pg_dump has the same rule).
  const { rows } = await client.query<{ bypass: boolean }>('SELECT rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user');
  if (!rows[0]?.bypass) {
    await client.end();
    throw new TrellisError('forbidden', 'PostgreSQL backup and restore need a role that bypasses row-level security (superuser or BYPASSRLS), like pg_dump');
  }
  return client;
}

/** Tables of the current schema, parents before children (foreign keys), with their columns and primary key. */
async function tableShapes(client: pg.Client): Promise<TableShape[]> {
  const tables = (
    await client.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations' ORDER BY c.relname",
    )
  ).rows.map((row) => row.name);
  const edges = (
    await client.query<{ child: string; parent: string }>(
      "SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace",
    )
  ).rows;
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const next = tables.find((table) => !placed.has(table) && edges.every((edge) => edge.child !== table || edge.parent === table || placed.has(edge.parent)));
    if (!next) throw new Error('Foreign keys form a cycle; cannot order the tables');
    ordered.push(next);
    placed.add(next);
  }
  const shapes: TableShape[] = [];
  for (const table of ordered) {
    const columns = (
      await client.query<{ name: string }>(
        "SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
        [quote(table)],
      )
    ).rows.map((row) => row.name);
    const key = (
      await client.query<{ name: string }>(
        'SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)',
        [quote(table)],
      )
    ).rows.map((row) => row.name);
    shapes.push({ table, columns, key: key.length > 0 ? key : columns });
  }
  return shapes;
}

function selectSql(shape: TableShape): string {
  return `COPY (SELECT ${shape.columns.map(quote).join(', ')} FROM ${quote(shape.table)} ORDER BY ${shape.key.map(quote).join(', ')}) TO STDOUT`;
}

function countRows(chunk: Buffer): number {
  let rows = 0;
  for (let index = chunk.indexOf(newline); index !== -1; index = chunk.indexOf(newline, index + 1)) rows++;
  return rows;
}

/** Re-reads a table in key order and returns its count and checksum, as the dump computed them. */
async function summariseTable(client: pg.Client, shape: TableShape): Promise<TableSummary> {
  const hash = createHash('sha256');
  let rows = 0;
  await copyOut(client, selectSql(shape), (chunk) => {
    hash.update(chunk);
    rows += countRows(chunk);
  });
  return { table: shape.table, rows, sha256: hash.digest('hex') };
}

async function appliedMigrations(client: pg.Client): Promise<string[]> {
  return (await client.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id')).rows.map((row) => row.id);
}

/**
 * Dumps every table of the database at `url` into `archive`, in one REPEATABLE READ READ ONLY snapshot, so writers
 * carry on and the archive is consistent. Each table is a `COPY (SELECT … ORDER BY primary key) TO STDOUT` in text
 * format, hashed as it streams.
 */
export async function backupPostgres(url: string, archive: string): Promise<BackupReport> {
  const client = await connect(url);
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(pinnedSettings);
    const header: BackupHeader = {
      format: 'trellis-backup',
      version: backupFormatVersion,
      dialect: 'postgres',
      createdAt: new Date().toISOString(),
      migrations: await appliedMigrations(client),
    };
    const shapes = await tableShapes(client);
    const writer = openArchiveWriter(archive);
    await writer.json('H', header);
    const tables: TableSummary[] = [];
    for (const shape of shapes) {
      await writer.json('T', { table: shape.table, columns: shape.columns });
      const hash = createHash('sha256');
      let rows = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let writes = Promise.resolve();
      const flush = () => {
        const frame = Buffer.concat(pending);
        pending = [];
        pendingBytes = 0;
        writes = writes.then(() => writer.frame('D', frame));
        return writes;
      };
      await copyOut(client, selectSql(shape), (chunk) => {
        hash.update(chunk);
        rows += countRows(chunk);
        // pg's parser may reuse the memory behind a message once the callback returns, so kept chunks are copied.
        pending.push(Buffer.from(chunk));
        pendingBytes += chunk.length;
        return pendingBytes >= frameBytes ? flush() : undefined;
      });
      if (pendingBytes > 0) await flush();
      await writes;
      const summary = { table: shape.table, rows, sha256: hash.digest('hex') };
      await writer.json('E', summary);
      tables.push(summary);
    }
    await client.query('COMMIT');
    const manifest: BackupManifest = { ...header, tables };
    await writer.json('M', manifest);
    return { manifest, archiveBytes: await writer.close() };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Restores an archive into the (migrated) database at `url` in one transaction: COPY FROM per table, then every
 * table's count and checksum re-read and compared with the manifest, identity sequences moved past the restored
 * rows, and only then COMMIT. A damaged archive, a mismatch or a non-empty target (without `force`) rolls back and
 * leaves the target as it was.
 */
export async function restorePostgres(url: string, archive: string, options: { force?: boolean } = {}): Promise<BackupReport> {
  const client = await connect(url);
  let copy: CopyIn | null = null;
  try {
    await client.query('BEGIN');
    await client.query(pinnedSettings);
    const shapes = new Map((await tableShapes(client)).map((shape) => [shape.table, shape]));
    const occupied: string[] = [];
    for (const table of shapes.keys()) {
      const { rows } = await client.query(`SELECT 1 FROM ${quote(table)} LIMIT 1`);
      if (rows.length > 0) occupied.push(table);
    }
    if (occupied.length > 0) {
      if (!options.force) {
        throw new TrellisError('restore_target_not_empty', `The target database already holds data (${occupied.join(', ')}); pass --force to replace it`, {
          tables: occupied,
        });
      }
      await client.query(`TRUNCATE ${[...shapes.keys()].map(quote).join(', ')} RESTART IDENTITY CASCADE`);
    }
    let header: BackupHeader | undefined;
    let manifest: BackupManifest | undefined;
    let current: { table: string; hash: ReturnType<typeof createHash>; rows: number } | null = null;
    const loaded: TableSummary[] = [];
    for await (const frame of readArchive(archive)) {
      if (frame.kind === 'H') {
        header = frameJson<BackupHeader>(archive, frame);
        checkHeader(archive, header, 'postgres');
        const applied = await appliedMigrations(client);
        if (applied.join(',') !== header.migrations.join(',')) {
          throw new TrellisError(
            'backup_invalid',
            `${archive} was taken at migrations [${header.migrations.join(', ')}] but the target has [${applied.join(', ')}]; restore with the same Trellis version`,
          );
        }
      } else if (!header) {
        throw invalidArchive(archive, 'it does not start with a header');
      } else if (frame.kind === 'T') {
        const { table, columns } = frameJson<{ table: string; columns: string[] }>(archive, frame);
        if (!shapes.has(table)) throw invalidArchive(archive, `table ${table} does not exist in the target`);
        copy = await copyIn(client, `COPY ${quote(table)} (${columns.map(quote).join(', ')}) FROM STDIN`);
        current = { table, hash: createHash('sha256'), rows: 0 };
      } else if (frame.kind === 'D') {
        if (!copy || !current) throw invalidArchive(archive, 'data outside a table');
        current.hash.update(frame.payload);
        current.rows += countRows(frame.payload);
        await copy.write(frame.payload);
      } else if (frame.kind === 'E') {
        const summary = frameJson<TableSummary>(archive, frame);
        if (!copy || !current || summary.table !== current.table) throw invalidArchive(archive, 'a table end without its start');
        const done = { table: current.table, rows: current.rows, sha256: current.hash.digest('hex') };
        if (done.rows !== summary.rows || done.sha256 !== summary.sha256) {
          await copy.fail('checksum mismatch');
          copy = null;
          throw invalidArchive(archive, `table ${summary.table} does not match its checksum`);
        }
        const finishing = copy;
        copy = null;
        await finishing.end();
        loaded.push(done);
        current = null;
      } else if (frame.kind === 'M') {
        manifest = frameJson<BackupManifest>(archive, frame);
      }
    }
    if (!manifest || current) throw invalidArchive(archive, 'it ends inside a table');
    if (
      manifest.tables.map((table) => `${table.table}:${table.rows}:${table.sha256}`).join() !==
      loaded.map((table) => `${table.table}:${table.rows}:${table.sha256}`).join()
    ) {
      throw invalidArchive(archive, 'the manifest does not match the tables in the archive');
    }
    for (const expected of manifest.tables) {
      const shape = shapes.get(expected.table);
      if (!shape) throw invalidArchive(archive, `table ${expected.table} does not exist in the target`);
      const actual = await summariseTable(client, shape);
      if (actual.rows !== expected.rows || actual.sha256 !== expected.sha256) {
        throw new TrellisError(
          'backup_invalid',
          `After loading, table ${expected.table} has ${actual.rows} rows and checksum ${actual.sha256.slice(0, 12)}…, the manifest says ${expected.rows} and ${expected.sha256.slice(0, 12)}…`,
        );
      }
    }
    const identities = await client.query<{ table_name: string; column_name: string }>(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
    );
    for (const { table_name: table, column_name: column } of identities.rows) {
      await client.query(`SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max(${quote(column)}) FROM ${quote(table)}), 0) + 1, false)`, [
        quote(table),
        column,
      ]);
    }
    await client.query('COMMIT');
    return { manifest, archiveBytes: 0 };
  } catch (error) {
    if (copy) await copy.fail('restore aborted');
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
