/**
 * Opens the database: the embedded SQLite file in the data dir, or PostgreSQL when
 * DATABASE_URL is set. Returns a Kysely instance plus the helpers that hide dialect differences.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { lazyRequire } from '../util/lazy-require.js';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { DB } from './schema.js';
import { dialectHelpers, type DialectHelpers, type DialectName } from './dialect.js';

export interface Database {
  readonly db: Kysely<DB>;
  readonly dialect: DialectHelpers;
  /** The raw better-sqlite3 handle (SQLite only): backups and the hot read paths use it. */
  readonly sqlite: SQLite.Database | undefined;
  /** Where the data lives, for messages: a file path or a redacted URL. */
  readonly location: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  /** SQLite file; defaults to `<dataDir>/freewire.db`. */
  sqliteFile?: string;
  dataDir?: string;
  poolSize?: number;
}

const postgres = lazyRequire<typeof import('pg')>('pg');

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export function openSqlite(file: string): SQLite.Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const handle = new SQLite(file);
  // WAL lets readers run while a writer commits, and lets the CLI share the file with a running
  // server. better-sqlite3 leaves synchronous at NORMAL, which in WAL mode can lose the last
  // commits on power loss; FULL makes every acknowledged commit durable.
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = FULL');
  handle.pragma('foreign_keys = ON');
  // Freed pages are overwritten with zeros: a deleted tip's ciphertext does not linger in the file.
  handle.pragma('secure_delete = ON');
  // A second process (CLI, another server) may hold the write lock briefly.
  handle.pragma('busy_timeout = 5000');
  return handle;
}

/** Distinct SQL texts kept prepared; queries with IN lists of many lengths make more, the oldest go first. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The handle as Kysely sees it, with prepared statements kept by SQL text. Kysely prepares every
 * query afresh, and preparing (parsing and planning) cost as much as running the query on the
 * hot read paths. Reuse is safe here: better-sqlite3 runs a statement to completion synchronously
 * (Kysely's streaming, which would hold one open, is not used), and SQLite re-prepares a
 * statement by itself after a schema change.
 */
function withStatementCache(handle: SQLite.Database): { prepare(sql: string): SQLite.Statement; close(): void } {
  const statements = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string): SQLite.Statement {
      let stmt = statements.get(sql);
      if (stmt) {
        // Most recently used last, so the first key is the one to drop.
        statements.delete(sql);
      } else {
        stmt = handle.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, stmt);
      return stmt;
    },
    close: () => handle.close(),
  };
}

export function createDatabase(opts: DatabaseOptions): Database {
  if (opts.databaseUrl) {
    const pg = postgres();
    // pg returns int8 (count(*), sums) as strings to avoid precision loss; our counts fit in a double.
    pg.types.setTypeParser(20, (v) => Number(v));
    // Idle connections stay open for five minutes (node-postgres closes them after ten seconds by
    // default). A new connection costs a backend start and, worse, its first queries: each
    // backend fills its own catalog caches, so parsing and planning take milliseconds more.
    // Measured at 100k stories, a search results page (four to five queries, three of them side
    // by side) took 17.8 ms on new connections against 2.5 ms on warm ones (medians of 14): with
    // the default, a site read less than every ten seconds paid that on most pages.
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 10, idleTimeoutMillis: 5 * 60_000 });
    // An idle client error (e.g. the server restarted) must not crash the process.
    pool.on('error', () => undefined);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      dialect: dialectHelpers('postgres'),
      sqlite: undefined,
      location: redactUrl(opts.databaseUrl),
      close: () => db.destroy(),
    };
  }
  const file = opts.sqliteFile ?? path.join(opts.dataDir ?? './data', 'freewire.db');
  const handle = openSqlite(file);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(handle) }) });
  return {
    db,
    dialect: dialectHelpers('sqlite'),
    sqlite: handle,
    location: file,
    close: async () => {
      await db.destroy();
      // Kysely closes the handle only if it ever opened a connection through it.
      if (handle.open) handle.close();
    },
  };
}

export function dialectOf(database: Database): DialectName {
  return database.dialect.name;
}
