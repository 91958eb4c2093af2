/**
 * One-time form tokens for the tip line. A source has no session and gets no cookie, so the
 * usual double-submit CSRF token does not apply; instead every tip form carries a token signed
 * with the installation's form key (tip_line.form_key, shared by every node), with an expiry.
 * The signature and expiry are checked before a byte of any file is read; the token's hash is
 * spent in the same transaction that stores the message (TipStore.addSourceMessage), so a
 * replayed form is refused. Nothing in a token says who asked for it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';

/** Long enough to write a careful tip (and come back to it after lunch). */
export const FORM_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
/** The form field that carries the token; it must be the form's first field. */
export const FORM_TOKEN_FIELD = 'token';
/** Longest string accepted as a token before it is parsed. */
const MAX_TOKEN_LENGTH = 200;

function mac(formKeyBase64: string, body: string): Buffer {
  return createHmac('sha256', Buffer.from(formKeyBase64, 'base64')).update('freewire tip form\0').update(body).digest();
}

/** A fresh token: `<expiry ms>.<random>.<signature>`, base64url parts. */
export function issueFormToken(formKeyBase64: string, now: Date = new Date()): string {
  const body = `${now.getTime() + FORM_TOKEN_TTL_MS}.${randomBytes(18).toString('base64url')}`;
  return `${body}.${mac(formKeyBase64, body).toString('base64url')}`;
}

/**
 * Checks a token's signature and expiry. Returns what TipStore needs to spend it (a hash, never
 * the token itself), or throws a 4xx that says what to do.
 */
export function verifyFormToken(formKeyBase64: string, token: unknown, now: Date = new Date()): { hash: string; expiresAt: Date } {
  if (typeof token !== 'string' || token === '') {
    throw new AppError('BAD_REQUEST', 'The form is missing its security token. Reload the page and send your message again.');
  }
  const invalid = () => new AppError('FORBIDDEN', 'This form’s security token is not valid. Reload the page and send your message again.');
  if (token.length > MAX_TOKEN_LENGTH) throw invalid();
  const parts = token.split('.');
  if (parts.length !== 3 || !/^\d{1,16}$/.test(parts[0]!)) throw invalid();
  const expected = mac(formKeyBase64, `${parts[0]}.${parts[1]}`);
  const given = Buffer.from(parts[2]!, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  const expiresAt = new Date(Number(parts[0]));
  if (!(expiresAt.getTime() > now.getTime())) {
    throw new AppError('FORBIDDEN', 'This form has expired (forms are valid for 24 hours). Reload the page and send your message again; copy your text first.');
  }
  return { hash: createHash('sha256').update(token).digest('hex'), expiresAt };
}
