/**
 * The storage layer on both engines: SQLite pragmas, the migrator (from empty, idempotent,
 * atomic, refusing a newer database), schema drift between SQLite and PostgreSQL, and
 * durability of a committed write across a reopen.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type SQLite from 'better-sqlite3';
import { createDatabase } from '../../src/db/database.js';
import { MIGRATIONS, migrate } from '../../src/db/migrate.js';
import {
  createTestDatabase,
  forEachDialect,
  requirePostgres,
  type DroppableTestDb,
  type TestDb,
} from '../helpers/dialects.js';

const MIGRATION_NAMES = MIGRATIONS.map(([name]) => name);
const LOCK_ID = 727_274_001; // src/db/migrate.ts

function anyDb(tdb: TestDb): Kysely<any> {
  return tdb.database.db as unknown as Kysely<any>;
}

async function tableExists(tdb: TestDb, table: string): Promise<boolean> {
  if (tdb.dialect === 'sqlite') {
    return tdb.database.sqlite!.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(table) !== undefined;
  }
  const { rows } = await sql<{ n: number }>`select count(*) as n from information_schema.tables
    where table_schema = current_schema() and table_name = ${table}`.execute(tdb.database.db);
  return rows[0]!.n > 0;
}

function userRow(id: string, email: string) {
  const now = new Date().toISOString();
  return { id, email, name: 'Ada', role: 'admin' as const, status: 'active' as const, created_at: now, updated_at: now };
}

describe('SQLite connection', () => {
  test('uses WAL, synchronous=FULL and enforces foreign keys', async () => {
    const tdb = await createTestDatabase('sqlite', { migrate: false });
    try {
      const handle = tdb.database.sqlite!;
      assert.equal(handle.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(handle.pragma('synchronous', { simple: true }), 2, 'synchronous must be FULL (2)');
      assert.equal(handle.pragma('foreign_keys', { simple: true }), 1);
    } finally {
      await tdb.drop();
    }
  });

  test('a committed write survives closing and reopening the file', async () => {
    const tdb = await createTestDatabase('sqlite');
    try {
      await tdb.database.db.insertInto('users').values(userRow('u-durable', 'durable@example.org')).execute();
      await tdb.database.close();

      const reopened = createDatabase({ sqliteFile: tdb.sqliteFile! });
      try {
        const row = await reopened.db.selectFrom('users').select(['id', 'email', 'name']).where('id', '=', 'u-durable').executeTakeFirst();
        assert.deepEqual(row, { id: 'u-durable', email: 'durable@example.org', name: 'Ada' });
      } finally {
        await reopened.close();
      }
    } finally {
      await tdb.drop();
    }
  });
});

describe('migrate', () => {
  forEachDialect(
    'applies every migration to an empty database, in order',
    async (_t, tdb) => {
      assert.equal(await tableExists(tdb, 'stories'), false);
      const progress: string[] = [];
      const result = await migrate(tdb.database, (name) => progress.push(name));
      assert.deepEqual(result, { applied: MIGRATION_NAMES, alreadyApplied: 0 });
      assert.deepEqual(progress, MIGRATION_NAMES);
      for (const table of ['users', 'stories', 'story_versions', 'events', 'story_search', 'idempotency_keys']) {
        assert.equal(await tableExists(tdb, table), true, `table ${table} should exist`);
      }
      const recorded = await anyDb(tdb).selectFrom('freewire_migrations').select('name').orderBy('name').execute();
      assert.deepEqual(
        recorded.map((r) => r.name),
        [...MIGRATION_NAMES].sort(),
      );
    },
    { migrate: false },
  );

  forEachDialect('is idempotent: a second run applies nothing', async (_t, tdb) => {
    // forEachDialect already migrated this database once.
    const progress: string[] = [];
    const result = await migrate(tdb.database, (name) => progress.push(name));
    assert.deepEqual(result, { applied: [], alreadyApplied: MIGRATION_NAMES.length });
    assert.deepEqual(progress, []);
    const { rows } = await sql<{ n: number }>`select count(*) as n from freewire_migrations`.execute(tdb.database.db);
    assert.equal(Number(rows[0]!.n), MIGRATION_NAMES.length);
  });

  forEachDialect('refuses a database migrated by a newer release', async (_t, tdb) => {
    await anyDb(tdb)
      .insertInto('freewire_migrations')
      .values({ name: '2099_01_01_0000_from_the_future', applied_at: new Date().toISOString() })
      .execute();
    await assert.rejects(migrate(tdb.database), (err: Error) => {
      assert.match(err.message, /2099_01_01_0000_from_the_future/);
      assert.match(err.message, /upgrade Freewire/);
      return true;
    });
    if (tdb.dialect === 'postgres') {
      // The advisory lock must be released on the error path, or every other node would hang.
      // (Closed here, not in t.after: forEachDialect drops the database as soon as fn returns.)
      const other = new pg.Client({ connectionString: tdb.url });
      await other.connect();
      try {
        const { rows } = await other.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [LOCK_ID]);
        assert.equal(rows[0]!.locked, true, 'migrate() left the advisory lock held');
        await other.query('select pg_advisory_unlock($1)', [LOCK_ID]);
      } finally {
        await other.end();
      }
    }
  });

  // PostgreSQL only: this is the multi-node guarantee the advisory lock gives. (SQLite nodes
  // share one file on one machine; better-sqlite3 is synchronous, so several handles in one
  // process would block each other rather than race.)
  test('nodes starting at once on an empty PostgreSQL database migrate it exactly once', async (t) => {
    if (!(await requirePostgres(t))) return;
    const tdb = await createTestDatabase('postgres', { migrate: false });
    const nodes = [tdb.database, ...[1, 2, 3].map(() => createDatabase({ databaseUrl: tdb.url!, poolSize: 2 }))];
    try {
      const results = await Promise.all(nodes.map((node) => migrate(node)));
      assert.deepEqual(
        results.flatMap((r) => r.applied),
        MIGRATION_NAMES,
        'each migration should be applied by exactly one node',
      );
    } finally {
      await Promise.all(nodes.slice(1).map((node) => node.close()));
      await tdb.drop();
    }
  });

  forEachDialect(
    'a migration that fails part-way leaves nothing behind',
    async (_t, tdb) => {
      // A table the core migration creates late: the migration gets as far as creating users,
      // stories, … and then fails. All of it must roll back, on SQLite too (Kysely's own
      // Migrator would not wrap SQLite migrations in a transaction).
      await sql`create table settings (squatter text)`.execute(tdb.database.db);
      await assert.rejects(migrate(tdb.database));
      assert.equal(await tableExists(tdb, 'users'), false, 'users was left behind by a failed migration');
      assert.equal(await tableExists(tdb, 'stories'), false);
      const recorded = await anyDb(tdb).selectFrom('freewire_migrations').select('name').execute();
      assert.deepEqual(recorded, []);

      // Once the obstacle is gone, the same migration applies cleanly.
      await sql`drop table settings`.execute(tdb.database.db);
      const result = await migrate(tdb.database);
      assert.deepEqual(result.applied, MIGRATION_NAMES);
    },
    { migrate: false },
  );
});

// ---------------------------------------------------------------------------------------------
// Schema drift

type TypeFamily = 'text' | 'integer' | 'blob' | `other:${string}`;

interface ColumnShape {
  type: TypeFamily;
  nullable: boolean;
}

interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: string[];
  /** Column lists of unique constraints and unique indexes (not the primary key), sorted. */
  uniques: string[];
  /** Non-unique indexes as `name(col, col)`, sorted. */
  indexes: string[];
}

type SchemaShape = Record<string, TableShape>;

/**
 * story_search is engine-specific by design (FTS5 virtual table vs tsvector table, see the
 * create_core migration), so it is not compared. SQLite's own tables (sqlite_sequence, …) and
 * the FTS5 shadow tables (story_search_data, …) do not exist on PostgreSQL.
 */
/**
 * Indexes one engine has on purpose: a trigram index for the newsroom's headline search
 * (migration 2026_12_04_2010; SQLite has no such index type, and reads its headline index fast enough).
 */
const POSTGRES_ONLY_INDEXES = new Set(['stories_headline_trgm_idx']);

function isComparedTable(name: string): boolean {
  return name !== 'story_search' && !name.startsWith('story_search_') && !name.startsWith('sqlite_');
}

function sqliteTypeFamily(declared: string): TypeFamily {
  const t = declared.trim().toLowerCase();
  if (t === 'text') return 'text';
  if (t === 'integer') return 'integer';
  if (t === 'blob') return 'blob';
  return `other:${t}`;
}

function postgresTypeFamily(dataType: string): TypeFamily {
  const t = dataType.trim().toLowerCase();
  if (t === 'text') return 'text';
  if (t === 'integer' || t === 'bigint' || t === 'smallint') return 'integer';
  if (t === 'bytea') return 'blob';
  return `other:${t}`;
}

function readSqliteSchema(handle: SQLite.Database): SchemaShape {
  const tables = (handle.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[])
    .map((r) => r.name)
    .filter(isComparedTable);
  const schema: SchemaShape = {};
  for (const table of tables) {
    const info = handle.pragma(`table_info(${JSON.stringify(table)})`) as {
      name: string;
      type: string;
      notnull: number;
      pk: number;
    }[];
    const primaryKey = info
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    const columns: Record<string, ColumnShape> = {};
    for (const c of info) {
      // SQLite lets a non-INTEGER primary key column hold NULL unless NOT NULL is declared (a
      // historical quirk); PostgreSQL makes every primary key column NOT NULL. The application
      // always supplies ids, so a primary key column counts as NOT NULL on both sides.
      columns[c.name] = { type: sqliteTypeFamily(c.type), nullable: c.notnull === 0 && c.pk === 0 };
    }
    const uniques: string[] = [];
    const indexes: string[] = [];
    const indexList = handle.pragma(`index_list(${JSON.stringify(table)})`) as {
      name: string;
      unique: number;
      origin: 'c' | 'u' | 'pk';
    }[];
    for (const idx of indexList) {
      if (idx.origin === 'pk') continue;
      const cols = (handle.pragma(`index_info(${JSON.stringify(idx.name)})`) as { seqno: number; name: string }[])
        .sort((a, b) => a.seqno - b.seqno)
        .map((c) => c.name);
      if (idx.unique) uniques.push(cols.join(', '));
      else indexes.push(`${idx.name}(${cols.join(', ')})`);
    }
    schema[table] = { columns, primaryKey, uniques: uniques.sort(), indexes: indexes.sort() };
  }
  return schema;
}

/**
 * `CREATE UNIQUE INDEX x ON public.t USING btree (a, b)` → ['a', 'b']; a partial index's
 * `WHERE …` is left out (SQLite's index list does not show it either).
 */
function indexdefColumns(indexdef: string): string[] {
  const m = /USING \w+ \(([^()]*)\)/.exec(indexdef);
  if (!m) return [`?${indexdef}`];
  return m[1]!.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

async function readPostgresSchema(db: Kysely<any>): Promise<SchemaShape> {
  const tables = (
    await sql<{ table_name: string }>`select table_name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db)
  ).rows
    .map((r) => r.table_name)
    .filter(isComparedTable);
  const schema: SchemaShape = {};
  for (const table of tables) {
    const cols = (
      await sql<{ column_name: string; data_type: string; is_nullable: 'YES' | 'NO' }>`
        select column_name, data_type, is_nullable from information_schema.columns
        where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(db)
    ).rows;
    const columns: Record<string, ColumnShape> = {};
    for (const c of cols) columns[c.column_name] = { type: postgresTypeFamily(c.data_type), nullable: c.is_nullable === 'YES' };

    const pkRows = (
      await sql<{ column_name: string; constraint_name: string }>`
        select kcu.column_name, tc.constraint_name
        from information_schema.table_constraints tc
        join information_schema.key_column_usage kcu
          on kcu.constraint_schema = tc.constraint_schema and kcu.constraint_name = tc.constraint_name
        where tc.table_schema = current_schema() and tc.table_name = ${table} and tc.constraint_type = 'PRIMARY KEY'
        order by kcu.ordinal_position`.execute(db)
    ).rows;
    const primaryKey = pkRows.map((r) => r.column_name);
    const pkIndex = pkRows[0]?.constraint_name;

    const uniques: string[] = [];
    const indexes: string[] = [];
    const idxRows = (
      await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes
        where schemaname = current_schema() and tablename = ${table}`.execute(db)
    ).rows;
    for (const idx of idxRows) {
      if (idx.indexname === pkIndex || POSTGRES_ONLY_INDEXES.has(idx.indexname)) continue;
      const list = indexdefColumns(idx.indexdef);
      if (/^create unique index/i.test(idx.indexdef)) uniques.push(list.join(', '));
      else indexes.push(`${idx.indexname}(${list.join(', ')})`);
    }
    schema[table] = { columns, primaryKey, uniques: uniques.sort(), indexes: indexes.sort() };
  }
  return schema;
}

/** Every difference between two schemas, one readable line each; empty when they match. */
function diffSchemas(a: SchemaShape, b: SchemaShape, names: [string, string] = ['sqlite', 'postgres']): string[] {
  const [an, bn] = names;
  const out: string[] = [];
  const tables = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const table of tables) {
    const ta = a[table];
    const tb = b[table];
    if (!ta || !tb) {
      out.push(`table ${table}: only in ${ta ? an : bn}`);
      continue;
    }
    const cols = [...new Set([...Object.keys(ta.columns), ...Object.keys(tb.columns)])].sort();
    for (const col of cols) {
      const ca = ta.columns[col];
      const cb = tb.columns[col];
      if (!ca || !cb) {
        out.push(`${table}.${col}: only in ${ca ? an : bn}`);
        continue;
      }
      if (ca.type !== cb.type) out.push(`${table}.${col}: type ${ca.type} (${an}) vs ${cb.type} (${bn})`);
      if (ca.nullable !== cb.nullable) {
        out.push(`${table}.${col}: ${ca.nullable ? 'nullable' : 'not null'} (${an}) vs ${cb.nullable ? 'nullable' : 'not null'} (${bn})`);
      }
    }
    if (ta.primaryKey.join(', ') !== tb.primaryKey.join(', ')) {
      out.push(`${table}: primary key (${ta.primaryKey.join(', ')}) (${an}) vs (${tb.primaryKey.join(', ')}) (${bn})`);
    }
    if (JSON.stringify(ta.uniques) !== JSON.stringify(tb.uniques)) {
      out.push(`${table}: unique [${ta.uniques.join(' | ')}] (${an}) vs [${tb.uniques.join(' | ')}] (${bn})`);
    }
    if (JSON.stringify(ta.indexes) !== JSON.stringify(tb.indexes)) {
      out.push(`${table}: indexes [${ta.indexes.join(' | ')}] (${an}) vs [${tb.indexes.join(' | ')}] (${bn})`);
    }
  }
  return out;
}

describe('schema drift between SQLite and PostgreSQL', () => {
  async function bothEngines(t: TestContext): Promise<[DroppableTestDb, DroppableTestDb] | undefined> {
    if (!(await requirePostgres(t))) return undefined;
    const lite = await createTestDatabase('sqlite');
    t.after(() => lite.drop());
    const pgdb = await createTestDatabase('postgres');
    t.after(() => pgdb.drop());
    return [lite, pgdb];
  }

  test('both engines have the same tables, columns, types, nullability and keys', async (t) => {
    const both = await bothEngines(t);
    if (!both) return;
    const [lite, pgdb] = both;
    const liteSchema = readSqliteSchema(lite.database.sqlite!);
    const pgSchema = await readPostgresSchema(anyDb(pgdb));
    // Guard against a comparison of two empty (or nearly empty) schemas passing vacuously.
    assert.ok(Object.keys(liteSchema).includes('stories'), 'the SQLite schema reader found no stories table');
    assert.ok(Object.keys(pgSchema).includes('stories'), 'the PostgreSQL schema reader found no stories table');
    assert.deepEqual(liteSchema.story_versions?.uniques, ['story_id, version']);
    assert.deepEqual(pgSchema.story_authors?.primaryKey, ['story_id', 'author_id']);
    assert.deepEqual(diffSchemas(liteSchema, pgSchema), []);
  });

  test('the comparison detects a column added to one engine only', async (t) => {
    const both = await bothEngines(t);
    if (!both) return;
    const [lite, pgdb] = both;
    await sql`alter table users add column nickname text`.execute(pgdb.database.db);
    const diff = diffSchemas(readSqliteSchema(lite.database.sqlite!), await readPostgresSchema(anyDb(pgdb)));
    assert.deepEqual(diff, ['users.nickname: only in postgres']);
  });

  test('the comparison reports type, nullability, key and index differences', () => {
    const base: TableShape = {
      columns: { id: { type: 'text', nullable: false }, n: { type: 'integer', nullable: true } },
      primaryKey: ['id'],
      uniques: ['n'],
      indexes: ['t_n_idx(n)'],
    };
    const changed: TableShape = {
      columns: { id: { type: 'text', nullable: false }, n: { type: 'blob', nullable: false } },
      primaryKey: ['id', 'n'],
      uniques: [],
      indexes: [],
    };
    const diff = diffSchemas({ t: base, gone: base }, { t: changed });
    assert.deepEqual(diff, [
      'table gone: only in sqlite',
      't.n: type integer (sqlite) vs blob (postgres)',
      't.n: nullable (sqlite) vs not null (postgres)',
      't: primary key (id) (sqlite) vs (id, n) (postgres)',
      't: unique [n] (sqlite) vs [] (postgres)',
      't: indexes [t_n_idx(n)] (sqlite) vs [] (postgres)',
    ]);
    assert.deepEqual(diffSchemas({ t: base }, { t: structuredClone(base) }), []);
  });
});
