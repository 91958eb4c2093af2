/**
 * The source's side of the tip line: what a submission must look like before it is stored, the
 * server-side encryption of the no-JavaScript form, and reading replies with a codename.
 *
 * Nothing here receives anything about the sender (address, agent, referrer): the routes pass
 * only the form's contents, so nothing of the kind can be stored.
 */
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import { deriveCodenameSecrets, generateCodename } from './codename.js';
import { issueFormToken, verifyFormToken } from './form-token.js';
import type { TipKeyInfo } from './keys.js';
import { loadSodium, tipCrypto, type AttachmentRef, type Sodium } from './sodium.js';
import { tipId } from './store.js';

export const MAX_ATTACHMENTS = tipCrypto.MAX_ATTACHMENTS;
export const MAX_TEXT = tipCrypto.MAX_TEXT;
/** Largest sealed message accepted: 100,000 characters JSON-escaped, plus the attachment list. */
export const MAX_SEALED_BYTES = 1024 * 1024;

/** What the source's browser sends: ciphertext only. */
export interface BrowserSubmission {
  mode: 'browser';
  keyId: string;
  sealed: Uint8Array;
  attachments: Uint8Array[];
}

/** What the plain form sends: text and files, encrypted here before anything is written. */
export interface PlainSubmission {
  mode: 'server';
  text: string;
  files: Array<{ name: string; type: string; data: Uint8Array }>;
}

export type Submission = BrowserSubmission | PlainSubmission;

export interface SourceReply {
  /** Start of the hour the reply was written (ISO 8601). */
  at: string;
  text: string | undefined;
}

type SecretstreamSizes = Pick<Sodium, 'crypto_secretstream_xchacha20poly1305_HEADERBYTES' | 'crypto_secretstream_xchacha20poly1305_ABYTES'>;

/**
 * libsodium's secretstream header and tag sizes, fixed by its stream format (a test checks them
 * against the library), so the routes can size upload limits without loading libsodium at start.
 */
export const SECRETSTREAM_SIZES: SecretstreamSizes = {
  crypto_secretstream_xchacha20poly1305_HEADERBYTES: 24,
  crypto_secretstream_xchacha20poly1305_ABYTES: 17,
};

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

export class SourceTips {
  constructor(private readonly services: Services) {}

  /** Largest total of attachment ciphertext for `maxBytes` of plaintext in up to 5 files. */
  static ciphertextAllowance(sodium: SecretstreamSizes, maxBytes: number): number {
    const header = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES;
    const tag = sodium.crypto_secretstream_xchacha20poly1305_ABYTES;
    return maxBytes + MAX_ATTACHMENTS * (header + tag) + Math.ceil(maxBytes / tipCrypto.CHUNK) * tag;
  }

  get maxBytes(): number {
    return this.services.config.tipMaxBytes;
  }

  activeKey(): Promise<TipKeyInfo | undefined> {
    return this.services.tipKeys.active();
  }

  async issueToken(): Promise<string> {
    return issueFormToken((await this.services.tipKeys.line()).formKey);
  }

  async verifyToken(token: unknown): Promise<{ hash: string; expiresAt: Date }> {
    return verifyFormToken((await this.services.tipKeys.line()).formKey, token);
  }

  /**
   * Stores a new tip (no codename: one is made and returned) or a follow-up (the source's
   * canonical codename). The form token is spent in the same transaction.
   */
  async submit(submission: Submission, formToken: { hash: string; expiresAt: Date }, codename?: string): Promise<{ codename: string }> {
    const key = await this.activeKey();
    if (!key) throw new AppError('CONFLICT', 'This newsroom is not accepting tips through this page yet. Use one of the contacts shown on the page instead.');
    const sodium = await loadSodium();
    const message = submission.mode === 'browser' ? this.checkBrowser(sodium, key, submission) : await this.encryptPlain(sodium, key, submission);
    const name = codename ?? generateCodename();
    const { lookupSalt } = await this.services.tipKeys.line();
    const secrets = await deriveCodenameSecrets(name, lookupSalt);
    const replyKey = tipCrypto.replyKeyPair(sodium, secrets.replySeed);
    sodium.memzero(secrets.replySeed);
    sodium.memzero(replyKey.privateKey);
    await this.services.tipStore.addSourceMessage(secrets.lookup, tipCrypto.toBase64(sodium, replyKey.publicKey), message, { formToken });
    return { codename: name };
  }

  private checkBrowser(sodium: Sodium, key: TipKeyInfo, s: BrowserSubmission) {
    if (s.keyId !== key.id) {
      throw new AppError('CONFLICT', 'The newsroom’s tip key changed after this page was loaded. Reload the page and send your message again; copy your text first.');
    }
    if (s.sealed.length > MAX_SEALED_BYTES || !tipCrypto.looksSealed(sodium, s.sealed)) {
      throw new AppError('BAD_REQUEST', 'The encrypted message is malformed. Reload the page and try again.');
    }
    if (s.attachments.length > MAX_ATTACHMENTS) throw tooManyAttachments();
    for (const a of s.attachments) {
      if (!tipCrypto.looksLikeAttachment(sodium, a.length)) throw new AppError('BAD_REQUEST', 'An encrypted attachment is malformed. Reload the page and try again.');
    }
    const total = s.attachments.reduce((n, a) => n + a.length, 0);
    if (total > SourceTips.ciphertextAllowance(sodium, this.maxBytes)) throw tooLarge(this.maxBytes);
    return { keyId: key.id, sealed: s.sealed, encryptedIn: 'browser' as const, attachments: s.attachments };
  }

  /**
   * The no-JavaScript form: encrypted here, in memory, before anything is written. The plaintext
   * buffers are overwritten once encrypted (best effort: the HTTP parser's own chunks are
   * garbage-collected, never written anywhere).
   */
  private async encryptPlain(sodium: Sodium, key: TipKeyInfo, s: PlainSubmission) {
    const text = s.text.replace(/\r\n/g, '\n');
    if (text.length > MAX_TEXT) throw new AppError('PAYLOAD_TOO_LARGE', `The message is too long: at most ${MAX_TEXT.toLocaleString('en')} characters. Send the rest as an attachment or a follow-up.`);
    if (s.files.length > MAX_ATTACHMENTS) throw tooManyAttachments();
    const total = s.files.reduce((n, f) => n + f.data.length, 0);
    if (total > this.maxBytes) throw tooLarge(this.maxBytes);
    if (text.trim() === '' && s.files.length === 0) {
      throw new AppError('VALIDATION', 'Write a message or attach a file.', { details: { message: ['Write a message or attach a file.'] } });
    }
    const refs: AttachmentRef[] = [];
    const ciphertexts: Uint8Array[] = [];
    for (const f of s.files) {
      const { key: fileKey, ciphertext } = await tipCrypto.encryptAttachmentAsync(sodium, f.data, pause);
      refs.push({ name: cleanName(f.name), type: cleanType(f.type), size: f.data.length, key: fileKey });
      ciphertexts.push(ciphertext);
      f.data.fill(0);
    }
    const sealed = tipCrypto.sealMessage(sodium, tipCrypto.fromBase64(sodium, key.publicKey), { text, attachments: refs });
    return { keyId: key.id, sealed, encryptedIn: 'server' as const, attachments: ciphertexts };
  }

  /**
   * The newsroom's replies to a (canonical) codename. The same work whether or not a
   * conversation exists: both derivations, one conversation lookup, one message query.
   */
  async replies(codename: string): Promise<SourceReply[]> {
    const sodium = await loadSodium();
    const { lookupSalt } = await this.services.tipKeys.line();
    const secrets = await deriveCodenameSecrets(codename, lookupSalt);
    const pair = tipCrypto.replyKeyPair(sodium, secrets.replySeed);
    sodium.memzero(secrets.replySeed);
    try {
      const conversation = await this.services.tipStore.findByLookup(secrets.lookup);
      // A random id finds nothing, at the cost of the same query.
      const messages = await this.services.tipStore.messages(conversation?.id ?? tipId());
      const out: SourceReply[] = [];
      for (const m of messages) {
        if (m.author !== 'newsroom' || !m.sealed_for_source) continue;
        let text: string | undefined;
        try {
          text = tipCrypto.openMessage(sodium, new Uint8Array(m.sealed_for_source), pair).text;
        } catch {
          text = undefined;
        }
        out.push({ at: m.received_at, text });
      }
      return out;
    } finally {
      sodium.memzero(pair.privateKey);
    }
  }
}

function tooManyAttachments(): AppError {
  return new AppError('BAD_REQUEST', `Too many attachments: send at most ${MAX_ATTACHMENTS} files with one message (put more in a follow-up, or in a zip file).`);
}

/** A size limit as sources read it: "25 MB", "2.5 MB", "64 KB" (rounded down, never promising more). */
export function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (mb < 1) return `${Math.floor(bytes / 1024)} KB`;
  return `${mb >= 10 ? Math.floor(mb) : Math.floor(mb * 10) / 10} MB`;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The attachments are too large: at most ${megabytes(maxBytes)} in all.`);
}

/** A file name as the newsroom will see it: no path, no control characters, at most 255 characters. */
function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return Array.from(base || 'attachment').slice(0, 200).join('');
}

function cleanType(type: string): string {
  return /^[\w.+-]{1,100}\/[\w.+-]{1,100}$/.test(type) ? type : 'application/octet-stream';
}
