/**
 * The tip line's cryptography, in one file shared by the source's browser, the editors' browser,
 * the server (only for the no-JavaScript form) and the offline `freewire tips decrypt`.
 * Every function takes an initialised libsodium (libsodium-wrappers-sumo) as its first argument,
 * so the same code runs in a page and in Node.
 *
 * Formats (version 1):
 * - Newsroom key: an X25519 key pair (crypto_box). The secret half is sealed with
 *   crypto_secretbox under a key derived from the passphrase with argon2id (crypto_pwhash);
 *   salt, nonce and the cost parameters are kept beside it. All binary fields are base64
 *   (standard alphabet, padded).
 * - Message (a tip, a follow-up or a reply): JSON `{v, text, attachments: [{name, type, size, key}]}`,
 *   UTF-8, padded to a multiple of PAD_BLOCK (so the length says little about the text), then
 *   sealed to a public key with crypto_box_seal (anonymous sender, X25519 + XSalsa20-Poly1305).
 * - Attachment: crypto_secretstream_xchacha20poly1305 under a fresh random key that travels only
 *   inside the sealed message: a 24-byte header, then CHUNK-byte pieces each with its 17-byte tag,
 *   the last one tagged FINAL, so truncation, reordering and tampering are all detected.
 */

export const FORMAT_VERSION = 1;
/** Plaintext bytes per secretstream piece. */
export const CHUNK = 64 * 1024;
/** Sealed messages are padded to a multiple of this many bytes. */
export const PAD_BLOCK = 512;
export const MAX_ATTACHMENTS = 5;
/** Longest message text, in characters. */
export const MAX_TEXT = 100_000;

/** The passphrase rule, stated the same way by the setup page and `freewire tips setup`. */
export const PASSPHRASE_MIN_CHARS = 16;
export const PASSPHRASE_MIN_DISTINCT = 6;
export const PASSPHRASE_RULE = `at least ${PASSPHRASE_MIN_CHARS} characters, at least ${PASSPHRASE_MIN_DISTINCT} of them different; four or more random words are best`;

/**
 * Why `passphrase` is too weak to seal the tip key, or undefined. The sealed key travels in every
 * backup and export, where whoever holds a copy can guess offline for as long as they like (about
 * a second of argon2id per guess and core): length is what resists that. Counted in characters
 * (code points), not UTF-16 units or bytes.
 */
export function passphraseProblem(passphrase) {
  const chars = [...passphrase];
  if (passphrase.trim() !== passphrase) return 'the passphrase starts or ends with a space, which is easy to lose when it is typed again; remove it';
  if (chars.length < PASSPHRASE_MIN_CHARS) return `the passphrase is too short (${chars.length} characters); use ${PASSPHRASE_RULE}`;
  if (new Set(chars).size < PASSPHRASE_MIN_DISTINCT) return `the passphrase repeats too few characters; use ${PASSPHRASE_RULE}`;
  return undefined;
}

export class TipCryptoError extends Error {
  /** @param {'WRONG_PASSPHRASE' | 'BAD_CIPHERTEXT' | 'BAD_PAYLOAD' | 'BAD_KEY'} code */
  constructor(code, message) {
    super(message);
    this.name = 'TipCryptoError';
    this.code = code;
  }
}

export function toBase64(sodium, bytes) {
  return sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);
}

export function fromBase64(sodium, text, what = 'value') {
  if (typeof text !== 'string' || text.length === 0 || text.length > 64 * 1024 * 1024) {
    throw new TipCryptoError('BAD_CIPHERTEXT', `The ${what} is not base64.`);
  }
  try {
    return sodium.from_base64(text, sodium.base64_variants.ORIGINAL);
  } catch {
    throw new TipCryptoError('BAD_CIPHERTEXT', `The ${what} is not base64.`);
  }
}

/** Cost of the passphrase derivation: libsodium's "moderate" (about a second, 256 MiB). */
export function defaultKeyCost(sodium) {
  return { opslimit: sodium.crypto_pwhash_OPSLIMIT_MODERATE, memlimit: sodium.crypto_pwhash_MEMLIMIT_MODERATE };
}

/** Short, readable fingerprint of a public key: editors compare it out of band after a rotation. */
export function fingerprint(sodium, publicKey) {
  const hex = sodium.to_hex(sodium.crypto_generichash(10, publicKey));
  return hex.toUpperCase().match(/.{4}/g).join(' ');
}

function passphraseKey(sodium, passphrase, salt, opslimit, memlimit) {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new TipCryptoError('WRONG_PASSPHRASE', 'Enter the passphrase.');
  return sodium.crypto_pwhash(
    sodium.crypto_secretbox_KEYBYTES,
    passphrase,
    salt,
    opslimit,
    memlimit,
    sodium.crypto_pwhash_ALG_ARGON2ID13,
  );
}

/**
 * A new newsroom key pair, its secret half sealed with the passphrase.
 * Returns the record to store (every field a string or number) — never the secret key.
 */
export function createNewsroomKey(sodium, passphrase, cost = defaultKeyCost(sodium)) {
  const pair = sodium.crypto_box_keypair();
  const salt = sodium.randombytes_buf(sodium.crypto_pwhash_SALTBYTES);
  const nonce = sodium.randombytes_buf(sodium.crypto_secretbox_NONCEBYTES);
  const key = passphraseKey(sodium, passphrase, salt, cost.opslimit, cost.memlimit);
  const sealed = sodium.crypto_secretbox_easy(pair.privateKey, nonce, key);
  sodium.memzero(key);
  sodium.memzero(pair.privateKey);
  return {
    publicKey: toBase64(sodium, pair.publicKey),
    fingerprint: fingerprint(sodium, pair.publicKey),
    sealedSecretKey: toBase64(sodium, sealed),
    nonce: toBase64(sodium, nonce),
    salt: toBase64(sodium, salt),
    opslimit: cost.opslimit,
    memlimit: cost.memlimit,
  };
}

/** Checks that a key record (from the server or a bundle) is well formed; throws BAD_KEY. */
export function checkKeyRecord(sodium, record) {
  const ok =
    record !== null &&
    typeof record === 'object' &&
    typeof record.publicKey === 'string' &&
    typeof record.sealedSecretKey === 'string' &&
    typeof record.nonce === 'string' &&
    typeof record.salt === 'string' &&
    Number.isSafeInteger(record.opslimit) &&
    Number.isSafeInteger(record.memlimit) &&
    record.opslimit >= sodium.crypto_pwhash_OPSLIMIT_MIN &&
    record.opslimit <= 64 &&
    record.memlimit >= 8192 &&
    record.memlimit <= 4 * 1024 * 1024 * 1024;
  if (!ok) throw new TipCryptoError('BAD_KEY', 'This tip key record is incomplete or has unusable parameters.');
  let pk, sealed, nonce, salt;
  try {
    pk = fromBase64(sodium, record.publicKey, 'public key');
    sealed = fromBase64(sodium, record.sealedSecretKey, 'sealed secret key');
    nonce = fromBase64(sodium, record.nonce, 'nonce');
    salt = fromBase64(sodium, record.salt, 'salt');
  } catch {
    throw new TipCryptoError('BAD_KEY', 'This tip key record is not valid base64.');
  }
  if (
    pk.length !== sodium.crypto_box_PUBLICKEYBYTES ||
    sealed.length !== sodium.crypto_box_SECRETKEYBYTES + sodium.crypto_secretbox_MACBYTES ||
    nonce.length !== sodium.crypto_secretbox_NONCEBYTES ||
    salt.length !== sodium.crypto_pwhash_SALTBYTES
  ) {
    throw new TipCryptoError('BAD_KEY', 'This tip key record has fields of the wrong length.');
  }
  return { publicKey: pk, sealed, nonce, salt };
}

/**
 * The key pair of a stored record, opened with the passphrase. Throws WRONG_PASSPHRASE when the
 * passphrase does not open it (the secretbox's tag does not verify).
 */
export function unlockNewsroomKey(sodium, record, passphrase) {
  const { publicKey, sealed, nonce, salt } = checkKeyRecord(sodium, record);
  const key = passphraseKey(sodium, passphrase, salt, record.opslimit, record.memlimit);
  let secretKey;
  try {
    secretKey = sodium.crypto_secretbox_open_easy(sealed, nonce, key);
  } catch {
    throw new TipCryptoError('WRONG_PASSPHRASE', 'That passphrase does not open this tip key.');
  } finally {
    sodium.memzero(key);
  }
  // The sealed half must belong to the public half shown to sources.
  const derived = sodium.crypto_scalarmult_base(secretKey);
  if (!sodium.memcmp(derived, publicKey)) throw new TipCryptoError('BAD_KEY', 'This tip key record does not match its public key.');
  return { publicKey, privateKey: secretKey };
}

/** The key pair for replies to one source, from a 32-byte seed derived from the codename. */
export function replyKeyPair(sodium, seed) {
  const pair = sodium.crypto_box_seed_keypair(seed);
  return { publicKey: pair.publicKey, privateKey: pair.privateKey };
}

function checkPayload(payload) {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TipCryptoError('BAD_PAYLOAD', 'The message is not an object.');
  }
  if (typeof payload.text !== 'string' || payload.text.length > MAX_TEXT) {
    throw new TipCryptoError('BAD_PAYLOAD', `The message text must be a string of at most ${MAX_TEXT} characters.`);
  }
  const attachments = payload.attachments ?? [];
  if (!Array.isArray(attachments) || attachments.length > MAX_ATTACHMENTS) {
    throw new TipCryptoError('BAD_PAYLOAD', `A message carries at most ${MAX_ATTACHMENTS} attachments.`);
  }
  for (const a of attachments) {
    if (
      a === null ||
      typeof a !== 'object' ||
      typeof a.name !== 'string' ||
      a.name.length > 255 ||
      typeof a.type !== 'string' ||
      a.type.length > 255 ||
      !Number.isSafeInteger(a.size) ||
      a.size < 0 ||
      typeof a.key !== 'string'
    ) {
      throw new TipCryptoError('BAD_PAYLOAD', 'An attachment description is malformed.');
    }
  }
  return { v: FORMAT_VERSION, text: payload.text, attachments: attachments.map((a) => ({ name: a.name, type: a.type, size: a.size, key: a.key })) };
}

/**
 * Seals a message to one public key. `payload` is `{text, attachments?}`; attachments are
 * `{name, type, size, key}` where key is the base64 secretstream key from encryptAttachment.
 */
export function sealMessage(sodium, publicKey, payload) {
  const clean = checkPayload(payload);
  const bytes = sodium.from_string(JSON.stringify(clean));
  const padded = sodium.pad(bytes, PAD_BLOCK);
  return sodium.crypto_box_seal(padded, publicKey);
}

/** Opens a sealed message with a key pair; throws BAD_CIPHERTEXT or BAD_PAYLOAD, never crashes. */
export function openMessage(sodium, sealed, keyPair) {
  if (!(sealed instanceof Uint8Array) || sealed.length < sodium.crypto_box_SEALBYTES + PAD_BLOCK) {
    throw new TipCryptoError('BAD_CIPHERTEXT', 'The sealed message is too short.');
  }
  let padded;
  try {
    padded = sodium.crypto_box_seal_open(sealed, keyPair.publicKey, keyPair.privateKey);
  } catch {
    throw new TipCryptoError('BAD_CIPHERTEXT', 'The sealed message does not open with this key (wrong key, or altered).');
  }
  let parsed;
  try {
    parsed = JSON.parse(sodium.to_string(sodium.unpad(padded, PAD_BLOCK)));
  } catch {
    throw new TipCryptoError('BAD_PAYLOAD', 'The sealed message does not hold a readable message.');
  }
  return checkPayload(parsed);
}

/** True when `bytes` could be a sealed message (the server's check before storing one). */
export function looksSealed(sodium, bytes) {
  return bytes instanceof Uint8Array && bytes.length >= sodium.crypto_box_SEALBYTES + PAD_BLOCK && (bytes.length - sodium.crypto_box_SEALBYTES) % PAD_BLOCK === 0;
}

/** Ciphertext length of an attachment of `size` plaintext bytes. */
export function attachmentCiphertextSize(sodium, size) {
  const pieces = Math.max(1, Math.ceil(size / CHUNK));
  return sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES + size + pieces * sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
}

/** True when `length` is a possible attachment ciphertext length. */
export function looksLikeAttachment(sodium, length) {
  const header = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES;
  const tag = sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
  if (!Number.isSafeInteger(length) || length < header + tag) return false;
  const body = length - header;
  const pieces = Math.ceil(body / (CHUNK + tag));
  return attachmentCiphertextSize(sodium, body - pieces * tag) === length;
}

function* pushPieces(sodium, bytes, key) {
  const { state, header } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  yield header;
  const pieces = Math.max(1, Math.ceil(bytes.length / CHUNK));
  for (let i = 0; i < pieces; i++) {
    const last = i === pieces - 1;
    const tag = last ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    yield sodium.crypto_secretstream_xchacha20poly1305_push(state, bytes.subarray(i * CHUNK, (i + 1) * CHUNK), null, tag);
  }
}

function concat(parts, total) {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Encrypts an attachment under a fresh key: `{key (base64), ciphertext}`. */
export function encryptAttachment(sodium, bytes) {
  const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
  const ciphertext = concat([...pushPieces(sodium, bytes, key)], attachmentCiphertextSize(sodium, bytes.length));
  return { key: toBase64(sodium, key), ciphertext };
}

/**
 * The same, yielding to `pause()` (a promise) every 16 pieces (1 MiB), so a server encrypting a
 * large upload lets other requests run in between.
 */
export async function encryptAttachmentAsync(sodium, bytes, pause) {
  const key = sodium.crypto_secretstream_xchacha20poly1305_keygen();
  const parts = [];
  let n = 0;
  for (const piece of pushPieces(sodium, bytes, key)) {
    parts.push(piece);
    if (++n % 16 === 0) await pause();
  }
  return { key: toBase64(sodium, key), ciphertext: concat(parts, attachmentCiphertextSize(sodium, bytes.length)) };
}

/** Decrypts an attachment; throws BAD_CIPHERTEXT if it was altered, cut short or extended. */
export function decryptAttachment(sodium, ciphertext, keyBase64) {
  const key = fromBase64(sodium, keyBase64, 'attachment key');
  const headerBytes = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES;
  const tagBytes = sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
  if (key.length !== sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES) throw new TipCryptoError('BAD_CIPHERTEXT', 'The attachment key has the wrong length.');
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < headerBytes + tagBytes) throw new TipCryptoError('BAD_CIPHERTEXT', 'The attachment is too short.');
  let state;
  try {
    state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(ciphertext.subarray(0, headerBytes), key);
  } catch {
    throw new TipCryptoError('BAD_CIPHERTEXT', 'The attachment header is invalid.');
  }
  const parts = [];
  let total = 0;
  let at = headerBytes;
  let final = false;
  while (at < ciphertext.length) {
    if (final) throw new TipCryptoError('BAD_CIPHERTEXT', 'The attachment has data after its end.');
    const piece = ciphertext.subarray(at, Math.min(ciphertext.length, at + CHUNK + tagBytes));
    let r;
    try {
      r = sodium.crypto_secretstream_xchacha20poly1305_pull(state, piece, null);
    } catch {
      r = false;
    }
    if (!r) throw new TipCryptoError('BAD_CIPHERTEXT', 'The attachment was altered or does not belong to this message.');
    parts.push(r.message);
    total += r.message.length;
    final = r.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    at += piece.length;
  }
  if (!final) throw new TipCryptoError('BAD_CIPHERTEXT', 'The attachment was cut short.');
  return concat(parts, total);
}
