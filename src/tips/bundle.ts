/**
 * The offline tip bundle: what `freewire tips export` writes and `freewire tips decrypt` reads.
 * This file holds only the format (names, shapes, checks), and imports nothing that touches a
 * database or the configuration, because decrypting happens on a computer that has neither.
 *
 * Layout (format version 1):
 *
 *   BUNDLE/
 *     manifest.json                 format, version, export hour, counts, SHA-256 and size of every other file
 *     README.txt                    how to decrypt it
 *     keys.json                     every newsroom key record: public key, sealed secret key, salt,
 *                                   nonce, argon2id cost (the secret half only passphrase-sealed)
 *     tips/<tip id>/tip.json        the conversation: id, status, labels, hour-rounded times, and
 *                                   its messages (seq, author, key id, where encrypted, hour, attachment sizes)
 *     tips/<tip id>/<seq>.sealed    a message sealed to a newsroom key (crypto_box_seal), seq 3 digits
 *     tips/<tip id>/<seq>-<n>.attachment   an attachment's secretstream ciphertext (its key is inside the message)
 *
 * What is left out, on purpose: the codename lookup, the reply public key and the copies of
 * replies sealed to the source (none is needed to read the tips offline, and the lookup would let
 * whoever holds a bundle test guessed codenames), assignees, and anything about who sent what.
 * Nothing in a bundle is readable without a passphrase; the manifest's hashes let a copy be
 * checked for damage before it is trusted.
 */

export const BUNDLE_FORMAT = 'freewire-tip-bundle';
export const BUNDLE_VERSION = 1;

export const MANIFEST_FILE = 'manifest.json';
export const README_FILE = 'README.txt';
export const KEYS_FILE = 'keys.json';

/** The JSON files of a bundle are small; anything larger is not one of ours. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

export interface BundleFileEntry {
  sha256: string;
  size: number;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  /** The hour the bundle was written (rounded down, like every time in the tip line). */
  exportedAt: string;
  counts: { keys: number; tips: number; messages: number; attachments: number; bytes: number };
  /** Every file of the bundle except the manifest, by its path relative to the bundle (forward slashes). */
  files: Record<string, BundleFileEntry>;
}

export interface BundleKey {
  id: string;
  publicKey: string;
  fingerprint: string;
  sealedSecretKey: string;
  nonce: string;
  salt: string;
  opslimit: number;
  memlimit: number;
  active: boolean;
  createdAt: string;
  retiredAt: string | null;
}

export interface BundleMessage {
  seq: number;
  author: 'source' | 'newsroom';
  keyId: string;
  encryptedIn: 'browser' | 'server';
  receivedAt: string;
  /** Ciphertext sizes of the message's attachments, by position. */
  attachments: Array<{ position: number; size: number }>;
}

export interface BundleTip {
  id: string;
  status: string;
  labels: string[];
  receivedAt: string;
  lastSourceAt: string;
  lastReplyAt: string | null;
  messages: BundleMessage[];
}

const TIP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_ID = /^[\w-]{1,64}$/;
const HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/;
const SHA256 = /^[0-9a-f]{64}$/;
const MAX_SEQ = 999_999;
const MAX_POSITION = 99;

export function tipDir(tipId: string): string {
  return `tips/${tipId}`;
}

export function tipFile(tipId: string): string {
  return `${tipDir(tipId)}/tip.json`;
}

function seqName(seq: number): string {
  return String(seq).padStart(3, '0');
}

export function messageFile(tipId: string, seq: number): string {
  return `${tipDir(tipId)}/${seqName(seq)}.sealed`;
}

export function attachmentFile(tipId: string, seq: number, position: number): string {
  return `${tipDir(tipId)}/${seqName(seq)}-${position}.attachment`;
}

/** A problem with the bundle itself (not with one tip in it). */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isHour(v: unknown): v is string {
  return typeof v === 'string' && HOUR.test(v);
}

/**
 * Checks a parsed manifest. File paths are only used to look up hashes: the reader derives every
 * path it opens from checked ids (tipFile, messageFile …), never from text in the bundle, so a
 * crafted bundle cannot make it read outside its directory.
 */
export function parseManifest(value: unknown): BundleManifest {
  if (!isObject(value) || value.format !== BUNDLE_FORMAT) throw new BundleError('manifest.json is not the manifest of a Freewire tip bundle');
  if (value.version !== BUNDLE_VERSION) {
    throw new BundleError(`this bundle has format version ${String(value.version)}, and this Freewire reads version ${BUNDLE_VERSION}; decrypt it with the Freewire release that wrote it, or a newer one`);
  }
  const counts = value.counts;
  if (!isObject(counts) || !['keys', 'tips', 'messages', 'attachments', 'bytes'].every((k) => isCount(counts[k]))) {
    throw new BundleError('manifest.json has no valid counts');
  }
  if (!isObject(value.files)) throw new BundleError('manifest.json lists no files');
  const files: Record<string, BundleFileEntry> = Object.create(null) as Record<string, BundleFileEntry>;
  for (const [name, entry] of Object.entries(value.files)) {
    if (!isObject(entry) || typeof entry.sha256 !== 'string' || !SHA256.test(entry.sha256) || !isCount(entry.size)) {
      throw new BundleError(`manifest.json has an invalid entry for ${JSON.stringify(name.slice(0, 200))}`);
    }
    files[name] = { sha256: entry.sha256, size: entry.size };
  }
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    exportedAt: typeof value.exportedAt === 'string' ? value.exportedAt.slice(0, 40) : '',
    counts: counts as BundleManifest['counts'],
    files,
  };
}

/** Checks keys.json; returns only well-shaped entries (the crypto checks the rest). */
export function parseKeys(value: unknown): BundleKey[] {
  if (!Array.isArray(value)) throw new BundleError('keys.json is not a list of keys');
  const seen = new Set<string>();
  return value.map((k, i) => {
    if (
      !isObject(k) ||
      typeof k.id !== 'string' ||
      !KEY_ID.test(k.id) ||
      seen.has(k.id) ||
      typeof k.publicKey !== 'string' ||
      typeof k.sealedSecretKey !== 'string' ||
      typeof k.nonce !== 'string' ||
      typeof k.salt !== 'string' ||
      !isCount(k.opslimit) ||
      !isCount(k.memlimit)
    ) {
      throw new BundleError(`keys.json: key ${i + 1} is malformed`);
    }
    seen.add(k.id);
    return {
      id: k.id,
      publicKey: k.publicKey,
      fingerprint: typeof k.fingerprint === 'string' ? k.fingerprint.slice(0, 64) : '?',
      sealedSecretKey: k.sealedSecretKey,
      nonce: k.nonce,
      salt: k.salt,
      opslimit: k.opslimit,
      memlimit: k.memlimit,
      active: k.active === true,
      createdAt: typeof k.createdAt === 'string' ? k.createdAt.slice(0, 40) : '',
      retiredAt: typeof k.retiredAt === 'string' ? k.retiredAt.slice(0, 40) : null,
    };
  });
}

/** Checks one tip.json; throws BundleError with what is wrong. */
export function parseTip(value: unknown, expectedId: string): BundleTip {
  if (!isObject(value) || value.id !== expectedId) throw new BundleError('tip.json does not describe this tip');
  if (!isHour(value.receivedAt) || !isHour(value.lastSourceAt) || !(value.lastReplyAt === null || isHour(value.lastReplyAt))) {
    throw new BundleError('tip.json has invalid times');
  }
  if (!Array.isArray(value.messages) || value.messages.length === 0 || value.messages.length > MAX_SEQ) throw new BundleError('tip.json lists no messages');
  const seqs = new Set<number>();
  const messages = value.messages.map((m: unknown): BundleMessage => {
    if (
      !isObject(m) ||
      !Number.isSafeInteger(m.seq) ||
      (m.seq as number) < 1 ||
      (m.seq as number) > MAX_SEQ ||
      seqs.has(m.seq as number) ||
      (m.author !== 'source' && m.author !== 'newsroom') ||
      typeof m.keyId !== 'string' ||
      !KEY_ID.test(m.keyId) ||
      (m.encryptedIn !== 'browser' && m.encryptedIn !== 'server') ||
      !isHour(m.receivedAt) ||
      !Array.isArray(m.attachments) ||
      m.attachments.length > MAX_POSITION
    ) {
      throw new BundleError('tip.json has a malformed message');
    }
    seqs.add(m.seq as number);
    const positions = new Set<number>();
    const attachments = m.attachments.map((a: unknown) => {
      if (!isObject(a) || !Number.isSafeInteger(a.position) || (a.position as number) < 0 || (a.position as number) > MAX_POSITION || positions.has(a.position as number) || !isCount(a.size)) {
        throw new BundleError('tip.json has a malformed attachment');
      }
      positions.add(a.position as number);
      return { position: a.position as number, size: a.size };
    });
    return { seq: m.seq as number, author: m.author, keyId: m.keyId, encryptedIn: m.encryptedIn, receivedAt: m.receivedAt, attachments };
  });
  messages.sort((a, b) => a.seq - b.seq);
  return {
    id: expectedId,
    status: typeof value.status === 'string' ? value.status.slice(0, 40) : '',
    labels: Array.isArray(value.labels) ? value.labels.filter((l): l is string => typeof l === 'string').map((l) => l.slice(0, 100)).slice(0, 50) : [],
    receivedAt: value.receivedAt,
    lastSourceAt: value.lastSourceAt,
    lastReplyAt: value.lastReplyAt,
    messages,
  };
}

/** Tip ids found in the manifest (the directories under tips/), checked. */
export function tipIdsOf(manifest: BundleManifest): string[] {
  const ids = new Set<string>();
  for (const name of Object.keys(manifest.files)) {
    if (!name.startsWith('tips/') || !name.endsWith('/tip.json')) continue;
    const id = name.slice('tips/'.length, -'/tip.json'.length);
    if (TIP_ID.test(id)) ids.add(id);
  }
  return [...ids].sort();
}

export function isTipId(id: string): boolean {
  return TIP_ID.test(id);
}

export const README_TEXT = `Freewire tip bundle
===================

This directory holds the newsroom's tips exactly as the server stored them: encrypted.
Nothing in it can be read without the tip line passphrase (or, after a key rotation, the
passphrase of each key). It is still worth keeping it only where it needs to be.

To read the tips on another computer (it may be offline; it needs Node.js and a copy of
Freewire, but no database and no configuration):

    printf '%s\\n' "$PASSPHRASE" | npx freewire tips decrypt THIS_DIRECTORY --out PLAIN_DIRECTORY --passphrase-stdin

With several keys (after rotations), give one passphrase per line:

    printf '%s\\n%s\\n' "$NEW_PASSPHRASE" "$OLD_PASSPHRASE" | npx freewire tips decrypt ...

PLAIN_DIRECTORY must not exist yet (or be empty). It receives one folder per tip, named by the
hour the tip arrived and the start of its id, with each message as a text file (01-source.txt,
02-newsroom-reply.txt, …) and the attachments as files. The decrypted files ARE readable:
keep that computer offline, encrypt its disk, and delete them when the story is done.

Decrypting first checks every file against the SHA-256 sums in manifest.json, and reports
any file that was damaged or altered; the rest is still decrypted. To check a copy without
any passphrase, run: npx freewire tips verify THIS_DIRECTORY (or compare by hand: the sums
in manifest.json are those of the other files, as sha256sum prints them).

Contents: manifest.json (format, counts, sums), keys.json (public keys and passphrase-sealed
secret keys, argon2id parameters), tips/<id>/tip.json (status, labels, hour-rounded times),
tips/<id>/<n>.sealed (messages, libsodium sealed boxes) and tips/<id>/<n>-<k>.attachment
(attachments, libsodium secretstream; their keys travel inside the sealed message).
The formats are described in public/tips/tip-crypto.mjs and src/tips/bundle.ts.
`;
