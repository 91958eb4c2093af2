/**
 * `freewire backup` carries the tip line as ciphertext only: tips are database rows (messages
 * sealed to the newsroom key, attachments as secretstream ciphertext), so a backup holds the
 * stored bytes and none of the plaintext. And a restored backup still yields the tips: exported
 * from the restored database and decrypted with the passphrase, the canaries come back.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { createDatabase, type Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { createServices, type Services } from '../../src/services.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { createTestDatabase, requireOrSkip, requirePostgres } from '../helpers/dialects.js';
import { seedTip, setupTipKey, TEST_PASSPHRASE } from '../helpers/tips.js';

const BIN = fileURLToPath(new URL('../../bin/freewire.js', import.meta.url));

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], opts: { env?: Record<string, string>; input?: string; binary?: boolean } = {}): Promise<RunResult & { raw: Buffer }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', FREEWIRE_LOG_LEVEL: 'silent', ...opts.env };
  if (process.env.TMPDIR) env.TMPDIR ??= process.env.TMPDIR;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const raw = Buffer.concat(out);
      resolve({ code, stdout: raw.toString('utf8'), stderr, raw });
    });
    child.stdin.end(opts.input ?? '');
  });
}

const cli = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}) => run(process.execPath, [BIN, ...args], opts);

function assertOk(r: RunResult): void {
  assert.equal(r.code, 0, `exit code 0 expected; stdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

const TEXT_CANARY = 'BACKUP-CANARY-TEXT the source lives at 12 Elm Street';
// Larger than a page, so it spills into SQLite overflow pages (and TOAST on PostgreSQL).
const BYTES_CANARY = Buffer.concat([Buffer.from('BACKUP-CANARY-BYTES-0xb0b'), Buffer.alloc(40_000, 'q')]);

/** Seeds a key and a tip with both canaries; returns a slice of the stored attachment ciphertext. */
async function seed(services: Services): Promise<Buffer> {
  await setupTipKey(services, SYSTEM_ACTOR);
  const tip = await seedTip(services, { text: TEXT_CANARY, attachments: [{ name: 'canary.bin', type: 'application/octet-stream', data: BYTES_CANARY }] });
  const [attachment] = await services.tipStore.attachments(tip.conversationId);
  const ciphertext = (await services.tipStore.attachmentData(attachment!.id))!.data;
  assert.equal(ciphertext.includes(BYTES_CANARY.subarray(0, 25)), false);
  return Buffer.from(ciphertext.subarray(20_000, 20_064));
}

function servicesOn(database: Database, env: Record<string, string>): Services {
  return createServices(loadConfig({ ...env, FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'silent' }), database);
}

/** Plaintext that must never be in a backup, raw or hex-encoded (pg_restore prints bytea as hex). */
function assertNoPlaintext(bytes: Buffer, where: string): void {
  for (const canary of [Buffer.from(TEXT_CANARY), BYTES_CANARY.subarray(0, 25), Buffer.from(TEST_PASSPHRASE)]) {
    assert.equal(bytes.includes(canary), false, `${where} holds ${canary.subarray(0, 20).toString()}`);
    assert.equal(bytes.includes(Buffer.from(canary.toString('hex'))), false, `${where} holds ${canary.subarray(0, 20).toString()} as hex`);
  }
}

/** Exports the tips of a (restored) database and decrypts them: the canaries come back. */
async function assertTipsReadable(env: Record<string, string>, dir: string): Promise<void> {
  const bundle = path.join(dir, 'bundle');
  const plain = path.join(dir, 'plain');
  assertOk(await cli(['tips', 'export', '--out', bundle], { env }));
  assertOk(await cli(['tips', 'decrypt', bundle, '--out', plain, '--passphrase-stdin'], { env: {}, input: `${TEST_PASSPHRASE}\n` }));
  const [folder] = (await readdir(plain)).filter((f) => f !== 'SUMMARY.txt');
  assert.ok(folder);
  assert.ok((await readFile(path.join(plain, folder, 'canary.bin'))).equals(BYTES_CANARY));
  assert.match(await readFile(path.join(plain, folder, '01-source.txt'), 'utf8'), new RegExp(TEXT_CANARY));
}

test('a SQLite backup holds the tips as ciphertext only, and the restored tips still decrypt', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-tips-backup-'));
  const env = { FREEWIRE_DATA_DIR: path.join(dir, 'data') };
  // This process plays the running server: it keeps the database open during the backup.
  const database = createDatabase({ dataDir: env.FREEWIRE_DATA_DIR });
  try {
    await migrate(database);
    const slice = await seed(servicesOn(database, env));
    const file = path.join(dir, 'backup.db');
    const r = await cli(['backup', file], { env });
    assertOk(r);
    const bytes = await readFile(file);
    assert.ok(bytes.includes(slice), 'the backup carries the attachment ciphertext');
    assertNoPlaintext(bytes, 'the backup');

    const restoredEnv = { FREEWIRE_DATA_DIR: path.join(dir, 'restored') };
    assertOk(await cli(['restore', file], { env: restoredEnv }));
    await assertTipsReadable(restoredEnv, dir);
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
});

function hasTool(tool: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d !== '' && existsSync(path.join(d, tool)));
}

test('a PostgreSQL backup holds the tips as ciphertext only, and the restored tips still decrypt', async (t) => {
  if (!(await requirePostgres(t))) return;
  if (!requireOrSkip(t, hasTool('pg_dump') && hasTool('pg_restore'), 'pg_dump/pg_restore not installed (apt install postgresql-client)')) return;
  const source = await createTestDatabase('postgres');
  const target = await createTestDatabase('postgres', { migrate: false });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-tips-backup-pg-'));
  try {
    const env = { DATABASE_URL: source.url!, FREEWIRE_DATA_DIR: path.join(dir, 'unused') };
    const slice = await seed(servicesOn(source.database, env));
    const file = path.join(dir, 'freewire.dump');
    assertOk(await cli(['backup', file], { env }));
    const dump = await readFile(file);
    assertNoPlaintext(dump, 'the dump');
    // The custom format compresses table data; pg_restore prints it as SQL (bytea as hex).
    const listing = await run('pg_restore', ['--data-only', '--table=tip_attachments', '--file=-', file]);
    assertOk(listing);
    assert.ok(listing.raw.includes(Buffer.from(slice.toString('hex'))), 'the dump carries the attachment ciphertext');
    const everything = await run('pg_restore', ['--file=-', file]);
    assertOk(everything);
    assertNoPlaintext(everything.raw, 'the restored SQL');

    const restoredEnv = { ...env, DATABASE_URL: target.url! };
    assertOk(await cli(['restore', file], { env: restoredEnv }));
    await assertTipsReadable(restoredEnv, dir);
  } finally {
    await source.drop();
    await target.drop();
    await rm(dir, { recursive: true, force: true });
  }
});
