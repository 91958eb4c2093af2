/**
 * `freewire backup FILE` and `freewire restore FILE`.
 *
 * Backups are taken online: a running server keeps serving and writing. SQLite uses its online
 * backup API (a consistent snapshot, restarted if another process writes mid-copy); PostgreSQL
 * uses pg_dump, which reads inside one snapshot. Files are written under a temporary name and
 * renamed, so FILE is either a complete backup or absent.
 *
 * Restores replace the whole database and therefore need the server stopped. SQLite restores are
 * checked before anything is touched (integrity, Freewire's migrations table, migrations this
 * release knows), swapped in with a rename, and the replaced file is kept beside it.
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import type { Config } from '../config.js';
import { MIGRATIONS } from '../db/migrate.js';
import { createDatabase, redactUrl } from '../db/database.js';
import { applyMigrations, loadCliConfig, openDatabase, sqliteFile } from './context.js';
import { CliError, formatBytes, note, out } from './output.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const PGDUMP_MAGIC = Buffer.from('PGDMP', 'latin1');
/** Below this many pages (~20 MB at 4 KiB pages) a backup is quick enough to need no progress. */
const PROGRESS_MIN_PAGES = 5000;

async function exists(file: string): Promise<boolean> {
  return fs.access(file, fsConstants.F_OK).then(
    () => true,
    () => false,
  );
}

/** fsync a file or directory, so a rename that follows (or just happened) survives a crash. */
async function fsyncPath(p: string): Promise<void> {
  const handle = await fs.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readMagic(file: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const { bytesRead } = await handle.read(buf, 0, 16, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function tempName(target: string, purpose: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${purpose}-${process.pid}.tmp`);
}

// ---- backup ---------------------------------------------------------------------------------

export async function backup(file: string, opts: { force?: boolean }): Promise<void> {
  const config = loadCliConfig();
  const target = path.resolve(file);
  if (!(await exists(path.dirname(target)))) throw new CliError(`the directory ${path.dirname(target)} does not exist`);
  if (!opts.force && (await exists(target))) {
    throw new CliError(`${file} already exists; nothing was written`, 'Choose another file name, or pass --force to overwrite it.');
  }
  const tmp = tempName(target, 'backup');
  await fs.rm(tmp, { force: true });
  try {
    if (config.databaseUrl) await backupPostgres(config.databaseUrl, tmp);
    else await backupSqlite(config, tmp, target);
    // A backup holds password and token hashes: readable by its owner only.
    await fs.chmod(tmp, 0o600);
    await fsyncPath(tmp);
    await fs.rename(tmp, target);
    await fsyncPath(path.dirname(target));
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const { size } = await fs.stat(target);
  out(`Backup written to ${target} (${formatBytes(size)}).`);
}

async function backupSqlite(config: Config, tmp: string, target: string): Promise<void> {
  const source = sqliteFile(config);
  if (!(await exists(source))) {
    throw new CliError(`there is no database at ${source}`, 'Check FREEWIRE_DATA_DIR (or DATABASE_URL for PostgreSQL).');
  }
  if (target === source || target.startsWith(`${source}-`)) throw new CliError('the backup file cannot be the database itself');
  const database = openDatabase(config);
  try {
    const handle = database.sqlite!;
    let lastRemaining = Infinity;
    let lastShown = -5;
    let restarted = false;
    await handle.backup(tmp, {
      progress({ totalPages, remainingPages }) {
        // The backup restarts from page one whenever another process (the server) writes
        // between steps. Under a steady write load stepping could go on for ever, so after one
        // restart copy everything in a single step: one read transaction, which in WAL mode
        // does not block the writers.
        if (remainingPages > lastRemaining) restarted = true;
        lastRemaining = remainingPages;
        if (restarted) return 0x7fffffff;
        if (totalPages >= PROGRESS_MIN_PAGES) {
          const percent = Math.floor(((totalPages - remainingPages) / totalPages) * 100);
          if (percent >= lastShown + 5) {
            lastShown = percent;
            process.stderr.write(`Backing up… ${percent}%\n`);
          }
        }
        return Math.max(1000, Math.ceil(totalPages / 50));
      },
    });
    if (lastShown >= 0) process.stderr.write('Backing up… 100%\n');
  } finally {
    await database.close();
    // Kysely closes the handle only if it ever ran a query on it, which the backup does not.
    if (database.sqlite?.open) database.sqlite.close();
  }
  // Proof that what we wrote reads back as a whole database, before it takes the real name.
  const check = new SQLite(tmp, { fileMustExist: true });
  try {
    const result = check.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new CliError(`the backup failed its integrity check (${String(result)}); nothing was written`);
  } finally {
    check.close();
  }
}

// ---- PostgreSQL tools --------------------------------------------------------------------------

/**
 * Runs pg_dump / pg_restore against `url`. The password goes in PGPASSWORD rather than on the
 * command line, where any local user could read it with ps.
 */
function runPgTool(tool: 'pg_dump' | 'pg_restore', args: string[], url: string | undefined): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const finalArgs = [...args];
  if (url) {
    const u = new URL(url);
    if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
    u.password = '';
    finalArgs.push(`--dbname=${u.toString()}`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(tool, finalArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(
          new CliError(
            `${tool} was not found, and Freewire needs it for PostgreSQL backups`,
            'Install the PostgreSQL client tools of your server version (Debian/Ubuntu: apt install postgresql-client) and make sure they are on PATH.',
          ),
        );
      } else reject(err);
    });
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else {
        const detail = stderr.trim().split('\n').slice(-3).join(' / ') || `exit code ${code}`;
        reject(new CliError(`${tool} failed: ${detail}`));
      }
    });
  });
}

async function backupPostgres(url: string, tmp: string): Promise<void> {
  note(`Dumping ${redactUrl(url)} with pg_dump…`);
  await runPgTool('pg_dump', ['--format=custom', `--file=${tmp}`], url);
}

// ---- restore --------------------------------------------------------------------------------

export async function restore(file: string, opts: { force?: boolean }): Promise<void> {
  const config = loadCliConfig();
  const source = path.resolve(file);
  if (!(await exists(source))) throw new CliError(`${file} does not exist`);
  const magic = await readMagic(source);
  const isSqlite = magic.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC);
  const isPgDump = magic.subarray(0, PGDUMP_MAGIC.length).equals(PGDUMP_MAGIC);
  if (config.databaseUrl) {
    if (isSqlite) throw new CliError(`${file} is a SQLite backup, but DATABASE_URL points to PostgreSQL`, 'Unset DATABASE_URL to restore into the embedded SQLite database.');
    if (!isPgDump) throw new CliError(`${file} is not a PostgreSQL backup made by freewire backup (pg_dump custom format)`);
    await restorePostgres(config.databaseUrl, source, opts);
  } else {
    if (isPgDump) throw new CliError(`${file} is a PostgreSQL backup, but no DATABASE_URL is set`, 'Set DATABASE_URL to the PostgreSQL database to restore into.');
    if (!isSqlite) throw new CliError(`${file} is not a SQLite database, so it is not a Freewire backup`);
    await restoreSqlite(config, source, opts);
  }

  const database = openDatabase(config);
  try {
    const applied = await applyMigrations(database, note);
    out(`Restored ${file} into ${database.location}${applied.length > 0 ? ` and applied ${applied.length} migration(s)` : ''}.`);
  } finally {
    await database.close();
  }
}

/** Checks a candidate SQLite database: intact, made by Freewire, and not by a newer release. */
function verifySqliteBackup(file: string, label: string): void {
  let handle: SQLite.Database;
  try {
    handle = new SQLite(file, { fileMustExist: true });
  } catch (err) {
    throw new CliError(`${label} cannot be opened as a database: ${(err as Error).message}`);
  }
  try {
    let result: unknown;
    try {
      result = handle.pragma('integrity_check', { simple: true });
    } catch (err) {
      throw new CliError(`${label} is damaged or not a database: ${(err as Error).message}`);
    }
    if (result !== 'ok') throw new CliError(`${label} failed the integrity check: ${String(result)}`);
    const table = handle.prepare("select 1 from sqlite_master where type = 'table' and name = 'freewire_migrations'").get();
    if (!table) throw new CliError(`${label} is a SQLite database but not a Freewire one (it has no freewire_migrations table)`);
    const known = new Set(MIGRATIONS.map(([name]) => name));
    const unknown = (handle.prepare('select name from freewire_migrations').all() as Array<{ name: string }>).map((r) => r.name).filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new CliError(`${label} was made by a newer Freewire (it has migrations ${unknown.join(', ')})`, 'Upgrade Freewire first, then restore.');
    }
  } finally {
    handle.close();
  }
}

async function restoreSqlite(config: Config, source: string, opts: { force?: boolean }): Promise<void> {
  const target = sqliteFile(config);
  if (source === target) throw new CliError('that file is the live database itself');
  if (await exists(`${source}-wal`)) {
    const { size } = await fs.stat(`${source}-wal`);
    if (size > 0) {
      throw new CliError(
        `${source} has a write-ahead log (${source}-wal) with changes not yet in the file`,
        'It looks like a copy of a live database. Use a file made by freewire backup instead.',
      );
    }
  }
  const targetExists = await exists(target);
  if (targetExists && !opts.force) {
    throw new CliError(`a database already exists at ${target}; nothing was changed`, 'Stop the Freewire server, then run the same command with --force to replace it.');
  }
  await fs.mkdir(config.dataDir, { recursive: true });

  // Verify a copy in the data dir rather than the original: the bytes checked are the bytes that
  // go live, and the final rename stays within one file system (atomic).
  const tmp = tempName(target, 'restore');
  await fs.rm(tmp, { force: true });
  try {
    note(`Checking ${source}…`);
    await fs.copyFile(source, tmp);
    verifySqliteBackup(tmp, source);
    await fsyncPath(tmp);

    let kept: string | undefined;
    if (targetExists) {
      note(`Replacing ${target}. Make sure no Freewire server or command is using it.`);
      assertNotInUse(target);
      kept = `${target}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      // A hard link keeps the old database under a new name while the rename below swaps the
      // new one in atomically: at no moment is there no database.
      await fs.link(target, kept).catch(async () => fs.copyFile(target, kept!));
    }
    // Left-over -wal/-shm files would be replayed into the restored database on the next open.
    await fs.rm(`${target}-wal`, { force: true });
    await fs.rm(`${target}-shm`, { force: true });
    await fs.rename(tmp, target);
    await fsyncPath(config.dataDir);
    if (kept) note(`The replaced database was kept as ${kept}; delete it once you are satisfied.`);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Merges the live database's write-ahead log into the file and checks that nobody else has it
 * open. SQLite deletes the -wal file when the last connection closes, so a -wal file that
 * survives our own close means another process (a running server) still holds the database.
 */
function assertNotInUse(target: string): void {
  const handle = new SQLite(target, { fileMustExist: true });
  try {
    handle.pragma('busy_timeout = 5000');
    handle.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    handle.close();
  }
  if (existsSync(`${target}-wal`)) {
    throw new CliError(`${target} is in use by another process (a running Freewire server?); nothing was changed`, 'Stop the server, then run the restore again.');
  }
}

async function restorePostgres(url: string, source: string, opts: { force?: boolean }): Promise<void> {
  note(`Checking ${source}…`);
  const { stdout: listing } = await runPgTool('pg_restore', ['--list', source], undefined);
  if (!/\bTABLE\b.*\bfreewire_migrations\b/.test(listing)) {
    throw new CliError(`${source} is a PostgreSQL backup but not of a Freewire database (it has no freewire_migrations table)`);
  }
  const database = createDatabase({ databaseUrl: url, poolSize: 1 });
  let hasData: boolean;
  try {
    const r = await sql<{ n: number }>`select count(*) as n from information_schema.tables
      where table_schema = current_schema() and table_name = 'freewire_migrations'`.execute(database.db);
    hasData = Number(r.rows[0]?.n ?? 0) > 0;
  } finally {
    await database.close();
  }
  if (hasData && !opts.force) {
    throw new CliError(`the database ${redactUrl(url)} already holds Freewire data; nothing was changed`, 'Stop every Freewire server using it, then run the same command with --force to replace it.');
  }
  if (hasData) note(`Replacing the contents of ${redactUrl(url)}. Make sure no Freewire server is using it.`);
  note('Restoring with pg_restore…');
  // One transaction: if anything fails, the database is left exactly as it was.
  await runPgTool('pg_restore', ['--clean', '--if-exists', '--no-owner', '--single-transaction', '--exit-on-error', source], url);
}
