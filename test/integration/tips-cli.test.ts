/**
 * `freewire tips …` run as operators run it (node bin/freewire.js in a child process): key setup
 * from a pipe, grant and revoke, and the offline workflow: export on the server (both engines),
 * decrypt on "another computer" (a child with no database, no configuration and an empty working
 * directory), with rotation, wrong passphrases, tampering, hostile attachment names and refusals.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { createServices, type Services } from '../../src/services.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { deriveCodenameSecrets } from '../../src/tips/codename.js';
import { loadSodium, tipCrypto } from '../../src/tips/sodium.js';
import type { TipKeyInfo } from '../../src/tips/keys.js';
import { forEachDialect, type TestDb } from '../helpers/dialects.js';
import { seedTip, setupTipKey, TEST_PASSPHRASE } from '../helpers/tips.js';

const BIN = fileURLToPath(new URL('../../bin/freewire.js', import.meta.url));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with only the environment given (no DATABASE_URL or data dir from the shell). */
function cli(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Promise<CliResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', FREEWIRE_LOG_LEVEL: 'silent', ...opts.env };
  if (process.env.TMPDIR) env.TMPDIR ??= process.env.TMPDIR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
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
  assert.equal(r.code, 1, `exit code 1 expected; stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stderr, /^freewire: /m);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
}

function assertOk(r: CliResult): void {
  assert.equal(r.code, 0, `exit code 0 expected; stdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** The decrypting computer: nothing but PATH, run from an empty directory. */
async function decryptElsewhere(bundle: string, out: string, passphrases: string[]): Promise<CliResult> {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'freewire-offline-'));
  try {
    const r = await cli(['tips', 'decrypt', bundle, '--out', out, '--passphrase-stdin'], { env: {}, cwd, input: passphrases.map((p) => `${p}\n`).join('') });
    assert.deepEqual(await readdir(cwd), [], 'decrypt creates no data directory or database where it runs');
    return r;
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/** Every regular file under `dir`, relative, sorted. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walk(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

function envFor(tdb: TestDb, dataDir: string): Record<string, string> {
  return tdb.url ? { DATABASE_URL: tdb.url, FREEWIRE_DATA_DIR: dataDir } : { FREEWIRE_DATA_DIR: path.dirname(tdb.sqliteFile!) };
}

function servicesFor(tdb: TestDb): Services {
  return createServices(loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'silent' }), tdb.database);
}

/** A newsroom reply, sealed as an editor's browser seals it: to the newsroom key and to the source. */
async function reply(services: Services, conversationId: string, text: string): Promise<void> {
  const sodium = await loadSodium();
  const key = (await services.tipKeys.active())!;
  const conversation = (await services.tipStore.conversation(conversationId))!;
  await services.tipStore.addReply(conversationId, {
    keyId: key.id,
    sealed: tipCrypto.sealMessage(sodium, tipCrypto.fromBase64(sodium, key.publicKey), { text }),
    sealedForSource: tipCrypto.sealMessage(sodium, tipCrypto.fromBase64(sodium, conversation.reply_public_key), { text }),
    authorUserId: null,
  });
}

/** A tip sent through the no-JavaScript form: the server sealed it on arrival. */
async function seedServerTip(services: Services, codename: string, text: string): Promise<string> {
  const sodium = await loadSodium();
  const key = (await services.tipKeys.active())!;
  const secrets = await deriveCodenameSecrets(codename, (await services.tipKeys.line()).lookupSalt);
  const { conversationId } = await services.tipStore.addSourceMessage(secrets.lookup, tipCrypto.toBase64(sodium, tipCrypto.replyKeyPair(sodium, secrets.replySeed).publicKey), {
    keyId: key.id,
    sealed: tipCrypto.sealMessage(sodium, tipCrypto.fromBase64(sodium, key.publicKey), { text }),
    encryptedIn: 'server',
    attachments: [],
  });
  return conversationId;
}

const TEXT_CANARY = 'CANARY-TEXT: the mayor’s ledger is in box 7 — ünïcødé ✓';
const BYTES_CANARY = Buffer.concat([Buffer.from('CANARY-BYTES-0xfeed'), Buffer.from(Array.from({ length: 150_000 }, (_, i) => (i * 31) % 251))]);
const SMALL = Buffer.from('second attachment\n');

describe('tips setup, status, grant and revoke', () => {
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-tips-cli-'));
    env = { FREEWIRE_DATA_DIR: path.join(dir, 'data') };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('setup refuses a missing, empty, weak or multi-line passphrase and changes nothing', async () => {
    assertFailed(await cli(['tips', 'setup'], { env }), /needs --passphrase-stdin/);
    assertFailed(await cli(['tips', 'setup', '--passphrase-stdin'], { env, input: '' }), /no passphrase on stdin/);
    assertFailed(await cli(['tips', 'setup', '--passphrase-stdin'], { env, input: '\n\n' }), /no passphrase on stdin/);
    assertFailed(await cli(['tips', 'setup', '--passphrase-stdin'], { env, input: 'short pass\n' }), /too short \(10 characters\).*at least 16 characters/);
    assertFailed(await cli(['tips', 'setup', '--passphrase-stdin'], { env, input: 'abababababababab\n' }), /too few characters/);
    assertFailed(await cli(['tips', 'setup', '--passphrase-stdin'], { env, input: ' padded passphrase here\n' }), /starts or ends with a space/);
    assertFailed(await cli(['tips', 'setup', '--passphrase-stdin'], { env, input: 'first passphrase one\nsecond passphrase two\n' }), /one passphrase, and stdin has 2 lines/);
    const status = await cli(['tips', 'status'], { env });
    assertOk(status);
    assert.match(status.stdout, /no key yet/);
  });

  test('setup refuses a terminal on stdin', async (t) => {
    if (!existsSync('/usr/bin/script')) {
      t.skip('util-linux script(1) is not installed, so no pseudo-terminal can be given to the CLI');
      return;
    }
    // script(1) runs the command with a pseudo-terminal as its stdin.
    const command = `${process.execPath} ${BIN} tips setup --passphrase-stdin`;
    const r = await new Promise<CliResult>((resolve, reject) => {
      const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', FREEWIRE_LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /reads the passphrase from a pipe, not from the terminal/);
  });

  test('setup makes a key at the default cost that opens with the passphrase; a second setup needs --rotate', async () => {
    const passphrase = 'river stone lantern orchard';
    const r = await cli(['tips', 'setup', '--passphrase-stdin'], { env, input: `${passphrase}\n` });
    assertOk(r);
    const fingerprint = /Fingerprint: ([0-9A-F ]{24})/.exec(r.stdout)?.[1];
    assert.ok(fingerprint, r.stdout);
    assert.match(r.stderr, /freewire tips grant/);
    assert.match(r.stderr, /\/newsroom\/tips/);
    assert.doesNotMatch(r.stdout + r.stderr, /river stone/, 'the passphrase is never echoed');

    const config = loadConfig({ ...env, FREEWIRE_DEMO_CONTENT: 'false' });
    const database = createDatabase({ dataDir: config.dataDir });
    try {
      const services = createServices(config, database);
      const key = (await services.tipKeys.active())!;
      assert.equal(key.fingerprint, fingerprint);
      const sodium = await loadSodium();
      assert.deepEqual({ opslimit: key.opslimit, memlimit: key.memlimit }, tipCrypto.defaultKeyCost(sodium), 'the CLI seals at the default (moderate) cost');
      // The record opens with the passphrase (this is the browser's unlock step), and only with it.
      const pair = tipCrypto.unlockNewsroomKey(sodium, key, passphrase);
      assert.equal(tipCrypto.toBase64(sodium, pair.publicKey), key.publicKey);
      const audit = await database.db.selectFrom('audit_log').select(['action', 'actor_label']).where('action', 'like', 'tips.%').execute();
      assert.deepEqual(audit, [{ action: 'tips.key_created', actor_label: 'cli' }]);
    } finally {
      await database.close();
    }

    assertFailed(await cli(['tips', 'setup', '--passphrase-stdin'], { env, input: 'another long passphrase here\n' }), new RegExp(`already has a key \\(fingerprint ${fingerprint}\\); nothing was changed`));
    const status = await cli(['tips', 'status'], { env });
    assertOk(status);
    assert.match(status.stdout, new RegExp(`^${fingerprint}\\s+active`, 'm'));
    assert.match(status.stdout, /^Tips: 0; 0 messages, 0 attachments/m);
  });

  test('grant and revoke tips access by email, audited; status lists the readers', async () => {
    const created = await cli(['user', 'create', '--email', 'ed@news.test', '--role', 'editor', '--password-stdin'], { env, input: 'editor password 1\n' });
    assertOk(created);
    const granted = await cli(['tips', 'grant', 'Ed@News.test'], { env });
    assertOk(granted);
    assert.match(granted.stdout, /ed@news\.test may now read the tip line at \/newsroom\/tips/);
    assert.match((await cli(['tips', 'grant', 'ed@news.test'], { env })).stdout, /already has tips access/);
    const status = await cli(['tips', 'status'], { env });
    assert.match(status.stdout, /Readers \(tips access\): ed@news\.test$/m);

    const revoked = await cli(['tips', 'revoke', 'ed@news.test'], { env });
    assertOk(revoked);
    assert.match(revoked.stdout, /no longer has tips access/);
    assert.match(revoked.stderr, /--rotate/);
    assertFailed(await cli(['tips', 'grant', 'ghost@news.test'], { env }), /no user has the email ghost@news\.test/);

    const config = loadConfig({ ...env, FREEWIRE_DEMO_CONTENT: 'false' });
    const database = createDatabase({ dataDir: config.dataDir });
    try {
      const user = await database.db.selectFrom('users').select(['id', 'tips_access']).where('email', '=', 'ed@news.test').executeTakeFirstOrThrow();
      assert.equal(Number(user.tips_access), 0);
      const audit = await database.db.selectFrom('audit_log').select(['action', 'actor_label']).where('target_id', '=', user.id).where('action', 'like', 'user.tips%').orderBy('id').execute();
      assert.deepEqual(audit, [
        { action: 'user.tips_granted', actor_label: 'cli' },
        { action: 'user.tips_revoked', actor_label: 'cli' },
      ]);
    } finally {
      await database.close();
    }
  });
});

forEachDialect('tips export writes a checked, ciphertext-only bundle that decrypts on a computer without the server', async (_t, tdb) => {
  const services = servicesFor(tdb);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-tips-export-'));
  try {
    const env = envFor(tdb, path.join(dir, 'unused'));
    const key = await setupTipKey(services, SYSTEM_ACTOR);
    const first = await seedTip(services, {
      text: TEXT_CANARY,
      attachments: [
        { name: 'ledger.bin', type: 'application/octet-stream', data: BYTES_CANARY },
        { name: 'notes.txt', type: 'text/plain', data: SMALL },
      ],
    });
    await reply(services, first.conversationId, 'Thank you. Can you tell us more about box 7?');
    await seedTip(services, { text: 'Box 7 is in the basement.', codename: first.codename, attachments: [{ name: 'notes.txt', type: 'text/plain', data: Buffer.from('a different file, same name') }] });
    const serverTip = await seedServerTip(services, 'placeholder codename for the plain form', 'sent without JavaScript');
    await services.database.db.updateTable('tip_conversations').set({ labels: JSON.stringify(['council', 'follow up']), status: 'open' }).where('id', '=', first.conversationId).execute();

    const status = await cli(['tips', 'status'], { env });
    assertOk(status);
    assert.match(status.stdout, /^Tips: 2 \(1 new, 1 open\); 4 messages, 3 attachments; [\d.]+ KiB of ciphertext\.$/m);
    assert.doesNotMatch(status.stdout, /CANARY|ledger|notes/, 'status shows no content or names');

    // Export refuses a non-empty target and leaves it alone.
    const busy = path.join(dir, 'busy');
    await mkdir(busy);
    await writeFile(path.join(busy, 'keep.txt'), 'mine');
    assertFailed(await cli(['tips', 'export', '--out', busy], { env }), /already exists and is not empty; nothing was written/);
    assert.deepEqual(await readdir(busy), ['keep.txt']);
    assertFailed(await cli(['tips', 'export', '--out', path.join(dir, 'no', 'such', 'parent')], { env }), /does not exist/);

    const bundle = path.join(dir, 'bundle');
    const exported = await cli(['tips', 'export', '--out', bundle], { env });
    assertOk(exported);
    assert.match(exported.stdout, /Exported 2 tips \(4 messages, 3 attachments, .* of ciphertext\) and 1 key to /);
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temporary directory left behind');
    const manifestText = await readFile(path.join(bundle, 'manifest.json'));
    assert.match(exported.stdout, new RegExp(`SHA-256 of manifest\\.json: ${createHash('sha256').update(manifestText).digest('hex')}`));

    // The bundle: a manifest that covers every other file, keys without secrets, ciphertext only.
    const manifest = JSON.parse(manifestText.toString()) as { format: string; version: number; exportedAt: string; counts: Record<string, number>; files: Record<string, { sha256: string; size: number }> };
    assert.equal(manifest.format, 'freewire-tip-bundle');
    assert.equal(manifest.version, 1);
    assert.match(manifest.exportedAt, /T\d{2}:00:00\.000Z$/, 'the export time is rounded to the hour');
    assert.deepEqual({ ...manifest.counts, bytes: 0 }, { keys: 1, tips: 2, messages: 4, attachments: 3, bytes: 0 });
    const files = await walk(bundle);
    assert.deepEqual(files, ['manifest.json', ...Object.keys(manifest.files)].sort(), 'the manifest lists every file');
    for (const name of Object.keys(manifest.files)) {
      const bytes = await readFile(path.join(bundle, name));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), manifest.files[name]!.sha256, name);
      assert.equal((await stat(path.join(bundle, name))).mode & 0o777, 0o600, `${name} is owner-only`);
    }
    assert.equal((await stat(bundle)).mode & 0o777, 0o700);
    const everything = Buffer.concat(await Promise.all(files.map((f) => readFile(path.join(bundle, f)))));
    for (const canary of [Buffer.from(TEXT_CANARY), BYTES_CANARY.subarray(0, 19), SMALL, Buffer.from('sent without JavaScript'), Buffer.from(TEST_PASSPHRASE)]) {
      assert.equal(everything.includes(canary), false, `no plaintext in the bundle: ${canary.subarray(0, 24).toString()}`);
    }
    const conversation = (await services.tipStore.conversation(first.conversationId))!;
    assert.equal(everything.includes(Buffer.from(conversation.lookup)), false, 'no codename lookup in the bundle');
    assert.equal(everything.includes(Buffer.from(conversation.reply_public_key)), false, 'no reply key in the bundle');
    const [keyRecord] = JSON.parse(await readFile(path.join(bundle, 'keys.json'), 'utf8')) as TipKeyInfo[];
    assert.equal(keyRecord!.sealedSecretKey, key.sealedSecretKey);
    assert.deepEqual(Object.keys(keyRecord!).sort(), ['active', 'createdAt', 'fingerprint', 'id', 'memlimit', 'nonce', 'opslimit', 'publicKey', 'retiredAt', 'salt', 'sealedSecretKey']);
    assert.match(await readFile(path.join(bundle, 'README.txt'), 'utf8'), /freewire tips decrypt/);
    const [attachmentRow] = await services.tipStore.attachments(first.conversationId);
    const stored = (await services.tipStore.attachmentData(attachmentRow!.id))!.data;
    assert.ok(everything.includes(stored), 'attachments are the stored ciphertext, byte for byte');

    // A copy can be checked without a passphrase, database or configuration.
    const verified = await cli(['tips', 'verify', bundle], { env: {} });
    assertOk(verified);
    assert.match(verified.stdout, /All 12 files of .* match its manifest: 2 tips, 4 messages, 3 attachments, 1 key\./);
    assert.match(verified.stdout, new RegExp(createHash('sha256').update(manifestText).digest('hex')));

    // Decrypt on "another computer".
    const plain = path.join(dir, 'plain');
    const decrypted = await decryptElsewhere(bundle, plain, [TEST_PASSPHRASE]);
    assertOk(decrypted);
    assert.match(decrypted.stdout, /Decrypted 2 of 2 tips into /);
    const hour = conversation.received_at.slice(0, 13);
    const firstFolder = `${hour}h-${first.conversationId.slice(0, 8)}`;
    const serverFolder = `${hour}h-${serverTip.slice(0, 8)}`;
    assert.deepEqual(await walk(plain), [
      ...[`${firstFolder}/00-about.txt`, `${firstFolder}/01-source.txt`, `${firstFolder}/02-newsroom-reply.txt`, `${firstFolder}/03-source.txt`, `${firstFolder}/ledger.bin`, `${firstFolder}/notes (2).txt`, `${firstFolder}/notes.txt`],
      ...[`${serverFolder}/00-about.txt`, `${serverFolder}/01-source.txt`],
      'SUMMARY.txt',
    ].sort());
    const read = (f: string) => readFile(path.join(plain, f));
    assert.ok((await read(`${firstFolder}/ledger.bin`)).equals(BYTES_CANARY), 'a multi-piece attachment comes back byte for byte');
    assert.ok((await read(`${firstFolder}/notes.txt`)).equals(SMALL));
    assert.equal((await read(`${firstFolder}/notes (2).txt`)).toString(), 'a different file, same name');
    const m1 = (await read(`${firstFolder}/01-source.txt`)).toString();
    assert.ok(m1.endsWith(`\n\n${TEXT_CANARY}\n`), m1);
    assert.match(m1, /^Message 1 of 3, from the source$/m);
    assert.match(m1, new RegExp(`^Received: ${hour.replace('T', ' ')}:00 UTC \\(rounded to the hour\\)$`, 'm'));
    assert.match(m1, /^Encrypted: in the source's browser/m);
    assert.match(m1, /^ {2}ledger\.bin {2}146\.5 KiB, application\/octet-stream$/m);
    const m2 = (await read(`${firstFolder}/02-newsroom-reply.txt`)).toString();
    assert.match(m2, /from the newsroom \(a reply\)/);
    assert.match(m2, /Can you tell us more about box 7\?/);
    assert.match((await read(`${firstFolder}/03-source.txt`)).toString(), /notes \(2\)\.txt {2}\(sent as "notes\.txt"\)/);
    const about = (await read(`${firstFolder}/00-about.txt`)).toString();
    assert.match(about, /^Labels: council, follow up$/m);
    assert.match(about, /^Status when exported: open$/m);
    const server = (await read(`${serverFolder}/01-source.txt`)).toString();
    assert.match(server, /^Encrypted: by the server on arrival/m);
    assert.match(server, /sent without JavaScript\n$/);
    for (const f of await walk(plain)) assert.equal((await stat(path.join(plain, f))).mode & 0o777, 0o600, `${f} is owner-only`);
    for (const d of [plain, path.join(plain, firstFolder)]) assert.equal((await stat(d)).mode & 0o777, 0o700, `${d} is owner-only`);

    // A second run into the same directory is refused; so is a missing --passphrase-stdin.
    assertFailed(await decryptElsewhere(bundle, plain, [TEST_PASSPHRASE]), /already exists and is not empty/);
    assertFailed(await cli(['tips', 'decrypt', bundle, '--out', path.join(dir, 'p2')], { env: {} }), /needs --passphrase-stdin/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('tips decrypt on hostile, damaged or rotated bundles', () => {
  let dir: string;
  let services: Services;
  let env: Record<string, string>;
  let database: ReturnType<typeof createDatabase>;
  const OLD = TEST_PASSPHRASE;
  const NEW = 'a brand new passphrase after rotation';
  const tips: Record<string, string> = {};

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-tips-decrypt-'));
    env = { FREEWIRE_DATA_DIR: path.join(dir, 'data') };
    const config = loadConfig({ ...env, FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'silent' });
    database = createDatabase({ dataDir: config.dataDir });
    assertOk(await cli(['migrate'], { env }));
    services = createServices(config, database);
    await setupTipKey(services, SYSTEM_ACTOR, OLD);
    tips.old = (await seedTip(services, { text: 'sealed to the old key', attachments: [{ name: 'old.txt', type: 'text/plain', data: Buffer.from('old attachment') }] })).conversationId;
    tips.hostile = (
      await seedTip(services, {
        text: 'hostile names',
        attachments: [
          { name: '../../../etc/passwd', type: 'text/plain', data: Buffer.from('one') },
          { name: 'dir/sub\\file.txt', type: 'text/plain', data: Buffer.from('two') },
          { name: 'photo\u202Egpj.exe', type: 'image/jpeg', data: Buffer.from('three') },
          { name: `${'x'.repeat(250)}.pdf`, type: 'application/pdf', data: Buffer.from('four') },
          { name: '01-source.txt', type: 'text/plain', data: Buffer.from('five') },
        ],
      })
    ).conversationId;
    const hostile2 = await services.tipStore.conversation(tips.hostile);
    assert.ok(hostile2);
    await setupTipKey(services, SYSTEM_ACTOR, NEW, true);
    tips.new = (await seedTip(services, { text: 'sealed to the new key', attachments: [{ name: 'CON', type: 'text/plain', data: Buffer.from('six') }, { name: '..', type: 'text/plain', data: Buffer.from('seven') }, { name: '.bashrc\u0007\n', type: 'text/plain', data: Buffer.from('eight') }] })).conversationId;
    // After the rotation, a reply in the old conversation is sealed to the new key.
    await reply(services, tips.old, 'a reply sealed to the new key');
  });
  after(async () => {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function exportTo(name: string): Promise<string> {
    const bundle = path.join(dir, name);
    assertOk(await cli(['tips', 'export', '--out', bundle], { env }));
    return bundle;
  }

  const folderOf = async (id: string) => `${(await services.tipStore.conversation(id))!.received_at.slice(0, 13)}h-${id.slice(0, 8)}`;

  test('after a rotation: one passphrase opens its own tips and reports the rest; both open everything', async () => {
    const bundle = await exportTo('rotated');
    const fingerprints = (await services.tipKeys.list()).map((k) => k.fingerprint);

    const oldOnly = path.join(dir, 'old-only');
    const r1 = await decryptElsewhere(bundle, oldOnly, [OLD]);
    assertFailed(r1, /could not be decrypted completely/);
    assert.match(r1.stdout, /Decrypted 1 of 3 tips into .*, 1 partly\./);
    assert.match(r1.stderr, new RegExp(`Key ${fingerprints[0]} \\(active\\) stays locked`));
    assert.match(r1.stderr, new RegExp(`message 1 is sealed to key ${fingerprints[0]}, which no passphrase given opens`));
    assert.match(r1.stderr, /add that key’s passphrase as another line/);
    const old = await folderOf(tips.old);
    const entries = await walk(oldOnly);
    assert.ok(entries.includes(`${old}/01-source.txt`));
    assert.ok(entries.includes(`${old}/old.txt`));
    assert.ok(entries.includes(`${old}/02-newsroom-reply-NOT-DECRYPTED.txt`), entries.join('\n'));
    const locked = await folderOf(tips.new);
    assert.ok(!entries.some((e) => e.startsWith(locked)), 'a tip nothing of which opens gets no folder');
    assert.match(await readFile(path.join(oldOnly, 'SUMMARY.txt'), 'utf8'), /NOT decrypted \(0 of 1 messages, 0 of 3 attachments\)/);

    const both = path.join(dir, 'both');
    // Order does not matter, nor does a wrong extra line.
    const r2 = await decryptElsewhere(bundle, both, ['not a passphrase at all', NEW, OLD]);
    assertOk(r2);
    assert.match(r2.stdout, /Decrypted 3 of 3 tips/);
    assert.equal(await readFile(path.join(both, old, 'old.txt'), 'utf8'), 'old attachment');
    assert.match(await readFile(path.join(both, old, '02-newsroom-reply.txt'), 'utf8'), /a reply sealed to the new key/);
  });

  test('a large export reports progress on stderr and its attachments come back whole', async () => {
    const big = Array.from({ length: 4 }, (_, i) => ({ name: `scan-${i}.bin`, type: 'application/octet-stream', data: randomBytes(4.5 * 1024 * 1024) }));
    const id = (await seedTip(services, { text: 'four large scans', attachments: big })).conversationId;
    try {
      const bundle = path.join(dir, 'large');
      const r = await cli(['tips', 'export', '--out', bundle], { env });
      assertOk(r);
      assert.match(r.stderr, /^Exporting… \d+%$/m);
      assert.match(r.stderr, /^Exporting… 100%$/m);
      const plain = path.join(dir, 'large-plain');
      assertOk(await decryptElsewhere(bundle, plain, [NEW, OLD]));
      const folder = await folderOf(id);
      for (const [i, a] of big.entries()) assert.ok((await readFile(path.join(plain, folder, `scan-${i}.bin`))).equals(a.data), `scan ${i}`);
    } finally {
      // The other tests' expectations do not include this tip.
      await services.tipStore.delete(id);
    }
  });

  test('attachment names are made safe: no separators, no "..", no controls or overrides, capped, de-duplicated', async () => {
    const bundle = await exportTo('names');
    const plain = path.join(dir, 'names-plain');
    assertOk(await decryptElsewhere(bundle, plain, [OLD, NEW]));
    const hostile = await folderOf(tips.hostile);
    const names = (await readdir(path.join(plain, hostile))).sort();
    const attachments = names.filter((n) => !/^0\d-/.test(n) || n === '01-source (2).txt');
    assert.deepEqual(attachments.filter((n) => !n.startsWith('xxx')).sort(), ['01-source (2).txt', '_.._.._etc_passwd', 'dir_sub_file.txt', 'photogpj.exe'].sort());
    const long = attachments.find((n) => n.startsWith('xxx'))!;
    assert.ok(long.endsWith('.pdf') && Buffer.byteLength(long) <= 120, long);
    assert.equal(await readFile(path.join(plain, hostile, '01-source (2).txt'), 'utf8'), 'five', 'an attachment cannot take the name of a message file');
    assert.equal(await readFile(path.join(plain, hostile, '01-source.txt'), 'utf8').then((t) => t.endsWith('hostile names\n')), true);
    assert.equal(await readFile(path.join(plain, hostile, '_.._.._etc_passwd'), 'utf8'), 'one');
    // The message file says what each name really was, invisible characters spelled out.
    assert.match(await readFile(path.join(plain, hostile, '01-source.txt'), 'utf8'), /^ {2}photogpj\.exe {2}\(sent as "photo\[U\+202E\]gpj\.exe"\) {2}5 bytes, image\/jpeg$/m);
    const fresh = (await readdir(path.join(plain, await folderOf(tips.new)))).sort();
    assert.deepEqual(fresh.filter((n) => !/^0\d-/.test(n)), ['_CON', 'attachment-1-2', 'bashrc'].sort());
    // Nothing escaped the output directory.
    assert.deepEqual((await readdir(plain)).filter((n) => !n.startsWith('20') && n !== 'SUMMARY.txt'), []);
  });

  test('a wrong passphrase writes nothing and fails clearly; an unreadable bundle is refused', async () => {
    const bundle = await exportTo('wrong');
    const plain = path.join(dir, 'wrong-plain');
    const r = await decryptElsewhere(bundle, plain, ['not the passphrase']);
    assertFailed(r, /the passphrase does not open any key in this bundle; nothing was written/);
    assert.match(r.stderr, /fingerprints/);
    assert.equal(existsSync(plain), false);
    assertFailed(await decryptElsewhere(bundle, plain, ['wrong one', 'wrong two']), /none of the 2 passphrases opens any key/);
    assert.equal(existsSync(plain), false);
    assertFailed(await decryptElsewhere(path.join(dir, 'data'), plain, [OLD]), /has no manifest\.json, so it is not a tip bundle/);
    assertFailed(await decryptElsewhere(path.join(dir, 'nowhere'), plain, [OLD]), /has no manifest\.json/);
    assertFailed(await cli(['tips', 'decrypt', bundle, '--out', plain, '--passphrase-stdin'], { env: {}, input: '' }), /no passphrase on stdin/);
    assert.equal(existsSync(plain), false);
    // The keys file is the root of trust in the bundle: damage there stops everything.
    const keys = path.join(bundle, 'keys.json');
    await writeFile(keys, (await readFile(keys, 'utf8')).replace('"active": true', '"active": 1   '));
    assertFailed(await decryptElsewhere(bundle, plain, [OLD]), /keys\.json was altered or damaged/);
    assert.equal(existsSync(plain), false);
  });

  test('tampered and truncated files are reported, the rest is decrypted, and the exit code says so', async () => {
    const bundle = await exportTo('tampered');
    const manifestFile = path.join(bundle, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { files: Record<string, { sha256: string; size: number }> };
    // 1. An attachment with one flipped byte (hash mismatch).
    const oldAttachment = `tips/${tips.old}/001-0.attachment`;
    const a = await readFile(path.join(bundle, oldAttachment));
    a[a.length - 5]! ^= 0x01;
    await writeFile(path.join(bundle, oldAttachment), a);
    // 2. A truncated attachment.
    const hostileAttachment = `tips/${tips.hostile}/001-1.attachment`;
    await truncate(path.join(bundle, hostileAttachment), 10);
    // 3. A sealed message altered *and* its hash updated, as an attacker with write access would: the crypto still catches it.
    const newMessage = `tips/${tips.new}/001.sealed`;
    const m = await readFile(path.join(bundle, newMessage));
    m[40]! ^= 0x80;
    await writeFile(path.join(bundle, newMessage), m);
    manifest.files[newMessage]!.sha256 = createHash('sha256').update(m).digest('hex');
    await writeFile(manifestFile, JSON.stringify(manifest));

    const verified = await cli(['tips', 'verify', bundle], { env: {} });
    assertFailed(verified, /does not match its manifest \(2 problems above\)/);
    assert.match(verified.stderr, /001-0\.attachment was altered or damaged/);
    assert.match(verified.stderr, /001-1\.attachment has 10 bytes/);

    const plain = path.join(dir, 'tampered-plain');
    const r = await decryptElsewhere(bundle, plain, [OLD, NEW]);
    assertFailed(r, /3 of 3 tips could not be decrypted completely/);
    assert.match(r.stderr, new RegExp(`attachment 1 of message 1 \\(old\\.txt\\): ${oldAttachment.replaceAll('.', '\\.')} was altered or damaged`));
    assert.match(r.stderr, new RegExp(`${hostileAttachment.replaceAll('.', '\\.')} has 10 bytes, the manifest says \\d+ \\(cut short or altered\\)`));
    assert.match(r.stderr, /message 1 does not open: The sealed message does not open with this key/);
    const old = await folderOf(tips.old);
    assert.equal(existsSync(path.join(plain, old, 'old.txt')), false, 'an altered attachment is not written');
    assert.match(await readFile(path.join(plain, old, '01-source.txt'), 'utf8'), /old\.txt — NOT DECRYPTED/);
    assert.match(await readFile(path.join(plain, old, '02-newsroom-reply.txt'), 'utf8'), /a reply sealed to the new key/, 'the rest of the tip is decrypted');
    const hostile = await folderOf(tips.hostile);
    assert.equal(await readFile(path.join(plain, hostile, '_.._.._etc_passwd'), 'utf8'), 'one', 'the other attachments of the tip are decrypted');
    assert.equal(existsSync(path.join(plain, await folderOf(tips.new))), false);
    assert.match(await readFile(path.join(plain, 'SUMMARY.txt'), 'utf8'), /PARTLY decrypted/);
  });
});
