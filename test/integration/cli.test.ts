/**
 * The `freewire` command line, run as operators run it: `node bin/freewire.js …` in a child
 * process with its own data dir. Covers help, migrations, users, API tokens, and online backup
 * and restore on both engines.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { MIGRATIONS } from '../../src/db/migrate.js';
import { createServices, type Services } from '../../src/services.js';
import { createTestDatabase, requireOrSkip, requirePostgres } from '../helpers/dialects.js';

const BIN = fileURLToPath(new URL('../../bin/freewire.js', import.meta.url));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with a clean environment (no DATABASE_URL from the developer's shell). */
function cli(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', FREEWIRE_LOG_LEVEL: 'silent', ...opts.env };
  if (process.env.TMPDIR) env.TMPDIR ??= process.env.TMPDIR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

function assertFailed(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code 1 expected; stderr: ${r.stderr}`);
  assert.match(r.stderr, /^freewire: /m);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

function countRows(handle: SQLite.Database, sql: string): number {
  return (handle.prepare(sql).get() as { n: number }).n;
}

test('--help lists every command with an example', async () => {
  const r = await cli(['--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const command of ['start', 'migrate', 'user', 'token', 'backup', 'restore']) {
    assert.match(r.stdout, new RegExp(`^  ${command}\\b`, 'm'), `lists ${command}`);
    assert.match(r.stdout, new RegExp(`\\$ freewire ${command}\\b`), `has an example for ${command}`);
  }
  assert.match(r.stdout, /^Examples:/m);
  const sub = await cli(['user', 'create', '--help']);
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /--password-stdin/);
  assert.match(sub.stdout, /Examples:\n\s+\$ freewire user create/);
});

test('an unknown command or bad configuration is one clear line and exit 1', async () => {
  assertFailed(await cli(['publish-everything']), /unknown command 'publish-everything'/);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-cli-'));
  try {
    assertFailed(await cli(['migrate'], { env: { FREEWIRE_DATA_DIR: dir, PORT: 'eighty' } }), /PORT must be a whole number/);
    assertFailed(await cli(['migrate'], { env: { FREEWIRE_DATA_DIR: dir, DATABASE_URL: 'mysql://x' } }), /DATABASE_URL must start with postgres/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('with a SQLite data dir', () => {
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-cli-'));
    env = { FREEWIRE_DATA_DIR: path.join(dir, 'data') };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The app and services in this process, on the same data dir as the CLI. */
  async function inProcess<T>(fn: (services: Services, database: Database) => Promise<T>): Promise<T> {
    const config = loadConfig({ ...env, FREEWIRE_DEMO_CONTENT: 'false' });
    const database = createDatabase({ dataDir: config.dataDir });
    try {
      return await fn(createServices(config, database), database);
    } finally {
      await database.close();
    }
  }

  test('migrate applies the migrations once, then reports the database up to date', async () => {
    const first = await cli(['migrate'], { env });
    assert.equal(first.code, 0, first.stderr);
    for (const [name] of MIGRATIONS) assert.match(first.stdout, new RegExp(`^Applying migration ${name}…$`, 'm'));
    assert.match(first.stdout, new RegExp(`^Applied ${MIGRATIONS.length} migrations? to `, 'm'));
    const second = await cli(['migrate'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Database is up to date/);
    assert.doesNotMatch(second.stdout, /Applying/);
  });

  test('user create takes the password from stdin, and refuses duplicates and bad input', async () => {
    const created = await cli(['user', 'create', '--email', 'x@y.org', '--role', 'editor', '--name', 'Xia Editor', '--password-stdin'], { env, input: 'correct horse battery\n' });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created editor x@y\.org/);
    assert.doesNotMatch(created.stdout, /correct horse/, 'a supplied password is never echoed');
    await inProcess(async (services) => {
      const user = await services.users.authenticate('x@y.org', 'correct horse battery');
      assert.ok(user, 'the password without its trailing newline logs in');
      assert.equal(user.role, 'editor');
      assert.equal(user.name, 'Xia Editor');
      const audit = await services.database.db.selectFrom('audit_log').select('actor_label').where('action', '=', 'user.create').execute();
      assert.deepEqual(audit, [{ actor_label: 'cli' }]);
    });

    assertFailed(await cli(['user', 'create', '--email', 'X@y.org', '--role', 'editor', '--password-stdin'], { env, input: 'another password\n' }), /already exists/);
    assertFailed(await cli(['user', 'create', '--email', 'b@y.org', '--role', 'overlord'], { env }), /argument 'overlord' is invalid.*admin, editor, reporter/);
    assertFailed(await cli(['user', 'create', '--email', 'not-an-email', '--role', 'reporter'], { env }), /email must be an email address/);
    assertFailed(await cli(['user', 'create', '--email', 'c@y.org', '--role', 'reporter', '--password-stdin'], { env, input: 'short\n' }), /at least 10 characters/);
    assertFailed(await cli(['user', 'create', '--email', 'c@y.org', '--role', 'reporter', '--password-stdin'], { env, input: '' }), /no password on stdin/);
    assertFailed(await cli(['user', 'create', '--role', 'reporter'], { env }), /--email/);
  });

  test('user create without --password-stdin prints a generated password that works', async () => {
    const r = await cli(['user', 'create', '--email', 'rep@y.org', '--role', 'reporter'], { env });
    assert.equal(r.code, 0, r.stderr);
    const password = /Password: (\S+)/.exec(r.stdout)?.[1];
    assert.ok(password && password.length >= 16, r.stdout);
    await inProcess(async (services) => assert.ok(await services.users.authenticate('rep@y.org', password)));

    const sessionToken = await inProcess(async (services) => (await services.users.createSession((await services.users.findByEmail('rep@y.org'))!, 'laptop')).token);
    const reset = await cli(['user', 'set-password', '--email', 'rep@y.org', '--password-stdin'], { env, input: 'a brand new password\n' });
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /Password changed for rep@y\.org; 1 session logged out\./);
    await inProcess(async (services) => {
      assert.equal(await services.users.resolveSession(sessionToken), undefined, 'whoever was signed in is logged out');
      assert.equal(await services.users.authenticate('rep@y.org', password), undefined, 'the old password no longer works');
      assert.ok(await services.users.authenticate('rep@y.org', 'a brand new password'));
    });
    assertFailed(await cli(['user', 'set-password', '--email', 'nobody@y.org', '--password-stdin'], { env, input: 'a brand new password\n' }), /no user has the email nobody@y\.org/);

    const list = await cli(['user', 'list'], { env });
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^EMAIL\s+NAME\s+ROLE\s+STATUS/m);
    assert.match(list.stdout, /^rep@y\.org\s+rep\s+reporter\s+active/m);
    assert.match(list.stdout, /^x@y\.org\s+Xia Editor\s+editor\s+active/m);
  });

  test('token create prints only the token; it works on the Admin API until revoked', async () => {
    const created = await cli(['token', 'create', '--user', 'x@y.org', '--name', 'importer'], { env });
    assert.equal(created.code, 0, created.stderr);
    const lines = created.stdout.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `stdout is exactly one line: ${JSON.stringify(created.stdout)}`);
    const token = lines[0]!;
    assert.match(token, /^fw_[A-Za-z0-9_-]{40,}$/);
    assert.match(created.stderr, /shown only now/);

    /** True when the token authenticates (via the Admin API when it is mounted). */
    const works = () =>
      inProcess(async (services) => {
        const app = await buildApp({ services, logger: false });
        try {
          const res = await app.inject({ method: 'GET', url: '/api/admin/stories', headers: { authorization: `Bearer ${token}` } });
          if (res.statusCode !== 404) {
            assert.ok([200, 401].includes(res.statusCode), `unexpected status ${res.statusCode}: ${res.body}`);
            return res.statusCode === 200;
          }
          return (await services.users.resolveToken(token)) !== undefined;
        } finally {
          await app.close();
        }
      });
    assert.equal(await works(), true);

    const listed = await cli(['token', 'list', '--user', 'x@y.org'], { env });
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, new RegExp(`${token.slice(0, 10)}\\s+x@y\\.org\\s+importer`));
    assert.doesNotMatch(listed.stdout, new RegExp(token.slice(10)), 'lists never show the token');

    const revoked = await cli(['token', 'revoke', token.slice(0, 10)], { env });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(await works(), false);
    assert.match((await cli(['token', 'list'], { env })).stdout, /revoked/);
    assertFailed(await cli(['token', 'revoke', 'fw_nothing'], { env }), /No API token matches/);

    // Every token of a user at once.
    const tokens: string[] = [];
    for (const name of ['one', 'two']) tokens.push((await cli(['token', 'create', '--user', 'x@y.org', '--name', name], { env })).stdout.trim());
    const all = await cli(['token', 'revoke', '--user', 'x@y.org'], { env });
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /Revoked 2 API tokens of x@y\.org\./);
    await inProcess(async (services) => {
      for (const t of tokens) assert.equal(await services.users.resolveToken(t), undefined);
    });
    assertFailed(await cli(['token', 'revoke'], { env }), /either a token id or prefix, or --user/);
    assertFailed(await cli(['token', 'revoke', 'fw_x', '--user', 'x@y.org'], { env }), /either a token id or prefix, or --user/);
    assertFailed(await cli(['token', 'create', '--user', 'ghost@y.org'], { env }), /no user has the email/);
  });

  test('user disable revokes tokens and refuses to disable the last admin', async () => {
    const admin = await cli(['user', 'create', '--email', 'boss@y.org', '--role', 'admin'], { env });
    assert.equal(admin.code, 0, admin.stderr);
    assertFailed(await cli(['user', 'disable', '--email', 'boss@y.org'], { env }), /last active admin/);
    const token = (await cli(['token', 'create', '--user', 'rep@y.org'], { env })).stdout.trim();
    const disabled = await cli(['user', 'disable', '--email', 'rep@y.org'], { env });
    assert.equal(disabled.code, 0, disabled.stderr);
    await inProcess(async (services) => {
      assert.equal(await services.users.resolveToken(token), undefined);
      assert.equal((await services.users.findByEmail('rep@y.org'))?.status, 'disabled');
    });
    assert.equal((await cli(['user', 'enable', '--email', 'rep@y.org'], { env })).code, 0);
    await inProcess(async (services) => assert.equal((await services.users.findByEmail('rep@y.org'))?.status, 'active'));
  });

  test('backup is consistent while another process writes, and restore brings the data back', async () => {
    const backupFile = path.join(dir, 'backup.db');
    const config = loadConfig({ ...env, FREEWIRE_DEMO_CONTENT: 'false' });
    // This process plays the running server: it holds the database open and keeps writing
    // while the CLI backs it up.
    const server = createDatabase({ dataDir: config.dataDir });
    const handle = server.sqlite!;
    const insert = handle.prepare("insert into settings (key, value_json, updated_at) values (?, '\"x\"', '2026-01-01T00:00:00.000Z')");
    // Enough data that the backup takes several steps, so writes land in the middle of it.
    const media = handle.prepare("insert into media (id, filename, content_type, size, sha256, data, alt, created_at) values (?, 'f.bin', 'application/octet-stream', ?, 'x', ?, '', '2026-01-01T00:00:00.000Z')");
    const blob = Buffer.alloc(256 * 1024, 7);
    for (let i = 0; i < 40; i++) media.run(`media-${i}`, blob.length, blob);
    let written = 0;
    for (; written < 50; written++) insert.run(`before-${written}`);

    let writing = true;
    const writer = (async () => {
      while (writing) {
        insert.run(`during-${written++}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    let result: CliResult;
    try {
      result = await cli(['backup', backupFile], { env });
    } finally {
      writing = false;
      await writer;
    }
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Backup written to .*backup\.db/);
    assert.ok(written > 50, 'the server kept writing during the backup');

    const copy = new SQLite(backupFile, { readonly: true, fileMustExist: true });
    try {
      assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
      assert.equal(countRows(copy, "select count(*) as n from settings where key like 'before-%'"), 50, 'everything committed before the backup is in it');
      assert.equal(countRows(copy, 'select count(*) as n from media'), 40);
      assert.equal(countRows(copy, "select count(*) as n from users where email = 'x@y.org'"), 1);
    } finally {
      copy.close();
    }
    assert.deepEqual((await readFile(backupFile)).subarray(0, 15).toString(), 'SQLite format 3');
    assert.equal((await stat(backupFile)).mode & 0o777, 0o600, 'password hashes inside: owner-only');
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left behind');

    // Never silently overwrite a backup.
    const before = await readFile(backupFile);
    assertFailed(await cli(['backup', backupFile], { env }), /already exists/);
    assert.ok((await readFile(backupFile)).equals(before), 'the existing file is untouched');

    // Restoring over a database that a process still has open is refused, even with --force.
    handle.prepare("delete from users where email = 'x@y.org'").run();
    assertFailed(await cli(['restore', backupFile, '--force'], { env }), /in use by another process/);
    await server.close();
    // Database.close() leaves the raw handle open when Kysely never ran a query on it.
    if (handle.open) handle.close();

    assertFailed(await cli(['restore', backupFile], { env }), /already exists.*nothing was changed/s);
    const restored = await cli(['restore', backupFile, '--force'], { env });
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stderr, /Make sure no Freewire server/);
    assert.match(restored.stderr, /kept as .*freewire\.db\.replaced-/);
    await inProcess(async (services) => {
      assert.ok(await services.users.authenticate('x@y.org', 'correct horse battery'), 'the deleted user is back, password and all');
    });
    const live = new SQLite(path.join(config.dataDir, 'freewire.db'), { readonly: true });
    try {
      assert.equal(countRows(live, "select count(*) as n from settings where key like 'before-%'"), 50);
      assert.equal(live.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      live.close();
    }

    // --force overwrites a backup on purpose.
    const again = await cli(['backup', backupFile, '--force'], { env });
    assert.equal(again.code, 0, again.stderr);
  });

  test('restore refuses files that are not Freewire backups, without touching the database', async () => {
    const dbFile = path.join(env.FREEWIRE_DATA_DIR!, 'freewire.db');
    const before = await readFile(dbFile);
    const text = path.join(dir, 'notes.txt');
    await writeFile(text, 'just some notes\n');
    assertFailed(await cli(['restore', text, '--force'], { env }), /not a SQLite database/);
    const other = path.join(dir, 'other.db');
    const handle = new SQLite(other);
    handle.exec('create table t (x)');
    handle.close();
    assertFailed(await cli(['restore', other, '--force'], { env }), /not a Freewire one/);
    assertFailed(await cli(['restore', path.join(dir, 'missing.db'), '--force'], { env }), /does not exist/);
    const newer = path.join(dir, 'newer.db');
    await writeFile(newer, await readFile(path.join(dir, 'backup.db')));
    const n = new SQLite(newer);
    n.prepare("insert into freewire_migrations (name, applied_at) values ('2099_01_01_0000_from_the_future', 'x')").run();
    n.close();
    assertFailed(await cli(['restore', newer, '--force'], { env }), /newer Freewire/);
    assert.ok((await readFile(dbFile)).equals(before), 'the live database is unchanged');
    assert.equal(existsSync(`${dbFile}-wal`), false);
  });

  test('backup reports a missing database instead of creating an empty one', async () => {
    const empty = path.join(dir, 'empty-data');
    assertFailed(await cli(['backup', path.join(dir, 'x.db')], { env: { FREEWIRE_DATA_DIR: empty } }), /there is no database at/);
    assert.equal(existsSync(path.join(empty, 'freewire.db')), false);
    assertFailed(await cli(['backup', path.join(dir, 'no-such-dir', 'x.db')], { env }), /does not exist/);
  });
});

test('PostgreSQL backup without pg_dump installed says what to install', async () => {
  const r = await cli(['backup', path.join(os.tmpdir(), `freewire-never-${process.pid}.dump`)], {
    env: { PATH: '/nonexistent', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' },
  });
  assertFailed(r, /pg_dump was not found/);
  assert.match(r.stderr, /postgresql-client/);
});

function hasTool(tool: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d !== '' && existsSync(path.join(d, tool)));
}

test('PostgreSQL backup and restore with pg_dump / pg_restore', async (t) => {
  if (!(await requirePostgres(t))) return;
  if (!requireOrSkip(t, hasTool('pg_dump') && hasTool('pg_restore'), 'pg_dump/pg_restore not installed (apt install postgresql-client)')) return;
  const source = await createTestDatabase('postgres');
  const target = await createTestDatabase('postgres', { migrate: false });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-cli-pg-'));
  try {
    const env = { DATABASE_URL: source.url!, FREEWIRE_DATA_DIR: path.join(dir, 'unused') };
    const created = await cli(['user', 'create', '--email', 'pg@y.org', '--role', 'editor', '--password-stdin'], { env, input: 'postgres password\n' });
    assert.equal(created.code, 0, created.stderr);

    const file = path.join(dir, 'freewire.dump');
    const dumped = await cli(['backup', file], { env });
    assert.equal(dumped.code, 0, dumped.stderr);
    assert.equal((await readFile(file)).subarray(0, 5).toString(), 'PGDMP');
    assertFailed(await cli(['backup', file], { env }), /already exists/);

    // Into an empty database: no --force needed.
    const fresh = await cli(['restore', file], { env: { ...env, DATABASE_URL: target.url! } });
    assert.equal(fresh.code, 0, fresh.stderr);
    const targetServices = createServices(loadConfig({ DATABASE_URL: target.url!, FREEWIRE_DATA_DIR: dir }), target.database);
    assert.ok(await targetServices.users.authenticate('pg@y.org', 'postgres password'));

    // Over existing data: refused without --force, then replaced.
    await source.database.db.deleteFrom('users').execute();
    assertFailed(await cli(['restore', file], { env }), /already holds Freewire data/);
    const restored = await cli(['restore', file, '--force'], { env });
    assert.equal(restored.code, 0, restored.stderr);
    const sourceServices = createServices(loadConfig({ DATABASE_URL: source.url!, FREEWIRE_DATA_DIR: dir }), source.database);
    assert.ok(await sourceServices.users.authenticate('pg@y.org', 'postgres password'), 'the deleted user is back');
    const migrated = await cli(['migrate'], { env });
    assert.match(migrated.stdout, /Database is up to date/);

    // A SQLite file is not a PostgreSQL backup.
    const sqliteFile = path.join(dir, 'x.db');
    const h = new SQLite(sqliteFile);
    h.exec('create table t (x)');
    h.close();
    assertFailed(await cli(['restore', sqliteFile, '--force'], { env }), /SQLite backup, but DATABASE_URL points to PostgreSQL/);
  } finally {
    await source.drop();
    await target.drop();
    await rm(dir, { recursive: true, force: true });
  }
});
