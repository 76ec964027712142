/** @module SQLite backups: a consistent copy through SQLite's online backup API, carried whole in the archive with per-table checksums. */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
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
import { migrations } from './migrate.js';

/** What a backup or restore did. */
export interface BackupReport {
  manifest: BackupManifest;
  /** Size of the archive file in bytes. */
  archiveBytes: number;
}

const frameBytes = 1024 * 1024;

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Ordinary tables by name: not SQLite's own, not virtual ones, and not the shadow tables a virtual table keeps its data in
 * (the full-text indexes' `*_data`, `*_config` …, which hold rows from the moment they are created and are derived data).
 */
function tablesOf(db: Database.Database): string[] {
  const rows = db.prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
    name: string;
  }[];
  return rows.map((row) => row.name);
}

/** Row count and SHA-256 of a table's rows in primary-key order (rowid for rowid tables without a declared key). */
function summarise(db: Database.Database, table: string): TableSummary {
  const columns = db.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string; pk: number }[];
  const keys = columns.filter((column) => column.pk > 0).sort((a, b) => a.pk - b.pk);
  const order = keys.length > 0 ? keys.map((column) => quote(column.name)).join(', ') : 'rowid';
  const hash = createHash('sha256');
  let rows = 0;
  for (const row of db
    .prepare(`SELECT * FROM ${quote(table)} ORDER BY ${order}`)
    .raw()
    .iterate() as Iterable<unknown[]>) {
    hash.update(
      JSON.stringify(row, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('hex') : typeof value === 'bigint' ? String(value) : value)),
    );
    hash.update('\n');
    rows++;
  }
  return { table, rows, sha256: hash.digest('hex') };
}

function summariseAll(db: Database.Database): TableSummary[] {
  return tablesOf(db).map((table) => summarise(db, table));
}

function appliedMigrations(db: Database.Database): string[] {
  const rows = db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as { id: string }[];
  return rows.map((row) => row.id);
}

function compareSummaries(expected: TableSummary[], actual: TableSummary[], where: string): void {
  const found = new Map(actual.map((summary) => [summary.table, summary]));
  for (const table of expected) {
    const got = found.get(table.table);
    if (!got || got.rows !== table.rows || got.sha256 !== table.sha256) {
      throw new TrellisError(
        'backup_invalid',
        `Table ${table.table} in ${where} does not match the manifest (${table.rows} rows expected, ${got?.rows ?? 'none'} found)`,
        {
          table: table.table,
        },
      );
    }
  }
  if (found.size !== expected.length) throw new TrellisError('backup_invalid', `${where} holds tables the manifest does not list`);
}

/**
 * Backs up a SQLite database file into `archive`. The copy is made with the online backup API from a separate
 * read-only connection, so a server may keep writing: after the first step the rest is copied in one step, inside
 * one read transaction, so it is a consistent snapshot (WAL readers do not block the writer).
 */
export async function backupSqlite(databaseFile: string, archive: string): Promise<BackupReport> {
  if (!existsSync(databaseFile)) throw new TrellisError('store_unavailable', `No SQLite database at ${databaseFile}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-backup-'));
  try {
    const copy = path.join(dir, 'copy.db');
    const source = new Database(databaseFile, { readonly: true, fileMustExist: true });
    try {
      await source.backup(copy, { progress: () => 1 << 30 });
    } finally {
      source.close();
    }
    const db = new Database(copy, { readonly: true });
    let header: BackupHeader;
    let tables: TableSummary[];
    try {
      header = {
        format: 'trellis-backup',
        version: backupFormatVersion,
        dialect: 'sqlite',
        createdAt: new Date().toISOString(),
        migrations: appliedMigrations(db),
      };
      tables = summariseAll(db);
    } finally {
      db.close();
    }
    const writer = openArchiveWriter(archive);
    await writer.json('H', header);
    const fileHash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of createReadStream(copy, { highWaterMark: frameBytes }) as AsyncIterable<Buffer>) {
      fileHash.update(chunk);
      bytes += chunk.length;
      await writer.frame('D', chunk);
    }
    const manifest: BackupManifest = { ...header, tables, fileSha256: fileHash.digest('hex'), bytes };
    await writer.json('M', manifest);
    return { manifest, archiveBytes: await writer.close() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether a SQLite file holds any row outside the migration bookkeeping. */
function holdsData(file: string): boolean {
  if (!existsSync(file)) return false;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return tablesOf(db).some((table) => table !== 'schema_migrations' && db.prepare(`SELECT 1 FROM ${quote(table)} LIMIT 1`).get() !== undefined);
  } finally {
    db.close();
  }
}

/**
 * Restores an archive into the SQLite file `databaseFile`. The archive is unpacked and verified in full (file hash,
 * integrity check, per-table counts and checksums) before the target is touched; the target is then overwritten
 * through the backup API in one step and checked again. A target holding data is refused unless `force`.
 * Run it with the server stopped.
 */
export async function restoreSqlite(databaseFile: string, archive: string, options: { force?: boolean } = {}): Promise<BackupReport> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-restore-'));
  try {
    const copy = path.join(dir, 'copy.db');
    const out = createWriteStream(copy);
    const fileHash = createHash('sha256');
    let header: BackupHeader | undefined;
    let manifest: BackupManifest | undefined;
    for await (const frame of readArchive(archive)) {
      if (frame.kind === 'H') {
        header = frameJson<BackupHeader>(archive, frame);
        checkHeader(archive, header, 'sqlite');
      } else if (!header) {
        throw invalidArchive(archive, 'it does not start with a header');
      } else if (frame.kind === 'D') {
        fileHash.update(frame.payload);
        if (!out.write(frame.payload)) await once(out, 'drain');
      } else if (frame.kind === 'M') {
        manifest = frameJson<BackupManifest>(archive, frame);
      } else {
        throw invalidArchive(archive, `unexpected frame ${frame.kind} in a SQLite backup`);
      }
    }
    out.end();
    await once(out, 'close');
    if (!manifest) throw invalidArchive(archive, 'it has no manifest');
    if (fileHash.digest('hex') !== manifest.fileSha256) throw invalidArchive(archive, 'the database file does not match its checksum');
    const unknown = manifest.migrations.filter((id) => !migrations.some((migration) => migration.id === id));
    if (unknown.length > 0) throw invalidArchive(archive, `it was made by a newer Trellis (migrations ${unknown.join(', ')} are unknown here)`);
    const restored = new Database(copy);
    try {
      const check = restored.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw invalidArchive(archive, `the database fails SQLite's check: ${String(check)}`);
      compareSummaries(manifest.tables, summariseAll(restored), 'the archive');
      if (!options.force && holdsData(databaseFile)) {
        throw new TrellisError('restore_target_not_empty', `${databaseFile} already holds data; pass --force to replace it`, { target: databaseFile });
      }
      mkdirSync(path.dirname(path.resolve(databaseFile)), { recursive: true });
      await restored.backup(databaseFile, { progress: () => 1 << 30 });
    } finally {
      restored.close();
    }
    const target = new Database(databaseFile, { readonly: true });
    try {
      compareSummaries(manifest.tables, summariseAll(target), databaseFile);
    } finally {
      target.close();
    }
    return { manifest, archiveBytes: 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
