/**
 * Reads a tip bundle and decrypts it into plain files, on a computer without the server: this
 * file uses only the bundle, the file system and libsodium (no database, no configuration).
 *
 * Every file is checked against the manifest's SHA-256 before it is used. A damaged or altered
 * file, or a message sealed to a key no given passphrase opens, is reported and skipped; the rest
 * is still decrypted. Paths inside the bundle are derived from checked ids, never taken from its
 * text, and every name written comes from bundle-names.ts.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { tipCrypto, type KeyPair, type OpenedMessage, type Sodium } from './sodium.js';
import {
  BundleError,
  KEYS_FILE,
  MANIFEST_FILE,
  MAX_JSON_BYTES,
  attachmentFile,
  isTipId,
  messageFile,
  parseKeys,
  parseManifest,
  parseTip,
  tipFile,
  tipIdsOf,
  type BundleKey,
  type BundleManifest,
  type BundleMessage,
  type BundleTip,
} from './bundle.js';
import { safeFileName, uniqueName } from './bundle-names.js';

/** Biggest single file read (an attachment's ciphertext); far above any tip line limit. */
const MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;

export interface OpenedBundle {
  dir: string;
  manifest: BundleManifest;
  keys: BundleKey[];
}

/** Why one file could not be used. */
class ItemProblem extends Error {}

/** The file's path once it is known to exist as a regular file of the manifest's size. */
async function checkedPath(bundle: { dir: string; manifest: BundleManifest }, name: string, maxBytes: number): Promise<{ full: string; sha256: string }> {
  const entry = bundle.manifest.files[name];
  if (!entry) throw new ItemProblem(`${name} is not listed in the manifest`);
  const full = path.join(bundle.dir, ...name.split('/'));
  let stat;
  try {
    stat = await fs.lstat(full);
  } catch {
    throw new ItemProblem(`${name} is missing`);
  }
  // A link could point anywhere on this computer; a bundle never contains one.
  if (!stat.isFile()) throw new ItemProblem(`${name} is not a regular file`);
  if (stat.size !== entry.size) throw new ItemProblem(`${name} has ${stat.size} bytes, the manifest says ${entry.size} (cut short or altered)`);
  if (stat.size > maxBytes) throw new ItemProblem(`${name} is too large`);
  return { full, sha256: entry.sha256 };
}

function altered(name: string): ItemProblem {
  return new ItemProblem(`${name} was altered or damaged (its SHA-256 does not match the manifest)`);
}

/** A file's bytes, after checking them against the manifest. */
async function readVerified(bundle: { dir: string; manifest: BundleManifest }, name: string, maxBytes = MAX_FILE_BYTES): Promise<Buffer> {
  const { full, sha256 } = await checkedPath(bundle, name, maxBytes);
  const data = await fs.readFile(full);
  if (createHash('sha256').update(data).digest('hex') !== sha256) throw altered(name);
  return data;
}

/** The same check, streaming: verifying a bundle never holds a whole file in memory. */
async function checkVerified(bundle: { dir: string; manifest: BundleManifest }, name: string): Promise<void> {
  const { full, sha256 } = await checkedPath(bundle, name, Number.MAX_SAFE_INTEGER);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(full)) hash.update(chunk as Buffer);
  if (hash.digest('hex') !== sha256) throw altered(name);
}

function parseJson(data: Buffer, name: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    throw new BundleError(`${name} is not valid JSON`);
  }
}

/** Reads and checks the manifest and the keys; throws BundleError when this is not a usable bundle. */
export async function openBundle(dir: string): Promise<OpenedBundle> {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  let stat;
  try {
    stat = await fs.lstat(manifestPath);
  } catch {
    throw new BundleError(`${dir} has no ${MANIFEST_FILE}, so it is not a tip bundle written by freewire tips export`);
  }
  if (!stat.isFile() || stat.size > MAX_JSON_BYTES) throw new BundleError(`${MANIFEST_FILE} in ${dir} is not a manifest`);
  const manifest = parseManifest(parseJson(await fs.readFile(manifestPath), MANIFEST_FILE));
  let keysData: Buffer;
  try {
    keysData = await readVerified({ dir, manifest }, KEYS_FILE, MAX_JSON_BYTES);
  } catch (err) {
    if (err instanceof ItemProblem) throw new BundleError(err.message);
    throw err;
  }
  return { dir, manifest, keys: parseKeys(parseJson(keysData, KEYS_FILE)) };
}

/**
 * Checks every file the manifest lists against its size and SHA-256, without any passphrase: is
 * this copy whole? Returns the problems (empty when it is), including files the manifest does
 * not know (which decrypt ignores, but which a faithful copy would not have).
 */
export async function verifyBundle(bundle: OpenedBundle): Promise<{ files: number; problems: string[] }> {
  const problems: string[] = [];
  const names = Object.keys(bundle.manifest.files).sort();
  for (const name of names) {
    // Paths come from the manifest here, so refuse any that could leave the bundle.
    if (name.split('/').some((part) => part === '' || part === '.' || part === '..') || name.includes('\\') || name === MANIFEST_FILE) {
      problems.push(`the manifest lists an invalid path ${JSON.stringify(name.slice(0, 200))}`);
      continue;
    }
    try {
      await checkVerified(bundle, name);
    } catch (err) {
      if (!(err instanceof ItemProblem)) throw err;
      problems.push(err.message);
    }
  }
  const listed = new Set(names);
  for (const name of await listFiles(bundle.dir)) {
    if (name !== MANIFEST_FILE && !listed.has(name)) problems.push(`${oneLine(name, 200)} is not listed in the manifest`);
  }
  return { files: names.length, problems };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(dir, ...(prefix ? prefix.split('/') : [])), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

export interface UnlockedKeys {
  pairs: Map<string, KeyPair>;
  /** Keys no passphrase opened, with the reason. */
  locked: Array<{ key: BundleKey; reason: string }>;
}

/**
 * Tries every passphrase on every key (each try costs one argon2id derivation at the key's own
 * cost, about a second at the default). A passphrase that opened one key is tried first on the
 * next, since most keys share one passphrase.
 */
export function unlockKeys(sodium: Sodium, keys: readonly BundleKey[], passphrases: readonly string[], progress: (line: string) => void = () => undefined): UnlockedKeys {
  const pairs = new Map<string, KeyPair>();
  const locked: UnlockedKeys['locked'] = [];
  const order = passphrases.map((_, i) => i);
  for (const key of keys) {
    let reason = passphrases.length === 1 ? 'the passphrase given does not open it' : `none of the ${passphrases.length} passphrases given opens it`;
    for (const [n, i] of order.entries()) {
      if (passphrases.length > 1 || keys.length > 1) progress(`Trying passphrase ${i + 1} on key ${key.fingerprint}…`);
      try {
        pairs.set(key.id, tipCrypto.unlockNewsroomKey(sodium, key, passphrases[i]!));
        order.unshift(...order.splice(n, 1));
        break;
      } catch (err) {
        if (err instanceof tipCrypto.TipCryptoError && err.code === 'WRONG_PASSPHRASE') continue;
        reason = err instanceof Error ? `the key record is unusable: ${err.message}` : 'the key record is unusable';
        break;
      }
    }
    if (!pairs.has(key.id)) locked.push({ key, reason });
  }
  return { pairs, locked };
}

export interface TipReport {
  id: string;
  /** The folder written for it, or undefined when nothing in it could be opened. */
  folder: string | undefined;
  messages: number;
  messagesOpened: number;
  attachments: number;
  attachmentsOpened: number;
  problems: string[];
}

export interface DecryptReport {
  tips: TipReport[];
  /** Problems with the bundle outside any one tip (files the manifest lists that are missing …). */
  problems: string[];
}

const WHEN = (hour: string) => `${hour.slice(0, 10)} ${hour.slice(11, 16)} UTC`;

/** "2026-12-03T14h-1a2b3c4d": sorts by time, short, and safe on every file system. */
function folderName(tip: BundleTip): string {
  return `${tip.receivedAt.slice(0, 13)}h-${tip.id.slice(0, 8)}`;
}

function messageName(m: BundleMessage, width: number, failed: boolean): string {
  const n = String(m.seq).padStart(width, '0');
  return `${n}-${m.author === 'source' ? 'source' : 'newsroom-reply'}${failed ? '-NOT-DECRYPTED' : ''}.txt`;
}

function formatSize(n: number): string {
  if (n < 1024) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Source-supplied text shown in our own headers: one line, with control and direction characters
 * spelled out ("evil[U+202E]gpj.exe"), so an editor sees what the name really was.
 */
function oneLine(s: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  return s.slice(0, max).replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

function keyLabel(keys: ReadonlyMap<string, BundleKey>, id: string): string {
  const key = keys.get(id);
  return key ? `key ${key.fingerprint}` : `key ${id} (not in the bundle)`;
}

/** Writes a file that must not exist yet, readable by its owner only. */
async function writePrivate(file: string, data: Uint8Array | string): Promise<void> {
  await fs.writeFile(file, data, { mode: 0o600, flag: 'wx' });
}

/**
 * Decrypts every tip of the bundle into `outDir` (which exists and is empty): one folder per tip
 * that could be at least partly opened. Never throws for a problem with one tip: it is reported.
 */
export async function decryptBundle(
  sodium: Sodium,
  bundle: OpenedBundle,
  pairs: ReadonlyMap<string, KeyPair>,
  outDir: string,
  progress: (line: string) => void = () => undefined,
): Promise<DecryptReport> {
  const keys = new Map(bundle.keys.map((k) => [k.id, k]));
  const report: DecryptReport = { tips: [], problems: [] };
  const ids = tipIdsOf(bundle.manifest);
  const taken = new Set<string>();
  const step = Math.max(1, Math.ceil(ids.length / 10));
  for (const [index, id] of ids.entries()) {
    if (ids.length >= 20 && index % step === 0 && index > 0) progress(`Decrypting… ${index} of ${ids.length} tips`);
    report.tips.push(await decryptTip(sodium, bundle, keys, pairs, id, outDir, taken));
  }
  // Files the manifest lists under tips/ that belong to no tip we could read (e.g. its tip.json is gone).
  const known = new Set(ids);
  const orphans = new Set<string>();
  for (const name of Object.keys(bundle.manifest.files)) {
    const m = /^tips\/([^/]{1,64})\//.exec(name);
    if (m && !known.has(m[1]!)) orphans.add(m[1]!);
  }
  for (const id of orphans) report.problems.push(`tips/${oneLine(id, 64)}: listed in the manifest but its tip.json is missing, so it was skipped`);
  await writePrivate(path.join(outDir, 'SUMMARY.txt'), summaryText(bundle, report));
  return report;
}

async function decryptTip(
  sodium: Sodium,
  bundle: OpenedBundle,
  keys: ReadonlyMap<string, BundleKey>,
  pairs: ReadonlyMap<string, KeyPair>,
  id: string,
  outDir: string,
  takenFolders: Set<string>,
): Promise<TipReport> {
  const result: TipReport = { id, folder: undefined, messages: 0, messagesOpened: 0, attachments: 0, attachmentsOpened: 0, problems: [] };
  if (!isTipId(id)) {
    result.problems.push('its id is malformed');
    return result;
  }
  let tip: BundleTip;
  try {
    tip = parseTip(parseJson(await readVerified(bundle, tipFile(id), 16 * 1024 * 1024), 'tip.json'), id);
  } catch (err) {
    if (err instanceof ItemProblem || err instanceof BundleError) {
      result.problems.push(err.message);
      return result;
    }
    throw err;
  }
  result.messages = tip.messages.length;
  result.attachments = tip.messages.reduce((n, m) => n + m.attachments.length, 0);

  // Open every message first: a tip none of whose messages opens gets no folder at all.
  const opened = new Map<number, OpenedMessage>();
  const failures = new Map<number, string>();
  for (const m of tip.messages) {
    const pair = pairs.get(m.keyId);
    if (!pair) {
      failures.set(m.seq, `message ${m.seq} is sealed to ${keyLabel(keys, m.keyId)}, which no passphrase given opens`);
      continue;
    }
    try {
      const sealed = await readVerified(bundle, messageFile(id, m.seq), 16 * 1024 * 1024);
      opened.set(m.seq, tipCrypto.openMessage(sodium, new Uint8Array(sealed), pair));
    } catch (err) {
      if (err instanceof ItemProblem) failures.set(m.seq, err.message);
      else if (err instanceof tipCrypto.TipCryptoError) failures.set(m.seq, `message ${m.seq} does not open: ${err.message}`);
      else throw err;
    }
  }
  result.problems.push(...failures.values());
  result.messagesOpened = opened.size;
  // An attachment's key travels inside its message: no message, no attachment.
  for (const m of tip.messages) {
    if (!opened.has(m.seq) && m.attachments.length > 0) {
      result.problems.push(`the ${m.attachments.length === 1 ? 'attachment' : `${m.attachments.length} attachments`} of message ${m.seq} cannot be opened without it`);
    }
  }
  if (opened.size === 0) return result;

  const folder = uniqueName(folderName(tip), takenFolders);
  const dir = path.join(outDir, folder);
  await fs.mkdir(dir, { mode: 0o700 });
  result.folder = folder;

  const width = Math.max(2, String(Math.max(...tip.messages.map((m) => m.seq))).length);
  // Our own file names come first, so an attachment called "01-source.txt" cannot take one.
  const names = new Set<string>(['00-about.txt']);
  for (const m of tip.messages) for (const failed of [false, true]) names.add(messageName(m, width, failed).toLowerCase());

  await writePrivate(path.join(dir, '00-about.txt'), aboutText(tip, folder));
  for (const m of tip.messages) {
    const message = opened.get(m.seq);
    if (!message) {
      await writePrivate(path.join(dir, messageName(m, width, true)), `Message ${m.seq} of this tip could not be decrypted:\n${failures.get(m.seq) ?? 'unknown reason'}\n`);
      continue;
    }
    const saved: string[] = [];
    for (const [position, ref] of message.attachments.entries()) {
      const label = `attachment ${position + 1} of message ${m.seq} (${oneLine(ref.name, 80) || 'no name'})`;
      if (!m.attachments.some((a) => a.position === position)) {
        result.problems.push(`${label} is missing from the bundle`);
        saved.push(`  ${oneLine(ref.name) || '(no name)'} — MISSING from the bundle`);
        continue;
      }
      try {
        const ciphertext = await readVerified(bundle, attachmentFile(id, m.seq, position));
        const plain = tipCrypto.decryptAttachment(sodium, new Uint8Array(ciphertext), ref.key);
        const name = uniqueName(safeFileName(ref.name, `attachment-${m.seq}-${position + 1}`), names);
        await writePrivate(path.join(dir, name), plain);
        result.attachmentsOpened++;
        const shown = name === ref.name ? name : `${name}  (sent as "${oneLine(ref.name)}")`;
        saved.push(`  ${shown}  ${formatSize(plain.length)}${ref.type ? `, ${oneLine(ref.type, 100)}` : ''}`);
      } catch (err) {
        if (!(err instanceof ItemProblem) && !(err instanceof tipCrypto.TipCryptoError)) throw err;
        result.problems.push(`${label}: ${err.message}`);
        saved.push(`  ${oneLine(ref.name) || '(no name)'} — NOT DECRYPTED: ${err.message}`);
      }
    }
    // Ciphertext files no sealed message refers to: a message cannot open what it has no key for.
    for (const a of m.attachments) {
      if (a.position >= message.attachments.length) result.problems.push(`message ${m.seq} has an extra attachment file (${attachmentFile(id, m.seq, a.position)}) that it holds no key for`);
    }
    await writePrivate(path.join(dir, messageName(m, width, false)), messageText(tip, m, message, saved));
  }
  return result;
}

function aboutText(tip: BundleTip, folder: string): string {
  const sources = tip.messages.filter((m) => m.author === 'source').length;
  return [
    `Tip ${folder}`,
    `Id: ${tip.id}`,
    `First message: ${WHEN(tip.receivedAt)}`,
    `Last message from the source: ${WHEN(tip.lastSourceAt)}`,
    `Last reply: ${tip.lastReplyAt ? WHEN(tip.lastReplyAt) : 'none'}`,
    `Status when exported: ${oneLine(tip.status, 40)}`,
    `Labels: ${tip.labels.length > 0 ? tip.labels.map((l) => oneLine(l, 100)).join(', ') : 'none'}`,
    `Messages: ${tip.messages.length} (${sources} from the source, ${tip.messages.length - sources} from the newsroom)`,
    '',
    'Times are rounded to the hour: the tip line never records the exact moment a source wrote.',
    '',
  ].join('\n');
}

function messageText(tip: BundleTip, m: BundleMessage, message: OpenedMessage, attachments: string[]): string {
  const encrypted =
    m.author === 'newsroom'
      ? "in an editor's browser"
      : m.encryptedIn === 'browser'
        ? "in the source's browser, before it was sent"
        : 'by the server on arrival (the source sent the form without JavaScript, so the server saw this message in memory before encrypting it)';
  const lines = [
    `Message ${m.seq} of ${tip.messages.length}, from ${m.author === 'source' ? 'the source' : 'the newsroom (a reply)'}`,
    `Received: ${WHEN(m.receivedAt)} (rounded to the hour)`,
    `Encrypted: ${encrypted}`,
  ];
  if (attachments.length > 0) lines.push('Attachments (saved beside this file):', ...attachments);
  return `${lines.join('\n')}\n\n${message.text}${message.text.endsWith('\n') ? '' : '\n'}`;
}

function summaryText(bundle: OpenedBundle, report: DecryptReport): string {
  const lines = [`Tips decrypted from a bundle exported at ${WHEN(bundle.manifest.exportedAt || '0000-00-00T00:00')}`, ''];
  for (const t of report.tips) {
    const state = t.problems.length === 0 ? 'decrypted' : t.folder ? 'PARTLY decrypted' : 'NOT decrypted';
    lines.push(`${t.folder ?? `tip ${t.id}`}: ${state} (${t.messagesOpened} of ${t.messages} messages, ${t.attachmentsOpened} of ${t.attachments} attachments)`);
    for (const p of t.problems) lines.push(`  - ${p}`);
  }
  for (const p of report.problems) lines.push(`- ${p}`);
  return `${lines.join('\n')}\n`;
}
