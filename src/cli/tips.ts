/**
 * `freewire tips …`: the tip line from the shell.
 *
 * - setup / status / grant / revoke: for newsrooms whose admin has no browser at hand (or wants
 *   it scripted). The key pair is made here, in this process; only the passphrase-sealed record
 *   reaches the database, as when an admin sets it up in the browser.
 * - export: every tip as ciphertext, with the sealed keys, into a bundle directory.
 * - decrypt: opens a bundle on any computer, with no database and no configuration: this path
 *   imports only the bundle reader and libsodium, and never calls loadConfig or opens a database.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BundleError, MANIFEST_FILE } from '../tips/bundle.js';
import { CliError, formatBytes, note, out, table } from './output.js';
import { passphraseProblem, readPassphrasesFromStdin } from './tips-passphrase.js';

async function exists(p: string): Promise<boolean> {
  return fs.access(p, fsConstants.F_OK).then(
    () => true,
    () => false,
  );
}

function needsStdin(command: string): CliError {
  return new CliError(
    `${command.split(' ').slice(0, 3).join(' ')} needs --passphrase-stdin`,
    `The passphrase is read from a pipe, so it never shows in the process list or shell history. For example: printf '%s\\n' "$PASSPHRASE" | ${command}`,
  );
}

// ---- setup, status, grant, revoke -------------------------------------------------------------

export async function setup(opts: { passphraseStdin?: boolean; rotate?: boolean }): Promise<void> {
  const usage = `freewire tips setup --passphrase-stdin${opts.rotate ? ' --rotate' : ''}`;
  if (!opts.passphraseStdin) throw needsStdin(usage);
  // Read stdin before opening the database: a pipe that never closes should not hold a connection.
  const passphrases = await readPassphrasesFromStdin(usage);
  if (passphrases.length > 1) throw new CliError(`setup takes one passphrase, and stdin has ${passphrases.length} lines`, 'Pipe in only the new passphrase.');
  const passphrase = passphrases[0]!;
  const problem = passphraseProblem(passphrase);
  if (problem) throw new CliError(problem, 'It protects every tip, in every backup and export, against offline guessing. Nothing was changed.');

  const { withServices, CLI_ACTOR } = await import('./context.js');
  const { loadSodium, tipCrypto } = await import('../tips/sodium.js');
  await withServices(async ({ services }) => {
    const current = await services.tipKeys.active();
    if (current && !opts.rotate) {
      throw new CliError(
        `the tip line already has a key (fingerprint ${current.fingerprint}); nothing was changed`,
        'To replace it with a new key and passphrase, add --rotate. Tips already received stay readable with the old passphrase.',
      );
    }
    note('Sealing the new key with the passphrase (argon2id; this takes a moment)…');
    const sodium = await loadSodium();
    const record = tipCrypto.createNewsroomKey(sodium, passphrase);
    const key = await services.tipKeys.add(CLI_ACTOR, record, { rotate: opts.rotate === true });
    if (current) {
      out(`Rotated the tip line key. New key fingerprint: ${key.fingerprint}`);
      note(`The old key (${current.fingerprint}) is retired: new tips are sealed to the new key; tips sealed to the old one still open with the old passphrase, so keep it too.`);
    } else {
      out(`Tip line key created. Fingerprint: ${key.fingerprint}`);
    }
    note('');
    note('Keep the passphrase safe and share it only with the people who read tips: nobody, not even Freewire, can recover it.');
    note('Next:');
    note('  1. Let editors read tips: freewire tips grant editor@example.org (or an admin does it under Newsroom → Users).');
    note('  2. They open /newsroom/tips and unlock it with the passphrase, in their own browser.');
    note('  3. Sources write at /tips. Compare the fingerprint above with the one shown there.');
  });
}

export async function status(): Promise<void> {
  const { withServices } = await import('./context.js');
  await withServices(async ({ services, database }) => {
    const keys = await services.tipKeys.list();
    if (keys.length === 0) {
      out('The tip line has no key yet, so it does not accept tips.');
      note('Set it up with: printf \'%s\\n\' "$PASSPHRASE" | freewire tips setup --passphrase-stdin');
      return;
    }
    const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');
    out(table(['FINGERPRINT', 'STATUS', 'CREATED', 'RETIRED'], keys.map((k) => [k.fingerprint, k.active ? 'active' : 'retired', when(k.createdAt), when(k.retiredAt)])));
    const db = database.db;
    const byStatus = await db.selectFrom('tip_conversations').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').orderBy('status').execute();
    const tips = byStatus.reduce((n, r) => n + Number(r.n), 0);
    const messages = await db.selectFrom('tip_messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const attachments = await db
      .selectFrom('tip_attachments')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('bytes')])
      .executeTakeFirstOrThrow();
    const sealed = await db.selectFrom('tip_messages').select((eb) => eb.fn.coalesce(eb.fn.sum<number>(eb.fn('length', ['sealed'])), eb.lit(0)).as('bytes')).executeTakeFirstOrThrow();
    const statuses = byStatus.map((r) => `${Number(r.n)} ${r.status}`).join(', ');
    out('');
    out(`Tips: ${tips}${tips > 0 ? ` (${statuses})` : ''}; ${Number(messages.n)} messages, ${Number(attachments.n)} attachments; ${formatBytes(Number(attachments.bytes) + Number(sealed.bytes))} of ciphertext.`);
    const readers = (await services.users.list()).filter((u) => u.tipsAccess);
    out(`Readers (tips access): ${readers.length > 0 ? readers.map((u) => `${u.email}${u.status === 'active' ? '' : ` (${u.status})`}`).join(', ') : 'nobody yet — grant it with: freewire tips grant EMAIL'}`);
  });
}

export async function setAccess(email: string, granted: boolean): Promise<void> {
  const { withServices, CLI_ACTOR } = await import('./context.js');
  const { findUser } = await import('./users.js');
  await withServices(async ({ services }) => {
    const user = await findUser(services, email);
    if ((Number(user.tips_access) === 1) === granted) {
      out(`${user.email} ${granted ? 'already has' : 'does not have'} tips access.`);
      return;
    }
    await services.users.setTipsAccess(CLI_ACTOR, user.id, granted);
    if (granted) {
      out(`${user.email} may now read the tip line at /newsroom/tips, after unlocking it with the passphrase.`);
      if (user.status !== 'active') note(`Note: the account is ${user.status}; enable it with: freewire user enable --email ${user.email}`);
      if (!(await services.tipKeys.active())) note('The tip line has no key yet: set it up with freewire tips setup --passphrase-stdin.');
    } else {
      out(`${user.email} no longer has tips access (from their next page load).`);
      note('If they know the passphrase, consider rotating the key: freewire tips setup --passphrase-stdin --rotate');
    }
  });
}

// ---- export -----------------------------------------------------------------------------------

/** Refuses anything at `target` but nothing or an empty directory. */
async function assertEmptyTarget(target: string, shown: string, what: string): Promise<void> {
  let stat;
  try {
    stat = await fs.lstat(target);
  } catch {
    return;
  }
  if (!stat.isDirectory()) throw new CliError(`${shown} already exists and is not a directory; nothing was written`, `Choose a new directory for the ${what}.`);
  if ((await fs.readdir(target)).length > 0) {
    throw new CliError(`${shown} already exists and is not empty; nothing was written`, `Choose a new (or empty) directory for the ${what}; nothing is ever merged into an existing one.`);
  }
}

export async function exportTips(opts: { out: string }): Promise<void> {
  const target = path.resolve(opts.out);
  if (!(await exists(path.dirname(target)))) throw new CliError(`the directory ${path.dirname(target)} does not exist`);
  await assertEmptyTarget(target, opts.out, 'bundle');
  const { withServices } = await import('./context.js');
  const { writeBundle } = await import('../tips/bundle-export.js');
  // Written beside the target and renamed at the end: the target is a whole bundle or nothing.
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.export-${process.pid}.tmp`);
  await fs.rm(tmp, { recursive: true, force: true });
  let manifest;
  try {
    await fs.mkdir(tmp, { mode: 0o700 });
    manifest = await withServices(async ({ database, services }) => {
      if ((await services.tipKeys.list()).length === 0) throw new CliError('the tip line has no key yet, so there are no tips to export', 'Set it up with: freewire tips setup --passphrase-stdin');
      return writeBundle(database, tmp, note);
    });
    // The target may have appeared (empty or not) while we were writing: check again, then swap.
    await assertEmptyTarget(target, opts.out, 'bundle');
    if (await exists(target)) await fs.rmdir(target);
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const digest = createHash('sha256')
    .update(await fs.readFile(path.join(target, MANIFEST_FILE)))
    .digest('hex');
  const c = manifest.counts;
  out(
    `Exported ${c.tips} ${c.tips === 1 ? 'tip' : 'tips'} (${c.messages} messages, ${c.attachments} attachments, ${formatBytes(c.bytes)} of ciphertext) and ${c.keys} ${c.keys === 1 ? 'key' : 'keys'} to ${target}.`,
  );
  out(`SHA-256 of ${MANIFEST_FILE}: ${digest}`);
  note('Everything in it is still encrypted. To read it on an offline computer:');
  note(`  printf '%s\\n' "$PASSPHRASE" | freewire tips decrypt ${opts.out} --out PLAIN_DIR --passphrase-stdin`);
}

// ---- verify -----------------------------------------------------------------------------------

/** Checks a bundle (e.g. a copy on a USB stick) against its manifest; needs no passphrase or database. */
export async function verifyTips(bundleDir: string): Promise<void> {
  const { openBundle, verifyBundle } = await import('../tips/bundle-decrypt.js');
  let bundle;
  try {
    bundle = await openBundle(path.resolve(bundleDir));
  } catch (err) {
    if (err instanceof BundleError) throw new CliError(err.message);
    throw err;
  }
  const digest = createHash('sha256')
    .update(await fs.readFile(path.join(bundle.dir, MANIFEST_FILE)))
    .digest('hex');
  const { files, problems } = await verifyBundle(bundle);
  for (const p of problems) note(`- ${p}`);
  if (problems.length > 0) throw new CliError(`${bundleDir} does not match its manifest (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'} above)`, 'Copy the bundle again from the original.');
  const c = bundle.manifest.counts;
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  out(`All ${files + 1} files of ${bundleDir} match its manifest: ${n(c.tips, 'tip')}, ${n(c.messages, 'message')}, ${n(c.attachments, 'attachment')}, ${n(c.keys, 'key')}.`);
  out(`SHA-256 of ${MANIFEST_FILE}: ${digest} (compare it with the one printed by tips export)`);
}

// ---- decrypt ----------------------------------------------------------------------------------

export async function decryptTips(bundleDir: string, opts: { out: string; passphraseStdin?: boolean }): Promise<void> {
  const usage = `freewire tips decrypt ${bundleDir} --out ${opts.out} --passphrase-stdin`;
  if (!opts.passphraseStdin) throw needsStdin(usage);
  const passphrases = await readPassphrasesFromStdin(usage);
  const { openBundle, unlockKeys, decryptBundle } = await import('../tips/bundle-decrypt.js');
  const { loadSodium } = await import('../tips/sodium.js');

  const source = path.resolve(bundleDir);
  const target = path.resolve(opts.out);
  if (target === source || target.startsWith(`${source}${path.sep}`)) throw new CliError('the output directory cannot be inside the bundle');
  let bundle;
  try {
    bundle = await openBundle(source);
  } catch (err) {
    if (err instanceof BundleError) throw new CliError(err.message, 'Nothing was written.');
    throw err;
  }
  await assertEmptyTarget(target, opts.out, 'decrypted tips');
  if (bundle.keys.length === 0) throw new CliError('the bundle holds no keys, so there is nothing to decrypt');

  const sodium = await loadSodium();
  note(`Opening ${bundle.keys.length} ${bundle.keys.length === 1 ? 'key' : 'keys'} with ${passphrases.length} ${passphrases.length === 1 ? 'passphrase' : 'passphrases'} (about a second per try)…`);
  const { pairs, locked } = unlockKeys(sodium, bundle.keys, passphrases, note);
  try {
    if (pairs.size === 0) {
      throw new CliError(
        `${passphrases.length === 1 ? 'the passphrase does not' : `none of the ${passphrases.length} passphrases`} open${passphrases.length === 1 ? '' : 's'} any key in this bundle; nothing was written`,
        `The bundle's keys have the fingerprints ${bundle.keys.map((k) => k.fingerprint).join(', ')}. Check the passphrase for typos; give one passphrase per line.`,
      );
    }
    for (const { key, reason } of locked) note(`Key ${key.fingerprint} (${key.active ? 'active' : 'retired'}) stays locked: ${reason}.`);

    // Checked again: the derivations took a while.
    await assertEmptyTarget(target, opts.out, 'decrypted tips');
    await fs.mkdir(target, { recursive: true, mode: 0o700 });
    // An empty directory the user made beforehand may be wider open than the tips should be.
    await fs.chmod(target, 0o700);
    const report = await decryptBundle(sodium, bundle, pairs, target, note);

    const whole = report.tips.filter((t) => t.problems.length === 0);
    const partial = report.tips.filter((t) => t.problems.length > 0 && t.folder);
    const none = report.tips.filter((t) => !t.folder);
    out(`Decrypted ${whole.length} of ${report.tips.length} ${report.tips.length === 1 ? 'tip' : 'tips'} into ${target}${partial.length > 0 ? `, ${partial.length} partly` : ''}.`);
    for (const t of [...partial, ...none]) {
      note(`${t.folder ? `${t.folder} (partly decrypted)` : `Tip ${t.id} (not decrypted)`}:`);
      for (const p of t.problems) note(`  - ${p}`);
    }
    for (const p of report.problems) note(`- ${p}`);
    const failed = partial.length + none.length;
    if (failed > 0 || report.problems.length > 0) {
      throw new CliError(
        `${failed > 0 ? `${failed} of ${report.tips.length} ${report.tips.length === 1 ? 'tip' : 'tips'} could not be decrypted completely` : 'the bundle has problems'} (listed above and in SUMMARY.txt); everything else was written`,
        locked.length > 0 ? 'For tips sealed to a locked key, add that key’s passphrase as another line on stdin.' : undefined,
      );
    }
    note('The decrypted files are readable by anyone with access to this computer: keep it offline and delete them when you are done.');
  } finally {
    for (const pair of pairs.values()) sodium.memzero(pair.privateKey);
  }
}
