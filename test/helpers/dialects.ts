/**
 * Every database test runs on both engines: SQLite always, PostgreSQL when it is reachable.
 * In CI (CI=true) a missing PostgreSQL is a failure, never a skip — a dialect that is not
 * tested rots (see HOUSE.md, Tests).
 *
 * Each run gets its own fresh database: a new file in a temp dir for SQLite, a new
 * `freewire_test_<hex>` database for PostgreSQL, so test files never see each other's rows.
 *
 * Test helpers may read process.env (only src/config.ts may in the product).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import type { DialectName } from '../../src/db/dialect.js';

export type TestDb = {
  database: Database;
  dialect: DialectName;
  /** PostgreSQL only: the URL of this test's own database. */
  url?: string;
  /** SQLite only: the database file (in a temp dir removed by drop()). */
  sqliteFile?: string;
};

export type DroppableTestDb = TestDb & { drop(): Promise<void> };

export interface CreateTestDatabaseOptions {
  /** Run all migrations (default true). Pass false to get an empty database. */
  migrate?: boolean;
}

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DIALECTS: readonly DialectName[] = ['sqlite', 'postgres'];

/** The maintenance database test databases are created from. */
export function postgresAdminUrl(): string {
  return process.env.FREEWIRE_TEST_PG_URL || DEFAULT_PG_URL;
}

function postgresHost(): string {
  try {
    const u = new URL(postgresAdminUrl());
    return `${u.hostname}:${u.port || '5432'}`;
  } catch {
    return '127.0.0.1:5432';
  }
}

export function isCI(): boolean {
  return process.env.CI === 'true';
}

async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresAdminUrl(), connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let pgAvailable: Promise<boolean> | undefined;

/** True when the PostgreSQL server in FREEWIRE_TEST_PG_URL (or the default) answers within 2 s. */
export function postgresAvailable(): Promise<boolean> {
  pgAvailable ??= withAdminClient(async (client) => {
    await client.query('select 1');
    return true;
  }).catch(() => false);
  return pgAvailable;
}

/**
 * A fresh database on the given engine, migrated unless `{ migrate: false }`. Call drop() when
 * done (forEachDialect does it for you): it closes the connections and deletes the data.
 */
export async function createTestDatabase(
  dialect: DialectName,
  opts: CreateTestDatabaseOptions = {},
): Promise<DroppableTestDb> {
  const tdb = dialect === 'sqlite' ? await createSqlite() : await createPostgres();
  if (opts.migrate !== false) {
    try {
      await migrate(tdb.database);
    } catch (err) {
      await tdb.drop().catch(() => undefined);
      throw err;
    }
  }
  return tdb;
}

async function createSqlite(): Promise<DroppableTestDb> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-test-'));
  const sqliteFile = path.join(dir, 'freewire.db');
  const database = createDatabase({ sqliteFile });
  let dropped = false;
  return {
    database,
    dialect: 'sqlite',
    sqliteFile,
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await database.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

async function createPostgres(): Promise<DroppableTestDb> {
  const name = `freewire_test_${randomBytes(8).toString('hex')}`;
  // The name is generated here from hex digits only, so it is safe to splice into DDL.
  await withAdminClient((client) => client.query(`create database ${name}`));
  const u = new URL(postgresAdminUrl());
  u.pathname = `/${name}`;
  const url = u.toString();
  // A small pool: tests run one file at a time, and a dropped database's connections are
  // terminated anyway (WITH (FORCE)).
  const database = createDatabase({ databaseUrl: url, poolSize: 4 });
  let dropped = false;
  return {
    database,
    dialect: 'postgres',
    url,
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await database.close();
      } finally {
        await withAdminClient(async (client) => {
          // pg-pool's end() resolves before its clients' sockets have closed. If FORCE kills
          // such a backend first, the orphaned client emits an unhandled 'error' in the next
          // test. So wait (briefly) for the backends to leave; FORCE handles any that linger.
          const deadline = Date.now() + 5000;
          while (Date.now() < deadline) {
            const { rows } = await client.query<{ n: number }>(
              'select count(*)::int as n from pg_stat_activity where datname = $1',
              [name],
            );
            if (rows[0]!.n === 0) break;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          await client.query(`drop database if exists ${name} with (force)`);
        });
      }
    },
  };
}

/**
 * For suites that need something the machine may lack (PostgreSQL, Chromium, jing): returns
 * true when the suite should run. When `available` is false: in CI the test fails with
 * `ciMessage` (default: the reason plus "required in CI"); locally it is skipped with the
 * one-line `reason`.
 */
export function requireOrSkip(t: TestContext, available: boolean, reason: string, ciMessage?: string): boolean {
  if (available) return true;
  if (isCI()) throw new Error(ciMessage ?? `${reason} — this is required in CI (CI=true)`);
  t.skip(reason);
  return false;
}

/** requireOrSkip for PostgreSQL: true when it is reachable; skips locally, fails in CI. */
export async function requirePostgres(t: TestContext): Promise<boolean> {
  return requireOrSkip(
    t,
    await postgresAvailable(),
    `PostgreSQL not reachable at ${postgresHost()} (set FREEWIRE_TEST_PG_URL or start it)`,
    `PostgreSQL is required in CI (${postgresHost()})`,
  );
}

export interface ForEachDialectOptions {
  /** Run all migrations on the fresh database (default true). */
  migrate?: boolean;
}

/**
 * Registers `${title} [sqlite]` and `${title} [postgres]`. Each run gets a fresh database,
 * dropped afterwards even when the test fails. Without a reachable PostgreSQL the postgres
 * run is skipped locally and fails in CI.
 *
 * The database is dropped as soon as `fn` settles, before any `t.after` hooks run: close
 * connections you open yourself (e.g. a second pg.Client) inside `fn`.
 */
export function forEachDialect(
  title: string,
  fn: (t: TestContext, tdb: TestDb) => Promise<void>,
  opts: ForEachDialectOptions = {},
): void {
  for (const dialect of DIALECTS) {
    test(`${title} [${dialect}]`, async (t) => {
      if (dialect === 'postgres' && !(await requirePostgres(t))) return;
      const tdb = await createTestDatabase(dialect, { migrate: opts.migrate ?? true });
      try {
        await fn(t, { database: tdb.database, dialect: tdb.dialect, url: tdb.url, sqliteFile: tdb.sqliteFile });
      } finally {
        await tdb.drop();
      }
    });
  }
}
